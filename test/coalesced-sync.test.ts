/**
 * Folder fsyncs are shared (coalesced in src/store/mailboxes.ts): a call is always settled by a run that
 * started after it, the calls made during a run share the next one, and a failed run fails only its own
 * callers. syncDir on a real folder, many at once.
 */
import { expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { coalesced, syncDir } from '../src/store/mailboxes.ts';

/** A run that ends when the test says, its start recorded. */
function controlledRuns() {
  const started: Array<{ end: () => void; fail: (e: Error) => void }> = [];
  const run = () =>
    new Promise<void>((resolve, reject) => {
      started.push({ end: resolve, fail: reject });
    });
  return { started, run };
}

const settled = async (p: Promise<void>) => {
  let state = 'pending';
  p.then(
    () => (state = 'done'),
    () => (state = 'failed'),
  );
  await new Promise((r) => setImmediate(r));
  return () => state;
};

it('calls during a run share the next run; each call is settled by a run started after it', async () => {
  const { started, run } = controlledRuns();
  let idle = 0;
  const sync = coalesced(run, () => idle++);
  const first = await settled(sync());
  expect(started).toHaveLength(1);
  const second = await settled(sync());
  const third = await settled(sync());
  expect(started).toHaveLength(1); // waiting for the run under way to end, not joining it
  started[0]!.end();
  await new Promise((r) => setImmediate(r));
  expect([first(), second(), third()]).toEqual(['done', 'pending', 'pending']);
  expect(started).toHaveLength(2); // one run for both
  started[1]!.end();
  await new Promise((r) => setImmediate(r));
  expect([second(), third()]).toEqual(['done', 'done']);
  expect(idle).toBe(1);
  // Idle again: the next call starts a run at once.
  const fourth = await settled(sync());
  expect(started).toHaveLength(3);
  started[2]!.end();
  await new Promise((r) => setImmediate(r));
  expect(fourth()).toBe('done');
  expect(idle).toBe(2);
});

it('a failed run fails its own callers only', async () => {
  const { started, run } = controlledRuns();
  const sync = coalesced(run);
  const first = await settled(sync());
  const second = await settled(sync());
  started[0]!.fail(new Error('EIO'));
  await new Promise((r) => setImmediate(r));
  expect([first(), second()]).toEqual(['failed', 'pending']);
  started[1]!.end();
  await new Promise((r) => setImmediate(r));
  expect(second()).toBe('done');
});

it('syncDir: many callers on one real folder all settled; a missing folder fails its callers', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-sync-'));
  try {
    for (let i = 0; i < 20; i++) writeFileSync(path.join(dir, `f${i}`), 'x');
    await expect(Promise.all(Array.from({ length: 20 }, () => syncDir(dir)))).resolves.toHaveLength(20);
    await expect(syncDir(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    await expect(syncDir(dir)).resolves.toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
