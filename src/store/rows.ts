/** Rows as the database drivers give them: untyped until a store module maps them to its records. */
export type Row = Record<string, unknown>;

/** A scalar column (text, number) as text: rows are untyped. */
export function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}
