/** The SFTP endpoint against OpenSSH's own `sftp` client (batch mode), key and password auth. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensureMailbox, mailboxPaths } from '../src/store/mailboxes.ts';
import { hostKeyFingerprints } from '../src/gateway/sftp/hostkeys.ts';
import { hashPassword } from '../src/gateway/sftp/password.ts';
import { startTestSftp } from './helpers/sftp.ts';
import type { TestSftp } from './helpers/sftp.ts';

const PASSWORD = 'Mot-De-Passe-2024';
const corpusInvoice = path.resolve('test/corpus/valid/cii/akretion-factur-x-en16931.xml');
const haveSftp = existsSync('/usr/bin/sftp') && existsSync('/usr/bin/ssh-keygen');
const d = haveSftp ? describe : describe.skip;

interface Run {
  code: number | null;
  out: string;
}

function sftpArgs(port: number, extra: string[]): string[] {
  return [
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-P',
    String(port),
    ...extra,
  ];
}

function runSftp(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/sftp', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function waitFor(cond: () => boolean, ms = 10000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

d('SFTP endpoint with OpenSSH sftp', () => {
  let h: TestSftp;
  let work: string;
  let key: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'sftp-openssh-'));
    key = path.join(work, 'id_ed25519');
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'edi@partner', '-f', key]);
    h = await startTestSftp({
      partners: [
        {
          code: 'AAA001',
          sftpPasswordHash: await hashPassword(PASSWORD),
          sftpAuthorizedKeys: [readFileSync(`${key}.pub`, 'utf8')],
        },
      ],
      maxFlowSizeKo: 200_000,
    });
  });
  afterAll(async () => {
    await h.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const keyArgs = (): string[] => ['-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'PasswordAuthentication=no'];

  it('shows the same host key fingerprint as ssh-keygen', () => {
    const fromKeygen = execFileSync('/usr/bin/ssh-keygen', [
      '-lf',
      path.join(h.dataDir, 'ssh', 'ssh_host_ed25519_key.pub'),
    ]).toString();
    const ours = hostKeyFingerprints(h.dataDir);
    expect(ours).toHaveLength(2);
    expect(fromKeygen).toContain(ours[0]!.split(' ')[1]!);
    expect(statSync(path.join(h.dataDir, 'ssh', 'ssh_host_rsa_key')).mode & 0o777).toBe(0o600);
  });

  it('puts an invoice to /depot, renames a .part upload, gets and removes a return flow (key auth)', async () => {
    const mb = ensureMailbox(h.dataDir, 'AAA001');
    writeFileSync(path.join(mb.retour, 'CR-001.xml'), '<CPPStatut>ok</CPPStatut>');
    const got = path.join(work, 'CR-001.xml');
    const batch = path.join(work, 'batch1');
    writeFileSync(
      batch,
      [
        `put ${corpusInvoice} /depot/FSO1100A_facture.xml`,
        `put -p ${corpusInvoice} /depot/horodate.xml`,
        `put ${corpusInvoice} /depot/lot.xml.part`,
        'rename /depot/lot.xml.part /depot/lot.xml',
        'ls -l /retour',
        `get /retour/CR-001.xml ${got}`,
        'rm /retour/CR-001.xml',
        '-mkdir /depot/sub',
        '-get /depot/FSO1100A_facture.xml',
        'ls /',
      ].join('\n'),
    );
    const r = await runSftp([...sftpArgs(h.port, keyArgs()), '-b', batch, 'AAA001@127.0.0.1']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('CR-001.xml');
    expect(readFileSync(got, 'utf8')).toBe('<CPPStatut>ok</CPPStatut>');
    expect(existsSync(path.join(mb.retour, 'CR-001.xml'))).toBe(false);
    const names = h.intake.claims.map((c) => c.originalName);
    expect(names).toEqual(['FSO1100A_facture.xml', 'horodate.xml', 'lot.xml']);
    for (const c of h.intake.claims) expect(readFileSync(c.storedPath).equals(readFileSync(corpusInvoice))).toBe(true);
    expect(h.intake.claims[0]!.declaredInterface).toBe('FSO1100A');
    expect(readdirSync(mb.depot)).toEqual([]);
  });

  it('logs in with a password through SSH_ASKPASS and refuses a wrong one', async () => {
    const askpass = (pw: string): string => {
      const f = path.join(work, `askpass-${randomBytes(4).toString('hex')}.sh`);
      writeFileSync(f, `#!/bin/sh\necho '${pw}'\n`);
      chmodSync(f, 0o700);
      return f;
    };
    const batch = path.join(work, 'batch2');
    writeFileSync(batch, `put ${corpusInvoice} /analyse/par-mot-de-passe.xml\n`);
    const args = (pw: string): [string[], NodeJS.ProcessEnv] => [
      [
        ...sftpArgs(h.port, [
          '-o',
          'BatchMode=no',
          '-o',
          'PubkeyAuthentication=no',
          '-o',
          'PreferredAuthentications=password',
          '-o',
          'NumberOfPasswordPrompts=1',
        ]),
        '-b',
        batch,
        'AAA001@127.0.0.1',
      ],
      { ...process.env, SSH_ASKPASS: askpass(pw), SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
    ];
    const ok = await runSftp(...args(PASSWORD));
    expect(ok).toMatchObject({ code: 0 });
    expect(h.intake.claims.at(-1)).toMatchObject({ box: 'analyse', originalName: 'par-mot-de-passe.xml' });
    const before = h.intake.claims.length;
    const bad = await runSftp(...args('Pas-Le-Bon-2024'));
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/Permission denied/);
    expect(h.intake.claims.length).toBe(before);
  });

  it('leaves no flow behind when the client is killed mid-upload', async () => {
    const big = path.join(work, 'big.xml');
    writeFileSync(big, randomBytes(120 * 1024 * 1024));
    const batch = path.join(work, 'batch3');
    writeFileSync(batch, `put ${big} /depot/big.xml\n`);
    const before = h.intake.claims.length;
    const depot = mailboxPaths(h.dataDir, 'AAA001').depot;
    // Own process group, so SIGKILL reaches sftp and the ssh it runs.
    const child = spawn('/usr/bin/sftp', [...sftpArgs(h.port, keyArgs()), '-b', batch, 'AAA001@127.0.0.1'], {
      detached: true,
      stdio: 'ignore',
    });
    const temps = (): string[] => readdirSync(depot).filter((n) => n.startsWith('.sftp-'));
    await waitFor(() => temps().length === 1 && statSync(path.join(depot, temps()[0]!)).size > 1024 * 1024);
    process.kill(-child.pid!, 'SIGKILL');
    await waitFor(() => temps().length === 0);
    expect(h.intake.claims.length).toBe(before);
    expect(readdirSync(depot)).toEqual([]);
    expect(h.logs.some((l) => l.includes('sftp upload interrupted'))).toBe(true);
  }, 30000);
});
