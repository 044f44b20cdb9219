/**
 * SIGKILL in the middle of a batch: the daemon (a real child process on PostgreSQL) is killed while
 * flows are being processed, started again, and every flow ends with exactly one compte-rendu.
 */
import { afterAll, beforeAll, expect, it as jestIt } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { schemaDir } from '../src/config.ts';
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

const N = 120;
let dataDir: string;
let schema: string;

beforeAll(async () => {
  dataDir = tempDir();
  schema = uniqueSchema();
});

afterAll(async () => {
  if (postgres) await dropSchema(schema);
  cleanup(dataDir);
});

function startChild(configFile: string): ChildProcess {
  return spawn(process.execPath, ['bin/passerelle.js', 'start', '--config', configFile], {
    env: { ...process.env, PASSERELLE_DB_SCHEMA: schema, DATABASE_URL: PG_URL, PASSERELLE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

it('loses no flow and writes no return flow twice across a SIGKILL', async () => {
  const config = testConfig(dataDir);
  const configFile = path.join(dataDir, 'passerelle.yaml');
  writeFileSync(
    configFile,
    stringify({
      dataDir,
      http: { port: 0 },
      sftp: { port: 0 },
      folders: { stableMs: 20, rescanMs: 500 },
      schemas: { dir: schemaDir(config), fetchOnStart: false },
      partners: [{ code: 'ABC123', name: 'Test' }],
    }),
  );
  const box = mailboxPaths(dataDir, 'ABC123');
  let child = startChild(configFile);
  await waitForFiles(box.depot.replace(/depot$/, ''), 3, 60000); // the mailbox folders exist once the daemon is up
  const source = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
  for (let i = 0; i < N; i++) {
    // Distinct bytes per flow (else they would be duplicates), written then renamed like an EDI client.
    const tmp = path.join(box.depot, `f${i}.xml.tmp`);
    writeFileSync(tmp, source.replace('<cbc:ID>', `<!-- ${i} --><cbc:ID>`));
    renameSync(tmp, path.join(box.depot, `f${i}.xml`));
  }
  await waitForFiles(box.retour, 10, 60000, (n) => n.startsWith('FEN1200A_'));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const afterKill = readdirSync(box.retour).filter((n) => n.startsWith('FEN1200A_')).length;
  child = startChild(configFile);
  try {
    const names = await waitForFiles(box.retour, N, 120000, (n) => n.startsWith('FEN1200A_'));
    expect(afterKill).toBeLessThan(N); // the kill really came mid-batch
    expect(names).toHaveLength(N);
    const originals = names.map((n) => readCppStatut(readFileSync(path.join(box.retour, n), 'utf8')));
    expect(new Set(originals.map((r) => r.originalName)).size).toBe(N);
    expect(originals.every((r) => r.status === '90')).toBe(true);
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const flows = await c.query(
      `SELECT count(*)::int AS n, count(DISTINCT original_name)::int AS d FROM "${schema}".flows`,
    );
    const returns = await c.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE delivered_at IS NOT NULL)::int AS delivered FROM "${schema}".return_flows`,
    );
    await c.end();
    expect(flows.rows[0]).toEqual({ n: N, d: N });
    expect(returns.rows[0]).toEqual({ n: N, delivered: N });
    expect(readdirSync(box.depot)).toEqual([]);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}, 240000);
