/**
 * The Chorus Pro directory: every SQL statement about structures, services, commitments, users and the
 * matelas state, and the lookups routing reads them through. The records the matelas generator produces
 * are declared here (the store is the lower floor; the platform imports them). The invoices themselves
 * are in invoices.ts.
 */
import type { Db, Queryable } from './db.ts';
import { createInvoice, type NewInvoice } from './invoices.ts';
import { scalarText, type Row } from './rows.ts';

/** The 12 structure kinds of the matelas (the 13th and 14th entities are invoices and commitments). */
export const STRUCTURE_KINDS = [
  'Fournisseur Partenaire',
  'Valideur Partenaire',
  'Destinataire Partenaire',
  'MOE Partenaire',
  'MOA Partenaire',
  'Destinataire 2',
  'Destinataire Etat',
  'Destinataire avec service obligatoire',
  'Destinataire avec EJ obligatoire',
  'Destinataire avec services avec et sans EJ obligatoire',
  'Destinataire avec EJ ou service obligatoire',
  'Destinataire sans paramètre',
] as const;
export type StructureKind = (typeof STRUCTURE_KINDS)[number];

/**
 * Kinds that issue invoices (co-contractors validate and issue); every other kind is a public structure
 * an invoice can be addressed to (MOE/MOA receive works invoices). The matelas sets the roles from the
 * kind; a hand-made directory entry may hold both (a public entity invoicing another one).
 */
export const SUPPLIER_KINDS: readonly StructureKind[] = ['Fournisseur Partenaire', 'Valideur Partenaire'];

export interface DirectoryStructure {
  id: number;
  siret: string;
  name: string;
  kind: StructureKind;
  active: boolean;
  codeServiceDoitEtreRenseigne: boolean;
  numeroEjDoitEtreRenseigne: boolean;
  gestionNumeroEjOuCodeService: boolean;
  /** May be the supplier (BT-30) of invoices its partner deposits. */
  issuesInvoices: boolean;
  /** May be the recipient (BT-47) of invoices. */
  receivesInvoices: boolean;
}
export interface StoredStructure extends DirectoryStructure {
  partner: string;
  set: number;
  retired: boolean;
}
export interface DirectoryService {
  id: number;
  structureId: number;
  code: string;
  name: string;
  active: boolean;
  ejRequired: boolean;
}
export interface DirectoryCommitment {
  number: string;
  structureId: number;
  serviceCode?: string;
}
export interface DirectoryUser {
  id: number;
  structureId: number;
  role: 'GP' | 'UTILISATEUR';
  login: string;
  password: string;
}
/** One matelas set as the generator produces it and the directory stores it. */
export interface DirectoryData {
  partner: string;
  set: number;
  structures: DirectoryStructure[];
  services: DirectoryService[];
  commitments: DirectoryCommitment[];
  users: DirectoryUser[];
  /** Invoices already on the platform (entity `Facture`), recorded as `from_matelas`. */
  invoices: NewInvoice[];
}

export type MatelasState = 'Pas de matelas' | 'Création' | 'Terminé';
export interface MatelasRecord {
  partner: string;
  state: MatelasState;
  filePath: string | null;
  sets: number[];
  lastSet: number;
  updatedAt: Date;
}

// ---------------------------------------------------------------------------------------------
// Matelas state

function toMatelas(r: Row): MatelasRecord {
  return {
    partner: String(r.partner),
    state: r.state as MatelasState,
    filePath: (r.file_path as string | null) ?? null,
    sets: ((r.sets as unknown[]) ?? []).map(Number),
    lastSet: Number(r.last_set),
    updatedAt: r.updated_at as Date,
  };
}

export async function getMatelas(q: Queryable, partner: string): Promise<MatelasRecord> {
  const r = await q.query<Row>('SELECT * FROM matelas WHERE partner = $1', [partner]);
  return matelasOrNone(partner, r.rows[0]);
}

/** A matelas row (or its to_jsonb form), or the "Pas de matelas" record when the partner has none. */
export function matelasOrNone(partner: string, row: Row | null | undefined): MatelasRecord {
  if (row) return toMatelas(row);
  return { partner, state: 'Pas de matelas', filePath: null, sets: [], lastSet: 0, updatedAt: new Date(0) };
}

/**
 * Reserves the next set number and marks the matelas "Création" (Créer and Étendre both start here).
 * Numbers only grow, so a set generated after a reset never reuses retired identifiers.
 */
