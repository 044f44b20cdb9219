/** Every SQL statement about portal accounts, their mail links, sessions and sign-in failures. */
import { createHash, randomBytes } from 'node:crypto';
import type { Db, Queryable } from './db.ts';

type Row = Record<string, unknown>;

export interface AccountFields {
  loginEmail: string;
  nom: string;
  prenom: string;
  contactEmail: string | null;
  adresse: string;
  complement: string;
  codePostal: string;
  ville: string;
  pays: string;
  telephone: string;
  fax: string;
}

export interface AccountRecord extends AccountFields {
  id: number;
  partner: string;
  passwordHash: string | null;
  secretQuestion: string | null;
  secretAnswerHash: string | null;
  activatedAt: Date | null;
  failedLogins: number;
  lockedUntil: Date | null;
  createdAt: Date;
}

export type TokenPurpose = 'activation' | 'reset';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const date = (v: unknown): Date | null => (v ? new Date(v as string) : null);

function toAccount(r: Row): AccountRecord {
  return {
    id: Number(r.id),
    loginEmail: r.login_email as string,
    nom: r.nom as string,
    prenom: r.prenom as string,
    contactEmail: (r.contact_email as string | null) ?? null,
    adresse: r.adresse as string,
    complement: r.complement as string,
    codePostal: r.code_postal as string,
    ville: r.ville as string,
    pays: r.pays as string,
    telephone: r.telephone as string,
    fax: r.fax as string,
    partner: r.partner as string,
    passwordHash: (r.password_hash as string | null) ?? null,
    secretQuestion: (r.secret_question as string | null) ?? null,
    secretAnswerHash: (r.secret_answer_hash as string | null) ?? null,
    activatedAt: date(r.activated_at),
    failedLogins: Number(r.failed_logins),
    lockedUntil: date(r.locked_until),
    createdAt: new Date(r.created_at as string),
  };
}

export class AccountExistsError extends Error {
  override name = 'AccountExistsError';
}

/**
 * Creates the account and its technical partner (`U` + 7 digits, inactive: it deposits nothing until
 * a raccordement is approved) in one transaction.
 */
