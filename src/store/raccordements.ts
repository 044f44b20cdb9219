/** Every SQL statement about the espaces of a structure and the raccordement (connection) requests. */
import type { Queryable } from './db.ts';

type Row = Record<string, unknown>;

export type Space = 'raccordement' | 'suivi';
export const SPACES: readonly Space[] = ['raccordement', 'suivi'];
export type RaccordementState = 'DEMANDEE' | 'VALIDEE' | 'REFUSEE';

export interface RaccordementRecord {
  id: number;
  structureId: number;
  siret: string;
  structureName: string;
  partner: string;
  requestedBy: number;
  mode: 'SFTP' | 'API';
  contactName: string;
  contactPhone: string;
  contactEmail: string;
  contactFax: string;
  comments: string;
  publicKey: string | null;
  hasPassword: boolean;
  passwordHash: string | null;
  state: RaccordementState;
  decisionComment: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

export interface NewRaccordement {
  structureId: number;
  partner: string;
  requestedBy: number;
  mode: 'SFTP' | 'API';
  contactName: string;
  contactPhone: string;
  contactEmail: string;
  contactFax: string;
  comments: string;
  publicKey: string | null;
  passwordHash: string | null;
}

export async function listSpaces(q: Queryable, structureId: number): Promise<Space[]> {
  const r = await q.query<{ space: Space }>(
    'SELECT space FROM portal_structure_spaces WHERE structure_id = $1 ORDER BY space',
    [structureId],
  );
  return r.rows.map((x) => x.space);
}

export async function addSpaces(q: Queryable, structureId: number, spaces: Space[], by: number): Promise<void> {
  for (const s of spaces)
    await q.query(
      'INSERT INTO portal_structure_spaces (structure_id, space, added_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [structureId, s, by],
    );
}

const SELECT = `SELECT r.*, s.siret, s.name AS structure_name FROM raccordements r
  JOIN directory_structures s ON s.id = r.structure_id`;

function toRaccordement(r: Row): RaccordementRecord {
  return {
    id: Number(r.id),
    structureId: Number(r.structure_id),
    siret: r.siret as string,
    structureName: r.structure_name as string,
    partner: r.partner as string,
    requestedBy: Number(r.requested_by),
    mode: r.mode as 'SFTP' | 'API',
    contactName: r.contact_name as string,
    contactPhone: r.contact_phone as string,
    contactEmail: r.contact_email as string,
    contactFax: r.contact_fax as string,
    comments: r.comments as string,
    publicKey: (r.public_key as string | null) ?? null,
    hasPassword: Boolean(r.password_hash),
    passwordHash: (r.password_hash as string | null) ?? null,
    state: r.state as RaccordementState,
    decisionComment: (r.decision_comment as string | null) ?? null,
    decidedAt: r.decided_at ? new Date(r.decided_at as string) : null,
    createdAt: new Date(r.created_at as string),
  };
}

export async function createRaccordement(q: Queryable, n: NewRaccordement): Promise<RaccordementRecord> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO raccordements (structure_id, partner, requested_by, mode, contact_name, contact_phone, contact_email,
       contact_fax, comments, public_key, password_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [
      n.structureId,
      n.partner,
      n.requestedBy,
      n.mode,
      n.contactName,
      n.contactPhone,
      n.contactEmail,
      n.contactFax,
      n.comments,
      n.publicKey,
      n.passwordHash,
    ],
  );
  return (await getRaccordement(q, Number(r.rows[0]!.id)))!;
}

export async function getRaccordement(q: Queryable, id: number): Promise<RaccordementRecord | undefined> {
  const r = await q.query<Row>(`${SELECT} WHERE r.id = $1`, [id]);
  return r.rows[0] ? toRaccordement(r.rows[0]) : undefined;
}

export async function listRaccordements(
  q: Queryable,
  filter: { structureId?: number; state?: RaccordementState } = {},
): Promise<RaccordementRecord[]> {
  const r = await q.query<Row>(
    `${SELECT} WHERE ($1::bigint IS NULL OR r.structure_id = $1) AND ($2::text IS NULL OR r.state = $2)
     ORDER BY r.id DESC LIMIT 500`,
    [filter.structureId ?? null, filter.state ?? null],
  );
  return r.rows.map(toRaccordement);
}

/** Decides a pending request once: false when it was already decided. */
export async function decideRaccordement(
  q: Queryable,
  id: number,
  state: 'VALIDEE' | 'REFUSEE',
  comment: string | null,
): Promise<boolean> {
  const r = await q.query(
    `UPDATE raccordements SET state = $2, decision_comment = $3, decided_at = now()
     WHERE id = $1 AND state = 'DEMANDEE' RETURNING id`,
    [id, state, comment],
  );
  return r.rows.length === 1;
}
