/**
 * What `fsync` costs (config `fsync`, on by default): the file operations of one deposit (file renamed
 * into the spool under a name carrying its metadata, file + spool folder + mailbox folder synced) and of one
 * delivery (return file written exclusively, synced, renamed, folder synced), with and without fsync, on
 * the file system of os.tmpdir(). The database's own commit is not included (PostgreSQL syncs its WAL
 * anyway; PGlite does not sync at all).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syncDir, writeExclusive } from '../src/store/mailboxes.ts';

const N = 500;
const BODY = Buffer.alloc(8 * 1024, 'x');

async function deposit(root: string, i: number, durable: boolean): Promise<void> {
  const depot = path.join(root, 'depot');
  const spool = path.join(root, 'spool');
  const file = path.join(depot, `f${i}.xml`);
  writeFileSync(file, BODY); // the partner's write, not measured on its own
  // Spooled under a name that carries the flow's metadata (src/gateway/intake.ts): one rename, no sidecar.
  const spooled = path.join(spool, `k${i}~ABC123~df--~~f${i}.xml`);
  await rename(file, spooled);
  if (durable) {
    const fh = await open(spooled, constants.O_RDONLY | constants.O_NOFOLLOW);
    await fh.sync();
    await fh.close();
    await syncDir(spool);
    await syncDir(depot);
  }
}

async function time(fn: (i: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await fn(i);
  return (performance.now() - t0) / N;
}

export async function benchDurability(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const durable of [false, true]) {
    const root = mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-fsync-'));
    try {
      for (const d of ['depot', 'spool', 'retour']) mkdirSync(path.join(root, d));
      const dep = await time((i) => deposit(root, i, durable));
      const del = await time((i) => writeExclusive(path.join(root, 'retour'), `FEN1200A_${i}.xml`, BODY, { durable }));
      const tag = durable ? 'fsync' : 'nofsync';
      console.log(`${tag}: deposit ${dep.toFixed(3)} ms, delivery ${del.toFixed(3)} ms (per flow, ${N} flows)`);
      out[`durability.deposit.${tag}.ms`] = dep;
      out[`durability.delivery.${tag}.ms`] = del;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return out;
}
