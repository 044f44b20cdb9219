-- Portal user accounts (people, distinct from partners), their one-time mail links and their sessions.
-- Each account gets its own technical partner (code U + 7 digits, inactive until a raccordement is
-- approved) which owns its matelas de données and its flows.

CREATE SEQUENCE portal_account_seq;

CREATE TABLE portal_accounts (
  id bigint PRIMARY KEY DEFAULT nextval('portal_account_seq'),
  login_email text NOT NULL UNIQUE CHECK (login_email = lower(login_email)),
  nom text NOT NULL,
  prenom text NOT NULL,
  contact_email text,
  adresse text NOT NULL DEFAULT '',
  complement text NOT NULL DEFAULT '',
  code_postal text NOT NULL DEFAULT '',
  ville text NOT NULL DEFAULT '',
  pays text NOT NULL DEFAULT '',
  telephone text NOT NULL DEFAULT '',
  fax text NOT NULL DEFAULT '',
  partner text NOT NULL UNIQUE REFERENCES partners(code),
  password_hash text,
  secret_question text,
  secret_answer_hash text,
  activated_at timestamptz,
  failed_logins int NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One-time links sent by mail: only the SHA-256 of the token is stored.
CREATE TABLE portal_tokens (
  token_hash text PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES portal_accounts(id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('activation', 'reset')),
  expires_at timestamptz NOT NULL,
  answered_at timestamptz,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX portal_tokens_account ON portal_tokens (account_id, purpose);

-- Sessions shared by every daemon: the cookie holds a random id, the table its SHA-256.
-- A session belongs to a portal account or to a matelas test user (directory_users).
CREATE TABLE portal_sessions (
  id_hash text PRIMARY KEY,
  account_id bigint REFERENCES portal_accounts(id) ON DELETE CASCADE,
  directory_user_id bigint,
  csrf text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  CHECK ((account_id IS NULL) <> (directory_user_id IS NULL))
);

-- Failed sign-ins of matelas test users (their accounts live in directory_users).
CREATE TABLE portal_login_failures (
  login text PRIMARY KEY,
  failures int NOT NULL DEFAULT 0,
  locked_until timestamptz
);

-- Secrets shared by the daemons (HMAC key of the anti-robot question).
CREATE TABLE portal_secrets (
  name text PRIMARY KEY,
  value text NOT NULL
);
