-- Cheaper writes on the flow path (issue 13): every flow is inserted once and updated twice in `flows`,
-- and its compte-rendu inserted once and marked delivered once in `return_flows`.

-- `state` changes on both updates of a flow: an index on it (or naming it in a predicate) makes every
-- update write a new entry in every index of the table instead of a heap-only (HOT) update on the same
-- page. Flows waiting for a schema set (looked for every few seconds) are found by `waiting_for`
-- instead, which stays NULL on every other flow, so the updates of those leave this index alone.
-- Other listings by state (admin, CLI) scan the table.
DROP INDEX IF EXISTS flows_state;
CREATE INDEX flows_waiting ON flows (id) WHERE waiting_for IS NOT NULL;
-- Written for every flow, read by no query.
DROP INDEX IF EXISTS flows_partner_received;
-- Room on each page for the new versions of its rows, so the two updates of a flow stay on its page.
ALTER TABLE flows SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
-- Marked delivered once each (not HOT: the pending index names delivered_at, and recovery needs it).
ALTER TABLE return_flows SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);

-- The flow bytes (deduplicated by hash) are compressed with lz4 instead of pglz: inserting 3,000
-- 21 KB UBL invoices took 0.21 ms each and 18 MB with pglz, 0.14 ms and 24 MB with lz4, 0.17-0.21 ms
-- and 131 MB with STORAGE EXTERNAL (no compression: five times the WAL to write and sync).
-- Where lz4 is not built in (PGlite) or not known (PostgreSQL before 14), the bytes are stored out of
-- line uncompressed.
DO $$ BEGIN EXECUTE 'ALTER TABLE flow_content ALTER COLUMN bytes SET COMPRESSION lz4'; EXCEPTION WHEN feature_not_supported OR syntax_error THEN ALTER TABLE flow_content ALTER COLUMN bytes SET STORAGE EXTERNAL; END $$;
