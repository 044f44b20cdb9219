/**
 * The embedded database in its own thread keeps PGlite's semantics (one connection, transactions that hold
 * it, errors with their SQLSTATE) while the main thread stays free, and `ping()` does not queue behind a
 * statement the thread is working on.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { openPglite } from '../src/store/connect.ts';
import type { PgliteDb } from '../src/store/connect.ts';
import { prepared } from '../src/store/db.ts';

let db: PgliteDb;

beforeAll(async () => {
  db = await openPglite(undefined);
  await db.exec('CREATE TABLE t (k text PRIMARY KEY, n int8, b bytea)');
}, 60000);

afterAll(async () => {
  await db?.close();
});

it('errors keep their SQLSTATE and message; the connection is usable after', async () => {
  await db.query('INSERT INTO t (k) VALUES ($1)', ['dup']);
  const err = await db.query('INSERT INTO t (k) VALUES ($1)', ['dup']).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as { code?: string }).code).toBe('23505');
  expect((err as Error).message).toMatch(/duplicate key/);
  expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
});

it('int8 as number, bytea in and out as Buffer, every byte value intact', async () => {
  const bytes = Buffer.from([0, 0xff, 0x5c, 0x78, 0x27, 0x00, 0x80]);
  await db.query('INSERT INTO t (k, n, b) VALUES ($1, $2, $3)', ['bytes', 2 ** 40, bytes]);
  const r = await db.query<{ n: number; b: Buffer }>('SELECT n, b FROM t WHERE k = $1', ['bytes']);
  expect(r.rows[0]?.n).toBe(2 ** 40);
  expect(Buffer.isBuffer(r.rows[0]?.b)).toBe(true);
  expect(r.rows[0]?.b.equals(bytes)).toBe(true);
});

it('a transaction commits when its function resolves and rolls back when it throws', async () => {
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO t (k) VALUES ($1)', ['kept']);
  });
  await expect(
    db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (k) VALUES ($1)', ['dropped']);
      throw new Error('changed my mind');
    }),
  ).rejects.toThrow('changed my mind');
  const r = await db.query<{ k: string }>("SELECT k FROM t WHERE k IN ('kept', 'dropped') ORDER BY k");
  expect(r.rows.map((x) => x.k)).toEqual(['kept']);
});

it('a named statement is prepared once and behaves as its text: types, nulls, errors, transactions', async () => {
  const upsert = prepared(
    'test_upsert',
    `INSERT INTO t (k, n, b) VALUES ($1, $2, $3) ON CONFLICT (k) DO UPDATE SET n = EXCLUDED.n RETURNING k, n, b, now() AS at`,
  );
  const bytes = Buffer.from([0, 0xff, 0x5c, 0x78]);
  const first = await db.query<{ k: string; n: number; b: Buffer; at: Date }>(upsert, ['named', 2 ** 40, bytes]);
  expect(first.rows).toHaveLength(1);
  expect(first.rows[0]?.n).toBe(2 ** 40); // int8 as number, as the unnamed path
  expect(first.rows[0]?.b.equals(bytes)).toBe(true);
  // PGlite's own parsers for the other types (a Date of the main thread's realm, not jest's).
  expect(Object.prototype.toString.call(first.rows[0]?.at)).toBe('[object Date]');
  const again = await db.query<{ n: number; b: Buffer | null }>(upsert, ['named-null', null, null]);
  expect(again.rows[0]).toMatchObject({ n: null, b: null });
  // Prepared once: the server holds it under its name.
  const held = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = 'passerelle_test_upsert'`,
  );
  expect(held.rows[0]?.n).toBe(1);
  // An error at execution keeps its SQLSTATE; the statement stays usable.
  const boom = prepared('test_boom', 'SELECT 1 / $1::int AS q');
  const err = await db.query(boom, [0]).catch((e: unknown) => e);
  expect((err as { code?: string }).code).toBe('22012');
  expect((await db.query<{ q: number }>(boom, [1])).rows).toEqual([{ q: 1 }]);
  // Inside a transaction, rolled back with it.
  await expect(
    db.transaction(async (tx) => {
      await tx.query(upsert, ['named-rolled-back', 1, null]);
      throw new Error('no');
    }),
  ).rejects.toThrow('no');
  const rolled = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM t WHERE k = 'named-rolled-back'");
  expect(rolled.rows[0]?.n).toBe(0);
  // One name, one text (as node-postgres insists on one connection).
  await expect(db.query({ name: upsert.name, text: 'SELECT 2' })).rejects.toThrow(/another text/);
  // A text that does not parse is not remembered: its error, then the same again.
  const bad = prepared('test_bad', 'SELEC 1');
  for (let i = 0; i < 2; i++) await expect(db.query(bad)).rejects.toMatchObject({ code: '42601' });
});

it('a statement outside a transaction waits for it, as on one connection', async () => {
  const order: string[] = [];
  let inside!: () => void;
  const entered = new Promise<void>((r) => (inside = r));
  const tx = db.transaction(async (t) => {
    await t.query('INSERT INTO t (k) VALUES ($1)', ['in-tx']);
    inside();
    await new Promise((r) => setTimeout(r, 300));
    order.push('tx end');
  });
  await entered;
  const outside = db.query<{ n: number }>("SELECT count(*)::int AS n FROM t WHERE k = 'in-tx'").then((r) => {
    order.push('outside');
    return r.rows[0]?.n;
  });
  await tx;
  expect(await outside).toBe(1); // it saw the committed row
  expect(order).toEqual(['tx end', 'outside']);
});

it('ping answers at once while the thread works on a long statement; SELECT 1 waits behind it', async () => {
  const long = db.query('SELECT pg_sleep(1.5)');
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  await db.ping();
  const pingMs = performance.now() - t0;
  const t1 = performance.now();
  await db.query('SELECT 1');
  const queuedMs = performance.now() - t1;
  await long;
  expect(pingMs).toBeLessThan(100);
  expect(queuedMs).toBeGreaterThan(800);
  // Idle: ping asks the database itself.
  await db.ping();
});

it('after close, calls fail with a clear error instead of hanging', async () => {
  const other = await openPglite(undefined);
  await other.close();
  await expect(other.query('SELECT 1')).rejects.toThrow(/closed/);
  await expect(other.ping()).rejects.toThrow(/closed/);
});
