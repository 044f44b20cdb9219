/**
 * The invoices the platform integrated (deposited or from the matelas) and their status history: every
 * SQL statement about the `invoices` and `invoice_status_history` tables. Which status may follow which is
 * the platform's lifecycle (src/platform/lifecycle.ts), not the store's.
 */
import type { Queryable } from './db.ts';
import { scalarText, type Row } from './rows.ts';

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

const INVOICE_COLUMNS = `id, flow_id, partner, supplier_identifier, supplier_type, supplier_name, recipient_siret, service_code,
  commitment_number, number, to_char(invoice_date, 'YYYY-MM-DD') AS invoice_date, type_code, cadre, currency,
  amount_ht::text AS amount_ht, amount_ttc::text AS amount_ttc, amount_net::text AS amount_net, status, from_matelas,
  flow_position, created_at, updated_at`;

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

/** Records an integrated invoice with its first status (usually DEPOSEE); returns `identifiantFactureCPP`. */
export async function createInvoice(q: Queryable, inv: NewInvoice): Promise<number> {
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

/**
 * Moves an invoice to `status` and appends the history line, inside a transaction the caller holds (the
 * lifecycle composes its return flow in it). No transition check here: that is the platform's lifecycle
 * (src/platform/lifecycle.ts). Returns the previous status, or undefined when the invoice does not exist.
 */
export async function setInvoiceStatusIn(
  tx: Queryable,
  id: number,
  status: string,
  opts: { comment?: string; who?: string; at?: Date } = {},
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
