/** Every SQL statement about flows, their content, stage outcomes and return flows. */
import { prepared } from './db.ts';
import type { Db, NamedSql, Queryable } from './db.ts';
import { flowName } from './mailboxes.ts';
import type { FlowRecord, FlowState, ReturnFlowRecord, StageOutcomeRecord } from './types.ts';
import { isDetached, ownsMemory, releaseBuffer } from '../buffers.ts';
import { contentFileDir, readContentFile, writeContentFile } from './content-files.ts';

/** The columns of a FlowRecord (not `history`, read only by getHistory). */
export const FLOW_COLUMNS = `id, flow_number, box, partner, original_name, size, sha256, stored, signature_sha256, spool_key,
  transport, declared_interface, declared_signed, interface_code, syntax, syntaxe_flux, profile, state, status_code,
  waiting_for, received_at, updated_at, finished_at, intake_refusal, emitter_siret, return_syntax`;

type Row = Record<string, unknown>;

/** A json(b) value as the driver gives it: parsed already (node-postgres, PGlite) or as text. */
const fromJson = <T = Row>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** A flows row as a record (also for other modules' queries over `flows`). */
export function toFlowRecord(r: Row): FlowRecord {
  return toFlow(r);
}

function toFlow(r: Row): FlowRecord {
  return {
    id: Number(r.id),
    flowNumber: (r.flow_number as string) ?? null,
    box: r.box as FlowRecord['box'],
    partner: r.partner as string,
    originalName: r.original_name as string,
    size: Number(r.size),
    sha256: r.sha256 as string,
    stored: r.stored as boolean,
    signatureSha256: (r.signature_sha256 as string) ?? null,
    spoolKey: r.spool_key as string,
    transport: r.transport as string,
    declaredInterface: (r.declared_interface as string) ?? null,
    declaredSigned: (r.declared_signed as boolean) ?? null,
    interfaceCode: (r.interface_code as string) ?? null,
    syntax: (r.syntax as string) ?? null,
    syntaxeFlux: (r.syntaxe_flux as string) ?? null,
    profile: (r.profile as string) ?? null,
    state: r.state as FlowState,
    statusCode: (r.status_code as string) ?? null,
    waitingFor: (r.waiting_for as string) ?? null,
    receivedAt: new Date(r.received_at as string),
    updatedAt: new Date(r.updated_at as string),
    finishedAt: r.finished_at ? new Date(r.finished_at as string) : null,
    intakeRefusal: (r.intake_refusal as string) ?? null,
    emitter: (r.emitter_siret as string) ?? null,
    returnSyntax: (r.return_syntax as FlowRecord['returnSyntax']) ?? null,
  };
}

export interface NewFlow {
  box: 'depot' | 'analyse';
  partner: string;
  /** Clean text (see flowName in mailboxes.ts): escaped when the name was not. */
  originalName: string;
  /** The name's original bytes when they were escaped in originalName; null otherwise. */
  originalNameBytes?: Buffer | null;
  /** Set when the deposited entry was not a regular file (its kind): recorded without bytes, refused at RECEPTION. */
  intakeRefusal?: string | null;
  size: number;
  sha256: string;
  /** Null when the bytes are not kept (over the size limit). */
  bytes: Buffer | null;
  signature: { sha256: string; bytes: Buffer } | null;
  spoolKey: string;
  transport: string;
  declaredInterface: string | null;
  declaredSigned: boolean | null;
  /** 4 digits of the interface code used in the flow number; null = no number (analysis). */
  numberInterface: string | null;
  /** Portal deposits: émetteur SIRET and the return syntax chosen for this flow. */
  emitter?: string | null;
  returnSyntax?: 'CPPStatut' | 'AIFEStatut' | null;
}

/** A history line (getHistory): the state, when, and a note when there is one. */
const historyLine = (state: string, note = 'NULL') =>
  `jsonb_strip_nulls(jsonb_build_object('state', ${state}, 'at', now(), 'note', ${note}))`;

/** What one flow's row, bytes and first history line take in INSERT_FLOWS: parameters and values. */
const FLOW_PARAMS = 19;
const flowContentValues = (p: (n: number) => string) =>
  `(${p(6)}::text, ${p(13)}::bytea, ${p(19)}::bigint), (${p(8)}::text, ${p(14)}::bytea, NULL::bigint)`;
const flowValues = (p: (n: number) => string) =>
  `(CASE WHEN ${p(1)}::text IS NULL THEN NULL ELSE 'CPP001' || ${p(1)}::text || lpad(nextval('flow_counter')::text, 15, '0') END,
         ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)}, 'IN_RECU',
         ${p(15)}::bytea, ${p(16)}::text, ${p(17)}, ${p(18)}, jsonb_build_array(${historyLine("'IN_RECU'")}))`;

/**
 * `count` flows (FLOW_PARAMS parameters each, in order), their bytes and first history lines in one
 * statement; returns the rows inserted (not those whose spool key was already recorded), in no set order.
 * Two flows of one batch with the same bytes store them once (ON CONFLICT DO NOTHING within the statement).
 */
function insertFlowsSql(count: number): NamedSql {
  const rows = (values: (p: (n: number) => string) => string) =>
    Array.from({ length: count }, (_, i) => values((n) => `$${i * FLOW_PARAMS + n}`)).join(',\n       ');
  return prepared(
    count === 1 ? 'insert_flow' : `insert_flows_${count}`,
    `WITH content AS (
       INSERT INTO flow_content (sha256, bytes, file_size)
       SELECT * FROM (VALUES ${rows(flowContentValues)}) AS v(sha, b, file_size)
       WHERE v.b IS NOT NULL OR v.file_size IS NOT NULL
       ON CONFLICT (sha256) DO NOTHING
     ), flow AS (
       INSERT INTO flows (flow_number, box, partner, original_name, size, sha256, stored, signature_sha256, spool_key,
         transport, declared_interface, declared_signed, state, original_name_bytes, intake_refusal, emitter_siret, return_syntax,
         history)
       VALUES ${rows(flowValues)}
       ON CONFLICT (spool_key) DO NOTHING
       RETURNING ${FLOW_COLUMNS}
     )
     SELECT * FROM flow`,
  );
}

/**
 * The statements for 1, 2, 4, … INSERT_FLOWS_MAX flows: a batch goes in as few of them as its size's binary
 * digits (30 flows: 16 + 8 + 4 + 2), and each connection prepares at most these few.
 */
const INSERT_FLOWS_MAX = 32;
const INSERT_FLOWS = new Map<number, NamedSql>();
for (let n = 1; n <= INSERT_FLOWS_MAX; n *= 2) INSERT_FLOWS.set(n, insertFlowsSql(n));

/**
 * Records flows, their bytes and first history lines, a few statements for many flows (INSERT_FLOWS);
 * returns each one's new record, or undefined when a flow with its spool key is already recorded (a retried
 * intake). Large bytes on PGlite go to their file first (content-files.ts): call it in a transaction, so
 * that no sweep comes between the file and its row.
 */
export async function insertFlows(tx: Queryable, flows: NewFlow[]): Promise<Array<FlowRecord | undefined>> {
  const params: unknown[][] = [];
  const written = new Set<string>(); // large bytes written to their file by this batch (two flows, one file)
  for (const f of flows) params.push(await flowParams(tx, f, written));
  const bySpoolKey = new Map<string, FlowRecord>();
  for (let at = 0; at < flows.length;) {
    let count = INSERT_FLOWS_MAX;
    while (count > flows.length - at) count /= 2;
    const r = await tx.query(INSERT_FLOWS.get(count)!, params.slice(at, at + count).flat());
    for (const row of r.rows) {
      const flow = toFlow(row);
      bySpoolKey.set(flow.spoolKey, flow);
    }
    at += count;
  }
  return flows.map((f) => bySpoolKey.get(f.spoolKey));
}

/** Records one flow (see insertFlows). */
export async function insertFlow(tx: Queryable, f: NewFlow): Promise<FlowRecord | undefined> {
  return (await insertFlows(tx, [f]))[0];
}

/** One flow's FLOW_PARAMS parameters; its large bytes written to their file first on PGlite. */
async function flowParams(tx: Queryable, f: NewFlow, written: Set<string>): Promise<unknown[]> {
  // NUL and invalid UTF-8 cannot go into PostgreSQL text: whoever calls, the name is made safe here.
  const named =
    f.originalNameBytes !== undefined ? { name: f.originalName, bytes: f.originalNameBytes } : flowName(f.originalName);
  const fileDir = f.bytes ? contentFileDir(tx, f.bytes.length) : undefined;
  if (f.bytes && fileDir !== undefined && !written.has(f.sha256)) {
    // The same bytes stored before: neither written again nor sent to the database.
    const known = await tx.query('SELECT 1 FROM flow_content WHERE sha256 = $1', [f.sha256]);
    if (!known.rows.length) await writeContentFile(fileDir, f.sha256, f.bytes);
    written.add(f.sha256);
  }
  return [
    f.numberInterface,
    f.box,
    f.partner,
    named.name,
    f.size,
    f.sha256,
    f.bytes !== null,
    f.signature?.sha256 ?? null,
    f.spoolKey,
    f.transport,
    f.declaredInterface,
    f.declaredSigned,
    fileDir === undefined ? f.bytes : null,
    f.signature?.bytes ?? null,
    named.bytes,
    f.intakeRefusal ?? null,
    f.emitter ?? null,
    f.returnSyntax ?? null,
    fileDir === undefined ? null : f.size,
  ];
}

const FLOW_BY_SPOOL_KEY = prepared('flow_by_spool_key', `SELECT ${FLOW_COLUMNS} FROM flows WHERE spool_key = $1`);

export async function flowBySpoolKey(db: Queryable, spoolKey: string): Promise<FlowRecord | undefined> {
  const r = await db.query(FLOW_BY_SPOOL_KEY, [spoolKey]);
  return r.rows[0] ? toFlow(r.rows[0]) : undefined;
}

export async function getFlow(db: Queryable, id: number): Promise<FlowRecord | undefined> {
  const r = await db.query(`SELECT ${FLOW_COLUMNS} FROM flows WHERE id = $1`, [id]);
  return r.rows[0] ? toFlow(r.rows[0]) : undefined;
}

async function getFlowByNumber(db: Queryable, flowNumber: string): Promise<FlowRecord | undefined> {
  const r = await db.query(`SELECT ${FLOW_COLUMNS} FROM flows WHERE flow_number = $1 OR id::text = $1`, [flowNumber]);
  return r.rows[0] ? toFlow(r.rows[0]) : undefined;
}

/**
 * A flow as the CLI and the compte-rendu name it: its flow number, or `ANALYSE-<id>` for an analysis
 * (which gets no flow number; the id `flows list` and `ANALYSE_*.xml` show).
 */
export async function findFlow(db: Queryable, ref: string): Promise<FlowRecord | undefined> {
  const analysis = /^ANALYSE-(\d{1,15})$/.exec(ref);
  if (!analysis) return getFlowByNumber(db, ref);
  const flow = await getFlow(db, Number(analysis[1]));
  return flow && flow.flowNumber === null ? flow : undefined;
}

export async function listFlows(
  db: Queryable,
  filter: { partner?: string; state?: string; limit?: number } = {},
): Promise<FlowRecord[]> {
  const r = await db.query(
    `SELECT ${FLOW_COLUMNS} FROM flows
     WHERE ($1::text IS NULL OR partner = $1) AND ($2::text IS NULL OR state = $2)
     ORDER BY id DESC LIMIT $3`,
    [filter.partner ?? null, filter.state ?? null, filter.limit ?? 100],
  );
  return r.rows.map((row) => toFlow(row as Row));
}

/** Flows waiting for a schema set (IN_EN_ATTENTE_RETRAITEMENT_CPP), through the small flows_waiting index. */
export async function waitingFlows(db: Queryable, limit = 10000): Promise<FlowRecord[]> {
  const r = await db.query(
    `SELECT ${FLOW_COLUMNS} FROM flows
     WHERE waiting_for IS NOT NULL AND state = 'IN_EN_ATTENTE_RETRAITEMENT_CPP' ORDER BY id LIMIT $1`,
    [limit],
  );
  return r.rows.map((row) => toFlow(row as Row));
}

export async function countFlowsByState(db: Queryable): Promise<Record<string, number>> {
  const r = await db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM flows GROUP BY state');
  return Object.fromEntries(r.rows.map((x) => [x.state, Number(x.n)]));
}

/**
 * Stored bytes up to this size come back whole with the row that needs them; larger ones are read in
 * slices of this size into one buffer. node-postgres receives a `bytea` as hex text (its binary result
 * format decodes every field as UTF-8), so a 30 Mo flow read whole was a 60 Mo string on top of a 64–128 Mo
 * protocol buffer, decoded in one go on the main thread; in slices it is never more than ~3 × one slice.
 * One slice is one event-loop task on the main thread (its protocol buffer merged, its hex text decoded):
 * 1 Mo, half the 2 Mo of before, whose tasks showed in the main thread's stalls on a loaded machine.
 */
export const CONTENT_SLICE_BYTES = 1024 * 1024;

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Reads `size` stored bytes slice by slice into one preallocated buffer (one round trip per slice, each
 * letting the event loop run), or from their file when the row says they are in one (content-files.ts). Throws
 * if the content is gone or changed size meanwhile (a purge), or its file is missing or of another size: the
 * run is then retried like any database failure, and the flow answered INC when it keeps failing.
 */
export async function readContentSlices(db: Queryable, sha256: string, size: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += CONTENT_SLICE_BYTES) {
    const want = Math.min(CONTENT_SLICE_BYTES, size - at);
    // substring() counts from 1.
    const r = await db.query<{ part: Uint8Array | null; file_size: number | null }>(
      'SELECT substring(bytes from $2::int for $3::int) AS part, file_size FROM flow_content WHERE sha256 = $1',
      [sha256, at + 1, want],
    );
    const row = r.rows[0];
    if (row && row.file_size !== null && Number(row.file_size) === size) {
      if (!db.contentDir)
        throw new Error(`stored content ${sha256} is in a file, and this database has no content folder`);
      return readContentFile(db.contentDir, sha256, out, CONTENT_SLICE_BYTES);
    }
    const part = row?.part;
    if (!part || part.byteLength !== want) throw new Error(`stored content ${sha256} vanished or changed while read`);
    out.set(part, at);
  }
  return out;
}

