/**
 * Retention (config `retention.days`, `passerelle purge --older-than <days>`): the stored bytes of flows
 * concluded before a cut-off date, and the return files older than it. A flow not yet answered (any state
 * but IN_INTEGRE, IN_INTEGRE_PARTIEL, IN_REJETE, IN_INCIDENTE) is never touched, nor are bytes any such
 * flow (or a more recent one) shares: content is addressed by SHA-256. Flow records, their history and
 * their comptes-rendus stay in the database (`flows show` still tells what happened); a purged flow is
 * marked `stored = false` and can no longer be replayed. Contents kept as files (PGlite, content-files.ts) are
 * removed after their rows, never before: a crash in between leaves files that the next sweep removes.
 */
import { readdirSync } from 'node:fs';
import { lstat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Db, Queryable } from './db.ts';
import { sweepContentFiles } from './content-files.ts';
import { mailboxPaths, unsafeMailboxFolder } from './mailboxes.ts';
import { TERMINAL_STATES } from './types.ts';

export interface PurgeResult {
  /** Flows whose bytes were dropped. */
  flows: number;
  /** flow_content rows deleted (flows and detached signatures). */
  contents: number;
  /** Files removed from retour/ folders. */
  returnFiles: number;
}

/** Drops the bytes of flows concluded before `cutoff` (and not shared with any other flow); `dryRun` only counts. */
async function purgeStoredFlows(
  db: Queryable,
  cutoff: Date,
  dryRun = false,
): Promise<{ flows: number; contents: number }> {
  const old = `state = ANY($2::text[]) AND finished_at IS NOT NULL AND finished_at < $1`;
  const r = await db.query<{ flows: number; contents: number }>(
    `WITH old AS (
       SELECT id, sha256, signature_sha256 FROM flows WHERE stored AND ${old}
     ), keep AS (
       SELECT sha256 AS sha FROM flows WHERE NOT (${old})
       UNION SELECT signature_sha256 FROM flows WHERE signature_sha256 IS NOT NULL AND NOT (${old})
     ), candidates AS (
       SELECT sha256 AS sha FROM old UNION SELECT signature_sha256 FROM old WHERE signature_sha256 IS NOT NULL
     ), gone AS (
       DELETE FROM flow_content c WHERE NOT $3 AND c.sha256 IN (SELECT sha FROM candidates)
         AND c.sha256 NOT IN (SELECT sha FROM keep WHERE sha IS NOT NULL)
       RETURNING sha256
     ), marked AS (
       UPDATE flows SET stored = false WHERE NOT $3 AND id IN (SELECT id FROM old)
         AND sha256 NOT IN (SELECT sha FROM keep WHERE sha IS NOT NULL)
       RETURNING id
     )
     SELECT
       CASE WHEN $3 THEN (SELECT count(*) FROM old WHERE sha256 NOT IN (SELECT sha FROM keep WHERE sha IS NOT NULL))
         ELSE (SELECT count(*) FROM marked) END::int AS flows,
       CASE WHEN $3 THEN (SELECT count(*) FROM candidates WHERE sha NOT IN (SELECT sha FROM keep WHERE sha IS NOT NULL))
         ELSE (SELECT count(*) FROM gone) END::int AS contents`,
    [cutoff.toISOString(), TERMINAL_STATES, dryRun],
  );
  return { flows: Number(r.rows[0]?.flows ?? 0), contents: Number(r.rows[0]?.contents ?? 0) };
}

/**
 * Removes return files (regular files, not hidden: never a temporary file being written; but the
 * temporary files a crash left behind) last modified before `cutoff` from every partner's retour/. Only real retour/ folders are looked into (no symlink is
 * followed). A return file exists only once its flow is answered, so no unanswered flow is touched.
 */
async function purgeReturnFiles(dataDir: string, cutoff: Date, dryRun = false): Promise<number> {
  let removed = 0;
  let partners: string[];
  try {
    partners = readdirSync(path.join(dataDir, 'mailboxes'));
  } catch {
    return 0;
  }
  for (const code of partners) {
    if (unsafeMailboxFolder(dataDir, code, 'retour')) continue;
    const dir = mailboxPaths(dataDir, code).retour;
    for (const name of readdirSync(dir)) {
      // Hidden names are files being written, except the leftovers of a delivery a crash interrupted.
      if (name.startsWith('.') && !/^\.passerelle-[0-9a-f]+\.tmp$/.test(name)) continue;
      const file = path.join(dir, name);
      const st = await lstat(file).catch(() => undefined);
      if (!st?.isFile() || st.mtimeMs >= cutoff.getTime()) continue;
      if (!dryRun) await unlink(file).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}

export async function purge(db: Db, dataDir: string, olderThanDays: number, dryRun = false): Promise<PurgeResult> {
  const cutoff = new Date(Date.now() - olderThanDays * 86_400_000);
  const stored = await purgeStoredFlows(db, cutoff, dryRun);
  // The files of the rows just deleted, and any a crash left without a row.
  if (!dryRun) await sweepContentFiles(db);
  return { ...stored, returnFiles: await purgeReturnFiles(dataDir, cutoff, dryRun) };
}
