-- Large contents as files (issue 14, item 4): on PGlite with a data folder, a flow's bytes above
-- LARGE_DOCUMENT_BYTES are kept in `<dataDir>/content/<2 hex>/<sha256>` (src/store/content-files.ts): a
-- 30 Mo `bytea` grew PGlite's WebAssembly memory by ~80 Mo, which never shrinks. Such a row holds no
-- bytes and the file's size; every other row holds its bytes, as before (PostgreSQL always: several
-- nodes read the same database, not the same disk).
ALTER TABLE flow_content ALTER COLUMN bytes DROP NOT NULL
;
ALTER TABLE flow_content ADD COLUMN file_size bigint
;
ALTER TABLE flow_content ADD CONSTRAINT flow_content_bytes_or_file CHECK ((bytes IS NULL) <> (file_size IS NULL))
