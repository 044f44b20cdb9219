/**
 * A flow's stored bytes come back identical whatever their size: whole with the row when small, in slices
 * (CONTENT_SLICE_BYTES) when large, on PostgreSQL (hex text on the wire) and on PGlite (Uint8Array).
 */
import { afterAll, beforeAll, describe, expect, it as jestIt } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { openPglite, openPostgres } from '../src/store/connect.ts';
import type { Db } from '../src/store/db.ts';
import { CONTENT_SLICE_BYTES, getContent, readContentSlices } from '../src/store/flows.ts';
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

  it('a content that is gone is undefined; read in slices, it is an error (the run is retried)', async () => {
    const db = opened();
    expect(await getContent(db, 'f'.repeat(64))).toBeUndefined();
    await expect(readContentSlices(db, 'f'.repeat(64), 10)).rejects.toThrow(/vanished or changed/);
  });
});
