/**
 * Delivery of return flows to the partner's `retour/`: temporary name, then rename (atomic), then
 * marked delivered. A compte-rendu already present (a crash after the rename) is only marked, so it is
 * written once; an analysis report replaces the previous one of the same name.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mailboxPaths } from '../store/mailboxes.ts';
import type { Logger } from '../log.ts';
import type { Queryable } from '../store/db.ts';
import { markDelivered, markManyDelivered, pendingReturnFlows } from '../store/flows.ts';
import type { ReturnFlowRecord } from '../store/types.ts';

const madeDirs = new Set<string>();

// Deliveries that end at the same moment are marked in one statement (one round trip for many flows).
const toMark = new Map<Queryable, { ids: number[]; done: Promise<void> }>();

function markDeliveredSoon(db: Queryable, id: number): Promise<void> {
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

export async function deliverOne(
  dataDir: string,
  db: Queryable,
  r: ReturnFlowRecord,
  logger: Logger,
  opts: { flowLabel?: string; /** recorded just now, so never written before */ fresh?: boolean } = {},
): Promise<void> {
  const dir = mailboxPaths(dataDir, r.partner).retour;
  const target = path.join(dir, r.fileName);
  if (opts.fresh || r.kind === 'analyse' || !existsSync(target)) {
    if (!madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      madeDirs.add(dir);
    }
    const tmp = path.join(dir, `.${r.fileName}.${process.pid}.tmp`);
    await writeFile(tmp, r.content).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await mkdir(dir, { recursive: true }); // the folder was removed behind our back
      await writeFile(tmp, r.content);
    });
    await rename(tmp, target);
  }
  await markDeliveredSoon(db, r.id);
  // A flow's child logger already carries flow and partner; add them only when it does not.
  const bound = logger.bindings();
  logger.info(
    {
      ...(bound.flow ? {} : { flow: opts.flowLabel }),
      ...(bound.partner ? {} : { partner: r.partner }),
      file: r.fileName,
      kind: r.kind,
    },
    'return flow written',
  );
}

/** Delivers every return flow not yet delivered (of one flow, or all: at start after a crash). */
export async function deliverPending(dataDir: string, db: Queryable, logger: Logger, flowId?: number): Promise<number> {
  let n = 0;
  for (;;) {
    const batch = await pendingReturnFlows(db, flowId, 200);
    if (!batch.length) return n;
    for (const r of batch) {
      await deliverOne(dataDir, db, r, logger);
      n++;
    }
    if (batch.length < 200) return n;
  }
}
