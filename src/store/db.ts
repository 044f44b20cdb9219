/**
 * A statement of the flow path with a name: it is prepared once per connection (each pooled one on
 * PostgreSQL, the single one of PGlite), so its (large) CTE is parsed and planned once instead of for every
 * flow. One name, one text: node-postgres refuses a name reused with another text on the same connection.
 */
export interface NamedSql {
  readonly name: string;
  readonly text: string;
}

export function prepared(name: string, text: string): NamedSql {
  return { name: `passerelle_${name}`, text };
}

/**
 * The one database interface: node-postgres (a real PostgreSQL) or PGlite (embedded), same SQL.
 * Both use `$1` placeholders and return `{ rows }`.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string | NamedSql, params?: unknown[]): Promise<{ rows: T[] }>;
  /**
   * PGlite with a data folder: where flow contents above LARGE_DOCUMENT_BYTES are kept as files (see
   * content-files.ts). Absent: every content is in the database (PostgreSQL, PGlite in memory).
   */
  readonly contentDir?: string;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on error). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script with no parameters (migrations). */
  exec(sql: string): Promise<void>;
  readonly kind: 'postgres' | 'pglite';
  /**
   * Resolves when the database is up (`/health`). PostgreSQL: `SELECT 1` on a pooled connection. PGlite: at
   * once while its thread is working on statements and answering, else `SELECT 1` (see PgliteThread.ping).
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}
