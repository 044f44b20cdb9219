/** Every SQL statement about partner accounts. */
import type { Queryable } from './db.ts';
import type { PartnerAccount, ReturnSyntax } from './types.ts';

type Row = Record<string, unknown>;

/** A partners row (or its to_jsonb form) as an account. */
export function toPartner(r: Row): PartnerAccount {
  const out: PartnerAccount = {
    code: r.code as string,
    name: r.name as string,
    active: r.active as boolean,
    returnSyntax: r.return_syntax as ReturnSyntax,
    sftpAuthorizedKeys: (r.sftp_authorized_keys as string[]) ?? [],
    signed: r.signed as boolean,
  };
  if (r.sftp_password_hash) out.sftpPasswordHash = r.sftp_password_hash as string;
  return out;
}

export interface PartnerUpsert {
  code: string;
  name: string;
  returnSyntax: ReturnSyntax;
  signed?: boolean;
  sftpPasswordHash?: string;
  sftpAuthorizedKeys?: string[];
}

/** Creates or updates a partner; fields not given keep their stored value. */
export async function upsertPartner(db: Queryable, p: PartnerUpsert): Promise<PartnerAccount> {
  const r = await db.query<Row>(
    `INSERT INTO partners (code, name, return_syntax, signed, sftp_password_hash, sftp_authorized_keys)
     VALUES ($1, $2, $3, COALESCE($4, false), $5, COALESCE($6, '{}'::text[]))
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, return_syntax = EXCLUDED.return_syntax,
       signed = COALESCE($4, partners.signed),
       sftp_password_hash = COALESCE($5, partners.sftp_password_hash),
       sftp_authorized_keys = CASE WHEN $6::text[] IS NULL THEN partners.sftp_authorized_keys
         ELSE ARRAY(SELECT DISTINCT unnest(partners.sftp_authorized_keys || $6::text[])) END
     RETURNING *`,
    [p.code, p.name, p.returnSyntax, p.signed ?? null, p.sftpPasswordHash ?? null, p.sftpAuthorizedKeys ?? null],
  );
  return toPartner(r.rows[0] as Row);
}

export async function getPartner(db: Queryable, code: string): Promise<PartnerAccount | undefined> {
  const r = await db.query<Row>('SELECT * FROM partners WHERE code = $1', [code]);
  return r.rows[0] ? toPartner(r.rows[0]) : undefined;
}

export async function listPartners(db: Queryable): Promise<PartnerAccount[]> {
  const r = await db.query<Row>('SELECT * FROM partners ORDER BY code');
  return r.rows.map(toPartner);
}

export async function setSftpPassword(db: Queryable, code: string, hash: string): Promise<void> {
  const r = await db.query<Row>('UPDATE partners SET sftp_password_hash = $2 WHERE code = $1 RETURNING code', [
    code,
    hash,
  ]);
  if (!r.rows.length) throw new Error(`unknown partner ${code}`);
}

export async function addSftpKey(db: Queryable, code: string, line: string): Promise<void> {
  const r = await db.query<Row>(
    `UPDATE partners SET sftp_authorized_keys = ARRAY(SELECT DISTINCT unnest(sftp_authorized_keys || ARRAY[$2::text]))
     WHERE code = $1 RETURNING code`,
    [code, line],
  );
  if (!r.rows.length) throw new Error(`unknown partner ${code}`);
}

export async function setPartnerSigned(db: Queryable, code: string, signed: boolean): Promise<void> {
  await db.query('UPDATE partners SET signed = $2 WHERE code = $1', [code, signed]);
}

/** A counter bumped by every change to partners (a trigger): a node reloads its partner list when it moves. */
export async function partnersVersion(db: Queryable): Promise<number> {
  const r = await db.query<{ version: number }>('SELECT version FROM partners_version WHERE id = 1');
  return Number(r.rows[0]?.version ?? 0);
}
