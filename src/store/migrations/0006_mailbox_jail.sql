-- The mailbox jail (issue 14): a deposited entry that is not a regular file is recorded without its bytes
-- and refused at RECEPTION (`intake_refusal` = symlink, directory, fifo, socket, device, hardlink); a
-- file name that is not clean UTF-8 text is stored escaped in original_name and kept as bytes here.
ALTER TABLE flows ADD COLUMN intake_refusal text;
ALTER TABLE flows ADD COLUMN original_name_bytes bytea;

-- Partner changes reach every node: any change to partners bumps this counter, which every daemon polls
-- (a cheap one-row read every few seconds) and then reloads its partner list.
CREATE TABLE partners_version (
  id int PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO partners_version VALUES (1, 0);
CREATE FUNCTION partners_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE partners_version SET version = version + 1 WHERE id = 1; RETURN NULL; END $$;
CREATE TRIGGER partners_changed AFTER INSERT OR UPDATE OR DELETE ON partners FOR EACH STATEMENT EXECUTE FUNCTION partners_changed()
