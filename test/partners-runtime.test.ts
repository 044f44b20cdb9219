/**
 * Partners added at run time, through the CLI while a daemon holds the database (the CLI then goes
 * through the daemon's admin API): its mailboxes appear and a file already waiting there is taken.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { schemaDir } from '../src/config.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import {
  CORPUS,
  cleanup,
  freePort,
  postgresAvailable,
  startDaemon,
  tempDir,
  testConfig,
  waitForFiles,
} from './helpers/env.ts';

const run = promisify(execFile);
let dataDir: string;
let configFile: string;
let handle: Awaited<ReturnType<typeof startDaemon>> | undefined;

beforeAll(async () => {
  dataDir = tempDir();
  const config = testConfig(dataDir, { http: { port: await freePort() }, folders: { stableMs: 50, rescanMs: 300 } });
  // The CLI reads the same configuration (dataDir, where daemon.json tells it the admin API).
  configFile = path.join(dataDir, 'passerelle.yaml');
  writeFileSync(configFile, stringify({ dataDir, schemas: { dir: schemaDir(config) } }));
  handle = await startDaemon((await postgresAvailable()) ? 'postgres' : 'pglite', config);
}, 120000);

afterAll(async () => {
  await handle?.stop();
  cleanup(dataDir);
});

const cli = (...args: string[]) => run(process.execPath, ['bin/passerelle.js', '--config', configFile, ...args]);

it('adds a partner through the CLI and takes the file already waiting in its depot', async () => {
  // A file waits in the folder of a partner that does not exist yet: left untouched.
  const early = mailboxPaths(dataDir, 'NEWP01');
  mkdirSync(early.depot, { recursive: true });
  copyFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example4.xml'), path.join(early.depot, 'early.xml'));

  const added = await cli('partners', 'add', 'NEWP01', 'Nouveau partenaire', '--return-syntax', 'AIFEStatut', '--json');
  expect(JSON.parse(added.stdout)).toMatchObject({ code: 'NEWP01', returnSyntax: 'AIFEStatut' });
  const [name] = await waitForFiles(early.retour, 1, 30000, (n) => n.startsWith('FEN1201A_'));
  expect(readFileSync(path.join(early.retour, name!), 'utf8')).toContain('urn:passerelle:aifestatut:1');

  const list = await cli('partners', 'list');
  expect(list.stdout).toMatch(/^NEWP01\s+AIFEStatut/m);
  const flows = await cli('flows', 'list', '--partner', 'NEWP01');
  expect(flows.stdout).toMatch(/CPP0011100\d{15}\s+NEWP01\s+IN_INTEGRE/);
}, 60000);

it('refuses a bad partner code with a clear message', async () => {
  await expect(cli('partners', 'add', 'bad code', 'X')).rejects.toMatchObject({
    stderr: expect.stringContaining('a partner code is 3 to 8 upper-case letters or digits'),
  });
});

it('reads back a flow through the CLI as the compte-rendu tells it', async () => {
  const retour = mailboxPaths(dataDir, 'NEWP01').retour;
  const [name] = await waitForFiles(retour, 1, 1000, (n) => n.startsWith('FEN1201A_'));
  const number = name!.slice('FEN1201A_'.length, -'.xml'.length);
  const shown = JSON.parse((await cli('flows', 'show', number, '--json')).stdout) as {
    flow: { state: string };
    stages: Array<{ stage: string; outcome: string }>;
  };
  expect(shown.flow.state).toBe('IN_INTEGRE');
  expect(shown.stages.map((s) => s.stage)).toEqual(expect.arrayContaining(['RECEPTION', 'SYNTAXE', 'SCHEMA', 'REGLE']));
});

it('replays a flow from its stored bytes, as an analysis then as a new deposit', async () => {
  const retour = mailboxPaths(dataDir, 'NEWP01').retour;
  const [name] = await waitForFiles(retour, 1, 1000, (n) => n.startsWith('FEN1201A_'));
  const number = name!.slice('FEN1201A_'.length, -'.xml'.length);
  const analysed = JSON.parse((await cli('flows', 'replay', number, '--json')).stdout) as { id: string; flowNumber?: string };
  expect(analysed.flowNumber).toBeUndefined(); // an analysis consumes no flow number
  await waitForFiles(retour, 1, 30000, (n) => n.startsWith('ANALYSE_early.xml'));
  const deposited = JSON.parse((await cli('flows', 'replay', number, '--deposit', '--json')).stdout) as { flowNumber: string };
  expect(deposited.flowNumber).toMatch(/^CPP0011100\d{15}$/);
  expect(deposited.flowNumber).not.toBe(number);
  // The same bytes again, while the first deposit was integrated: a duplicate, named in the compte-rendu.
  const [again] = await waitForFiles(retour, 1, 30000, (n) => n === `FEN1201A_${deposited.flowNumber}.xml`);
  const xml = readFileSync(path.join(retour, again!), 'utf8');
  expect(xml).toContain('REC-FLUX-DOUBLON');
  expect(xml).toContain(number);
}, 60000);