/**
 * Large flows' bytes this process just recorded, handed to the run that starts right after instead of being read
 * back from the database: the read-back of a 30 Mo flow held a second 30 Mo buffer and ~60 Mo of protocol
 * buffers and hex text on the main thread (and grew PGlite's memory, which never shrinks). Content-addressed (the
 * SHA-256 names the bytes, as in `flow_content`), taken once (the run hands the Buffer over to a worker), bounded
 * in bytes and time: a flow run elsewhere (another node) or much later reads from the database as before.
 */
const handed = new Map<string, { bytes: Buffer; timer: NodeJS.Timeout }>();
let handedBytes = 0;
const given = new WeakSet<Buffer>();
const HANDOFF_MAX_BYTES = 64 * 1024 * 1024;
const HANDOFF_MS = 60_000;

function dropHanded(sha256: string, release: boolean): void {
  const h = handed.get(sha256);
  if (!h) return;
  handed.delete(sha256);
  handedBytes -= h.bytes.length;
  clearTimeout(h.timer);
  if (release) releaseBuffer(h.bytes);
}

/**
 * A recorded flow's bytes, which the caller gives up: kept for its run when large (read back in slices
 * otherwise), else freed at once.
 */
export function handOverContent(sha256: string, bytes: Buffer | null): void {
  // Once: a Buffer given up is the run's from then on (a retried intake of the same flow must not give it again).
  if (!bytes || given.has(bytes)) return;
  given.add(bytes);
  if (
    bytes.length <= CONTENT_SLICE_BYTES ||
    bytes.length > HANDOFF_MAX_BYTES ||
    !ownsMemory(bytes) ||
    handed.has(sha256)
  ) {
    releaseBuffer(bytes);
    return;
  }
  // Oldest first (a Map iterates in insertion order) until the new one fits.
  for (const k of handed.keys()) {
    if (handedBytes + bytes.length <= HANDOFF_MAX_BYTES) break;
    dropHanded(k, true);
  }
  const timer = setTimeout(() => dropHanded(sha256, true), HANDOFF_MS);
  timer.unref();
  handed.set(sha256, { bytes, timer });
  handedBytes += bytes.length;
}

