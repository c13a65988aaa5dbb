-- The authkit native schema. {{time}} and {{bigint}} are the engine's types.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    name           TEXT,
    email          TEXT UNIQUE,
    email_verified {{time}},
    image          TEXT,
    created_at     {{time}} NOT NULL,
    updated_at     {{time}} NOT NULL
);

CREATE TABLE accounts (
    user_id             TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type                TEXT NOT NULL,
    provider            TEXT NOT NULL,
    provider_account_id TEXT NOT NULL,
    refresh_token       TEXT,
    access_token        TEXT,
    expires_at          {{bigint}},
    token_type          TEXT,
    scope               TEXT,
    id_token            TEXT,
    session_state       TEXT,
    created_at          {{time}} NOT NULL,
    updated_at          {{time}} NOT NULL,
    PRIMARY KEY (provider, provider_account_id)
);
CREATE INDEX accounts_user_id ON accounts (user_id);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires    {{time}} NOT NULL,
    created_at {{time}} NOT NULL,
    updated_at {{time}} NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);

CREATE TABLE verification_tokens (
    identifier TEXT NOT NULL,
    token      TEXT NOT NULL,
    expires    {{time}} NOT NULL,
    PRIMARY KEY (identifier, token)
);

CREATE TABLE credentials (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at    {{time}} NOT NULL,
    updated_at    {{time}} NOT NULL
);

CREATE TABLE auth_events (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    user_id    TEXT,
    actor      TEXT,
    detail     TEXT,
    created_at {{time}} NOT NULL
);
CREATE INDEX auth_events_user_id ON auth_events (user_id, created_at);
CREATE INDEX auth_events_type ON auth_events (type, created_at);
