/**
 * PGlite has no autovacuum: the store vacuums the tables every flow churns (pg-boss's jobs, `flows`,
 * `return_flows`) when asked, and the dead rows left by updates and deletes are gone after. PostgreSQL's
 * store leaves that to its autovacuum.
 */
import { afterAll, expect, it as jestIt } from '@jest/globals';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/index.ts';
import { PG_URL, dropSchema, postgresRequired, uniqueSchema } from './helpers/env.ts';

const postgres = await postgresRequired();
const queue = { retryLimit: 1, retryDelaySeconds: 1, expireSeconds: 60 };
const opened: Store[] = [];

afterAll(async () => {
  for (const s of opened) await s.close();
});

/** Whether PostgreSQL's `VACUUM` has looked at the table since its rows changed (it sets `reltuples`). */
const tuples = async (store: Store, table: string) =>
  (await store.db.query<{ n: number }>(`SELECT reltuples::int AS n FROM pg_class WHERE oid = $1::regclass`, [table]))
    .rows[0]!.n;

jestIt(
  'on PGlite, vacuum() reclaims the rows a flow leaves dead in its tables',
  async () => {
    const store = await openStore({}, queue);
    opened.push(store);
    expect(store.vacuum).toBeDefined();
    // Rows updated (each update leaves a dead version) and deleted, as a flow's run does.
    await store.db.exec(`INSERT INTO partners (code, name) VALUES ('VAC1', 'Vacuum')`);
    await store.db.exec(
      `INSERT INTO flows (box, partner, original_name, size, sha256, stored, spool_key, transport, state)
     SELECT 'depot', 'VAC1', 'f' || g, 1, 'x', false, 'vac-' || g, 'folder', 'IN_RECU' FROM generate_series(1, 500) g`,
    );
    for (const state of ['IN_EN_COURS_TRAITEMENT', 'IN_INTEGRE'])
      await store.db.query('UPDATE flows SET state = $1', [state]);
    await store.db.exec('DELETE FROM flows');
    const size = async () =>
      (await store.db.query<{ n: number }>(`SELECT pg_relation_size('flows')::int AS n`)).rows[0]!.n;
    expect(await tuples(store, 'flows')).toBe(-1); // never vacuumed nor analysed
    expect(await size()).toBeGreaterThan(0); // the dead versions still fill its pages
    await store.vacuum!();
    for (const table of ['flows', 'return_flows', 'pgboss.job_common']) expect(await tuples(store, table)).toBe(0);
    expect(await size()).toBe(0); // reclaimed: the emptied pages are cut off the table
  },
  60000,
);

(postgres ? jestIt : jestIt.skip)(
  'on PostgreSQL, autovacuum does it: no vacuum() on the store',
  async () => {
    const schema = uniqueSchema();
    const store = await openStore({ databaseUrl: PG_URL, schema }, queue);
    try {
      expect(store.vacuum).toBeUndefined();
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  },
  60000,
);
