/**
 * Retention and the partner list across nodes (issue 14, item 8), on PostgreSQL:
 *  - `passerelle purge --older-than <days>` (a real process) drops the stored bytes of flows concluded
 *    before the cut-off and the old return files, and never touches a flow not yet answered;
 *  - a partner added on one daemon is seen by another daemon sharing the database, which then takes
 *    its files.
 */
import { afterAll, beforeAll, expect, it as jestIt } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { Daemon } from '../src/gateway/daemon.ts';
import { silentLogger } from '../src/log.ts';
import { insertFlow } from '../src/store/flows.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { upsertPartner } from '../src/store/partners.ts';
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

const VALID = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
let dataDir: string;
let schema: string;
const daemons: Daemon[] = [];

beforeAll(async () => {
  dataDir = tempDir();
  schema = uniqueSchema();
  for (let i = 0; i < 2; i++) {
    const config = testConfig(dataDir, { pipeline: { concurrency: 2, retryDelaySeconds: 1, validationThreads: 0 } });
    config.databaseUrl = PG_URL;
    // Node A watches no folder: a file of the partner A adds can only be taken by B, once B has seen it.
    const d = new Daemon({ config, logger: silentLogger, schema, ...(i === 0 ? { folders: false } : {}) });
    await d.start();
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

it('a partner added on one node is seen by the other within seconds', async () => {
  const [a, b] = daemons as [Daemon, Daemon];
  await upsertPartner(a.store.db, { code: 'NEW001', name: 'Nouveau', returnSyntax: 'CPPStatut' });
  await a.refreshPartners();
  expect(a.partnerKnown('NEW001')).toBe(true);
  const t0 = Date.now();
  while (!b.partnerKnown('NEW001')) {
    if (Date.now() - t0 > 10000) throw new Error('node B never saw the new partner');
    await new Promise((r) => setTimeout(r, 100));
  }
  // B takes the new partner's files (A watches no folder).
  const box = mailboxPaths(dataDir, 'NEW001');
  writeFileSync(path.join(box.depot, 'n.xml'), VALID.replace('<cbc:ID>', '<!-- new --><cbc:ID>'));
  const names = await waitForFiles(box.retour, 1, 30000, (n) => n.startsWith('FEN1200A_'));
  expect(names).toHaveLength(1);
}, 60000);

it('purge --older-than drops old bytes and return files, never a flow not yet answered', async () => {
  const db = daemons[1]!.store.db;
  const box = mailboxPaths(dataDir, 'ABC123');
  for (let i = 0; i < 3; i++)
    writeFileSync(path.join(box.depot, `p${i}.xml`), VALID.replace('<cbc:ID>', `<!-- purge ${i} --><cbc:ID>`));
  const answers = await waitForFiles(box.retour, 3, 60000, (n) => n.startsWith('FEN1200A_'));
  // A flow received but not answered yet (as if a node had just taken it), with bytes of its own.
  await insertFlow(db, {
    box: 'depot',
    partner: 'ABC123',
    originalName: 'pending.xml',
    size: 7,
    sha256: 'f'.repeat(64),
    bytes: Buffer.from('pending'),
    signature: null,
    spoolKey: `pending-${Date.now()}`,
    transport: 'folder',
    declaredInterface: null,
    declaredSigned: null,
    numberInterface: '1100',
  });
  // Two of the answered flows (and their return files) are made 10 days old.
  const old = await db.query<{ id: number; flow_number: string }>(
    `SELECT id, flow_number FROM flows WHERE partner = 'ABC123' AND original_name IN ('p0.xml', 'p1.xml')`,
  );
  await db.query(`UPDATE flows SET finished_at = now() - interval '10 days' WHERE id = ANY($1::bigint[])`, [
    old.rows.map((r) => r.id),
  ]);
  const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
  const oldFiles = answers.filter((n) => old.rows.some((r) => n.includes(r.flow_number)));
  expect(oldFiles).toHaveLength(2);
  for (const n of oldFiles) utimesSync(path.join(box.retour, n), tenDaysAgo, tenDaysAgo);
  const pendingSha = 'f'.repeat(64);
  // Waiting states must survive even a purge of everything concluded.
  const configFile = path.join(dataDir, 'purge.yaml');
  writeFileSync(configFile, stringify({ dataDir, databaseUrl: PG_URL, databaseSchema: schema }));
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['bin/passerelle.js', '-c', configFile, 'purge', ...args], { encoding: 'utf8' });
  const dry = run(['--older-than', '5', '--dry-run']);
  expect(dry.stderr).toBe('');
  expect(dry.stdout).toContain('would purge: 2 flows');
  expect(oldFiles.every((n) => existsSync(path.join(box.retour, n)))).toBe(true);
  const real = run(['--older-than', '5']);
  expect(real.stderr).toBe('');
  expect(real.stdout).toContain('purged: 2 flows');
  expect(real.stdout).toContain('2 return files');
  const flows = await db.query<{ original_name: string; stored: boolean; has_bytes: boolean }>(
    `SELECT f.original_name, f.stored, (c.sha256 IS NOT NULL) AS has_bytes FROM flows f
     LEFT JOIN flow_content c ON c.sha256 = f.sha256 WHERE f.partner = 'ABC123' ORDER BY f.original_name`,
  );
  const byName = Object.fromEntries(flows.rows.map((r) => [r.original_name, r]));
  expect(byName['p0.xml']).toMatchObject({ stored: false, has_bytes: false });
  expect(byName['p1.xml']).toMatchObject({ stored: false, has_bytes: false });
  expect(byName['p2.xml']).toMatchObject({ stored: true, has_bytes: true });
  expect(byName['pending.xml']).toMatchObject({ stored: true, has_bytes: true });
  expect(readdirSync(box.retour).filter((n) => n.startsWith('FEN1200A_'))).toEqual(
    answers.filter((n) => !oldFiles.includes(n)),
  );
  // Everything concluded, whatever its age: the unanswered flow still keeps its bytes.
  expect(run(['--older-than', '0']).stderr).toBe('');
  const pending = await db.query('SELECT 1 FROM flow_content WHERE sha256 = $1', [pendingSha]);
  expect(pending.rows).toHaveLength(1);
  const bad = run(['--older-than', 'soon']);
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toContain('--older-than');
}, 120000);

it('retention.days: a daemon purges by itself what is older, at start then every hour', async () => {
  const db = daemons[1]!.store.db;
  const box = mailboxPaths(dataDir, 'ABC123');
  // Return files only: a delivery under way shows as a hidden temporary file (.passerelle-*.tmp) until
  // its rename, and counting it would take a half-delivered answer for a delivered one.
  const isAnswer = (n: string) => n.startsWith('FEN1200A_');
  const before = new Set(readdirSync(box.retour).filter(isAnswer));
  for (let i = 0; i < 2; i++)
    writeFileSync(path.join(box.depot, `q${i}.xml`), VALID.replace('<cbc:ID>', `<!-- retention ${i} --><cbc:ID>`));
  const fresh = (await waitForFiles(box.retour, before.size + 2, 60000, isAnswer)).filter((n) => !before.has(n));
  expect(fresh).toHaveLength(2);
  const q = await db.query<{ id: number; flow_number: string; original_name: string }>(
    `SELECT id, flow_number, original_name FROM flows WHERE original_name IN ('q0.xml', 'q1.xml') ORDER BY original_name`,
  );
  const q0 = q.rows[0]!;
  const q1 = q.rows[1]!;
  await db.query(`UPDATE flows SET finished_at = now() - interval '10 days' WHERE id = $1`, [q0.id]);
  const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
  const q0File = fresh.find((n) => n.includes(q0.flow_number))!;
  const q1File = fresh.find((n) => n.includes(q1.flow_number))!;
  utimesSync(path.join(box.retour, q0File), tenDaysAgo, tenDaysAgo);
  // The leftover of a delivery a crash interrupted, as old.
  const leftover = path.join(box.retour, '.passerelle-0123456789abcdef.tmp');
  writeFileSync(leftover, '<partial');
  utimesSync(leftover, tenDaysAgo, tenDaysAgo);
  const config = testConfig(dataDir, { retention: { days: 5 } });
  config.databaseUrl = PG_URL;
  const c = new Daemon({ config, logger: silentLogger, schema, folders: false });
  await c.start();
  try {
    const t0 = Date.now();
    for (;;) {
      const r = await db.query<{ stored: boolean }>('SELECT stored FROM flows WHERE id = $1', [q0.id]);
      if (!r.rows[0]!.stored && !existsSync(path.join(box.retour, q0File))) break;
      if (Date.now() - t0 > 15000) throw new Error('the daemon did not purge the old flow');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(existsSync(path.join(box.retour, q1File))).toBe(true);
    expect(existsSync(leftover)).toBe(false);
    const r1 = await db.query<{ stored: boolean }>('SELECT stored FROM flows WHERE id = $1', [q1.id]);
    expect(r1.rows[0]!.stored).toBe(true);
  } finally {
    await c.stop();
  }
}, 120000);
