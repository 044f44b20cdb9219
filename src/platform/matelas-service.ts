/**
 * The matelas actions of "Mon compte" (Créer, Étendre, Réinitialiser) over the store: Créer and Étendre
 * reserve a set and mark the matelas "Création"; the generation itself (a queued job, see
 * src/gateway/platform-jobs.ts) writes the CSV and seeds the directory, then marks it "Terminé".
 */
import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../store/db.ts';
import { writeExclusive } from '../store/mailboxes.ts';
import type { DirectoryData, MatelasRecord } from '../store/directory.ts';
import { beginMatelasSet, getMatelas, retireMatelas, seedDirectory, setMatelasState } from '../store/directory.ts';
import { generateMatelas } from './matelas.ts';

export type MatelasAction = 'create' | 'extend' | 'reset';

export class MatelasActionError extends Error {
  override name = 'MatelasActionError';
}

/**
 * Starts Créer or Étendre: returns the set number to generate. Créer needs "Pas de matelas"; Étendre needs
 * a finished matelas; neither while one is being created (the platform greys the buttons out).
 */
export async function beginMatelas(db: Db, partner: string, action: 'create' | 'extend'): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`matelas:${partner}`]);
    const m = await getMatelas(tx, partner);
    if (m.state === 'Création') throw new MatelasActionError(`matelas of ${partner} is being created`);
    if (action === 'create' && m.sets.length)
      throw new MatelasActionError(`${partner} already has a matelas (use extend, or reset first)`);
    if (action === 'extend' && !m.sets.length)
      throw new MatelasActionError(`${partner} has no matelas to extend (use create)`);
    return beginMatelasSet(tx, partner);
  });
}

/** The set's data, regenerated (generation is deterministic for seed, partner and set). */
export function matelasData(seed: string, partner: string, set: number, now = new Date()) {
  return generateMatelas({ seed, partner, set, accountId: partner, now });
}

/**
 * Generates set `set`: writes `Rapport_<id>_CREATION_<stamp>.csv` into `folder` (atomically) and seeds
 * the directory. `<id>` is the account's identifier, as on the platform (`accountId`: the portal account
 * that owns the partner), else the partner code (a partner configured without an account).
 * Replayed after a crash, a set already seeded is only written again.
 */
export async function generateMatelasSet(
  db: Db,
  opts: { seed: string; partner: string; set: number; folder: string; accountId?: string; now?: Date },
): Promise<{ file: string; data: DirectoryData; rows: number }> {
  const m = generateMatelas({
    seed: opts.seed,
    partner: opts.partner,
    set: opts.set,
    accountId: opts.accountId ?? opts.partner,
    now: opts.now ?? new Date(),
  });
  await mkdir(opts.folder, { recursive: true });
  // The folder is in the partner's mailbox: never written through a symlink (docs/security.md).
  if (!(await lstat(opts.folder)).isDirectory()) throw new Error(`${opts.folder} is not a real directory`);
  const file = path.join(opts.folder, m.fileName);
  await writeExclusive(opts.folder, m.fileName, m.csv);
  const current = await getMatelas(db, opts.partner);
  if (!current.sets.includes(opts.set)) await seedDirectory(db, opts.partner, opts.set, m.directory);
  await setMatelasState(db, opts.partner, 'Terminé', file);
  return { file, data: m.directory, rows: m.rows.length };
}

/** Réinitialiser. */
export async function resetMatelas(db: Db, partner: string): Promise<{ retired: number; matelas: MatelasRecord }> {
  const retired = await retireMatelas(db, partner);
  return { retired, matelas: await getMatelas(db, partner) };
}
