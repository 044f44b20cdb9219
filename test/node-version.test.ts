/**
 * On a Node.js the project does not run on (older than 22.22, or 23) every entry point says so in the same
 * words, with how to get a newer one:
 * scripts/check-node.js run alone, the `passerelle` bin, `npm test` (pretest) and `npm install` (engine-strict in
 * .npmrc, before anything is downloaded). Run for real with an old Node: /usr/bin/node on these machines, or
 * OLD_NODE=/path/to/node.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers/env.ts';

const REPO = path.resolve('.');
const MESSAGE =
  /passerelle needs Node\.js 24 or newer \(or 22\.22\+\); this is Node (\d+\.\d+\.\d+) \(.*\)\.\nGet Node 24: .*nvm install.*npm install --prefix ~\/\.node24 node@24/;

function versionOf(node: string): string | undefined {
  const r = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function tooOld(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return !(major >= 24 || (major === 22 && minor >= 22));
}

const candidate = process.env.OLD_NODE ?? '/usr/bin/node';
const candidateVersion = existsSync(candidate) ? versionOf(candidate) : undefined;
const oldNode = candidateVersion && tooOld(candidateVersion) ? candidate : undefined;
const skipReason = !existsSync(candidate)
  ? `no old Node at ${candidate} (set OLD_NODE=/path/to/node < 22.22)`
  : `${candidate} is Node ${candidateVersion ?? '?'}, which the project runs on (set OLD_NODE=/path/to/node < 22.22)`;
if (!oldNode) console.warn(`node-version.test.ts: old-Node cases skipped: ${skipReason}`);

/** Runs `args` with the old Node first on PATH (so npm's own `node` is the old one too). */
function runOld(cmd: string, args: string[], cwd = REPO) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(oldNode!)}:${process.env.PATH ?? ''}` };
  delete env.npm_config_engine_strict;
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
}

describe('Node version check', () => {
  it('passes silently on this Node (24 or newer, or 22.22+)', () => {
    const r = spawnSync(process.execPath, ['scripts/check-node.js'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toBe('');
  });

  it('refuses exactly the versions that package.json "engines" excludes (^22.22 || >=24)', () => {
    // The script run against a stand-in `process` for each version (the real old Node is below).
    const source = readFileSync('scripts/check-node.js', 'utf8');
    const verdict = (node: string): 'runs' | 'refused' => {
      let code = 0;
      const fakeProcess = { versions: { node }, execPath: '/x/node', exit: (c: number) => (code = c) };
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- runs the real script against a stand-in process
      new Function('process', 'console', source)(fakeProcess, { error: () => undefined });
      return code === 0 ? 'runs' : 'refused';
    };
    const table: Record<string, 'runs' | 'refused'> = {
      '18.20.4': 'refused',
      '20.20.2': 'refused',
      '22.12.0': 'refused',
      '22.21.1': 'refused',
      '22.22.0': 'runs',
      '22.30.0': 'runs',
      '23.11.0': 'refused',
      '24.0.0': 'runs',
      '26.1.0': 'runs',
    };
    expect(Object.fromEntries(Object.keys(table).map((v) => [v, verdict(v)]))).toEqual(table);
  });

  it('package.json, .npmrc and .nvmrc agree with the check', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      engines: { node: string };
      scripts: Record<string, string>;
      files: string[];
    };
    expect(pkg.engines.node).toBe('^22.22 || >=24');
    expect(pkg.scripts.preinstall).toBe('node scripts/check-node.js');
    expect(pkg.scripts.pretest).toBe('node scripts/check-node.js');
    expect(pkg.files).toContain('scripts/check-node.js');
    expect(readFileSync('.npmrc', 'utf8')).toMatch(/^engine-strict=true$/m);
    const nvm = readFileSync('.nvmrc', 'utf8').trim();
    expect(tooOld(nvm.includes('.') ? nvm : `${nvm}.0.0`)).toBe(false);
  });
});

(oldNode ? describe : describe.skip)(
  `on an old Node (${oldNode ? `${candidate}, ${candidateVersion}` : skipReason})`,
  () => {
    it('scripts/check-node.js prints the message and exits 1', () => {
      const r = spawnSync(oldNode!, ['scripts/check-node.js'], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(MESSAGE);
      expect(MESSAGE.exec(r.stderr)?.[1]).toBe(candidateVersion);
    });

    it('the passerelle bin says the same, not "Unknown file extension .ts"', () => {
      const r = spawnSync(oldNode!, ['bin/passerelle.js', 'analyze', 'test/corpus/expected.tsv'], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(MESSAGE);
      expect(r.stderr).not.toMatch(/Unknown file extension/);
    });

    it('`npm test` stops at pretest with the message (jest never starts)', () => {
      const r = runOld('npm', ['test', '--', '--listTests']);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(MESSAGE);
      expect(r.stdout + r.stderr).not.toMatch(/Unknown file extension|node-version\.test\.ts/);
    });

    it('`npm install` refuses at once, before downloading anything (engine-strict)', () => {
      const dir = tempDir('passerelle-old-node-');
      for (const f of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(f, path.join(dir, f));
      const started = Date.now();
      const r = runOld('npm', ['install', '--offline', '--no-audit', '--no-fund'], dir);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/EBADENGINE/);
      expect(r.stderr).toMatch(/Required: \{"node":"\^22\.22 \|\| >=24"\}/);
      expect(readdirSync(dir).sort()).toEqual(['.npmrc', 'package-lock.json', 'package.json']);
      expect(Date.now() - started).toBeLessThan(30_000);
    });
  },
);