/** The bytes handed over for `sha256`, once, when they are `size` long. */
function takeHandedContent(sha256: string, size: number): Buffer | undefined {
  const h = handed.get(sha256);
  if (!h) return undefined;
  dropHanded(sha256, false);
  if (h.bytes.length === size && !isDetached(h.bytes)) return h.bytes;
  releaseBuffer(h.bytes);
  return undefined;
}

export async function getContent(db: Queryable, sha256: string): Promise<Buffer | undefined> {
  const r = await db.query<{ bytes: Uint8Array | null; size: number }>(
    `SELECT CASE WHEN octet_length(bytes) <= $2 THEN bytes END AS bytes, COALESCE(file_size, octet_length(bytes)) AS size
     FROM flow_content WHERE sha256 = $1`,
    [sha256, CONTENT_SLICE_BYTES],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return row.bytes ? asBuffer(row.bytes) : readContentSlices(db, sha256, Number(row.size));
}

/** An earlier deposit of the same bytes by the same partner that counts as a duplicate. */
export async function findDuplicateDeposit(
  db: Queryable,
  partner: string,
  sha256: string,
  beforeId: number,
): Promise<string | undefined> {
  const r = await db.query<{ flow_number: string }>(
    `SELECT flow_number FROM flows
     WHERE partner = $1 AND sha256 = $2 AND box = 'depot' AND id < $3
       AND state NOT IN ('IN_REJETE', 'IN_INCIDENTE')
     ORDER BY id LIMIT 1`,
    [partner, sha256, beforeId],
  );
  return r.rows[0]?.flow_number;
}

export async function setFlowState(
  db: Queryable,
  id: number,
  state: FlowState,
  extra: { note?: string; waitingFor?: string | null } = {},
): Promise<void> {
  await db.query(
    `UPDATE flows SET state = $2, updated_at = now(), waiting_for = $3, history = history || ${historyLine('$2::text', '$4::text')}
     WHERE id = $1`,
    [id, state, extra.waitingFor ?? null, extra.note ?? null],
  );
}

export interface FlowConclusion {
  state: FlowState;
  statusCode: string | null;
  interfaceCode?: string | null;
  syntax?: string | null;
  syntaxeFlux?: string | null;
  profile?: string | null;
  stages: StageOutcomeRecord[];
  note?: string;
  waitingFor?: string | null;
  /** The return flow to deliver, composed in the same transaction. */
  returnFlow?: { kind: ReturnFlowRecord['kind']; fileName: string; content: string };
}

const CONCLUDE_FLOW = prepared(
  'conclude_flow',
  `WITH flow AS (
       UPDATE flows SET state = $2, status_code = $3, interface_code = COALESCE($4, interface_code),
         syntax = COALESCE($5, syntax), syntaxe_flux = COALESCE($6, syntaxe_flux), profile = COALESCE($7, profile),
         waiting_for = $8, updated_at = now(), finished_at = CASE WHEN $9 THEN now() ELSE NULL END,
         history = history || ${historyLine('$2::text', '$11::text')}
       WHERE id = $1 RETURNING id
     ), stages AS (
       -- This run's outcomes replace an earlier run's, stages it did not reach included.
       INSERT INTO flow_stage_outcomes (flow_id, stages) VALUES ($1, $10::jsonb)
       ON CONFLICT (flow_id) DO UPDATE SET stages = EXCLUDED.stages
     ), ret AS (
       INSERT INTO return_flows (flow_id, partner, kind, file_name, content)
       SELECT $1, $12, $13, $14, $15 WHERE $13::text IS NOT NULL
       ON CONFLICT DO NOTHING RETURNING id
     )
     SELECT (SELECT id FROM ret) AS return_id`,
);

/**
 * Records the end of a run in one statement (so atomic even outside a transaction): stage outcomes,
 * final state, history line and the return flow. Returns the return flow's id when one was recorded.
 */
export async function concludeFlow(tx: Queryable, flow: FlowRecord, c: FlowConclusion): Promise<number | undefined> {
  const terminal = isTerminal(c.state);
  const stages = stageRows(c);
  const r = await tx.query<{ return_id: number | null }>(CONCLUDE_FLOW, [
    flow.id,
    c.state,
    c.statusCode,
    c.interfaceCode ?? null,
    c.syntax ?? null,
    c.syntaxeFlux ?? null,
    c.profile ?? null,
    c.waitingFor ?? null,
    terminal,
    JSON.stringify(stages),
    c.note ?? null,
    flow.partner,
    c.returnFlow?.kind ?? null,
    c.returnFlow?.fileName ?? null,
    c.returnFlow?.content ?? null,
  ]);
  const id = r.rows[0]?.return_id;
  return id === null || id === undefined ? undefined : Number(id);
}

/**
 * The start of a run and the delivery marks are committed without waiting for their WAL to reach the
 * disk (`synchronous_commit = off` for their transaction alone): if the database server crashes before
 * the next synchronous commit flushes them, the flow is found as it was before (IN_RECU with its job, or
 * its compte-rendu not yet marked), which recovery replays anyway (the run again; the compte-rendu found
 * in retour/ and only marked). Lost only by a server crash, never by the daemon's, and never a flow or a
 * conclusion: those commits still wait for the disk. Set from inside the statement, so only callers
 * that hold no transaction can use it (their parameter is a Db, not a transaction's Queryable).
 */
const ASYNC_COMMIT = `set_config('synchronous_commit', 'off', true)`;

const isTerminal = (state: FlowState) =>
  ['IN_INTEGRE', 'IN_INTEGRE_PARTIEL', 'IN_REJETE', 'IN_INCIDENTE'].includes(state);

/** A run's stage outcomes as flow_stage_outcomes keeps them: in order, one JSON array. */
const stageRows = (c: FlowConclusion) =>
  c.stages.map((s) => ({
    stage: s.stage,
    outcome: s.outcome,
    findings: s.findings,
    started_at: s.startedAt.toISOString(),
    duration_ms: s.durationMs,
  }));

/**
 * CONCLUDE_FLOW for many flows at once, given as one JSON array: one statement, one commit. Their ids
 * come again as an array ($2) for the index scans: joined only to the JSON's rows (100 guessed), the
 * generic plan hashed sequential scans of the flow tables, whole tables at every conclusion.
 */
const CONCLUDE_FLOWS = prepared(
  'conclude_flows',
  `WITH given AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS g(id bigint, state text, status_code text, interface_code text,
         syntax text, syntaxe_flux text, profile text, waiting_for text, terminal boolean, stages jsonb, note text,
         partner text, kind text, file_name text, content text)
     ), flow AS (
       UPDATE flows f SET state = g.state, status_code = g.status_code,
         interface_code = COALESCE(g.interface_code, f.interface_code), syntax = COALESCE(g.syntax, f.syntax),
         syntaxe_flux = COALESCE(g.syntaxe_flux, f.syntaxe_flux), profile = COALESCE(g.profile, f.profile),
         waiting_for = g.waiting_for, updated_at = now(), finished_at = CASE WHEN g.terminal THEN now() ELSE NULL END,
         history = f.history || ${historyLine('g.state', 'g.note')}
       FROM given g WHERE f.id = ANY($2::bigint[]) AND f.id = g.id
     ), stages AS (
       INSERT INTO flow_stage_outcomes (flow_id, stages) SELECT g.id, g.stages FROM given g
       ON CONFLICT (flow_id) DO UPDATE SET stages = EXCLUDED.stages
     ), ret AS (
       INSERT INTO return_flows (flow_id, partner, kind, file_name, content)
       SELECT g.id, g.partner, g.kind, g.file_name, g.content FROM given g WHERE g.kind IS NOT NULL
       ON CONFLICT DO NOTHING RETURNING id, flow_id
     )
     SELECT g.id AS flow_id, ret.id AS return_id FROM given g LEFT JOIN ret ON ret.flow_id = g.id`,
);

/** Concludes several flows (distinct) in one statement; the return flow's id of each, in order. */
async function concludeFlows(db: Db, batch: PendingConclusion[]): Promise<Array<number | undefined>> {
  const given = batch.map(({ flow, conclusion: c }) => ({
    id: flow.id,
    state: c.state,
    status_code: c.statusCode,
    interface_code: c.interfaceCode ?? null,
    syntax: c.syntax ?? null,
    syntaxe_flux: c.syntaxeFlux ?? null,
    profile: c.profile ?? null,
    waiting_for: c.waitingFor ?? null,
    terminal: isTerminal(c.state),
    stages: stageRows(c),
    note: c.note ?? null,
    partner: flow.partner,
    kind: c.returnFlow?.kind ?? null,
    file_name: c.returnFlow?.fileName ?? null,
    content: c.returnFlow?.content ?? null,
  }));
  const r = await db.query<{ flow_id: number; return_id: number | null }>(CONCLUDE_FLOWS, [
    JSON.stringify(given),
    given.map((g) => g.id),
  ]);
  const ids = new Map(r.rows.map((x) => [Number(x.flow_id), x.return_id === null ? undefined : Number(x.return_id)]));
  return batch.map((p) => ids.get(p.flow.id));
}

// cur lists its columns: a prepared statement whose result type changed (a column added by a later
// migration while this node runs) would fail on every call until its connection closes. The partner,
// the bytes, the matelas and the duplicate are looked up per flow (subqueries; LATERAL … OFFSET 0 is
// not flattened into a join): the generic plan of a join with `id = ANY($1)` (10 rows guessed) hashed a
// sequential scan of flow_content, the whole table read at every start.

const START_FLOW_RUNS = prepared(
  'start_flow_runs',
  `WITH cur AS (
       SELECT ${FLOW_COLUMNS} FROM flows WHERE id = ANY($1::bigint[])
     ), started AS (
       UPDATE flows SET state = 'IN_EN_COURS_TRAITEMENT_CPP', updated_at = now(),
         history = history || ${historyLine("'IN_EN_COURS_TRAITEMENT_CPP'")}
       WHERE id = ANY($1::bigint[])
         AND state NOT IN ('IN_EN_COURS_TRAITEMENT_CPP', 'IN_INTEGRE', 'IN_INTEGRE_PARTIEL', 'IN_REJETE', 'IN_INCIDENTE')
       RETURNING id
     )
     SELECT cur.*, (SELECT to_jsonb(p) FROM partners p WHERE p.code = cur.partner) AS partner_row,
       CASE WHEN cur.stored AND cur.state NOT IN ('IN_INTEGRE', 'IN_INTEGRE_PARTIEL', 'IN_REJETE', 'IN_INCIDENTE')
         THEN CASE WHEN octet_length(c.bytes) <= $2 THEN c.bytes END END AS content_bytes,
       CASE WHEN cur.stored AND cur.state NOT IN ('IN_INTEGRE', 'IN_INTEGRE_PARTIEL', 'IN_REJETE', 'IN_INCIDENTE')
         AND (c.file_size IS NOT NULL OR octet_length(c.bytes) > $2) THEN COALESCE(c.file_size, octet_length(c.bytes)) END AS content_size,
       CASE WHEN octet_length(s.bytes) <= $2 THEN s.bytes END AS signature_bytes,
       CASE WHEN s.file_size IS NOT NULL OR octet_length(s.bytes) > $2 THEN COALESCE(s.file_size, octet_length(s.bytes)) END AS signature_size,
       (SELECT to_jsonb(m) FROM matelas m WHERE m.partner = cur.partner) AS matelas_row,
       (SELECT e.flow_number FROM flows e
         WHERE cur.box = 'depot' AND e.partner = cur.partner AND e.sha256 = cur.sha256 AND e.box = 'depot' AND e.id < cur.id
           AND e.state NOT IN ('IN_REJETE', 'IN_INCIDENTE')
         ORDER BY e.id LIMIT 1) AS earlier_deposit,
       ${ASYNC_COMMIT} AS async_commit
     FROM cur
       LEFT JOIN LATERAL (SELECT bytes, file_size FROM flow_content WHERE sha256 = cur.sha256 OFFSET 0) c ON true
       LEFT JOIN LATERAL (SELECT bytes, file_size FROM flow_content WHERE sha256 = cur.signature_sha256 OFFSET 0) s ON true`,
);

interface PendingConclusion {
  flow: FlowRecord;
  conclusion: FlowConclusion;
  resolve: (returnId: number | undefined) => void;
  reject: (err: unknown) => void;
}
const concluding = new WeakMap<Db, { waiting: PendingConclusion[]; running: boolean }>();
const CONCLUSIONS_PER_COMMIT = 64;

/**
 * concludeFlow for the flows of one node that finish together: the conclusions that arrive while one
 * commit is under way are recorded together by the next statement (CONCLUDE_FLOWS), one statement and
 * one commit (one WAL flush) for all of them instead of one each. Alone, a conclusion is committed at once, as before. Each flow's
 * promise settles once its conclusion is committed; if a grouped statement fails, its conclusions
 * are recorded again one by one, so only the failing flow sees the error.
 */
export function concludeFlowSoon(db: Db, flow: FlowRecord, conclusion: FlowConclusion): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    let q = concluding.get(db);
    if (!q) concluding.set(db, (q = { waiting: [], running: false }));
    q.waiting.push({ flow, conclusion, resolve, reject });
    if (!q.running) void commitConclusions(db, q);
  });
}

