/**
 * The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) runs every statement
 * synchronously in the thread that owns it, so it lives here and the daemon's main thread only posts
 * statements and awaits their rows (see pglite-thread.ts for the protocol and why).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, protocol, types } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import type { ThreadReply, ThreadRequest } from './pglite-thread.ts';
import { collectGarbage } from '../collect.ts';
import { ownsMemory, releaseBuffer } from '../buffers.ts';

const port = parentPort!;
const { dir } = workerData as { dir?: string };

/**
 * Our statements' types (pg-boss's go through PGlite's defaults, as they did in-process): int8 as number,
 * like the pg side; bytea read with Node's native hex codec (PGlite's own maps every byte through its own
 * string: ~2 Go and 20 s for one 30 Mo flow) and written as a binary parameter (PGlite sends a Uint8Array
 * in the binary format, so the server copies the bytes instead of parsing a 60 Mo hex literal).
 */
const OURS = {
  parsers: {
    20: (v: string) => Number(v),
    17: (v: string) => Buffer.from(v.startsWith('\\x') ? v.slice(2) : v, 'hex'),
  },
  serializers: {
    17: (v: unknown) => {
      if (!(v instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
      // A view is copied by PGlite's writer (buffer.slice) before it copies it again; an ArrayBuffer is not.
      return (ownsMemory(v) ? v.buffer : v) as unknown as string;
    },
  },
};

/**
 * A named statement of ours (NamedSql), prepared once on PGlite's single connection as node-postgres does on
 * each pooled one: PGlite's own `query` parses, plans and describes the text again at every call, in six
 * trips through its protocol layer, where a prepared one is bound and executed in one. What it needs from
 * the first trip: its parameters' types (for the serializers) and its result's columns (for the parsers).
 */
interface PreparedStatement {
  text: string;
  paramTypes: number[];
  fields: Array<{ name: string; dataTypeID: number }>;
}
const preparedStatements = new Map<string, PreparedStatement>();
let ourParsers: Parameters<typeof types.parseType>[2];

interface ProtocolMessage {
  name: string;
  dataTypeIDs?: number[];
  fields?: unknown[];
}

async function prepare(db: PGlite, name: string, text: string): Promise<PreparedStatement> {
  const { serialize } = protocol;
  const { messages } = await db.execProtocol(
    Buffer.concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]),
    { syncToFs: false },
  );
  let paramTypes: number[] = [];
  let fields: PreparedStatement['fields'] = [];
  for (const msg of messages as ProtocolMessage[]) {
    if (msg.name === 'parameterDescription') paramTypes = msg.dataTypeIDs ?? [];
    if (msg.name === 'rowDescription')
      fields = (msg.fields as Array<{ name: string; dataTypeID: number }>).map((f) => ({
        name: f.name,
        dataTypeID: f.dataTypeID,
      }));
  }
  const statement = { text, paramTypes, fields };
  preparedStatements.set(name, statement);
  return statement;
}

/**
 * Runs the named statement `name` (prepared at its first call), holding PGlite's locks as its `query` does:
 * outside a transaction, the transaction lock too, so that it waits for an open one to end.
 */
async function queryPrepared(
  db: PGlite,
  name: string,
  text: string,
  params: unknown[] | undefined,
  inTransaction: boolean,
): Promise<unknown[]> {
  const run = () =>
    db.runExclusive(async () => {
      const statement = preparedStatements.get(name) ?? (await prepare(db, name, text));
      if (statement.text !== text) throw new Error(`statement ${name} was prepared with another text`);
      const values = (params ?? []).map((param, i) => {
        if (param === null || param === undefined) return null;
        const oid = statement.paramTypes[i]!;
        const serializer = OURS.serializers[oid as 17] ?? db.serializers[oid];
        // As PGlite's own `query` does for a type it has no serializer for.
        return serializer ? serializer(param) : (param as { toString(): string }).toString();
      });
      const { serialize } = protocol;
      const { messages } = await db.execProtocol(
        Buffer.concat([serialize.bind({ statement: name, values }), serialize.execute({}), serialize.sync()]),
        { syncToFs: !inTransaction },
      );
      ourParsers ??= { ...db.parsers, ...OURS.parsers };
      const rows: unknown[] = [];
      for (const msg of messages as ProtocolMessage[]) {
        if (msg.name !== 'dataRow') continue;
        const row: Record<string, unknown> = {};
        statement.fields.forEach((f, i) => {
          row[f.name] = types.parseType((msg.fields as Array<string | null>)[i] ?? null, f.dataTypeID, ourParsers);
        });
        rows.push(row);
      }
      return rows;
    });
  return inTransaction ? run() : db._runExclusiveTransaction(run);
}

