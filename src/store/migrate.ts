/**
 * Migrations: `src/store/migrations/NNNN_name.sql`, applied in name order, once each, each in its own
 * transaction. An advisory lock makes several daemons starting together migrate one at a time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const LOCK_KEY = 7_412_093_001; // arbitrary, constant: "passerelle migrations"

/**
 * Applies the migrations not yet applied, in order; `through` (a number, e.g. '0010') stops after that one,
 * leaving a database in an earlier shape (the upgrade tests start from one).
 */
export async function migrate(db: Db, opts: { through?: string } = {}): Promise<string[]> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f) && (opts.through === undefined || f.slice(0, 4) <= opts.through))
    .sort();
  const applied: string[] = [];
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  for (const name of files) {
    const sql = readFileSync(MIGRATIONS_DIR + name, 'utf8');
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
      if (seen.rows.length) return false;
      // Statements are split on lines holding only ";" — migrations avoid that shape elsewhere.
      for (const statement of sql
        .split(/;\s*$/m)
        .map((s) => s.trim())
        .filter(Boolean)) {
        await tx.query(statement);
      }
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      return true;
    });
    if (done) applied.push(name);
  }
  return applied;
}
