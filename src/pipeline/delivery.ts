/**
 * Delivery of return flows to the partner's `retour/`: a fresh temporary file (random name, created
 * O_EXCL|O_NOFOLLOW) synced to disk, then renamed (atomic) and the folder synced, then marked delivered —
 * so a flow marked delivered survives a power cut, and no name planted in `retour/` (a symlink at any
 * name) makes us write anywhere else. A compte-rendu already present (a crash after the rename) is only
 * marked, so it is written once; an analysis report replaces the previous one of the same name.
 */
import { lstatSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fitFileName } from '../formats/return/index.ts';
import { mailboxPaths, openMailboxFolder, writeExclusive } from '../store/mailboxes.ts';
import type { OpenFolder } from '../store/mailboxes.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { markManyDelivered, pendingReturnFlows } from '../store/flows.ts';
import type { ReturnFlowRecord } from '../store/types.ts';

/** fsync return files and their folder before marking them delivered (config `fsync`; tests and benches may turn it off). */
let durable = true;
export function setDeliveryDurability(on: boolean): void {
  durable = on;
}

/**
 * Delivery marks, grouped as the conclusions are (concludeFlowSoon): one statement at a time per database,
 * and at most one every MARK_INTERVAL_MS; the marks that come meanwhile go together in the next one (one
 * round trip, one commit for many flows). A mark alone, after a quiet moment, is sent at once; under load a
 * flow's job completes up to MARK_INTERVAL_MS later, and PostgreSQL does a fifth of the mark statements
 * (the compte-rendu is in `retour/` before its mark either way).
 */
interface PendingMark {
  id: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}
const marking = new WeakMap<Db, { waiting: PendingMark[]; running: boolean; sentAt: number }>();
const MARKS_PER_STATEMENT = 256;
const MARK_INTERVAL_MS = 10;

function markDeliveredSoon(db: Db, id: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let q = marking.get(db);
    if (!q) marking.set(db, (q = { waiting: [], running: false, sentAt: -Infinity }));
    q.waiting.push({ id, resolve, reject });
    if (!q.running) {
      q.running = true;
      void sendMarks(db, q);
    }
  });
}

async function sendMarks(db: Db, q: { waiting: PendingMark[]; running: boolean; sentAt: number }): Promise<void> {
  try {
    while (q.waiting.length) {
      // The marks of this turn of the event loop at least, and those of the rest of the interval.
      const wait = q.sentAt + MARK_INTERVAL_MS - performance.now();
      await new Promise((r) => (wait > 0 ? setTimeout(r, Math.ceil(wait)) : setImmediate(r)));
      const batch = q.waiting.splice(0, MARKS_PER_STATEMENT);
      q.sentAt = performance.now();
      const ids = batch.map((p) => p.id);
      await markManyDelivered(db, ids).then(
        () => batch.forEach((p) => p.resolve()),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      );
    }
  } finally {
    q.running = false;
  }
}

interface PendingFile {
  fileName: string;
  content: string;
  /** Written even when a file of this name is there (recorded just now, or an analysis report replacing its last). */
  replace: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The files waiting for their partner's `retour/`, by data folder and partner; present while one is written. */
const retourQueues = new Map<string, PendingFile[]>();
const FILES_PER_FOLDER_OPEN = 64;

/**
 * Writes a file into a partner's `retour/` (writeExclusive), grouped as the marks are: the files of the flows
 * that finish together while one group is written go together in the next, through one descriptor on the
 * folder (one open of its three path steps, one close) and one fsync of the folder for all of them instead
 * of one each. A file alone is written at once. Settles once the file and its name are on disk.
 */
function writeRetourSoon(
  dataDir: string,
  partner: string,
  file: Omit<PendingFile, 'resolve' | 'reject'>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const key = `${dataDir}\0${partner}`;
    const waiting = retourQueues.get(key);
    if (waiting) {
      waiting.push({ ...file, resolve, reject });
      return;
    }
    const queue: PendingFile[] = [{ ...file, resolve, reject }];
    retourQueues.set(key, queue);
    void (async () => {
      try {
        while (queue.length) await writeRetourFiles(dataDir, partner, takeGroup(queue));
      } finally {
        retourQueues.delete(key);
      }
    })();
  });
}

/** The next group: up to FILES_PER_FOLDER_OPEN files of distinct names (a name again waits, so the later content wins). */
function takeGroup(queue: PendingFile[]): PendingFile[] {
  const names = new Set<string>();
  let n = 0;
  while (n < queue.length && n < FILES_PER_FOLDER_OPEN && !names.has(queue[n]!.fileName))
    names.add(queue[n++]!.fileName);
  return queue.splice(0, n);
}

