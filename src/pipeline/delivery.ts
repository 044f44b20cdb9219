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
  const dir = mailboxPaths(dataDir, r.partner).retour;
  // Names recorded by an earlier version may be too long for the file system: fitted the same way as new ones.
  const fileName = fitFileName(r.fileName);
  // retour/ opened without following any symlink, and written through that descriptor (openMailboxFolder).
  let folder = await openMailboxFolder(dataDir, r.partner, 'retour');
  if ('unsafe' in folder && folder.missing) {
    await mkdir(dir, { recursive: true }); // the folder was removed behind our back
    folder = await openMailboxFolder(dataDir, r.partner, 'retour');
  }
  if ('unsafe' in folder) throw new Error(`return flow not written: ${folder.unsafe}`);
  try {
    if (opts.fresh || r.kind === 'analyse' || !delivered(path.join(folder.dir, fileName)))
      await writeExclusive(folder.dir, fileName, r.content, { durable, syncFolder: folder.sync });
  } finally {
    await folder.close();
  }
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
    // The files one after the other, their marks together (one statement for many: markDeliveredSoon),
    // all settled before the next batch is read.
    const marks: Array<Promise<void>> = [];
    for (const r of batch) {
      try {
        const marked = await writeReturnFlow(dataDir, db, r, logger, {
          flowLabel: r.flowId === null ? undefined : `flow id ${r.flowId}`,
        });
        marks.push(
          marked().then(
            () => void n++,
            (err: unknown) => unwritten(r, err),
          ),
        );
      } catch (err) {
        unwritten(r, err);
      }
    }
    await Promise.all(marks);
    if (batch.length < 200) return n;
  }
}
