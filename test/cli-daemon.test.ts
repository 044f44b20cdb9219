/**
 * The CLI while a daemon runs (a real `passerelle start` subprocess on the embedded database): the
 * commands go through its admin API and must answer as the direct path does once it has stopped;
 * unknown partners get "no partner X" (a 404 with a message), never "Internal Server Error";
 * `analyze --partner` gives the findings the partner's analyse/ folder gives.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config.ts';
import { type DemoParties, demoCppFactureMixte, demoParties } from '../src/gateway/demo.ts';
import { matelasData } from '../src/platform/matelas-service.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { cleanup, freePort, tempDir, waitForFiles } from './helpers/env.ts';

const BIN = path.resolve('bin/passerelle.js');
const PARTNER = 'ANA001';
const PASSWORD = 'Qualif-Passerelle-2026';
let dir: string;
let dataDir: string;
let configFile: string;
let httpPort: number;
let daemon: ChildProcess | undefined;
let daemonLog = '';

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('PASSERELLE_') && k !== 'DATABASE_URL') out[k] = v;
  return { ...out, ...extra };
}

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, '-c', configFile, ...args], {
    encoding: 'utf8',
    env: env(extraEnv),
    timeout: 60000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 60000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${daemonLog.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopDaemon(): Promise<void> {
  if (!daemon || daemon.exitCode !== null) return;
  const exited = new Promise((r) => daemon!.once('exit', r));
  daemon.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  dir = tempDir();
  dataDir = path.join(dir, 'data');
  configFile = path.join(dir, 'passerelle.yaml');
  httpPort = await freePort();
  writeFileSync(
    configFile,
    stringify({
      dataDir,
      http: { port: httpPort },
      sftp: { port: 0 },
      folders: { stableMs: 50, rescanMs: 300 },
      pipeline: { retryDelaySeconds: 1, validationThreads: 0 },
      schemas: { fetchOnStart: false },
    }),
  );
  daemon = spawn(process.execPath, [BIN, 'start', '--config', configFile], { env: env(), stdio: 'pipe' });
  daemon.stdout!.on('data', (d: Buffer) => (daemonLog += d.toString('utf8')));
  daemon.stderr!.on('data', (d: Buffer) => (daemonLog += d.toString('utf8')));
  await until('the daemon', () => (existsSync(path.join(dataDir, 'daemon.json')) ? true : undefined));
}, 120000);

afterAll(async () => {
  await stopDaemon();
  cleanup(dir);
});

let analysisId = '';
let shownThroughDaemon = '';
const files: Record<string, string> = {};

it('says at start-up which configuration file and data folder it uses', () => {
  expect(daemonLog).toContain(`starting: configuration ${configFile}; data folder ${dataDir}`);
});

it('answers "no partner NOPE99" on every admin route naming an unknown partner, never a bare 500', async () => {
  for (const args of [
    ['flows', 'list', '--partner', 'NOPE99'],
    ['matelas', 'show', 'NOPE99'],
    ['matelas', 'create', 'NOPE99'],
    ['invoices', 'list', '--partner', 'NOPE99'],
    ['partners', 'set-signed', 'NOPE99'],
    ['partners', 'add-key', 'NOPE99', configFile],
    ['certs', 'list', 'NOPE99'],
    ['samples', 'NOPE99', path.join(dir, 'kit')],
  ]) {
    const r = cli(args);
    expect({ args, code: r.code, stderr: r.stderr }).toEqual({
      args,
      code: 1,
      stderr: 'passerelle: no partner NOPE99\n',
    });
  }
  const pw = cli(['partners', 'set-password', 'NOPE99'], { PASSERELLE_PASSWORD: PASSWORD });
  expect(pw.stderr).toBe('passerelle: no partner NOPE99\n');
  const state = cli(['flows', 'list', '--state', 'BOGUS']);
  expect(state.stderr).toContain('unknown state BOGUS; states: IN_RECU,');
  // The admin API itself: a status and a message.
  const info = JSON.parse(readFileSync(path.join(dataDir, 'daemon.json'), 'utf8')) as { token: string };
  const res = await fetch(`http://127.0.0.1:${httpPort}/admin/partners/NOPE99/signed`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ signed: true }),
  });
  expect({ status: res.status, body: await res.json() }).toEqual({ status: 404, body: { error: 'no partner NOPE99' } });
  const none = await fetch(`http://127.0.0.1:${httpPort}/admin/nothing`, {
    headers: { authorization: `Bearer ${info.token}` },
  });
  expect({ status: none.status, body: await none.json() }).toEqual({
    status: 404,
    body: { error: 'no admin route GET /admin/nothing' },
  });
}, 120000);

it('adds a partner with a matelas through the daemon; add again is refused', async () => {
  expect(cli(['partners', 'add', PARTNER, 'Analyse partenaire']).stdout).toBe(
    `partner ${PARTNER} added: Analyse partenaire, CPPStatut\n`,
  );
  expect(cli(['partners', 'add', PARTNER, 'Again']).stderr).toContain(`partner ${PARTNER} already exists`);
  expect(cli(['partners', 'set-password', PARTNER], { PASSERELLE_PASSWORD: PASSWORD }).code).toBe(0);
  expect(cli(['matelas', 'create', PARTNER]).code).toBe(0);
  const m = await until('the matelas', () => {
    const r = JSON.parse(cli(['matelas', 'show', PARTNER, '--json']).stdout) as { state: string; sets: number[] };
    return r.state === 'Terminé' ? r : undefined;
  });
  const d = matelasData(loadConfig(configFile).platform.matelasSeed, PARTNER, m.sets.at(-1)!).directory;
  // the demo's own routed parties: supplier, a recipient whose service needs a commitment, that commitment
  const known: DemoParties = demoParties(d);
  const date = new Date().toISOString().slice(0, 10);
  files.known = path.join(dir, 'connu.xml');
  files.unknown = path.join(dir, 'inconnu.xml');
  writeFileSync(files.known, demoCppFactureMixte('FA-CONNU-1', date, known));
  writeFileSync(
    files.unknown,
    demoCppFactureMixte('FA-INCONNU-1', date, { ...known, recipientSiret: '99999999900022' }),
  );
}, 120000);

type Line = { file: string; verdict: string; routing: string; findings: Array<{ code: string; severity: string }> };
const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
const codes = (l: Line) => l.findings.map((f) => f.code).sort();
let viaDaemon: Line[] = [];

it('analyze without --partner says routing was not checked (and accepts the invoice to an unknown recipient)', () => {
  const r = cli(['analyze', files.unknown!]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Routing against the Chorus Pro directory not checked');
}, 60000);

it("analyze --partner gives the partner's analyse/ folder findings (through the daemon)", async () => {
  const r = cli(['analyze', '--partner', PARTNER, '--json', files.known!, files.unknown!]);
  viaDaemon = lines(r.stdout);
  expect(r.code).toBe(1);
  expect(viaDaemon.map((l) => l.routing)).toEqual([`checked for ${PARTNER}`, `checked for ${PARTNER}`]);
  expect(viaDaemon[1]!.verdict).toBe('rejected');
  expect(codes(viaDaemon[1]!)).toContain('CPP-DEST-INCONNU');

  // The same files dropped into the partner's analyse/ box.
  const box = mailboxPaths(dataDir, PARTNER);
  for (const f of [files.known!, files.unknown!])
    writeFileSync(path.join(box.analyse, path.basename(f)), readFileSync(f));
  for (const [i, f] of [files.known!, files.unknown!].entries()) {
    const [name] = await waitForFiles(box.retour, 1, 60000, (n) => n === `ANALYSE_${path.basename(f)}.xml`);
    const xml = readFileSync(path.join(box.retour, name!), 'utf8');
    const fromBox = [...xml.matchAll(/<CodeErreur>([^<]+)<\/CodeErreur>/g)].map((m) => m[1]!).sort();
    const status = /<IdStatut>(\d+)<\/IdStatut>/.exec(xml)?.[1];
    expect({ file: path.basename(f), codes: fromBox, status }).toEqual({
      file: path.basename(f),
      codes: codes(viaDaemon[i]!),
      status: viaDaemon[i]!.verdict === 'rejected' ? '93' : '90',
    });
  }
}, 120000);

it('flows list has a header row; flows show, replay and consulterCR take the ANALYSE-<id> it prints', async () => {
  const list = cli(['flows', 'list', '--partner', PARTNER]);
  const [header, ...rows] = list.stdout.trim().split('\n');
  expect(header).toMatch(/^FLOW\s+PARTNER\s+STATE\s+SYNTAX\s+RECEIVED\s+FILE$/);
  const row = rows.find((l) => l.endsWith(' inconnu.xml'))!;
  analysisId = row.split(/\s+/)[0]!;
  expect(analysisId).toMatch(/^ANALYSE-\d+$/);

  const human = cli(['flows', 'show', analysisId]);
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(new RegExp(`^flow\\s+${analysisId}$`, 'm'));
  expect(human.stdout).toMatch(/^STAGE\s+OUTCOME\s+MS\s+FINDINGS$/m);
  expect(human.stdout).toContain('CPP-DEST-INCONNU');
  shownThroughDaemon = cli(['flows', 'show', analysisId, '--json']).stdout;
  const shown = JSON.parse(shownThroughDaemon) as { flow: { state: string }; returnFlows: Array<{ fileName: string }> };
  expect(shown.flow.state).toBe('IN_REJETE');
  expect(shown.returnFlows.map((r) => r.fileName)).toEqual(['ANALYSE_inconnu.xml.xml']);

  const replay = cli(['flows', 'replay', analysisId]);
  expect(replay.stdout).toMatch(
    new RegExp(`^${analysisId} replayed as analysis ANALYSE-\\d+ \\(report in retour/\\)$`, 'm'),
  );

  const res = await fetch(`http://127.0.0.1:${httpPort}/cpro/transverses/v1/consulterCR`, {
    method: 'POST',
    headers: {
      'cpro-account': Buffer.from(`${PARTNER}:${PASSWORD}`).toString('base64'),
      'content-type': 'application/json',
    },
    body: JSON.stringify({ numeroFluxDepot: analysisId }),
  });
  expect(await res.json()).toMatchObject({ codeRetour: 0, numeroFluxDepot: analysisId, etatCourantFlux: 'IN_REJETE' });
}, 120000);

it('once the daemon has stopped, the direct path answers the same (flows show, analyze --partner)', async () => {
  await stopDaemon();
  expect(existsSync(path.join(dataDir, 'daemon.json'))).toBe(false);
  expect(cli(['flows', 'show', analysisId, '--json']).stdout).toBe(shownThroughDaemon);
  const direct = cli(['analyze', '--partner', PARTNER, '--json', files.known!, files.unknown!]);
  expect(direct.code).toBe(1);
  expect(lines(direct.stdout)).toEqual(viaDaemon);
  expect(cli(['flows', 'list', '--partner', 'NOPE99']).stderr).toBe('passerelle: no partner NOPE99\n');
}, 120000);