/** An error as plain data: its message and its own fields (the SQLSTATE `code`, `detail`, …). */
function plainError(err: unknown): { message: string; fields: Record<string, unknown> } {
  if (!(err instanceof Error)) return { message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (v === null || typeof v !== 'object') fields[k] = v;
  return { message: err.message, fields };
}

/** Open transactions: the PGlite handle and how to end it (commit, or rollback with the reason). */
const transactions = new Map<number, { tx: Transaction; done: Promise<unknown>; end: (commit: boolean) => void }>();

/** The reason given to PGlite for a rollback the caller asked for (not an error to report). */
class RolledBack extends Error {}
const subscriptions = new Map<number, () => Promise<void>>();
let nextHandle = 1;

/**
 * The copies of a statement's large binary parameters (a flow's bytes, cloned into this thread) are freed as soon
 * as the statement has run, not at this thread's next collection: a 30 Mo flow's copy otherwise outlived its insert.
 */
function freeLargeParams(params: unknown[] | undefined): void {
  let freed = false;
  for (const p of params ?? []) {
    if (!(p instanceof Uint8Array) || p.byteLength < 1024 * 1024) continue;
    // A private clone (structured cloning copied it into this thread): its whole memory goes, a view's too.
    releaseBuffer(new Uint8Array(p.buffer));
    freed = true;
  }
  // PGlite's own copies (the protocol message it built around the parameter): collected now, in this thread only.
  if (freed) collectGarbage('major');
}

async function handle(db: PGlite, m: ThreadRequest): Promise<Omit<ThreadReply, 'id'>> {
  switch (m.op) {
    case 'query': {
      const on = m.tx === undefined ? db : transactions.get(m.tx)?.tx;
      if (!on) throw new Error(`transaction ${m.tx} is not open`);
      try {
        if (m.name !== undefined) return { rows: await queryPrepared(db, m.name, m.sql, m.params, m.tx !== undefined) };
        const r = await on.query(m.sql, m.params, m.ours ? OURS : undefined);
        return { rows: r.rows };
      } finally {
        freeLargeParams(m.params);
      }
    }
    case 'exec': {
      const results = await db.exec(m.sql);
      return { results: results.map((r) => ({ rows: r.rows })) };
    }
    case 'begin': {
      const handleId = nextHandle++;
      // Replies once inside the transaction; it ends when the main thread says so (see 'end').
      return new Promise((resolveBegin, rejectBegin) => {
        let began = false;
        const done = db
          .transaction(
            (tx) =>
              new Promise<void>((commit, rollback) => {
                began = true;
                transactions.set(handleId, {
                  tx,
                  done,
                  end: (ok) => (ok ? commit() : rollback(new RolledBack())),
                });
                resolveBegin({ tx: handleId });
              }),
          )
          .finally(() => transactions.delete(handleId));
        done.catch((err: unknown) => {
          if (!began) rejectBegin(err instanceof Error ? err : new Error(String(err)));
        });
      });
    }
    case 'end': {
      const open = transactions.get(m.tx);
      if (!open) throw new Error(`transaction ${m.tx} is not open`);
      open.end(m.commit);
      // Settled once PGlite has run COMMIT (or ROLLBACK): a failed commit is the caller's error.
      await open.done.catch((err: unknown) => {
        if (!(err instanceof RolledBack)) throw err;
      });
      return {};
    }
    case 'listen': {
      const sub = nextHandle++;
      subscriptions.set(sub, await db.listen(m.channel, (payload) => port.postMessage({ notify: sub, payload })));
      return { sub };
    }
    case 'unlisten': {
      await subscriptions.get(m.sub)?.();
      subscriptions.delete(m.sub);
      return {};
    }
    case 'close': {
      await db.close();
      return {};
    }
  }
}

async function main(): Promise<void> {
  let db: PGlite;
  try {
    if (dir) mkdirSync(path.dirname(dir), { recursive: true });
    db = dir ? await PGlite.create(dir) : await PGlite.create();
  } catch (err) {
    port.postMessage({ failed: plainError(err) });
    return;
  }
  port.on('message', (m: ThreadRequest) => {
    handle(db, m).then(
      (out) => {
        port.postMessage({ id: m.id, ...out });
        if (m.op === 'close') port.close();
      },
      (err: unknown) => port.postMessage({ id: m.id, error: plainError(err) }),
    );
  });
  port.postMessage({ ready: true });
}

void main();
