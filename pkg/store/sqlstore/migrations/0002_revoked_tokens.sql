-- JWT sessions with revocation: the ids (jti) of signed-out or revoked
-- tokens, kept until the token would have expired anyway.
CREATE TABLE revoked_tokens (
    jti        TEXT PRIMARY KEY,
    user_id    TEXT,
    expires    {{time}} NOT NULL,
    revoked_at {{time}} NOT NULL
);
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires);
CREATE INDEX revoked_tokens_user_id ON revoked_tokens (user_id);
