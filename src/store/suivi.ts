/** The "Suivi des flux" search: one partner's flows filtered by date, number, name, type, state, status. */
import type { Queryable } from './db.ts';
import { FLOW_COLUMNS, toFlowRecord } from './flows.ts';
import type { FlowRecord } from './types.ts';

export interface FlowSearch {
  partner: string;
  /** Inclusive bounds, `YYYY-MM-DD` (Paris days). */
  from?: string;
  to?: string;
  flowNumber?: string;
  fileName?: string;
  /** Interface codes of the chosen type (declared or detected). */
  interfaceCodes?: readonly string[];
  state?: string;
  statusCode?: string;
  /** Deposits only (analyses have no flow number). */
  depositsOnly?: boolean;
  page: number;
  pageSize: number;
}

const like = (s: string) => `%${s.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;

export async function searchFlows(q: Queryable, f: FlowSearch): Promise<{ flows: FlowRecord[]; total: number }> {
  const where: string[] = ['partner = $1'];
  const params: unknown[] = [f.partner];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.from) add(`received_at >= (?::date)::timestamp AT TIME ZONE 'Europe/Paris'`, f.from);
  if (f.to) add(`received_at < ((?::date + 1)::timestamp AT TIME ZONE 'Europe/Paris')`, f.to);
  if (f.flowNumber) add('flow_number ILIKE ?', like(f.flowNumber));
  if (f.fileName) add('original_name ILIKE ?', like(f.fileName));
  if (f.interfaceCodes) add('COALESCE(interface_code, declared_interface) = ANY(?::text[])', f.interfaceCodes);
  if (f.state) add('state = ?', f.state);
  if (f.statusCode) add('status_code = ?', f.statusCode);
  if (f.depositsOnly) where.push("box = 'depot'");
  const w = where.join(' AND ');
  const total = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM flows WHERE ${w}`, params);
  const r = await q.query<Record<string, unknown>>(
    `SELECT ${FLOW_COLUMNS} FROM flows WHERE ${w} ORDER BY id DESC LIMIT ${Number(f.pageSize)} OFFSET ${Number((f.page - 1) * f.pageSize)}`,
    params,
  );
  return { flows: r.rows.map(toFlowRecord), total: Number(total.rows[0]?.n ?? 0) };
}
