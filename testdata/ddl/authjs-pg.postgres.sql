-- Tables of @auth/pg-adapter 1.11.3 (Auth.js PostgreSQL adapter, "pg" profile).
--
-- The npm package ships no schema.sql. This file follows the schema.sql that the
-- adapter documents (packages/adapter-pg/schema.sql in nextauthjs/next-auth, also
-- shown on authjs.dev/getting-started/adapters/pg) as described in
-- shared/reference/authjs-interop.md section 4.1: same tables, columns, types and
-- keys; no foreign keys and no unique constraints besides the primary keys.
-- Only difference: the upstream file starts with the psql meta-command
-- `\set ON_ERROR_STOP true`, left out here so that plain SQL clients can run it.
-- Used by `node interop/pg-adapter.mjs schema`.

CREATE TABLE verification_token
(
  identifier TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,

  PRIMARY KEY (identifier, token)
);

CREATE TABLE accounts
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  type VARCHAR(255) NOT NULL,
  provider VARCHAR(255) NOT NULL,
  "providerAccountId" VARCHAR(255) NOT NULL,
  refresh_token TEXT,
  access_token TEXT,
  expires_at BIGINT,
  id_token TEXT,
  scope TEXT,
  session_state TEXT,
  token_type TEXT,

  PRIMARY KEY (id)
);

CREATE TABLE sessions
(
  id SERIAL,
  "userId" INTEGER NOT NULL,
  expires TIMESTAMPTZ NOT NULL,
  "sessionToken" VARCHAR(255) NOT NULL,

  PRIMARY KEY (id)
);

CREATE TABLE users
(
  id SERIAL,
  name VARCHAR(255),
  email VARCHAR(255),
  "emailVerified" TIMESTAMPTZ,
  image TEXT,

  PRIMARY KEY (id)
);
