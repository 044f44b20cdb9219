-- The Chorus Pro directory (structures, services, commitments, users from the matelas de données),
-- the matelas state of each partner, integrated invoices and their status history.

CREATE TABLE matelas (
  partner text PRIMARY KEY REFERENCES partners(code),
  state text NOT NULL DEFAULT 'Pas de matelas' CHECK (state IN ('Pas de matelas', 'Création', 'Terminé')),
  file_path text,
  -- Active sets. Set numbers are never reused, even after a reset, so identifiers stay unique.
  sets int[] NOT NULL DEFAULT '{}',
  last_set int NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE directory_structures (
  id bigint PRIMARY KEY,
  siret text NOT NULL UNIQUE CHECK (siret ~ '^[0-9]{14}$'),
  name text NOT NULL,
  partner text NOT NULL REFERENCES partners(code),
  set_no int NOT NULL,
  kind text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  code_service_doit_etre_renseigne boolean NOT NULL DEFAULT false,
  numero_ej_doit_etre_renseigne boolean NOT NULL DEFAULT false,
  gestion_numero_ej_ou_code_service boolean NOT NULL DEFAULT false,
  -- Roles: a structure may issue invoices (supplier), receive them (public recipient), or both.
  issues_invoices boolean NOT NULL DEFAULT false,
  receives_invoices boolean NOT NULL DEFAULT true,
  retired boolean NOT NULL DEFAULT false
);
CREATE INDEX directory_structures_partner ON directory_structures (partner, set_no);

CREATE TABLE directory_services (
  id bigint PRIMARY KEY,
  structure_id bigint NOT NULL REFERENCES directory_structures(id),
  code text NOT NULL,
  name text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  ej_required boolean NOT NULL DEFAULT false,
  UNIQUE (structure_id, code)
);

CREATE TABLE directory_commitments (
  number text NOT NULL,
  structure_id bigint NOT NULL REFERENCES directory_structures(id),
  service_code text,
  PRIMARY KEY (structure_id, number)
);

-- Qualification accounts: the passwords are test data the platform hands out in clear in the matelas.
CREATE TABLE directory_users (
  id bigint PRIMARY KEY,
  structure_id bigint NOT NULL REFERENCES directory_structures(id),
  role text NOT NULL CHECK (role IN ('GP', 'UTILISATEUR')),
  login text NOT NULL UNIQUE,
  password text NOT NULL
);

-- identifiantFactureCPP of integrated invoices. Matelas invoices carry their own ids (>= 10^12).
CREATE SEQUENCE invoice_id_seq;

CREATE TABLE invoices (
  id bigint PRIMARY KEY DEFAULT nextval('invoice_id_seq'),
  flow_id bigint REFERENCES flows(id) ON DELETE SET NULL,
  partner text NOT NULL REFERENCES partners(code),
  supplier_identifier text NOT NULL,
  supplier_type text NOT NULL DEFAULT '1',
  supplier_name text,
  recipient_siret text NOT NULL,
  service_code text,
  commitment_number text,
  number text NOT NULL,
  invoice_date date,
  type_code text,
  cadre text,
  currency text,
  amount_ht numeric(19, 6),
  amount_ttc numeric(19, 6),
  amount_net numeric(19, 6),
  status text NOT NULL,
  from_matelas boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_supplier_number ON invoices (supplier_identifier, number);
CREATE INDEX invoices_partner ON invoices (partner, created_at);
CREATE INDEX invoices_recipient ON invoices (recipient_siret);
CREATE INDEX invoices_flow ON invoices (flow_id);

CREATE TABLE invoice_status_history (
  id bigserial PRIMARY KEY,
  invoice_id bigint NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
  status text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  comment text,
  who text
);
CREATE INDEX invoice_status_history_invoice ON invoice_status_history (invoice_id, id)
