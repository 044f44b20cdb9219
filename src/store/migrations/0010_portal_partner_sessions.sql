-- The partner sign-in's sessions (partner code + SFTP/API password) join the account sessions in
-- portal_sessions, so that every daemon on the database shares them and a restart keeps them.
ALTER TABLE portal_sessions ADD COLUMN partner_code text
;
ALTER TABLE portal_sessions DROP CONSTRAINT portal_sessions_check
;
ALTER TABLE portal_sessions ADD CONSTRAINT portal_sessions_subject
  CHECK (num_nonnulls(account_id, directory_user_id, partner_code) = 1)
