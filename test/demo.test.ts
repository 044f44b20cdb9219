/**
 * `npm start` (= `passerelle start --demo`) on a fresh data folder, as a real process: every demo flow
 * gets its final compte-rendu within 15 s of the start, with the answer the platform would give (the
 * invoices are addressed from the demo partner's matelas), then SIGTERM stops the daemon cleanly.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { assertValidAgainst, readCppStatut } from './helpers/compte-rendu.ts';
import type { ReadReport } from './helpers/compte-rendu.ts';
import { cleanup, freePort, tempDir, waitForFiles } from './helpers/env.ts';

let dir: string;
let child: ChildProcess | undefined;
let output = '';

beforeAll(() => {
  dir = tempDir('passerelle-demo-');
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
  }
  cleanup(dir);
});

it('answers every demo flow truly within 15 s of the start, then stops on SIGTERM', async () => {
  const dataDir = path.join(dir, 'data');
  const configFile = path.join(dir, 'passerelle.yaml');
  // The shipped configuration's defaults (folders, schemas shipped in xsd/official), on free ports.
  writeFileSync(configFile, stringify({ dataDir, http: { port: await freePort() }, sftp: { port: await freePort() } }));
  const t0 = Date.now();
  child = spawn(process.execPath, ['bin/passerelle.js', 'start', '--demo', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

  const { retour } = mailboxPaths(dataDir, 'DEMO01');
  // Final comptes-rendus only: FEN1200A_<flow number>.xml and the analysis report, not the lifecycle flows.
  const final = (n: string) => /^FEN1200A_CPP\d+\.xml$/.test(n) || n.startsWith('ANALYSE_');
  let names: string[];
  try {
    names = await waitForFiles(retour, 5, 30000, final);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- daemon output ---\n${output.slice(-4000)}`, { cause: e });
  }
  const elapsed = Date.now() - t0;

  const reports = new Map<string, ReadReport>();
  for (const n of names) {
    const xml = readFileSync(path.join(retour, n), 'utf8');
    assertValidAgainst('CPPStatut.xsd', xml);
    const r = readCppStatut(xml);
    reports.set(r.originalName.replace(/-[A-Z0-9]+\.(xml|pdf)$/, ''), r);
  }
  expect([...reports.keys()].sort()).toEqual(
    ['FSO1113A_demo-cpp', 'demo-analyse', 'demo-broken', 'demo-facturx', 'demo-ubl'].sort(),
  );
  // The three invoices are routed by the matelas and valid: integrated, no finding at all.
  for (const key of ['FSO1113A_demo-cpp', 'demo-ubl', 'demo-facturx']) {
    const r = reports.get(key)!;
    expect({ key, status: r.status, lines: r.lines }).toEqual({ key, status: '90', lines: [] });
    expect(r.comment).toBe('IN_INTEGRE');
  }
  // The broken file: rejected at syntax, one FORMAT line saying where (line 6 of the file).
  const broken = reports.get('demo-broken')!;
  expect(broken.status).toBe('93');
  expect(broken.lines).toHaveLength(1);
  expect(broken.lines[0]).toMatchObject({ nature: 'FORMAT', code: 'FMT-XML-MALFORMED' });
  expect(broken.lines[0]!.description).toMatch(/\(fichier demo-broken-[A-Z0-9]+\.xml, ligne 6, colonne \d+\)/);
  // The analysis: a report under ANALYSE_…, no flow number; the invoice would be accepted.
  const analysis = reports.get('demo-analyse')!;
  expect(names.find((n) => n.startsWith('ANALYSE_'))).toMatch(/^ANALYSE_demo-analyse-/);
  expect(analysis.idFlx).not.toMatch(/^CPP001/);
  expect({ status: analysis.status, lines: analysis.lines }).toEqual({ status: '90', lines: [] });

  expect(elapsed).toBeLessThan(15000);

  // Integrated invoices come back through their lifecycle too: 01 Déposée and 03 Mise à disposition each.
  const lifecycle = await waitForFiles(retour, 6, 15000, (n) => n.startsWith('FEN1200A_CDV_'));
  expect(lifecycle.filter((n) => n.endsWith('_001.xml'))).toHaveLength(3);
  expect(lifecycle.filter((n) => n.endsWith('_002.xml'))).toHaveLength(3);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('passerelle stopped');
  // A clean stop leaves neither the info file nor the lock behind.
  expect(existsSync(path.join(dataDir, 'daemon.json'))).toBe(false);
  expect(existsSync(path.join(dataDir, 'daemon.lock'))).toBe(false);
}, 90000);