/** `retour/` opened without following any symlink (openMailboxFolder), made again if it was removed. */
async function openRetour(dataDir: string, partner: string): Promise<OpenFolder> {
  let folder = await openMailboxFolder(dataDir, partner, 'retour');
  if ('unsafe' in folder && folder.missing) {
    await mkdir(mailboxPaths(dataDir, partner).retour, { recursive: true }); // removed behind our back
    folder = await openMailboxFolder(dataDir, partner, 'retour');
  }
  if ('unsafe' in folder) throw new Error(`return flow not written: ${folder.unsafe}`);
  return folder;
}

/** One group of files into one `retour/`, through one descriptor; each file settled on its own. Never throws. */
async function writeRetourFiles(dataDir: string, partner: string, files: PendingFile[]): Promise<void> {
  let folder: OpenFolder;
  try {
    folder = await openRetour(dataDir, partner);
  } catch (err) {
    for (const f of files) f.reject(err);
    return;
  }
  try {
    const written = await Promise.allSettled(
      files.map(async (f) => {
        if (f.replace || !delivered(path.join(folder.dir, f.fileName)))
          await writeExclusive(folder.dir, f.fileName, f.content, { durable, folderSyncedByCaller: true });
      }),
    );
    // One fsync of the folder makes every name renamed into it above durable.
    let unsynced: unknown;
    if (durable && written.some((w) => w.status === 'fulfilled'))
      await folder.sync().catch((err: unknown) => (unsynced = err ?? new Error('fsync of retour/ failed')));
    files.forEach((f, i) => {
      const w = written[i]!;
      if (w.status === 'rejected') f.reject(w.reason);
      else if (unsynced !== undefined) f.reject(unsynced);
      else f.resolve();
    });
  } finally {
    await folder.close().catch(() => undefined);
  }
}

/** Is a regular file already there under this name? (a symlink or anything else planted there is not "delivered") */
function delivered(file: string): boolean {
  try {
    return lstatSync(file).isFile();
  } catch {
    return false;
  }
}

export async function deliverOne(
  dataDir: string,
  /** The database itself, not a transaction: delivery marks are committed on their own (see markManyDelivered). */
  db: Db,
  r: ReturnFlowRecord,
  logger: Logger,
  opts: { flowLabel?: string; /** recorded just now, so never written before */ fresh?: boolean } = {},
): Promise<void> {
  await (
    await writeReturnFlow(dataDir, db, r, logger, opts)
  )();
}

/**
 * Writes a return flow into `retour/` and asks for its mark; resolves once the file is there, to a function
 * that awaits the mark (so that many files can be written while their marks go together).
 */
async function writeReturnFlow(
  dataDir: string,
  db: Db,
  r: ReturnFlowRecord,
  logger: Logger,
  opts: { flowLabel?: string; fresh?: boolean },
): Promise<() => Promise<void>> {
  // Names recorded by an earlier version may be too long for the file system: fitted the same way as new ones.
  const fileName = fitFileName(r.fileName);
  await writeRetourSoon(dataDir, r.partner, {
    fileName,
    content: r.content,
    replace: Boolean(opts.fresh) || r.kind === 'analyse',
  });
  const marked = markDeliveredSoon(db, r.id);
  marked.catch(() => undefined); // settled by the caller's await; never an unhandled rejection meanwhile
  return async () => {
    await marked;
    // A flow's child logger already carries flow and partner; add them only when it does not.
    const bound = logger.bindings();
    logger.info(
      {
        ...(bound.flow ? {} : { flow: opts.flowLabel }),
        ...(bound.partner ? {} : { partner: r.partner }),
        file: fileName,
        kind: r.kind,
      },
      'return flow written',
    );
  };
}

/**
 * Delivers every return flow not yet delivered (of one flow, or all: at start after a crash). One that
 * cannot be written is logged and left undelivered (tried again at the next pass); it never stops the
 * others, nor the daemon's start.
 */
export async function deliverPending(dataDir: string, db: Db, logger: Logger, flowId?: number): Promise<number> {
  let n = 0;
  const failed = new Set<number>();
  for (;;) {
    const batch = (await pendingReturnFlows(db, flowId, 200 + failed.size)).filter((r) => !failed.has(r.id));
    if (!batch.length) return n;
    const unwritten = (r: ReturnFlowRecord, err: unknown) => {
      failed.add(r.id);
      logger.error(
        { err, partner: r.partner, file: r.fileName, kind: r.kind, returnFlow: r.id, flowId: r.flowId },
        'return flow could not be written to retour/; left undelivered (tried again later)',
      );
    };
    // All at once: one partner's files go in groups (writeRetourSoon), their marks together (one statement
    // for many: markDeliveredSoon); all settled before the next batch is read.
    await Promise.all(
      batch.map(async (r) => {
        try {
          const marked = await writeReturnFlow(dataDir, db, r, logger, {
            flowLabel: r.flowId === null ? undefined : `flow id ${r.flowId}`,
          });
          await marked();
          n++;
        } catch (err) {
          unwritten(r, err);
        }
      }),
    );
    if (batch.length < 200) return n;
  }
}
