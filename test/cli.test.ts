/**
 * The `passerelle` command as a user runs it (a subprocess, a temporary data folder and configuration),
 * without a daemon: the CLI opens the embedded database itself. What the README promises: reads never
 * create a data folder and say where they looked, unknown values are refused, lists have headers and
 * `--json`, the password is asked in a terminal, a closed pipe is no error, batch analysis.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { buildConfig } from '../src/config.ts';
import { analyzeFiles, batchExitCode } from '../src/pipeline/analyze-batch.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import { FLOW_STATES } from '../src/store/types.ts';
import { CORPUS, cleanup, tempDir } from './helpers/env.ts';

const BIN = path.resolve('bin/passerelle.js');
const PASSWORD = 'Qualif-Passerelle-2026';
let dir: string;
let configFile: string;
let dataDir: string;

/** The CLI in a clean environment (no PASSERELLE_* from the test runner's shell). */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('PASSERELLE_') && k !== 'DATABASE_URL') out[k] = v;
  return { ...out, ...extra };
}

function cli(args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...(opts.cwd ? [] : ['-c', configFile]), ...args], {
    cwd: opts.cwd ?? process.cwd(),
    encoding: 'utf8',
    env: env(opts.env),
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    timeout: 60000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = tempDir();
  dataDir = path.join(dir, 'data');
  configFile = path.join(dir, 'passerelle.yaml');
  writeFileSync(
    configFile,
    stringify({ dataDir, http: { port: 0 }, sftp: { port: 0 }, schemas: { fetchOnStart: false } }),
  );
});

afterAll(() => cleanup(dir));

