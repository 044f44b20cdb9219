/**
 * A burst in a drop folder is checked and handed over in turns (CHECKS_AT_ONCE at a time, in the order the
 * files became due), not all at once: every file is taken exactly once, and no more than CHECKS_AT_ONCE are
 * being handed over together, through one shared descriptor on the box folder. Real folder, real inotify;
 * the intake only moves each file away and counts.
 */
import { afterAll, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHECKS_AT_ONCE, FolderWatcher } from '../src/gateway/folders/watcher.ts';
import type { Intake, IntakeRequest } from '../src/gateway/intake-types.ts';
import { silentLogger } from '../src/log.ts';
import { ensureMailbox, mailboxPaths } from '../src/store/mailboxes.ts';

/** How many of this process's descriptors are open on `dir`. */
const descriptorsOn = (dir: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === dir;
    } catch {
      return false;
    }
  }).length;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-turns-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it(`a burst of files is handed over in turns of at most ${CHECKS_AT_ONCE}, each file once`, async () => {
  ensureMailbox(dataDir, 'TURNS1');
  const taken = path.join(dataDir, 'taken');
  mkdirSync(taken);
  let inHand = 0;
  let most = 0;
  let refused = 0;
  let mostFolderDescriptors = 0;
  const depot = mailboxPaths(dataDir, 'TURNS1').depot;
  const names: string[] = [];
  const intake: Intake = {
    maxFlowBytes: 1 << 20,
    claim: () => Promise.reject(new Error('not used')),
    async take(req: IntakeRequest) {
      inHand++;
      most = Math.max(most, inHand);
      if (inHand % 8 === 0) mostFolderDescriptors = Math.max(mostFolderDescriptors, descriptorsOn(depot));
      try {
        await new Promise((r) => setTimeout(r, 5)); // a spool's rename and fsyncs take a while
        renameSync(req.path, path.join(taken, req.originalName));
      } catch (e) {
        refused++;
        throw e;
      } finally {
        inHand--;
      }
      names.push(req.originalName);
      return { spoolKey: req.originalName };
    },
  };
  const watcher = new FolderWatcher({
    dataDir,
    stableMs: 50,
    rescanMs: 60000,
    usePolling: false,
    checkWriters: false,
    intake,
    logger: silentLogger,
    isPartner: (code) => code === 'TURNS1',
  });
  await watcher.start();
  try {
    const count = CHECKS_AT_ONCE * 2 + 50;
    for (let i = 0; i < count; i++) writeFileSync(path.join(depot, `f-${i}.xml`), `<x>${i}</x>`);
    const deadline = Date.now() + 60000;
    while (names.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(names).toHaveLength(count);
    expect(new Set(names).size).toBe(count);
    expect(readdirSync(depot)).toEqual([]);
    expect(most).toBeLessThanOrEqual(CHECKS_AT_ONCE);
    expect(most).toBeGreaterThan(1); // in turns, not one by one
    expect(refused).toBe(0);
    // The files handed over together share the box folder's descriptor (at most a second one while the first ages out).
    expect(mostFolderDescriptors).toBeGreaterThanOrEqual(1);
    expect(mostFolderDescriptors).toBeLessThanOrEqual(2); // each file checked once: never handed over a second time (gone by then)
  } finally {
    await watcher.stop();
  }
}, 90000);
