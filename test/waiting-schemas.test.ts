/** A flow whose official schema set is not installed waits (IN_EN_ATTENTE_RETRAITEMENT_CPP), then resumes by itself. */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { schemaDir } from '../src/config.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { installSchemaSet } from '../src/schemas/install.ts';
import { getHistory, getStages, listFlows } from '../src/store/flows.ts';
import { readCppStatut } from './helpers/compte-rendu.ts';
import { CORPUS, cleanup, postgresAvailable, startDaemon, tempDir, testConfig, waitForFiles } from './helpers/env.ts';

let dataDir: string;
let handle: Awaited<ReturnType<typeof startDaemon>> | undefined;

beforeAll(async () => {
  dataDir = tempDir();
  handle = await startDaemon(
    (await postgresAvailable()) ? 'postgres' : 'pglite',
    testConfig(dataDir, { schemas: { fetchOnStart: false, shipped: false } }),
  );
}, 120000);

afterAll(async () => {
  await handle?.stop();
  cleanup(dataDir);
});

it('waits for a missing schema set and resumes once it is installed', async () => {
  const daemon = handle!.daemon;
  const box = mailboxPaths(dataDir, 'ABC123');
  copyFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), path.join(box.depot, 'waits.xml'));
  const deadline = Date.now() + 30000;
  let flow;
  while (Date.now() < deadline) {
    [flow] = await listFlows(daemon.store.db, { partner: 'ABC123' });
    if (flow?.state === 'IN_EN_ATTENTE_RETRAITEMENT_CPP') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(flow?.state).toBe('IN_EN_ATTENTE_RETRAITEMENT_CPP');
  expect(flow?.waitingFor).toBe('ubl-2.1');
  // The stages after the wait were not run, and the flow's record says so.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const waiting = await getStages(daemon.store.db, flow!.id);
  expect(waiting.map((s) => [s.stage, s.outcome])).toEqual([
    ['RECEPTION', 'ok'],
    ['SIGNATURE', 'ok'],
    ['SYNTAXE', 'ok'],
    ['SCHEMA', 'waiting'],
    ['REGLE', 'skipped'],
    ['INTEGRATION', 'skipped'],
  ]);
  await installSchemaSet(path.resolve('xsd/official/ubl-2.1'), schemaDir(daemon.config), 'ubl-2.1');
  expect(await daemon.resumeWaitingFlows()).toBe(1);
  const [name] = await waitForFiles(box.retour, 1, 30000, (n) => n.startsWith('FEN1200A_'));
  expect(readCppStatut(readFileSync(path.join(box.retour, name!), 'utf8')).status).toBe('90');
  // Run again from the start: the outcomes of this run replace those of the first.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const resumed = await getStages(daemon.store.db, flow!.id);
  expect(resumed.map((s) => s.stage)).toEqual(['RECEPTION', 'SIGNATURE', 'SYNTAXE', 'SCHEMA', 'REGLE', 'INTEGRATION']);
  expect(resumed.find((s) => s.stage === 'SCHEMA')!.outcome).toBe('ok');
  expect(resumed.find((s) => s.stage === 'REGLE')!.outcome).not.toBe('skipped');
  // `flow` is an evolving `let`: tsc needs the assertion, the type-aware lint does not see why.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  const states = (await getHistory(daemon.store.db, flow!.id)).map((h) => h.state);
  expect(states).toEqual(
    expect.arrayContaining([
      'IN_RECU',
      'IN_EN_ATTENTE_RETRAITEMENT_CPP',
      'IN_EN_ATTENTE_TRAITEMENT_CPP',
      'IN_EN_COURS_TRAITEMENT_CPP',
      'IN_INTEGRE',
    ]),
  );
}, 90000);
