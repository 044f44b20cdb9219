/** Every SQL statement of the defender (failed sign-ins and bans, shared by all nodes). */
import type { Queryable } from './db.ts';

export type DefenderKind = 'address' | 'account';

export interface Reservation {
  /** Attempts counted in the current window, this one included. */
  count: number;
  /** Set while the key is banned. */
  bannedUntil: Date | null;
}

/**
 * Counts one attempt for `key` before it is evaluated, in one statement (the row lock of the upsert
 * serialises parallel attempts, on every node). A banned key is not counted; a window or ban that has
 * run out starts again at 1.
 */
export async function reserveAttempt(
  db: Queryable,
  kind: DefenderKind,
  key: string,
  windowSeconds: number,
): Promise<Reservation> {
  const r = await db.query<{ failures: number; banned_until: Date | null }>(
    `INSERT INTO defender_records AS d (kind, key, failures, window_start, updated_at)
     VALUES ($1, $2, 1, now(), now())
     ON CONFLICT (kind, key) DO UPDATE SET
       failures = CASE
         WHEN d.banned_until > now() THEN d.failures
         WHEN d.banned_until IS NOT NULL OR d.window_start <= now() - $3::int * interval '1 second' THEN 1
         ELSE d.failures + 1 END,
       window_start = CASE
         WHEN d.banned_until > now() THEN d.window_start
         WHEN d.banned_until IS NOT NULL OR d.window_start <= now() - $3::int * interval '1 second' THEN now()
         ELSE d.window_start END,
       banned_until = CASE WHEN d.banned_until > now() THEN d.banned_until END,
       updated_at = now()
     RETURNING failures, banned_until`,
    [kind, key, windowSeconds],
  );
  const row = r.rows[0]!;
  return { count: Number(row.failures), bannedUntil: row.banned_until ? new Date(row.banned_until) : null };
}

/** Takes back an attempt counted but not checked (it waits for the attempts in flight to be decided). */
export async function releaseAttempt(db: Queryable, kind: DefenderKind, key: string): Promise<void> {
  await db.query(
    `UPDATE defender_records SET failures = GREATEST(failures - 1, 0), updated_at = now()
     WHERE kind = $1 AND key = $2 AND (banned_until IS NULL OR banned_until <= now())`,
    [kind, key],
  );
}

/** Bans `key` for `seconds` (a ban already running is not shortened); returns its end. */
export async function banKey(db: Queryable, kind: DefenderKind, key: string, seconds: number): Promise<Date> {
  const r = await db.query<{ banned_until: Date }>(
    `UPDATE defender_records SET
       banned_until = GREATEST(COALESCE(banned_until, now()), now() + $3::int * interval '1 second'),
       updated_at = now()
     WHERE kind = $1 AND key = $2 RETURNING banned_until`,
    [kind, key, seconds],
  );
  return new Date(r.rows[0]?.banned_until ?? Date.now() + seconds * 1000);
}

/** A success forgets the key's failures, unless it is banned. */
export async function forgetFailures(db: Queryable, kind: DefenderKind, key: string): Promise<void> {
  await db.query(
    `UPDATE defender_records SET failures = 0, window_start = now(), updated_at = now()
     WHERE kind = $1 AND key = $2 AND (banned_until IS NULL OR banned_until <= now())`,
    [kind, key],
  );
}

/** The end of the key's ban, or null. */
export async function bannedUntil(db: Queryable, kind: DefenderKind, key: string): Promise<Date | null> {
  const r = await db.query<{ banned_until: Date }>(
    'SELECT banned_until FROM defender_records WHERE kind = $1 AND key = $2 AND banned_until > now()',
    [kind, key],
  );
  return r.rows[0] ? new Date(r.rows[0].banned_until) : null;
}

/** Bans running now (for `passerelle doctor`, the admin API and tests). */
export async function listBans(db: Queryable): Promise<{ kind: DefenderKind; key: string; bannedUntil: Date }[]> {
  const r = await db.query<{ kind: DefenderKind; key: string; banned_until: Date }>(
    'SELECT kind, key, banned_until FROM defender_records WHERE banned_until > now() ORDER BY banned_until',
  );
  return r.rows.map((x) => ({ kind: x.kind, key: x.key, bannedUntil: new Date(x.banned_until) }));
}

/** Lifts a ban (and forgets the failures) of `key`; true when there was a ban running. */
export async function liftBan(db: Queryable, kind: DefenderKind, key: string): Promise<boolean> {
  const r = await db.query<{ banned: boolean }>(
    'DELETE FROM defender_records WHERE kind = $1 AND key = $2 RETURNING banned_until > now() AS banned',
    [kind, key],
  );
  return r.rows[0]?.banned === true;
}

/** Drops records with no ban running and no failure in the window (keeps the table small). */
export async function sweepRecords(db: Queryable, windowSeconds: number): Promise<number> {
  const r = await db.query(
    `DELETE FROM defender_records
     WHERE (banned_until IS NULL OR banned_until <= now())
       AND updated_at <= now() - $1::int * interval '1 second' RETURNING 1`,
    [windowSeconds],
  );
  return r.rows.length;
}
