/**
 * The one database interface: node-postgres (a real PostgreSQL) or PGlite (embedded), same SQL.
 * Both use `$1` placeholders and return `{ rows }`.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on error). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script with no parameters (migrations). */
  exec(sql: string): Promise<void>;
  readonly kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}
