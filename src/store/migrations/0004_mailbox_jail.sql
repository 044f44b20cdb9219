-- The mailbox jail (issue 14): a deposited entry that is not a regular file is recorded without its bytes
-- and refused at RECEPTION (`intake_refusal` = symlink, directory, fifo, socket, device, hardlink); a
-- file name that is not clean UTF-8 text is stored escaped in original_name and kept as bytes here.
ALTER TABLE flows ADD COLUMN intake_refusal text;
ALTER TABLE flows ADD COLUMN original_name_bytes bytea