async function commitConclusions(db: Db, q: { waiting: PendingConclusion[]; running: boolean }): Promise<void> {
  q.running = true;
  try {
    while (q.waiting.length) {
      const batch = q.waiting.splice(0, CONCLUSIONS_PER_COMMIT);
      // One flow twice in a batch (never expected) would update its row twice in one statement: alone then.
      if (batch.length > 1 && new Set(batch.map((p) => p.flow.id)).size === batch.length) {
        const ids = await concludeFlows(db, batch).catch(() => undefined);
        if (ids) {
          batch.forEach((p, i) => p.resolve(ids[i]));
          continue;
        }
      }
      for (const p of batch) await concludeFlow(db, p.flow, p.conclusion).then(p.resolve, p.reject);
    }
  } finally {
    q.running = false;
  }
}

/** What a run needs: the flow as it was, its partner and bytes (see startFlowRun). */
export interface StartedRun {
  flow: FlowRecord;
  partnerRow: Record<string, unknown>;
  bytes: Buffer | null;
  signature: Buffer | null;
  /** An earlier deposit of the same bytes by the same partner that was not rejected (see findDuplicateDeposit). */
  earlierDeposit: string | null;
  /** The partner's matelas row, when it has one (read with the flow: routing needs it). */
  matelasRow: Record<string, unknown> | null;
}

