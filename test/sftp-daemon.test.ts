/**
 * The SFTP endpoint inside the real daemon (PostgreSQL store, real intake and pipeline, HTTP /metrics):
 * ssh2-sftp-client and OpenSSH's `sftp -b` upload corpus invoices to /depot and collect their
 * comptes-rendus from /retour.
 */
import { afterAll, beforeAll, describe, expect, it as jestIt } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { listFlows } from '../src/store/flows.ts';
import { readCppStatut, assertValidAgainst } from './helpers/compte-rendu.ts';
import {
  cleanup,
  CORPUS,
  corpusRows,
  freePort,
  postgresRequired,
  startDaemon,
  tempDir,
  testConfig,
} from './helpers/env.ts';

/** Decided before the tests are declared: without PostgreSQL they are reported as skipped, not passed (CI requires it). */
const postgres = await postgresRequired();
const it = postgres ? jestIt : jestIt.skip;

const PASSWORD = 'Qualif-Test-2026!';
const VALID = path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml');
// Another valid invoice for the OpenSSH upload: the same one again would be a duplicate (rejected).
const VALID_2 = path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example2.xml');
// The first corpus file whose expected outcome is an XSD rejection (93).
const INVALID = path.join(CORPUS, corpusRows().find((r) => r.expected === 'invalid-xsd')!.file);

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
async function poll<T>(probe: () => Promise<T | undefined>, what: string, ms = 60000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('SFTP in the real daemon (PostgreSQL)', () => {
  let dir: string;
  let handle: Awaited<ReturnType<typeof startDaemon>> | undefined;

  beforeAll(async () => {
    dir = tempDir();
    const config = testConfig(dir, {
      sftp: { port: await freePort() },
      http: { port: await freePort() },
      partners: [{ code: 'ABC123', name: 'T', returnSyntax: 'CPPStatut', sftp: { password: PASSWORD } }],
    });
    handle = await startDaemon('postgres', config);
  }, 120000);

  afterAll(async () => {
    await handle?.stop();
    if (dir) cleanup(dir);
  });

  const connect = async (): Promise<SftpClient> => {
    const c = new SftpClient();
    await c.connect({
      host: '127.0.0.1',
      port: handle!.daemon.info!.sftpPort!,
      username: 'ABC123',
      password: PASSWORD,
      retries: 0,
      readyTimeout: 10000,
    });
    return c;
  };

  /** Waits for the compte-rendu of `originalName` in /retour, over SFTP; returns its name and content. */
  const awaitReport = (c: SftpClient, originalName: string): Promise<{ name: string; xml: string }> =>
    poll(async () => {
      for (const e of await c.list('/retour')) {
        if (!e.name.startsWith('FEN1200A_')) continue;
        const xml = ((await c.get(`/retour/${e.name}`)) as Buffer).toString('utf8');
        if (readCppStatut(xml).originalName === originalName) return { name: e.name, xml };
      }
      return undefined;
    }, `the compte-rendu of ${originalName}`);

  it('takes a corpus invoice uploaded to /depot and returns its 90 in /retour, which can be deleted', async () => {
    const c = await connect();
    await c.put(readFileSync(VALID), '/depot/valide.xml');
    const { name, xml } = await awaitReport(c, 'valide.xml');
    assertValidAgainst('CPPStatut.xsd', xml);
    const report = readCppStatut(xml);
    expect(report.status).toBe('90');
    const [flow] = await listFlows(handle!.daemon.store.db, { partner: 'ABC123', limit: 1 });
    expect(flow!.originalName).toBe('valide.xml');
    expect(name).toBe(`FEN1200A_${flow!.flowNumber}.xml`);
    await c.delete(`/retour/${name}`);
    expect((await c.list('/retour')).map((e) => e.name)).not.toContain(name);
    await c.end();
    expect(readdirSync(mailboxPaths(dir, 'ABC123').depot)).toEqual([]);
  }, 90000);

  it('answers an invoice that fails the XSD with a 93', async () => {
    const c = await connect();
    await c.put(readFileSync(INVALID), '/depot/invalide.xml.part');
    await c.rename('/depot/invalide.xml.part', '/depot/invalide.xml');
    const { xml } = await awaitReport(c, 'invalide.xml');
    const report = readCppStatut(xml);
    expect(report.status).toBe('93');
    expect(report.lines.some((l) => l.nature === 'SCHEMA')).toBe(true);
    await c.end();
  }, 90000);

  it('shows the SFTP counters on the daemon /metrics endpoint', async () => {
    const res = await fetch(`http://127.0.0.1:${handle!.daemon.info!.httpPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/passerelle_sftp_logins_total\{method="password",result="ok"\} [1-9]/);
    expect(text).toMatch(/passerelle_sftp_files_total\{direction="up"\} [2-9]/);
    expect(text).toMatch(/passerelle_sftp_files_total\{direction="down"\} [1-9]/);
    expect(text).toMatch(/passerelle_sftp_bytes_total\{direction="up"\} [1-9]/);
    expect(text).toMatch(/passerelle_sftp_sessions_total [1-9]/);
  });

  it('lets OpenSSH sftp -b in with a key added at run time', async () => {
    const key = path.join(dir, 'id_ed25519');
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    await handle!.daemon.accounts().addSftpKey('ABC123', readFileSync(`${key}.pub`, 'utf8').trim());
    const batch = path.join(dir, 'batch');
    writeFileSync(batch, `put ${VALID_2} /depot/openssh.xml\nls /retour\n`);
    const run = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(
        '/usr/bin/sftp',
        [
          '-q',
          '-i',
          key,
          '-o',
          'IdentitiesOnly=yes',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'BatchMode=yes',
          '-P',
          String(handle!.daemon.info!.sftpPort),
          '-b',
          batch,
          'ABC123@127.0.0.1',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('close', (code) => resolve({ code, err }));
    });
    expect(run).toEqual({ code: 0, err: '' });
    const c = await connect();
    const { xml } = await awaitReport(c, 'openssh.xml');
    expect(readCppStatut(xml).status).toBe('90');
    await c.end();
  }, 90000);
});
