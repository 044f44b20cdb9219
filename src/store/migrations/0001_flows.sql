-- Partners, flows, their stage outcomes and return flows.
CREATE TABLE partners (
  code text PRIMARY KEY,
  name text NOT NULL,
  return_syntax text NOT NULL DEFAULT 'CPPStatut' CHECK (return_syntax IN ('CPPStatut', 'AIFEStatut')),
  active boolean NOT NULL DEFAULT true,
  signed boolean NOT NULL DEFAULT false,
  sftp_password_hash text,
  sftp_authorized_keys text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The 15-digit counter of flow numbers (CPP001 + interface + counter).
CREATE SEQUENCE flow_counter;

-- Original bytes, content-addressed, so any node can (re)process any flow.
CREATE TABLE flow_content (
  sha256 text PRIMARY KEY,
  bytes bytea NOT NULL
);

CREATE TABLE flows (
  id bigserial PRIMARY KEY,
  flow_number text UNIQUE,
  box text NOT NULL CHECK (box IN ('depot', 'analyse')),
  partner text NOT NULL REFERENCES partners(code),
  original_name text NOT NULL,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  stored boolean NOT NULL,
  signature_sha256 text,
  spool_key text NOT NULL UNIQUE,
  transport text NOT NULL,
  declared_interface text,
  declared_signed boolean,
  interface_code text,
  syntax text,
  syntaxe_flux text,
  profile text,
  state text NOT NULL,
  status_code text,
  waiting_for text,
  received_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX flows_partner_sha ON flows (partner, sha256);
CREATE INDEX flows_state ON flows (state);
CREATE INDEX flows_partner_received ON flows (partner, received_at);

-- The outcome of every stage of a flow's last run, with its timing.
CREATE TABLE flow_stages (
  flow_id bigint NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
  seq int NOT NULL,
  stage text NOT NULL,
  outcome text NOT NULL,
  findings jsonb NOT NULL DEFAULT '[]',
  started_at timestamptz NOT NULL,
  duration_ms double precision NOT NULL,
  PRIMARY KEY (flow_id, stage)
);

-- Every state a flow went through.
CREATE TABLE flow_history (
  id bigserial PRIMARY KEY,
  flow_id bigint NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
  state text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  note text
);
CREATE INDEX flow_history_flow ON flow_history (flow_id);

-- Return flows (comptes-rendus, analysis reports, lifecycle statuses): composed once, delivered once.
CREATE TABLE return_flows (
  id bigserial PRIMARY KEY,
  flow_id bigint REFERENCES flows(id) ON DELETE CASCADE,
  partner text NOT NULL,
  kind text NOT NULL,
  file_name text NOT NULL,
  content text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
-- An analysis report of the same file name replaces the earlier one; every other name is written once.
CREATE UNIQUE INDEX return_flows_name ON return_flows (partner, file_name) WHERE kind <> 'analyse';
CREATE UNIQUE INDEX return_flows_one_report ON return_flows (flow_id) WHERE kind = 'compte-rendu';
CREATE INDEX return_flows_pending ON return_flows (created_at) WHERE delivered_at IS NULL