export async function beginMatelasSet(q: Queryable, partner: string): Promise<number> {
  const r = await q.query<{ last_set: number }>(
    `INSERT INTO matelas (partner, state, last_set) VALUES ($1, 'Création', 1)
     ON CONFLICT (partner) DO UPDATE SET state = 'Création', last_set = matelas.last_set + 1, updated_at = now()
     RETURNING last_set`,
    [partner],
  );
  return Number(r.rows[0]!.last_set);
}

export async function setMatelasState(
  q: Queryable,
  partner: string,
  state: MatelasState,
  filePath?: string,
): Promise<void> {
  await q.query(
    `INSERT INTO matelas (partner, state, file_path) VALUES ($1, $2, $3)
     ON CONFLICT (partner) DO UPDATE SET state = $2, file_path = COALESCE($3, matelas.file_path), updated_at = now()`,
    [partner, state, filePath ?? null],
  );
}

// ---------------------------------------------------------------------------------------------
// Directory

/** Seeds one matelas set in one transaction and adds it to the partner's active sets. */
export async function seedDirectory(db: Db, partner: string, set: number, data: DirectoryData): Promise<void> {
  await db.transaction(async (tx) => {
    // One statement per table (unnest over arrays): a set is ~650 rows, row-by-row is seconds on PGlite.
    const st = data.structures;
    await tx.query(
      `INSERT INTO directory_structures (id, siret, name, partner, set_no, kind, active, code_service_doit_etre_renseigne,
         numero_ej_doit_etre_renseigne, gestion_numero_ej_ou_code_service, issues_invoices, receives_invoices)
       SELECT id, siret, name, $4, $5, kind, active, cs, ej, ejs, iss, rec
       FROM unnest($1::bigint[], $2::text[], $3::text[], $6::text[], $7::boolean[], $8::boolean[], $9::boolean[], $10::boolean[], $11::boolean[], $12::boolean[])
         AS t(id, siret, name, kind, active, cs, ej, ejs, iss, rec)`,
      [
        st.map((x) => x.id),
        st.map((x) => x.siret),
        st.map((x) => x.name),
        partner,
        set,
        st.map((x) => x.kind),
        st.map((x) => x.active),
        st.map((x) => x.codeServiceDoitEtreRenseigne),
        st.map((x) => x.numeroEjDoitEtreRenseigne),
        st.map((x) => x.gestionNumeroEjOuCodeService),
        st.map((x) => x.issuesInvoices),
        st.map((x) => x.receivesInvoices),
      ],
    );
    const sv = data.services;
    await tx.query(
      `INSERT INTO directory_services (id, structure_id, code, name, active, ej_required)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::boolean[], $6::boolean[])`,
      [
        sv.map((x) => x.id),
        sv.map((x) => x.structureId),
        sv.map((x) => x.code),
        sv.map((x) => x.name),
        sv.map((x) => x.active),
        sv.map((x) => x.ejRequired),
      ],
    );
    const cm = data.commitments;
    await tx.query(
      'INSERT INTO directory_commitments (number, structure_id, service_code) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])',
      [cm.map((x) => x.number), cm.map((x) => x.structureId), cm.map((x) => x.serviceCode ?? null)],
    );
    const us = data.users;
    await tx.query(
      'INSERT INTO directory_users (id, structure_id, role, login, password) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])',
      [
        us.map((x) => x.id),
        us.map((x) => x.structureId),
        us.map((x) => x.role),
        us.map((x) => x.login),
        us.map((x) => x.password),
      ],
    );
    for (const inv of data.invoices) await createInvoice(tx, { ...inv, partner, fromMatelas: true });
    await tx.query(
      `INSERT INTO matelas (partner, state, sets, last_set) VALUES ($1, 'Terminé', ARRAY[$2::int], $2)
       ON CONFLICT (partner) DO UPDATE SET state = 'Terminé', sets = array_append(array_remove(matelas.sets, $2::int), $2::int),
         last_set = GREATEST(matelas.last_set, $2), updated_at = now()`,
      [partner, set],
    );
  });
}

/** Réinitialiser: the partner's structures are retired (unknown to routing); flows and invoices stay readable. */
export async function retireMatelas(db: Db, partner: string): Promise<number> {
  return db.transaction(async (tx) => {
    const r = await tx.query<{ id: number }>(
      'UPDATE directory_structures SET retired = true WHERE partner = $1 AND NOT retired RETURNING id',
      [partner],
    );
    await tx.query(
      `INSERT INTO matelas (partner) VALUES ($1)
       ON CONFLICT (partner) DO UPDATE SET state = 'Pas de matelas', sets = '{}', file_path = NULL, updated_at = now()`,
      [partner],
    );
    return r.rows.length;
  });
}