interface PendingStart {
  flowId: number;
  resolve: (row: Row | undefined) => void;
  reject: (err: unknown) => void;
}
const starting = new WeakMap<Db, PendingStart[]>();

/** The rows of many flows' starts, by flow id, in one statement. */
async function startFlowRuns(db: Db, ids: number[]): Promise<Map<number, Row>> {
  const r = await db.query<Row>(START_FLOW_RUNS, [ids, CONTENT_SLICE_BYTES]);
  return new Map(r.rows.map((row) => [Number(row.id), row]));
}

/**
 * The starts asked in one turn of the event loop (the jobs of one fetched batch) go to the database
 * together: one statement and one commit for all of them. If that statement fails, each start is tried
 * again alone, so only a failing flow sees the error.
 */
function startedRow(db: Db, flowId: number): Promise<Row | undefined> {
  return new Promise((resolve, reject) => {
    let waiting = starting.get(db);
    if (!waiting) {
      const batch: PendingStart[] = (waiting = []);
      starting.set(db, batch);
      setImmediate(() => {
        starting.delete(db);
        void startFlowRuns(
          db,
          batch.map((p) => p.flowId),
        ).then(
          (rows) => batch.forEach((p) => p.resolve(rows.get(p.flowId))),
          () => {
            for (const p of batch)
              void startFlowRuns(db, [p.flowId]).then((rows) => p.resolve(rows.get(p.flowId)), p.reject);
          },
        );
      });
    }
    waiting.push({ flowId, resolve, reject });
  });
}