export async function createAccount(db: Db, f: AccountFields): Promise<AccountRecord> {
  return db.transaction(async (tx) => {
    const exists = await tx.query('SELECT 1 FROM portal_accounts WHERE login_email = $1', [f.loginEmail]);
    if (exists.rows.length) throw new AccountExistsError(f.loginEmail);
    const id = Number((await tx.query<{ id: string }>("SELECT nextval('portal_account_seq') AS id")).rows[0]!.id);
    const partner = `U${String(id).padStart(7, '0')}`;
    await tx.query('INSERT INTO partners (code, name, active) VALUES ($1, $2, false)', [
      partner,
      `${f.prenom} ${f.nom}`.slice(0, 200),
    ]);
    const r = await tx.query<Row>(
      `INSERT INTO portal_accounts (id, login_email, nom, prenom, contact_email, adresse, complement, code_postal,
         ville, pays, telephone, fax, partner)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
      [
        id,
        f.loginEmail,
        f.nom,
        f.prenom,
        f.contactEmail,
        f.adresse,
        f.complement,
        f.codePostal,
        f.ville,
        f.pays,
        f.telephone,
        f.fax,
        partner,
      ],
    );
    return toAccount(r.rows[0]!);
  });
}

export async function getAccount(q: Queryable, id: number): Promise<AccountRecord | undefined> {
  const r = await q.query<Row>('SELECT * FROM portal_accounts WHERE id = $1', [id]);
  return r.rows[0] ? toAccount(r.rows[0]) : undefined;
}

export async function findAccountByEmail(q: Queryable, email: string): Promise<AccountRecord | undefined> {
  const r = await q.query<Row>('SELECT * FROM portal_accounts WHERE login_email = $1', [email.toLowerCase()]);
  return r.rows[0] ? toAccount(r.rows[0]) : undefined;
}

export async function setContactEmail(q: Queryable, id: number, email: string | null): Promise<void> {
  await q.query('UPDATE portal_accounts SET contact_email = $2 WHERE id = $1', [id, email]);
}

export async function setPasswordHash(q: Queryable, id: number, hash: string): Promise<void> {
  await q.query('UPDATE portal_accounts SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1', [
    id,
    hash,
  ]);
}

/** Activation: password, secret question and answer set, account active. */
export async function activateAccount(
  q: Queryable,
  id: number,
  v: { passwordHash: string; question: string; answerHash: string },
): Promise<void> {
  await q.query(
    `UPDATE portal_accounts SET password_hash = $2, secret_question = $3, secret_answer_hash = $4,
       activated_at = COALESCE(activated_at, now()), failed_logins = 0, locked_until = NULL WHERE id = $1`,
    [id, v.passwordHash, v.question, v.answerHash],
  );
}

/** Counts a failed sign-in; from `lockAfter` failures in a row the account is locked `lockSeconds`. */
export async function accountFailed(q: Queryable, id: number, lockAfter: number, lockSeconds: number): Promise<void> {
  await q.query(
    `UPDATE portal_accounts SET failed_logins = failed_logins + 1,
       locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END
     WHERE id = $1`,
    [id, lockAfter, lockSeconds],
  );
}

export async function accountSucceeded(q: Queryable, id: number): Promise<void> {
  await q.query('UPDATE portal_accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1', [id]);
}

/** Seconds left of a test user's lock (0 when free). */
export async function loginLockedFor(q: Queryable, login: string): Promise<number> {
  const r = await q.query<{ s: number }>(
    `SELECT GREATEST(0, ceil(extract(epoch FROM locked_until - now())))::int AS s FROM portal_login_failures
     WHERE login = $1 AND locked_until > now()`,
    [login],
  );
  return r.rows[0] ? Number(r.rows[0].s) : 0;
}

export async function loginFailed(q: Queryable, login: string, lockAfter: number, lockSeconds: number): Promise<void> {
  await q.query(
    `INSERT INTO portal_login_failures (login, failures) VALUES ($1, 1)
     ON CONFLICT (login) DO UPDATE SET failures = portal_login_failures.failures + 1,
       locked_until = CASE WHEN portal_login_failures.failures + 1 >= $2 THEN now() + make_interval(secs => $3)
         ELSE portal_login_failures.locked_until END`,
    [login, lockAfter, lockSeconds],
  );
}

export async function loginSucceeded(q: Queryable, login: string): Promise<void> {
  await q.query('DELETE FROM portal_login_failures WHERE login = $1', [login]);
}

// ---------------------------------------------------------------------------------------------
// One-time links

/** A new link for this purpose; earlier unused links of the same purpose stop working. Returns the clear token. */
export async function issueToken(
  q: Queryable,
  accountId: number,
  purpose: TokenPurpose,
  hours: number,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await q.query('UPDATE portal_tokens SET used_at = now() WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL', [
    accountId,
    purpose,
  ]);
  await q.query(
    `INSERT INTO portal_tokens (token_hash, account_id, purpose, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4))`,
    [sha256(token), accountId, purpose, hours],
  );
  return token;
}

export type TokenState =
  | { state: 'valid'; accountId: number; answered: boolean }
  | { state: 'expired' | 'used'; accountId: number }
  | { state: 'unknown' };

export async function checkToken(q: Queryable, token: string, purpose: TokenPurpose): Promise<TokenState> {
  const r = await q.query<Row>(
    'SELECT account_id, used_at, answered_at, expires_at < now() AS expired FROM portal_tokens WHERE token_hash = $1 AND purpose = $2',
    [sha256(token), purpose],
  );
  const row = r.rows[0];
  if (!row) return { state: 'unknown' };
  const accountId = Number(row.account_id);
  if (row.used_at) return { state: 'used', accountId };
  if (row.expired) return { state: 'expired', accountId };
  return { state: 'valid', accountId, answered: Boolean(row.answered_at) };
}

export async function markTokenAnswered(q: Queryable, token: string): Promise<void> {
  await q.query('UPDATE portal_tokens SET answered_at = now() WHERE token_hash = $1', [sha256(token)]);
}

/** Uses the link once: true only for the request that marked it used. */
export async function useToken(q: Queryable, token: string): Promise<boolean> {
  const r = await q.query(
    'UPDATE portal_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at >= now() RETURNING 1',
    [sha256(token)],
  );
  return r.rows.length === 1;
}

// ---------------------------------------------------------------------------------------------
// Sessions

/** An account, a matelas test user, or a partner signed in with its code and SFTP/API password. */
export type SessionSubject = { accountId: number } | { directoryUserId: number } | { partnerCode: string };

export interface SessionRecord {
  csrf: string;
  accountId: number | null;
  directoryUserId: number | null;
  partnerCode: string | null;
  createdAt: Date;
}

export async function createSession(q: Queryable, subject: SessionSubject): Promise<{ sid: string; csrf: string }> {
  const sid = randomBytes(32).toString('base64url');
  const csrf = randomBytes(32).toString('base64url');
  await q.query(
    'INSERT INTO portal_sessions (id_hash, account_id, directory_user_id, partner_code, csrf) VALUES ($1, $2, $3, $4, $5)',
    [
      sha256(sid),
      'accountId' in subject ? subject.accountId : null,
      'directoryUserId' in subject ? subject.directoryUserId : null,
      'partnerCode' in subject ? subject.partnerCode : null,
      csrf,
    ],
  );
  return { sid, csrf };
}

/** The live session of this id (its idle timer restarted), or undefined when unknown or expired. */
export async function touchSession(
  q: Queryable,
  sid: string,
  idleSeconds: number,
  absoluteSeconds: number,
): Promise<SessionRecord | undefined> {
  const r = await q.query<Row>(
    `UPDATE portal_sessions SET last_seen = now()
     WHERE id_hash = $1 AND last_seen > now() - make_interval(secs => $2) AND created_at > now() - make_interval(secs => $3)
     RETURNING csrf, account_id, directory_user_id, partner_code, created_at`,
    [sha256(sid), idleSeconds, absoluteSeconds],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    csrf: row.csrf as string,
    accountId: row.account_id === null ? null : Number(row.account_id),
    directoryUserId: row.directory_user_id === null ? null : Number(row.directory_user_id),
    partnerCode: (row.partner_code as string | null) ?? null,
    createdAt: new Date(row.created_at as string | Date),
  };
}

export async function deleteSession(q: Queryable, sid: string): Promise<void> {
  await q.query('DELETE FROM portal_sessions WHERE id_hash = $1', [sha256(sid)]);
}

/** Ends every session of an account (password changed or reset), except `keep`. */
export async function deleteAccountSessions(q: Queryable, accountId: number, keep?: string): Promise<void> {
  await q.query('DELETE FROM portal_sessions WHERE account_id = $1 AND id_hash <> $2', [
    accountId,
    keep ? sha256(keep) : '',
  ]);
}

export async function pruneSessions(q: Queryable, idleSeconds: number, absoluteSeconds: number): Promise<void> {
  await q.query(
    `DELETE FROM portal_sessions WHERE last_seen < now() - make_interval(secs => $1)
       OR created_at < now() - make_interval(secs => $2)`,
    [idleSeconds, absoluteSeconds],
  );
}

/** A secret shared by every daemon on this database, created on first use. */
export async function sharedSecret(q: Queryable, name: string): Promise<Buffer> {
  await q.query('INSERT INTO portal_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    name,
    randomBytes(32).toString('hex'),
  ]);
  const r = await q.query<{ value: string }>('SELECT value FROM portal_secrets WHERE name = $1', [name]);
  return Buffer.from(r.rows[0]!.value, 'hex');
}

// ---------------------------------------------------------------------------------------------
// Matelas test users (directory_users): they sign in with the login and password of the CSV.

export interface TestUser {
  id: number;
  login: string;
  password: string;
  role: 'GP' | 'UTILISATEUR';
  structureId: number;
  structureName: string;
  siret: string;
  partner: string;
}

export async function findTestUser(
  q: Queryable,
  by: { login: string } | { id: number },
): Promise<TestUser | undefined> {
  const r = await q.query<Row>(
    `SELECT u.id, u.login, u.password, u.role, s.id AS structure_id, s.name, s.siret, s.partner
     FROM directory_users u JOIN directory_structures s ON s.id = u.structure_id
     WHERE ${'login' in by ? 'lower(u.login) = lower($1)' : 'u.id = $1'} AND NOT s.retired`,
    ['login' in by ? by.login : by.id],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    id: Number(row.id),
    login: row.login as string,
    password: row.password as string,
    role: row.role as 'GP' | 'UTILISATEUR',
    structureId: Number(row.structure_id),
    structureName: row.name as string,
    siret: row.siret as string,
    partner: row.partner as string,
  };
}

/** "Rechercher une structure publique": active recipient structures by SIRET prefix or name. */
export async function searchPublicStructures(
  q: Queryable,
  text: string,
  limit = 20,
): Promise<Array<{ id: number; siret: string; name: string; kind: string }>> {
  const t = text.trim();
  const r = await q.query<Row>(
    `SELECT id, siret, name, kind FROM directory_structures
     WHERE NOT retired AND active AND receives_invoices
       AND (siret LIKE $1 || '%' OR lower(name) LIKE '%' || lower($1) || '%')
     ORDER BY name, id LIMIT $2`,
    [t.replace(/[%_\\]/g, ''), limit],
  );
  return r.rows.map((x) => ({
    id: Number(x.id),
    siret: x.siret as string,
    name: x.name as string,
    kind: x.kind as string,
  }));
}

export async function findAccountByPartner(q: Queryable, partner: string): Promise<AccountRecord | undefined> {
  const r = await q.query<Row>('SELECT * FROM portal_accounts WHERE partner = $1', [partner]);
  return r.rows[0] ? toAccount(r.rows[0]) : undefined;
}