describe('a command that reads never creates a data folder, and says which one it looked for', () => {
  it('outside the repository root, with no configuration: flows list refuses and creates nothing', () => {
    const elsewhere = tempDir('passerelle-elsewhere-');
    try {
      for (const args of [
        ['flows', 'list'],
        ['partners', 'list'],
        ['flows', 'show', 'ANALYSE-1'],
        ['certs', 'list', 'ABC123'],
      ]) {
        const r = cli(args, { cwd: elsewhere });
        expect({ args, code: r.code }).toEqual({ args, code: 1 });
        expect(r.stderr).toContain(`no data folder at ${path.join(elsewhere, 'var')}`);
        expect(r.stderr).toContain(`no configuration file (${path.join(elsewhere, 'config/passerelle.yaml')} absent`);
        expect(r.stderr).toContain('--config FILE or PASSERELLE_CONFIG');
      }
      const doctor = cli(['doctor'], { cwd: elsewhere });
      expect(doctor.stdout).toContain(`configuration: none (${path.join(elsewhere, 'config/passerelle.yaml')} absent)`);
      expect(doctor.stdout).toContain(`data folder ${path.join(elsewhere, 'var')} does not exist yet`);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      cleanup(elsewhere);
    }
  }, 60000);

  it('--help names the configuration file and the data folder in use', () => {
    const r = cli(['--help']);
    expect(r.stdout).toContain(`In use here: configuration ${configFile}; data folder ${dataDir}.`);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('partners', () => {
  it('adds a partner (creating the data folder, said on stderr), refuses the same code again, --update on purpose', () => {
    const added = cli(['partners', 'add', 'DEMO01', 'Démo', '--return-syntax', 'AIFEStatut']);
    expect(added.code).toBe(0);
    expect(added.stdout).toBe('partner DEMO01 added: Démo, AIFEStatut\n');
    expect(added.stderr).toContain(`creating the data folder ${dataDir}`);

    const again = cli(['partners', 'add', 'DEMO01', 'Again']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('partner DEMO01 already exists (Démo, AIFEStatut); add --update to change it');

    const updated = cli(['partners', 'add', 'DEMO01', 'Again', '--update', '--json']);
    expect(updated.code).toBe(0);
    // The return syntax was not given: it keeps its value.
    expect(JSON.parse(updated.stdout)).toMatchObject({
      code: 'DEMO01',
      name: 'Again',
      returnSyntax: 'AIFEStatut',
      created: false,
    });
    expect(cli(['partners', 'add', 'NEW001', 'X', '--update']).stderr).toContain('no partner NEW001 to update');
  }, 60000);

  it('lists partners as a table with a header row, or JSON without secrets', () => {
    const table = cli(['partners', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^CODE\s+RETURN SYNTAX\s+SIGNED\s+PASSWORD\s+KEYS\s+ACTIVE\s+NAME$/);
    expect(table.stdout).toMatch(/^DEMO01\s+AIFEStatut\s+no\s+-\s+0\s+yes\s+Again$/m);
    const json = JSON.parse(cli(['partners', 'list', '--json']).stdout) as Array<Record<string, unknown>>;
    expect(json).toEqual([
      {
        code: 'DEMO01',
        name: 'Again',
        active: true,
        returnSyntax: 'AIFEStatut',
        signed: false,
        password: false,
        keys: 0,
      },
    ]);
  }, 30000);

  it('set-signed, as the README and docs/signatures.md document it', () => {
    expect(cli(['partners', 'set-signed', 'DEMO01'])).toMatchObject({ code: 0, stdout: 'DEMO01 signs its flows\n' });
    expect(JSON.parse(cli(['partners', 'list', '--json']).stdout)[0].signed).toBe(true);
    expect(cli(['partners', 'set-signed', 'DEMO01', 'off']).code).toBe(0);
    expect(JSON.parse(cli(['partners', 'list', '--json']).stdout)[0].signed).toBe(false);
    expect(cli(['partners', 'set-signed', 'DEMO01', 'maybe'])).toMatchObject({ code: 1 });
  }, 60000);

  it('set-password: from PASSERELLE_PASSWORD, from a pipe, and the platform rule', () => {
    const weak = cli(['partners', 'set-password', 'DEMO01'], { input: 'short\n' });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 12 characters');
    expect(cli(['partners', 'set-password', 'DEMO01'], { input: `${PASSWORD}\n` })).toMatchObject({
      code: 0,
      stdout: 'password set for DEMO01\n',
    });
    expect(cli(['partners', 'set-password', 'DEMO01'], { env: { PASSERELLE_PASSWORD: PASSWORD } }).code).toBe(0);
    expect(JSON.parse(cli(['partners', 'list', '--json']).stdout)[0].password).toBe(true);
  }, 60000);

  it('set-password in a terminal: asked twice, hidden, the rule checked (util-linux script gives it a pty)', async () => {
    if (spawnSync('script', ['--version']).status !== 0) return; // util-linux script absent: the pipe and env paths above still run
    const command = [process.execPath, BIN, '-c', configFile, 'partners', 'set-password', 'DEMO01']
      .map((a) => `'${a}'`)
      .join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Waits for `text` at or after `from`; returns where it ends (the next search starts there).
    const waitFor = async (text: string, from: number): Promise<number> => {
      const deadline = Date.now() + 30000;
      while (out.indexOf(text, from) < 0) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${text}" in: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return out.indexOf(text, from) + text.length;
    };
    try {
      let at = await waitFor('New password for DEMO01: ', 0);
      child.stdin.write('weak-one\r');
      at = await waitFor('at least 12 characters', at);
      at = await waitFor('New password for DEMO01: ', at);
      child.stdin.write(`${PASSWORD}\r`);
      at = await waitFor('Same password again: ', at);
      child.stdin.write(`${PASSWORD}\r`);
      await waitFor('password set for DEMO01', at);
      child.stdin.end();
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    expect(await exited).toBe(0);
    // Hidden: neither password was echoed; no EAGAIN.
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain('weak-one');
    expect(out).not.toContain('EAGAIN');
  }, 60000);
});

describe('unknown values are refused, not answered with an empty list', () => {
  it('flows list --partner NOPE99, --state BOGUS, certs list NOPE99, set-password / set-signed NOPE99', () => {
    const partner = cli(['flows', 'list', '--partner', 'NOPE99']);
    expect(partner).toMatchObject({ code: 1, stdout: '' });
    expect(partner.stderr).toBe('passerelle: no partner NOPE99\n');
    const state = cli(['flows', 'list', '--state', 'BOGUS']);
    expect(state.code).toBe(1);
    expect(state.stderr).toContain(`unknown state BOGUS; states: ${FLOW_STATES.join(', ')}`);
    expect(cli(['certs', 'list', 'NOPE99'])).toMatchObject({ code: 1, stderr: 'passerelle: no partner NOPE99\n' });
    expect(cli(['partners', 'set-signed', 'NOPE99'])).toMatchObject({
      code: 1,
      stderr: 'passerelle: no partner NOPE99\n',
    });
    expect(cli(['partners', 'set-password', 'NOPE99'], { env: { PASSERELLE_PASSWORD: PASSWORD } })).toMatchObject({
      code: 1,
      stderr: 'passerelle: no partner NOPE99\n',
    });
    expect(cli(['flows', 'show', 'ANALYSE-999'])).toMatchObject({
      code: 1,
      stderr: 'passerelle: no flow ANALYSE-999\n',
    });
  }, 60000);

  it('an empty list says so on stderr and prints nothing for scripts', () => {
    expect(cli(['flows', 'list'])).toMatchObject({ code: 0, stdout: '', stderr: 'no flows\n' });
    expect(cli(['flows', 'list', '--json'])).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(cli(['certs', 'list', 'DEMO01', '--json'])).toMatchObject({ code: 0, stdout: '[]\n' });
  }, 30000);
});

describe('small promises', () => {
  it('a reader that goes away (passerelle … | head -1) is no error: no EPIPE stack trace, exit 0', async () => {
    const child = spawn(process.execPath, [BIN, '-c', configFile, 'schemas', 'list'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  }, 30000);

  it('analyze --help documents exit code 2; schemas install --fetch exits 1 when nothing was installed', () => {
    const help = cli(['analyze', '--help']).stdout;
    expect(help).toContain('2 any waiting for a schema set');
    expect(help).toContain('--partner <code>');
    const fetch = cli(['schemas', 'install', '--fetch', '--set', 'nosuchset']);
    expect(fetch.code).toBe(1);
    expect(fetch.stdout).toBe('✗ nosuchset: not an official schema set that can be downloaded\n');
  }, 30000);

  it('schemas list has a header row', () => {
    const lines = cli(['schemas', 'list']).stdout.split('\n');
    expect(lines[0]).toMatch(/^\s*SET\s+USED\s+TITLE\s+PATH$/);
    expect(lines.some((l) => /^✓\s+ubl-2\.1\s+shipped/.test(l))).toBe(true);
  }, 30000);
});

describe('batch analysis: many files in one process', () => {
  const VALID = ['valid/ubl/cen-ubl-tc434-example1.xml', 'valid/ubl/cen-ubl-tc434-example4.xml'];
  const INVALID = 'invalid/ubl/mustang-periods.ubl.xml';
  let folder: string;

  beforeAll(() => {
    folder = path.join(dir, 'lot');
    mkdirSync(path.join(folder, 'sub'), { recursive: true });
    copyFileSync(path.join(CORPUS, VALID[0]!), path.join(folder, 'a.xml'));
    copyFileSync(path.join(CORPUS, VALID[1]!), path.join(folder, 'sub', 'b.xml'));
    copyFileSync(path.join(CORPUS, INVALID), path.join(folder, 'c.xml'));
    writeFileSync(path.join(folder, '.hidden'), 'not a flow');
  });

  it('a folder with --json: one object per file and line, exit 1 when one is rejected', () => {
    const r = cli(['analyze', folder, '--json']);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [path.relative(folder, l.file as string), l.verdict])).toEqual([
      ['a.xml', 'accepted'],
      ['c.xml', 'rejected'],
      [path.join('sub', 'b.xml'), 'accepted'],
    ]);
    const rejected = lines[1] as { findings: Array<Record<string, unknown>>; routing: string };
    expect(rejected.routing).toBe('not checked');
    expect(rejected.findings.length).toBeGreaterThan(0);
    for (const f of rejected.findings) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['code', 'nature', 'severity']));
      expect(['fatal', 'warning']).toContain(f.severity);
    }
    expect(rejected.findings.some((f) => f.nature === 'SCHEMA' && (f.location as { line?: number }).line)).toBe(true);
  }, 60000);

  it('files given one by one: exit 0 when all are accepted; a human summary and the routing note', () => {
    const r = cli(['analyze', ...VALID.map((f) => path.join(CORPUS, f))]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 files: 2 accepted, 0 partly accepted, 0 rejected, 0 waiting');
    expect(r.stdout).toContain('Routing against the Chorus Pro directory not checked');
  }, 60000);

  it('exit 2 when a file waits for a schema set and none is rejected; 1 when one is also rejected', () => {
    const noSets = path.join(dir, 'no-sets.yaml');
    writeFileSync(
      noSets,
      stringify({ dataDir, schemas: { fetchOnStart: false, shipped: false, dir: path.join(dir, 'empty-schemas') } }),
    );
    const one = spawnSync(process.execPath, [BIN, '-c', noSets, 'analyze', '--json', path.join(CORPUS, VALID[0]!)], {
      encoding: 'utf8',
      env: env(),
    });
    expect(one.status).toBe(2);
    expect(JSON.parse(one.stdout)).toMatchObject({ verdict: 'waiting', waitingFor: 'ubl-2.1' });
    const broken = path.join(dir, 'broken.xml');
    writeFileSync(broken, '<Invoice');
    const two = spawnSync(process.execPath, [BIN, '-c', noSets, 'analyze', path.join(CORPUS, VALID[0]!), broken], {
      encoding: 'utf8',
      env: env(),
    });
    expect(two.status).toBe(1);
  }, 60000);

  it('in-process, as the conformance run calls it: the same verdicts', async () => {
    const config = buildConfig({ dataDir, schemas: { fetchOnStart: false } }, {});
    const validation = new ValidationPool({ schemaDir: path.join(dataDir, 'schemas'), shipped: true, threads: 0 });
    try {
      const seen: string[] = [];
      for await (const a of analyzeFiles([folder], { config, validation }))
        seen.push(`${path.basename(a.file)} ${a.report.verdict}`);
      expect(seen).toEqual(['a.xml accepted', 'c.xml rejected', 'b.xml accepted']);
      expect(batchExitCode(['accepted', 'waiting'])).toBe(2);
      expect(batchExitCode(['waiting', 'rejected'])).toBe(1);
      expect(batchExitCode(['accepted', 'partial'])).toBe(1);
    } finally {
      await validation.close();
    }
  }, 60000);
});