/**
 * What a run needs: the flow as it was, its partner and bytes, the matelas and the duplicate check;
 * marks it in progress (committed without waiting for the disk, see ASYNC_COMMIT). One statement for
 * the flows starting together.
 */
export async function startFlowRun(db: Db, flowId: number): Promise<StartedRun | undefined> {
  const row = await startedRow(db, flowId);
  if (!row) return undefined;
  const buf = (b: unknown) => (b ? asBuffer(b as Uint8Array) : null);
  const flow = toFlow(row);
  // A large flow's bytes are not in the row (see CONTENT_SLICE_BYTES): read now, in slices.
  const bytes =
    row.content_size !== null && row.content_size !== undefined
      ? (takeHandedContent(flow.sha256, Number(row.content_size)) ??
        (await readContentSlices(db, flow.sha256, Number(row.content_size))))
      : buf(row.content_bytes);
  return {
    flow,
    partnerRow: fromJson(row.partner_row),
    bytes,
    signature:
      row.signature_size !== null && row.signature_size !== undefined
        ? await readContentSlices(db, row.signature_sha256 as string, Number(row.signature_size))
        : buf(row.signature_bytes),
    earlierDeposit: (row.earlier_deposit as string | null) ?? null,
    matelasRow: row.matelas_row ? fromJson(row.matelas_row) : null,
  };
}

