/**
 * The Chorus Pro directory and integrated invoices: every SQL statement about structures, services,
 * commitments, users, matelas state, invoices and their status history. The records the matelas
 * generator produces are declared here (the store is the lower floor; the platform imports them).
 */
import type { Db, Queryable } from './db.ts';

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
export function isRecipientKind(kind: string): boolean {
  return !(SUPPLIER_KINDS as readonly string[]).includes(kind);
}

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
/** What an invoice needs to be recorded, from a deposit or from the matelas. */
export interface NewInvoice {
  /** Given for matelas invoices (their id is in the CSV); absent = next value of the sequence. */
  id?: number;
  flowId?: number | null;
  partner: string;
  supplierIdentifier: string;
  supplierType?: string;
  supplierName?: string;
  recipientSiret: string;
  serviceCode?: string;
  commitmentNumber?: string;
  number: string;
  /** `YYYY-MM-DD`. */
  date?: string;
  typeCode?: string;
  cadre?: string;
  currency?: string;
  /** Decimal strings, kept exact. */
  amountHt?: string;
  amountTtc?: string;
  amountNet?: string;
  status: string;
  fromMatelas?: boolean;
  /** Position of the invoice in its flow (1-based): with flowId, the key that makes integration idempotent. */
  flowPosition?: number;
}
export interface InvoiceRecord {
  id: number;
  flowId: number | null;
  partner: string;
  supplierIdentifier: string;
  supplierType: string;
  supplierName: string | null;
  recipientSiret: string;
  serviceCode: string | null;
  commitmentNumber: string | null;
  number: string;
  date: string | null;
  typeCode: string | null;
  cadre: string | null;
  currency: string | null;
  amountHt: string | null;
  amountTtc: string | null;
  amountNet: string | null;
  status: string;
  fromMatelas: boolean;
  flowPosition: number | null;
  createdAt: Date;
  updatedAt: Date;
}
export interface InvoiceStatusEvent {
  status: string;
  at: Date;
  comment: string | null;
  who: string | null;
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

type Row = Record<string, unknown>;

export function toMatelas(r: Row): MatelasRecord {
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
    for (const inv of data.invoices) await insertInvoice(tx, { ...inv, partner, fromMatelas: true });
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

// ---------------------------------------------------------------------------------------------
// Invoices

const INVOICE_COLUMNS = `id, flow_id, partner, supplier_identifier, supplier_type, supplier_name, recipient_siret, service_code,
  commitment_number, number, to_char(invoice_date, 'YYYY-MM-DD') AS invoice_date, type_code, cadre, currency,
  amount_ht::text AS amount_ht, amount_ttc::text AS amount_ttc, amount_net::text AS amount_net, status, from_matelas,
  flow_position, created_at, updated_at`;

/** A scalar column (text, number) as text: rows are untyped. */
function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

function str(v: unknown): string | null {
  return v == null ? null : scalarText(v);
}

function toInvoice(r: Row): InvoiceRecord {
  return {
    id: Number(r.id),
    flowId: r.flow_id == null ? null : Number(r.flow_id),
    partner: String(r.partner),
    supplierIdentifier: String(r.supplier_identifier),
    supplierType: String(r.supplier_type),
    supplierName: str(r.supplier_name),
    recipientSiret: String(r.recipient_siret),
    serviceCode: str(r.service_code),
    commitmentNumber: str(r.commitment_number),
    number: String(r.number),
    date: str(r.invoice_date),
    typeCode: str(r.type_code),
    cadre: str(r.cadre),
    currency: str(r.currency),
    // numeric::text keeps trailing zeros of the scale (e.g. 100.000000): normalise to the shortest form.
    amountHt: trimDecimal(r.amount_ht),
    amountTtc: trimDecimal(r.amount_ttc),
    amountNet: trimDecimal(r.amount_net),
    status: String(r.status),
    fromMatelas: Boolean(r.from_matelas),
    flowPosition: r.flow_position == null ? null : Number(r.flow_position),
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

function trimDecimal(v: unknown): string | null {
  if (v == null) return null;
  const s = scalarText(v);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

async function insertInvoice(q: Queryable, inv: NewInvoice): Promise<number> {
  const r = await q.query<{ id: number }>(
    `INSERT INTO invoices (id, flow_id, partner, supplier_identifier, supplier_type, supplier_name, recipient_siret, service_code,
       commitment_number, number, invoice_date, type_code, cadre, currency, amount_ht, amount_ttc, amount_net, status, from_matelas,
       flow_position)
     VALUES (COALESCE($1::bigint, nextval('invoice_id_seq')), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::date, $12, $13, $14, $15::numeric, $16::numeric, $17::numeric, $18, $19, $20)
     RETURNING id`,
    [
      inv.id ?? null,
      inv.flowId ?? null,
      inv.partner,
      inv.supplierIdentifier,
      inv.supplierType ?? '1',
      inv.supplierName ?? null,
      inv.recipientSiret,
      inv.serviceCode ?? null,
      inv.commitmentNumber ?? null,
      inv.number,
      inv.date ?? null,
      inv.typeCode ?? null,
      inv.cadre ?? null,
      inv.currency ?? null,
      inv.amountHt ?? null,
      inv.amountTtc ?? null,
      inv.amountNet ?? null,
      inv.status,
      inv.fromMatelas ?? false,
      inv.flowPosition ?? null,
    ],
  );
  const id = Number(r.rows[0]!.id);
  await q.query('INSERT INTO invoice_status_history (invoice_id, status, who) VALUES ($1, $2, $3)', [
    id,
    inv.status,
    inv.fromMatelas ? 'matelas' : 'plateforme',
  ]);
  return id;
}

/** Records an integrated invoice with its first status (usually DEPOSEE); returns `identifiantFactureCPP`. */
export async function createInvoice(q: Queryable, inv: NewInvoice): Promise<number> {
  return insertInvoice(q, inv);
}

/**
 * Moves an invoice to `status` and appends the history line. No transition check here: that is the
 * platform's lifecycle (src/platform/lifecycle.ts). Returns the previous status, or undefined when the
 * invoice does not exist.
 */
export async function setInvoiceStatus(
  db: Db,
  id: number,
  status: string,
  opts: { comment?: string; who?: string; at?: Date } = {},
): Promise<{ from: string; to: string } | undefined> {
  return db.transaction((tx) => setInvoiceStatusIn(tx, id, status, opts));
}

/** `setInvoiceStatus` inside a transaction the caller holds (to compose the lifecycle return flow in it). */
export async function setInvoiceStatusIn(
  tx: Queryable,
  id: number,
  status: string,
  opts: { comment?: string; who?: string; at?: Date; expectFrom?: string } = {},
): Promise<{ from: string; to: string } | undefined> {
  const cur = await tx.query<{ status: string }>('SELECT status FROM invoices WHERE id = $1 FOR UPDATE', [id]);
  if (!cur.rows[0]) return undefined;
  const at = opts.at ?? new Date();
  await tx.query('UPDATE invoices SET status = $2, updated_at = $3 WHERE id = $1', [id, status, at]);
  await tx.query(
    'INSERT INTO invoice_status_history (invoice_id, status, at, comment, who) VALUES ($1, $2, $3, $4, $5)',
    [id, status, at, opts.comment ?? null, opts.who ?? null],
  );
  return { from: String(cur.rows[0].status), to: status };
}

/** The current status of an invoice, locked for the caller's transaction. */
export async function lockInvoice(tx: Queryable, id: number): Promise<InvoiceRecord | undefined> {
  const r = await tx.query<Row>(`SELECT ${INVOICE_COLUMNS} FROM invoices WHERE id = $1 FOR UPDATE`, [id]);
  return r.rows[0] ? toInvoice(r.rows[0]) : undefined;
}

/** The invoice integrated from position `position` of flow `flowId`, if any (idempotent integration). */
export async function invoiceAtFlowPosition(
  q: Queryable,
  flowId: number,
  position: number,
): Promise<InvoiceRecord | undefined> {
  const r = await q.query<Row>(`SELECT ${INVOICE_COLUMNS} FROM invoices WHERE flow_id = $1 AND flow_position = $2`, [
    flowId,
    position,
  ]);
  return r.rows[0] ? toInvoice(r.rows[0]) : undefined;
}

/** Number of status lines of an invoice (numbers its lifecycle files). */
export async function countInvoiceStatuses(q: Queryable, id: number): Promise<number> {
  const r = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM invoice_status_history WHERE invoice_id = $1',
    [id],
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** Every structure of the partner's active matelas with this SIRET (Cycle de vie deposits). */
export async function partnerOwnsSiret(q: Queryable, partner: string, siret: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM directory_structures WHERE partner = $1 AND siret = $2 AND NOT retired', [
    partner,
    siret,
  ]);
  return r.rows.length > 0;
}

export async function getInvoice(q: Queryable, id: number): Promise<InvoiceRecord | undefined> {
  const r = await q.query<Row>(`SELECT ${INVOICE_COLUMNS} FROM invoices WHERE id = $1`, [id]);
  return r.rows[0] ? toInvoice(r.rows[0]) : undefined;
}

export async function getInvoiceHistory(q: Queryable, id: number): Promise<InvoiceStatusEvent[]> {
  const r = await q.query<Row>(
    'SELECT status, at, comment, who FROM invoice_status_history WHERE invoice_id = $1 ORDER BY id',
    [id],
  );
  return r.rows.map((h) => ({
    status: String(h.status),
    at: h.at as Date,
    comment: (h.comment as string | null) ?? null,
    who: (h.who as string | null) ?? null,
  }));
}

export async function listInvoices(
  q: Queryable,
  filter: { partner?: string; recipientSiret?: string; flowId?: number; status?: string; limit?: number } = {},
): Promise<InvoiceRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.partner !== undefined) add('partner = ?', filter.partner);
  if (filter.recipientSiret !== undefined) add('recipient_siret = ?', filter.recipientSiret);
  if (filter.flowId !== undefined) add('flow_id = ?', filter.flowId);
  if (filter.status !== undefined) add('status = ?', filter.status);
  params.push(filter.limit ?? 1000);
  const r = await q.query<Row>(
    `SELECT ${INVOICE_COLUMNS} FROM invoices ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id LIMIT $${params.length}`,
    params,
  );
  return r.rows.map(toInvoice);
}

/** An invoice already integrated with the same supplier identifier and number, whatever its status. */
export async function findDuplicateInvoice(
  q: Queryable,
  supplierIdentifier: string,
  number: string,
  /** Invoices of this flow do not count (a run replayed after a crash finds its own). */
  exceptFlowId?: number,
): Promise<InvoiceRecord | undefined> {
  const r = await q.query<Row>(
    `SELECT ${INVOICE_COLUMNS} FROM invoices WHERE supplier_identifier = $1 AND number = $2
       AND ($3::bigint IS NULL OR flow_id IS NULL OR flow_id <> $3) ORDER BY id LIMIT 1`,
    [supplierIdentifier, number, exceptFlowId ?? null],
  );
  return r.rows[0] ? toInvoice(r.rows[0]) : undefined;
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
