/**
 * Delivery of return flows to the partner's `retour/`: temporary name, then rename (atomic), then
 * marked delivered. A compte-rendu already present (a crash after the rename) is only marked, so it is
 * written once; an analysis report replaces the previous one of the same name.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mailboxPaths } from '../gateway/mailboxes.ts';
import type { Logger } from '../log.ts';
import type { Queryable } from '../store/db.ts';
import { markDelivered, pendingReturnFlows } from '../store/flows.ts';
import type { ReturnFlowRecord } from '../store/types.ts';

export async function deliverOne(
  dataDir: string,
  db: Queryable,
  r: ReturnFlowRecord,
  logger: Logger,
  flowLabel?: string,
): Promise<void> {
  const dir = mailboxPaths(dataDir, r.partner).retour;
  const target = path.join(dir, r.fileName);
  if (r.kind === 'analyse' || !existsSync(target)) {
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.${r.fileName}.${process.pid}.tmp`);
    await writeFile(tmp, r.content);
    await rename(tmp, target);
  }
  await markDelivered(db, r.id);
  logger.info({ flow: flowLabel, partner: r.partner, file: r.fileName, kind: r.kind }, 'return flow written');
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
