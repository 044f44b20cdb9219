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
import { markDelivered, markManyDelivered, pendingReturnFlows } from '../store/flows.ts';
import type { ReturnFlowRecord } from '../store/types.ts';

/** fsync return files and their folder before marking them delivered (config `fsync`; tests and benches may turn it off). */
let durable = true;
export function setDeliveryDurability(on: boolean): void {
  durable = on;
}

// Deliveries that end at the same moment are marked in one statement (one round trip for many flows).
const toMark = new Map<Db, { ids: number[]; done: Promise<void> }>();

function markDeliveredSoon(db: Db, id: number): Promise<void> {
  let batch = toMark.get(db);
  if (!batch) {
    const ids: number[] = [];
    const done = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        toMark.delete(db);
        (ids.length === 1 ? markDelivered(db, ids[0]!) : markManyDelivered(db, ids)).then(resolve, reject);
      });
    });
    batch = { ids, done };
    toMark.set(db, batch);
  }
  batch.ids.push(id);
  return batch.done;
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
  await markDeliveredSoon(db, r.id);
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
    for (const r of batch) {
      try {
        await deliverOne(dataDir, db, r, logger, { flowLabel: r.flowId === null ? undefined : `flow id ${r.flowId}` });
        n++;
      } catch (err) {
        failed.add(r.id);
        logger.error(
          { err, partner: r.partner, file: r.fileName, kind: r.kind, returnFlow: r.id, flowId: r.flowId },
          'return flow could not be written to retour/; left undelivered (tried again later)',
        );
      }
    }
    if (batch.length < 200) return n;
  }
}
