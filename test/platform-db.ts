/** Test helper: a migrated database of each kind (PGlite in memory, PostgreSQL in a throwaway schema). */
import { randomBytes } from 'node:crypto';
import { openPglite, openPostgres } from '../src/store/connect.ts';
import type { Db } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { PG_URL } from './helpers/env.ts';

export interface TestDb {
  db: Db;
  dispose(): Promise<void>;
}

export async function openTestDb(kind: 'pglite' | 'postgres'): Promise<TestDb> {
  if (kind === 'pglite') {
    const db = await openPglite(undefined);
    await migrate(db);
    return { db, dispose: () => db.close() };
  }
  const schema = `t_platform_${randomBytes(6).toString('hex')}`;
  const db = await openPostgres(PG_URL, schema);
  await migrate(db);
  return {
    db,
    async dispose() {
      await db.query(`DROP SCHEMA "${schema}" CASCADE`);
      await db.close();
    },
  };
}

export async function addPartner(db: Db, code: string): Promise<void> {
  await db.query('INSERT INTO partners (code, name) VALUES ($1, $2)', [code, `Partenaire ${code}`]);
}