export async function getStages(db: Queryable, flowId: number): Promise<StageOutcomeRecord[]> {
  const r = await db.query<Row>('SELECT stages FROM flow_stage_outcomes WHERE flow_id = $1', [flowId]);
  return (r.rows[0] ? fromJson<Row[]>(r.rows[0].stages) : []).map((x) => ({
    stage: x.stage as string,
    outcome: x.outcome as StageOutcomeRecord['outcome'],
    findings: x.findings as StageOutcomeRecord['findings'],
    startedAt: new Date(x.started_at as string),
    durationMs: Number(x.duration_ms),
  }));
}

export async function getHistory(
  db: Queryable,
  flowId: number,
): Promise<Array<{ state: string; at: Date; note: string | null }>> {
  const r = await db.query<Row>('SELECT history FROM flows WHERE id = $1', [flowId]);
  return (r.rows[0] ? fromJson<Row[]>(r.rows[0].history) : []).map((x) => ({
    state: x.state as string,
    at: new Date(x.at as string),
    note: (x.note as string) ?? null,
  }));
}

function toReturn(r: Row): ReturnFlowRecord {
  return {
    id: Number(r.id),
    flowId: r.flow_id === null ? null : Number(r.flow_id),
    partner: r.partner as string,
    kind: r.kind as ReturnFlowRecord['kind'],
    fileName: r.file_name as string,
    content: r.content as string,
    createdAt: new Date(r.created_at as string),
    deliveredAt: r.delivered_at ? new Date(r.delivered_at as string) : null,
  };
}