function toStructure(r: Row): StoredStructure {
  return {
    id: Number(r.id),
    siret: String(r.siret),
    name: String(r.name),
    kind: r.kind as StructureKind,
    active: Boolean(r.active),
    codeServiceDoitEtreRenseigne: Boolean(r.code_service_doit_etre_renseigne),
    numeroEjDoitEtreRenseigne: Boolean(r.numero_ej_doit_etre_renseigne),
    gestionNumeroEjOuCodeService: Boolean(r.gestion_numero_ej_ou_code_service),
    issuesInvoices: Boolean(r.issues_invoices),
    receivesInvoices: Boolean(r.receives_invoices),
    partner: String(r.partner),
    set: Number(r.set_no),
    retired: Boolean(r.retired),
  };
}

/** Retired structures are returned too (with `retired`): callers decide; routing treats them as unknown. */
export async function findStructureBySiret(q: Queryable, siret: string): Promise<StoredStructure | undefined> {
  const r = await q.query<Row>('SELECT * FROM directory_structures WHERE siret = $1', [siret]);
  return r.rows[0] ? toStructure(r.rows[0]) : undefined;
}

export async function listStructures(
  q: Queryable,
  partner: string,
  opts: { includeRetired?: boolean } = {},
): Promise<StoredStructure[]> {
  const r = await q.query<Row>(
    `SELECT * FROM directory_structures WHERE partner = $1 ${opts.includeRetired ? '' : 'AND NOT retired'} ORDER BY set_no, id`,
    [partner],
  );
  return r.rows.map(toStructure);
}

/** The supplier structure `identifier` (a SIRET) if it belongs to `partner`'s active matelas and may issue invoices. */
export async function findPartnerSupplier(
  q: Queryable,
  partner: string,
  identifier: string,
): Promise<StoredStructure | undefined> {
  const r = await q.query<Row>(
    'SELECT * FROM directory_structures WHERE partner = $1 AND siret = $2 AND NOT retired AND issues_invoices',
    [partner, identifier],
  );
  return r.rows[0] ? toStructure(r.rows[0]) : undefined;
}

export async function findService(
  q: Queryable,
  structureId: number,
  code: string,
): Promise<DirectoryService | undefined> {
  const r = await q.query<Row>('SELECT * FROM directory_services WHERE structure_id = $1 AND code = $2', [
    structureId,
    code,
  ]);
  return r.rows[0] ? toService(r.rows[0]) : undefined;
}

function toService(s: Row): DirectoryService {
  return {
    id: Number(s.id),
    structureId: Number(s.structure_id),
    code: String(s.code),
    name: String(s.name),
    active: Boolean(s.active),
    ejRequired: Boolean(s.ej_required),
  };
}

export async function findCommitment(
  q: Queryable,
  structureId: number,
  number: string,
): Promise<DirectoryCommitment | undefined> {
  const r = await q.query<Row>('SELECT * FROM directory_commitments WHERE structure_id = $1 AND number = $2', [
    structureId,
    number,
  ]);
  return r.rows[0] ? toCommitment(r.rows[0]) : undefined;
}

function toCommitment(c: Row): DirectoryCommitment {
  const out: DirectoryCommitment = { number: String(c.number), structureId: Number(c.structure_id) };
  if (c.service_code != null) out.serviceCode = scalarText(c.service_code);
  return out;
}

export async function findUserByLogin(q: Queryable, login: string): Promise<DirectoryUser | undefined> {
  const r = await q.query<Row>('SELECT * FROM directory_users WHERE login = $1', [login]);
  const u = r.rows[0];
  if (!u) return undefined;
  return {
    id: Number(u.id),
    structureId: Number(u.structure_id),
    role: u.role as DirectoryUser['role'],
    login: String(u.login),
    password: String(u.password),
  };
}

/** Every structure of the partner's active matelas with this SIRET (Cycle de vie deposits). */
export async function partnerOwnsSiret(q: Queryable, partner: string, siret: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM directory_structures WHERE partner = $1 AND siret = $2 AND NOT retired', [
    partner,
    siret,
  ]);
  return r.rows.length > 0;
}

