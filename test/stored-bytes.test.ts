/**
 * A flow's stored bytes come back identical whatever their size: whole with the row when small, in slices
 * (CONTENT_SLICE_BYTES) when large, on PostgreSQL (hex text on the wire) and on PGlite (Uint8Array).
 */
import { afterAll, beforeAll, describe, expect, it as jestIt } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { openPglite, openPostgres } from '../src/store/connect.ts';
import type { Db } from '../src/store/db.ts';
import {
  CONTENT_SLICE_BYTES,
  getContent,
  handOverContent,
  insertFlow,
  readContentSlices,
  startFlowRun,
} from '../src/store/flows.ts';
import { upsertPartner } from '../src/store/partners.ts';
import { migrate } from '../src/store/migrate.ts';
import type { DbKind } from './helpers/env.ts';
import { PG_URL, dropSchema, postgresRequired, uniqueSchema } from './helpers/env.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Decided before the tests are declared: without PostgreSQL its half is reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();

describe.each<DbKind>(['pglite', 'postgres'])('stored bytes on %s', (kind) => {
  const it = kind === 'postgres' && !postgres ? jestIt.skip : jestIt;
  let db: Db | undefined;
  const schema = uniqueSchema();

  beforeAll(async () => {
    if (kind === 'postgres' && !postgres) return;
    db = kind === 'postgres' ? await openPostgres(PG_URL, schema) : await openPglite(undefined);
    await migrate(db);
  }, 120000);

  const opened = (): Db => {
    if (!db) throw new Error(`the ${kind} database did not open`);
    return db;
  };

  afterAll(async () => {
    await db?.close();
    if (kind === 'postgres' && db) await dropSchema(schema);
  });

  it.each([
    ['small (whole with the row)', 1000],
    ['exactly one slice', CONTENT_SLICE_BYTES],
    ['a few slices and a partial one', 2 * CONTENT_SLICE_BYTES + 12345],
  ])(
    '%s: identical bytes back',
    async (_label, size) => {
      const db = opened();
      // Every byte value, including NUL and invalid UTF-8, so a text decoding anywhere would show.
      const bytes = randomBytes(size);
      bytes[0] = 0;
      bytes[size - 1] = 0xff;
      const key = sha(bytes);
      await db.query('INSERT INTO flow_content (sha256, bytes) VALUES ($1, $2)', [key, bytes]);
      const back = await getContent(db, key);
      expect(back && sha(back)).toBe(key);
      expect(back?.byteLength).toBe(size);
      const sliced = await readContentSlices(db, key, size);
      expect(sha(sliced)).toBe(key);
    },
    60000,
  );

  it('a large flow handed over at intake: its run takes that Buffer once, a second run reads it back', async () => {
    const db = opened();
    await upsertPartner(db, { code: 'HAND1', name: 'Handoff', returnSyntax: 'CPPStatut' });
    const size = 3 * CONTENT_SLICE_BYTES + 7;
    const bytes = randomBytes(size);
    const key = sha(bytes);
    const flow = await insertFlow(db, {
      box: 'depot',
      partner: 'HAND1',
      originalName: 'grande.xml',
      size,
      sha256: key,
      bytes,
      signature: null,
      spoolKey: `handoff-${kind}-${Date.now()}`,
      transport: 'folder',
      declaredInterface: null,
      declaredSigned: null,
      numberInterface: '1100',
    });
    handOverContent(key, bytes);
    const first = await startFlowRun(db, flow!.id);
    expect(first?.bytes).toBe(bytes); // the very Buffer intake read: no read-back
    const second = await startFlowRun(db, flow!.id);
    expect(second?.bytes).not.toBe(bytes);
    expect(second?.bytes && sha(second.bytes)).toBe(key);
    // A small flow's bytes are not kept (read back with the row): freed at once.
    const small = randomBytes(CONTENT_SLICE_BYTES + 1).subarray(0, 1000);
    handOverContent(sha(small), small);
    expect(small.length).toBe(1000); // a view of a larger buffer: left alone
    const own = Buffer.alloc(1000); // its own memory (not Node's pool)
    randomBytes(1000).copy(own);
    const ownCopy = Buffer.from(own);
    handOverContent(sha(ownCopy), own);
    expect(own.length).toBe(0);
  });

  it('a content that is gone is undefined; read in slices, it is an error (the run is retried)', async () => {
    const db = opened();
    expect(await getContent(db, 'f'.repeat(64))).toBeUndefined();
    await expect(readContentSlices(db, 'f'.repeat(64), 10)).rejects.toThrow(/vanished or changed/);
  });
});