export async function insertReturnFlow(
  db: Queryable,
  r: { flowId: number | null; partner: string; kind: ReturnFlowRecord['kind']; fileName: string; content: string },
): Promise<void> {
  await db.query(
    `INSERT INTO return_flows (flow_id, partner, kind, file_name, content) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [r.flowId, r.partner, r.kind, r.fileName, r.content],
  );
}

export async function pendingReturnFlows(db: Queryable, flowId?: number, limit = 500): Promise<ReturnFlowRecord[]> {
  const r = await db.query<Row>(
    `SELECT * FROM return_flows WHERE delivered_at IS NULL AND ($1::bigint IS NULL OR flow_id = $1) ORDER BY id LIMIT $2`,
    [flowId ?? null, limit],
  );
  return r.rows.map(toReturn);
}

export async function returnFlowsOf(db: Queryable, flowId: number): Promise<ReturnFlowRecord[]> {
  const r = await db.query<Row>('SELECT * FROM return_flows WHERE flow_id = $1 ORDER BY id', [flowId]);
  return r.rows.map(toReturn);
}

// Committed without waiting for the disk (see ASYNC_COMMIT): a mark lost in a server crash leaves a
// compte-rendu that recovery finds already in retour/ and only marks.
const MARK_MANY_DELIVERED = prepared(
  'mark_many_delivered_async',
  `UPDATE return_flows SET delivered_at = now()
   WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL AND ${ASYNC_COMMIT} IS NOT NULL`,
);

/**
 * The statements that take many flows at once, for the test that checks their generic plans read the
 * flow tables through their indexes (a plan hashing a whole table costs more with every flow recorded).
 */
export const GROUPED_FLOW_STATEMENTS = {
  startFlowRuns: { sql: START_FLOW_RUNS, types: ['bigint[]', 'int'] },
  concludeFlows: { sql: CONCLUDE_FLOWS, types: ['jsonb', 'bigint[]'] },
  markManyDelivered: { sql: MARK_MANY_DELIVERED, types: ['bigint[]'] },
} as const;

/** Marks return flows delivered in one statement (a Db, not a transaction: see ASYNC_COMMIT). */
export async function markManyDelivered(db: Db, ids: number[]): Promise<void> {
  await db.query(MARK_MANY_DELIVERED, [ids]);
}