/** What routing may ask of the directory about one flow's invoices (see readRoutingDirectory). */
export interface RoutingDirectoryRequest {
  partner: string;
  /** Recipient SIRETs (BT-47). */
  recipients: string[];
  /** Supplier identifiers (BT-30). */
  suppliers: string[];
  serviceCodes: string[];
  commitmentNumbers: string[];
  /** Supplier and invoice number pairs to look for among integrated invoices. */
  invoices: Array<{ supplier: string; number: string }>;
  /** Invoices of this flow do not count as duplicates (a run replayed after a crash finds its own). */
  exceptFlowId?: number;
}

export interface RoutingDirectory {
  /** The recipients' structures, retired ones included. */
  structures: StoredStructure[];
  /** The suppliers that are structures of the partner's active matelas and may issue invoices. */
  partnerSuppliers: string[];
  /** Services of the recipients' structures among the codes asked. */
  services: DirectoryService[];
  /** Commitments of the recipients' structures among the numbers asked. */
  commitments: DirectoryCommitment[];
  /** The pairs asked that are already integrated. */
  duplicates: Array<{ supplier: string; number: string }>;
}

/**
 * Everything the routing rules may read about one flow's invoices, in one statement (one round trip
 * whatever the number of invoices): the same rows findStructureBySiret, findPartnerSupplier,
 * findService, findCommitment and findDuplicateInvoice would return one by one.
 */
export async function readRoutingDirectory(q: Queryable, req: RoutingDirectoryRequest): Promise<RoutingDirectory> {
  const r = await q.query<Record<'structures' | 'suppliers' | 'services' | 'commitments' | 'duplicates', Row[]>>(
    `SELECT
       (SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]'::jsonb) FROM directory_structures s
         WHERE s.siret = ANY($2::text[])) AS structures,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('siret', s.siret)), '[]'::jsonb) FROM directory_structures s
         WHERE s.partner = $1 AND s.siret = ANY($3::text[]) AND NOT s.retired AND s.issues_invoices) AS suppliers,
       (SELECT coalesce(jsonb_agg(to_jsonb(v)), '[]'::jsonb) FROM directory_services v
         JOIN directory_structures s ON s.id = v.structure_id
         WHERE s.siret = ANY($2::text[]) AND v.code = ANY($4::text[])) AS services,
       (SELECT coalesce(jsonb_agg(to_jsonb(c)), '[]'::jsonb) FROM directory_commitments c
         JOIN directory_structures s ON s.id = c.structure_id
         WHERE s.siret = ANY($2::text[]) AND c.number = ANY($5::text[])) AS commitments,
       (SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('supplier', i.supplier_identifier, 'number', i.number)), '[]'::jsonb)
         FROM invoices i JOIN unnest($6::text[], $7::text[]) AS k(supplier, number)
           ON i.supplier_identifier = k.supplier AND i.number = k.number
         WHERE $8::bigint IS NULL OR i.flow_id IS NULL OR i.flow_id <> $8) AS duplicates`,
    [
      req.partner,
      req.recipients,
      req.suppliers,
      req.serviceCodes,
      req.commitmentNumbers,
      req.invoices.map((i) => i.supplier),
      req.invoices.map((i) => i.number),
      req.exceptFlowId ?? null,
    ],
  );
  const row = r.rows[0]!;
  return {
    structures: row.structures.map(toStructure),
    partnerSuppliers: row.suppliers.map((s) => String(s.siret)),
    services: row.services.map(toService),
    commitments: row.commitments.map(toCommitment),
    duplicates: row.duplicates.map((d) => ({ supplier: String(d.supplier), number: String(d.number) })),
  };
}

/** Adds services and commitments to structures already in the directory (a hand-made directory, tests). */
export async function addDirectoryEntries(
  db: Db,
  data: { services?: DirectoryService[]; commitments?: DirectoryCommitment[] },
): Promise<void> {
  await db.transaction(async (tx) => {
    for (const s of data.services ?? [])
      await tx.query(
        'INSERT INTO directory_services (id, structure_id, code, name, active, ej_required) VALUES ($1, $2, $3, $4, $5, $6)',
        [s.id, s.structureId, s.code, s.name, s.active, s.ejRequired],
      );
    for (const c of data.commitments ?? [])
      await tx.query('INSERT INTO directory_commitments (number, structure_id, service_code) VALUES ($1, $2, $3)', [
        c.number,
        c.structureId,
        c.serviceCode ?? null,
      ]);
  });
}
