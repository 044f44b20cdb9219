/** Opens the database: a real PostgreSQL when a URL is given, else embedded PGlite under dataDir. */
import pg from 'pg';
import { SQL_IDENTIFIER } from '../config.ts';
import type { Db, NamedSql, Queryable } from './db.ts';
import { PgliteThread } from './pglite-thread.ts';

// bigint (int8) as string would leak into every record; counts and ids fit in a JS number here.
pg.types.setTypeParser(20, (v) => Number(v));

/** A PostgreSQL identifier, double-quoted with embedded quotes doubled (SQL standard quoting). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function openPostgres(url: string, schema?: string): Promise<Db> {
  // Checked here too: a schema can come from a caller other than the validated configuration.
  if (schema !== undefined && !SQL_IDENTIFIER.test(schema))
    throw new Error(`unsafe PostgreSQL schema name ${JSON.stringify(schema)} (lower-case letters, digits, _)`);
  // The schema is set per connection at startup, so every pooled client sees the same tables.
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${quoteIdentifier(schema)},public` } : {}),
  });
  if (schema)
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`).catch(async (err: unknown) => {
      await pool.end().catch(() => undefined);
      throw err;
    });
  // A named statement goes as { name, text, values }: node-postgres prepares it on each pooled
  // connection the first time and then only binds and executes it.
  const config = (sql: string | NamedSql, params?: unknown[]) =>
    typeof sql === 'string' ? { text: sql, values: params } : { name: sql.name, text: sql.text, values: params };
  return {
    kind: 'postgres',
    async query<T>(sql: string | NamedSql, params?: unknown[]) {
      const r = await pool.query(config(sql, params));
      return { rows: r.rows as T[] };
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          async query<R>(sql: string | NamedSql, params?: unknown[]) {
            const r = await client.query(config(sql, params));
            return { rows: r.rows as R[] };
          },
        };
        const out = await fn(tx);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}

/** The embedded database's thread is exposed too: pg-boss needs it for its own adapter. */
export interface PgliteDb extends Db {
  readonly pglite: PgliteThread;
}

/**
 * Embedded PGlite, in its own thread (see pglite-thread.ts): the same Db as PostgreSQL's. With `contentDir`,
 * large flow contents are kept as files there (content-files.ts).
 */
export async function openPglite(dir: string | undefined, contentDir?: string): Promise<PgliteDb> {
  const db = await PgliteThread.open(dir);
  return {
    kind: 'pglite',
    pglite: db,
    ...(contentDir === undefined ? {} : { contentDir }),
    async query<T>(sql: string | NamedSql, params?: unknown[]) {
      return db.ours<T>(sql, params);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        fn({
          ...(contentDir === undefined ? {} : { contentDir }),
          async query<R>(sql: string | NamedSql, params?: unknown[]) {
            return db.ours<R>(sql, params, tx);
          },
        }),
      );
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    ping: () => db.ping(),
    async close() {
      await db.close();
    },
  };
}
