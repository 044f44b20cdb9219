/**
 * Several daemons sharing one PostgreSQL and one data folder (as several hosts sharing the mailboxes
 * would): every flow is taken once, processed once, answered once.
 */
import { afterAll, beforeAll, expect, it as jestIt } from '@jest/globals';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Daemon } from '../src/gateway/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { listFlows } from '../src/store/flows.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { readCppStatut } from './helpers/compte-rendu.ts';
import {
  CORPUS,
  PG_URL,
  cleanup,
  dropSchema,
  postgresRequired,
  tempDir,
  testConfig,
  uniqueSchema,
  waitForFiles,
} from './helpers/env.ts';

/** Decided before the tests are declared: without PostgreSQL they are reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();
const it = postgres ? jestIt : jestIt.skip;

const N = 60;
let dataDir: string;
let schema: string;
const daemons: Daemon[] = [];

beforeAll(async () => {
  dataDir = tempDir();
  schema = uniqueSchema();
  for (let i = 0; i < 2; i++) {
    const config = testConfig(dataDir, { pipeline: { concurrency: 4, retryDelaySeconds: 1, validationThreads: 0 } });
    config.databaseUrl = PG_URL;
    const d = new Daemon({ config, logger: silentLogger, schema });
    await d.start(); // the second start finds the migrations done (advisory lock)
    daemons.push(d);
  }
}, 120000);

afterAll(async () => {
  for (const d of daemons) await d.stop();
  if (postgres) {
    await dropSchema(schema);
    cleanup(dataDir);
  }
});

it('shares the work: each flow taken once, processed once, answered once', async () => {
  const box = mailboxPaths(dataDir, 'ABC123');
  const source = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example2.xml'), 'utf8');
  for (let i = 0; i < N; i++) {
    writeFileSync(path.join(box.depot, `.n${i}.xml`), source.replace('<cbc:ID>', `<!-- ${i} --><cbc:ID>`));
    renameSync(path.join(box.depot, `.n${i}.xml`), path.join(box.depot, `n${i}.xml`));
  }
  const names = await waitForFiles(box.retour, N, 60000, (n) => n.startsWith('FEN1200A_'));
  expect(names).toHaveLength(N);
  const reports = names.map((n) => readCppStatut(readFileSync(path.join(box.retour, n), 'utf8')));
  expect(new Set(reports.map((r) => r.originalName)).size).toBe(N);
  expect(reports.every((r) => r.status === '90')).toBe(true);
  const flows = await listFlows(daemons[0]!.store.db, { partner: 'ABC123', limit: 1000 });
  expect(flows).toHaveLength(N);
  expect(readdirSync(box.depot)).toEqual([]);
  // Processed once in all: the flows concluded by the two nodes add up to N (none twice). A node counts a flow
  // once processFlow() has returned, just after writing its compte-rendu: wait for the count, then make sure
  // it does not go past N.
  const concluded = async () =>
    (
      await Promise.all(
        daemons.map(async (d) => (await d.metrics.flowsConcluded.get()).values.reduce((sum, v) => sum + v.value, 0)),
      )
    ).reduce((a, b) => a + b, 0);
  const deadline = Date.now() + 10000;
  while ((await concluded()) < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  expect(await concluded()).toBe(N);
}, 120000);
