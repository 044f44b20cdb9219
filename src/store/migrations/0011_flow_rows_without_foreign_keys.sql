-- Cheaper writes on the flow path (issue 13): every flow writes three history lines, six stage outcomes
-- and a compte-rendu, and each of those rows had its foreign key checked against `flows` (a lookup and
-- a row lock on the flow, through a trigger, at every row). They are written only by the statements
-- that record or update their flow (the same statement or transaction, with the flow's own id), and no
-- flow is ever deleted (retention drops the bytes, not the record): the checks guarded nothing. The
-- indexes that read these rows by flow stay. `flows.partner` keeps its key (intake of a partner code).
ALTER TABLE flow_history DROP CONSTRAINT IF EXISTS flow_history_flow_id_fkey
;
ALTER TABLE flow_stages DROP CONSTRAINT IF EXISTS flow_stages_flow_id_fkey
;
ALTER TABLE return_flows DROP CONSTRAINT IF EXISTS return_flows_flow_id_fkey
