-- Espaces a structure's gestionnaire principal added (Raccordement EDI et API, Suivi des flux), and the
-- connection requests (raccordements) ops approve or refuse.

CREATE TABLE portal_structure_spaces (
  structure_id bigint NOT NULL REFERENCES directory_structures(id),
  space text NOT NULL CHECK (space IN ('raccordement', 'suivi')),
  added_by bigint NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (structure_id, space)
);

CREATE TABLE raccordements (
  id bigserial PRIMARY KEY,
  structure_id bigint NOT NULL REFERENCES directory_structures(id),
  partner text NOT NULL REFERENCES partners(code),
  requested_by bigint NOT NULL,
  mode text NOT NULL CHECK (mode IN ('SFTP', 'API')),
  contact_name text NOT NULL,
  contact_phone text NOT NULL DEFAULT '',
  contact_email text NOT NULL,
  contact_fax text NOT NULL DEFAULT '',
  comments text NOT NULL DEFAULT '',
  public_key text,
  password_hash text,
  state text NOT NULL DEFAULT 'DEMANDEE' CHECK (state IN ('DEMANDEE', 'VALIDEE', 'REFUSEE')),
  decision_comment text,
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX raccordements_structure ON raccordements (structure_id, id);
CREATE INDEX raccordements_state ON raccordements (state, id);
