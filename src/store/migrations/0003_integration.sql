-- Integration of deposited invoices: an invoice is keyed on its flow and its position in the flow, so a
-- run replayed after a crash finds it instead of creating it twice.
ALTER TABLE invoices ADD COLUMN flow_position int;
CREATE UNIQUE INDEX invoices_flow_position ON invoices (flow_id, flow_position) WHERE flow_id IS NOT NULL AND flow_position IS NOT NULL;
