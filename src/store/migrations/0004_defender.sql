-- The defender's memory, shared by every node: failed sign-ins counted per source address and per
-- account, and temporary bans (see src/gateway/defender.ts). `failures` counts attempts reserved in the
-- current window (an attempt is counted before its password is checked, so parallel attempts cannot
-- overshoot the limit); a success resets it.
CREATE TABLE defender_records (
  kind text NOT NULL CHECK (kind IN ('address', 'account')),
  key text NOT NULL,
  failures int NOT NULL DEFAULT 0,
  window_start timestamptz NOT NULL DEFAULT now(),
  banned_until timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, key)
);
CREATE INDEX defender_records_updated ON defender_records (updated_at);
