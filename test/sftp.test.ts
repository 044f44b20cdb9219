/**
 * The SFTP endpoint against a real client (ssh2-sftp-client, and raw ssh2 SFTP requests where the
 * client library would tidy a hostile path before sending it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { SFTPWrapper } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { ensureMailbox, mailboxPaths } from '../src/store/mailboxes.ts';
import { generateSshKeyPair } from '../src/gateway/sftp/hostkeys.ts';
import { hashPassword } from '../src/gateway/sftp/password.ts';
import { startTestSftp } from './helpers/sftp.ts';
import type { TestSftp } from './helpers/sftp.ts';

const PASSWORD_A = 'Depot-Flux-2024!';
const PASSWORD_B = 'Autre-Partenaire-99';
const corpusInvoice = path.resolve('test/corpus/valid/ubl/cen-Invoice-Min_content_with_VAT.xml');

interface Harness extends TestSftp {
  keyA: { private: string; public: string };
}

async function startHarness(sftp: Record<string, number> = {}, maxFlowSizeKo = 30000): Promise<Harness> {
  const keyA = await generateSshKeyPair('ed25519');
  const partners = [
    {
      code: 'AAA001',
      sftpPasswordHash: await hashPassword(PASSWORD_A),
      sftpAuthorizedKeys: [`${keyA.public} partner-a@test`],
    },
    { code: 'BBB002', sftpPasswordHash: await hashPassword(PASSWORD_B) },
    { code: 'OFF003', active: false, sftpPasswordHash: await hashPassword(PASSWORD_A) },
  ];
  return { ...(await startTestSftp({ partners, sftp, maxFlowSizeKo })), keyA };
}

const stopHarness = (h: Harness): Promise<void> => h.stop();

async function connect(
  h: Harness,
  auth: { username: string; password?: string; privateKey?: string },
): Promise<SftpClient> {
  const c = new SftpClient();
  await c.connect({ host: '127.0.0.1', port: h.port, retries: 0, readyTimeout: 10000, ...auth });
  // ssh2's client leaves Nagle on: ~40 ms per request otherwise.
  (c as unknown as { client: { setNoDelay(on: boolean): void } }).client.setNoDelay(true);
  return c;
}

/** Raw SFTP request with an unmodified path; resolves to the status code (0 = OK) or the result. */
function raw<T>(
  sftp: SFTPWrapper,
  call: (cb: (err: (Error & { code?: number }) | undefined, res?: T) => void) => void,
): Promise<{ code: number; res?: T; message?: string }> {
  return new Promise((resolve) =>
    call((err, res) => resolve(err ? { code: err.code ?? -1, message: err.message } : { code: 0, res })),
  );
}

function sftpOf(c: SftpClient): SFTPWrapper {
  return (c as unknown as { sftp: SFTPWrapper }).sftp;
}

async function waitFor(cond: () => boolean, ms = 10000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const tempFiles = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('.sftp-')) : [];
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('SFTP endpoint with ssh2-sftp-client', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => stopHarness(h));

  it('publishes an invoice uploaded to /depot to the intake under its name, bytes intact, temp gone', async () => {
    const c = await connect(h, { username: 'AAA001', password: PASSWORD_A });
    const bytes = readFileSync(corpusInvoice);
    await c.put(bytes, '/depot/FSO1100A_facture.xml');
    await c.put(bytes, 'analyse/essai.xml');
    await c.end();
    const claims = h.intake.claims.filter((r) => r.partner === 'AAA001');
    const depot = claims.find((r) => r.originalName === 'FSO1100A_facture.xml')!;
    expect(depot).toMatchObject({ box: 'depot', transport: 'sftp', declaredInterface: 'FSO1100A' });
    expect(readFileSync(depot.storedPath).equals(bytes)).toBe(true);
    const analyse = claims.find((r) => r.originalName === 'essai.xml')!;
    expect(analyse.box).toBe('analyse');
    expect(analyse.declaredInterface).toBeUndefined();
    const mb = mailboxPaths(h.dataDir, 'AAA001');
    expect(tempFiles(mb.depot)).toEqual([]);
    expect(readdirSync(mb.depot)).toEqual([]);
    expect(h.logs.some((l) => l.includes('sftp flow received') && l.includes('"size":' + bytes.length))).toBe(true);
  });

  it('keeps a large pipelined upload intact (offsets honoured)', async () => {
    const c = await connect(h, { username: 'AAA001', privateKey: h.keyA.private });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sftp-big-'));
    const local = path.join(dir, 'big.xml');
    const data = randomBytes(6 * 1024 * 1024 + 123);
    writeFileSync(local, data);
    await c.fastPut(local, '/depot/big.xml', { concurrency: 64, chunkSize: 32768 });
    await c.end();
    const claim = h.intake.claims.find((r) => r.originalName === 'big.xml')!;
    expect(sha(readFileSync(claim.storedPath))).toBe(sha(data));
    rmSync(dir, { recursive: true, force: true });
  });

  it('stages a temporary name and publishes on RENAME (plain and posix-rename)', async () => {
    const c = await connect(h, { username: 'AAA001', password: PASSWORD_A });
    const before = h.intake.claims.length;
    await c.put(Buffer.from('<Invoice/>'), '/depot/lot1.xml.part');
    expect(h.intake.claims.length).toBe(before);
    const listed = (await c.list('/depot')).map((e) => e.name);
    expect(listed).toEqual(['lot1.xml.part']);
    await c.rename('/depot/lot1.xml.part', '/depot/lot1.xml');
    expect(h.intake.claims.length).toBe(before + 1);
    expect(h.intake.claims.at(-1)!.originalName).toBe('lot1.xml');
    await c.put(Buffer.from('<Invoice/>'), '/depot/.lot2.xml');
    // ssh2's client sends posix-rename only to servers that advertise it; ssh2's server cannot advertise.
    (sftpOf(c) as unknown as { _extensions: Record<string, string> })._extensions['posix-rename@openssh.com'] = '1';
    await c.posixRename('/depot/.lot2.xml', '/depot/lot2.xml');
    expect(h.intake.claims.at(-1)!.originalName).toBe('lot2.xml');
    // Renaming into another folder is refused.
    await c.put(Buffer.from('<Invoice/>'), '/depot/lot3.tmp');
    await expect(c.rename('/depot/lot3.tmp', '/analyse/lot3.xml')).rejects.toThrow();
    await c.end();
    // The never-renamed staged file is deleted when the session ends, and never published.
    await waitFor(() => tempFiles(mailboxPaths(h.dataDir, 'AAA001').depot).length === 0);
    expect(h.intake.claims.some((r) => r.originalName.startsWith('lot3'))).toBe(false);
  });

  it('lists retour/ oldest first, downloads, deletes; hides dot-files and symlinks', async () => {
    const mb = mailboxPaths(h.dataDir, 'AAA001');
    const now = Date.now() / 1000;
    const names = ['CR-c.xml', 'CR-a.xml', 'CR-b.xml'];
    names.forEach((n, i) => {
      writeFileSync(path.join(mb.retour, n), `<CPPStatut n="${n}"/>`);
      utimesSync(path.join(mb.retour, n), now - 1000 + i * 100, now - 1000 + i * 100);
    });
    writeFileSync(path.join(mb.retour, '.writing.xml'), 'partial');
    const secret = path.join(h.dataDir, 'secret.txt');
    writeFileSync(secret, 'host secret');
    symlinkSync(secret, path.join(mb.retour, 'link.xml'));
    symlinkSync('/etc', path.join(mb.retour, 'etc'));
    const c = await connect(h, { username: 'AAA001', password: PASSWORD_A });
    expect((await c.list('/retour')).map((e) => e.name)).toEqual(names);
    expect(((await c.get('/retour/CR-a.xml')) as Buffer).toString()).toBe('<CPPStatut n="CR-a.xml"/>');
    await expect(c.get('/retour/link.xml')).rejects.toThrow();
    await expect(c.get('/retour/.writing.xml')).rejects.toThrow();
    await expect(c.get('/retour/etc/passwd')).rejects.toThrow();
    await expect(c.delete('/retour/link.xml')).rejects.toThrow();
    await c.delete('/retour/CR-a.xml');
    expect(existsSync(path.join(mb.retour, 'CR-a.xml'))).toBe(false);
    expect(readFileSync(secret, 'utf8')).toBe('host secret');
    // Deposits can be neither read back nor deleted, nor can anything be written to retour/.
    await expect(c.get('/depot/FSO1100A_facture.xml')).rejects.toThrow();
    await expect(c.delete('/depot/FSO1100A_facture.xml')).rejects.toThrow();
    await expect(c.put(Buffer.from('x'), '/retour/forged.xml')).rejects.toThrow();
    await expect(c.mkdir('/depot/sub')).rejects.toThrow();
    await expect(c.rmdir('/retour')).rejects.toThrow();
    expect((await c.list('/')).map((e) => e.name).sort()).toEqual(['analyse', 'depot', 'retour']);
    await c.end();
    expect(h.logs.some((l) => l.includes('sftp return flow downloaded') && l.includes('CR-a.xml'))).toBe(true);
    expect(h.logs.some((l) => l.includes('sftp return flow removed'))).toBe(true);
  });

  it('keeps two partners apart', async () => {
    writeFileSync(path.join(mailboxPaths(h.dataDir, 'AAA001').retour, 'CR-only-a.xml'), 'a');
    const b = await connect(h, { username: 'BBB002', password: PASSWORD_B });
    expect((await b.list('/retour')).map((e) => e.name)).toEqual([]);
    await expect(b.get('/retour/CR-only-a.xml')).rejects.toThrow();
    await expect(b.get('/../AAA001/retour/CR-only-a.xml')).rejects.toThrow();
    await b.put(Buffer.from('<b/>'), '/depot/from-b.xml');
    await b.end();
    expect(h.intake.claims.at(-1)).toMatchObject({ partner: 'BBB002', originalName: 'from-b.xml' });
    expect(existsSync(path.join(mailboxPaths(h.dataDir, 'AAA001').retour, 'CR-only-a.xml'))).toBe(true);
  });

  it('refuses every path escape', async () => {
    const mb = mailboxPaths(h.dataDir, 'AAA001');
    writeFileSync(path.join(ensureMailbox(h.dataDir, 'BBB002').retour, 'CR-b.xml'), 'b secret');
    const c = await connect(h, { username: 'AAA001', password: PASSWORD_A });
    const sftp = sftpOf(c);
    const reads = [
      '../BBB002/retour/CR-b.xml',
      '/../../etc/passwd',
      '/../../../../../../etc/passwd',
      'depot/../../BBB002/retour/CR-b.xml',
      '/retour/../../BBB002/retour/CR-b.xml',
      '//retour//..//..//BBB002//retour//CR-b.xml',
      '/retour/CR-b.xml\0.xml',
      '\\..\\..\\BBB002\\retour\\CR-b.xml',
      '/retour/..\\..\\BBB002\\retour\\CR-b.xml',
      '/retour/\u202e.xml',
      '/retour/' + 'x'.repeat(300),
      '/etc/passwd',
      path.join(h.dataDir, 'secret.txt'),
      '/retour/link.xml',
      '/retour/etc/passwd',
    ];
    for (const p of reads) {
      const r = await raw<Buffer>(sftp, (cb) => sftp.open(p, 'r', cb));
      const st = await raw(sftp, (cb) => sftp.stat(p, cb));
      // The path is in the expectation so a failure names the escape that worked.
      expect([p, r.code === 0, st.code === 0]).toEqual([p, false, false]);
    }
    // Writes cannot land outside the partner's depot either: chroot-like `..` resolution keeps them in the tree.
    for (const p of [
      '/depot/../../BBB002/depot/x.xml',
      '/../../tmp/evil.xml',
      'depot/sub/x.xml',
      '/depot/a\0b.xml',
      '/depot/..',
    ]) {
      const r = await raw<Buffer>(sftp, (cb) => sftp.open(p, 'w', cb));
      expect(r.code).not.toBe(0);
    }
    expect((await raw(sftp, (cb) => sftp.opendir('/../BBB002/retour', cb))).code).not.toBe(0);
    expect(
      (await raw(sftp, (cb) => sftp.symlink('/etc/passwd', '/retour/p', (e) => cb(e ?? undefined)))).code,
    ).not.toBe(0);
    expect((await raw<string>(sftp, (cb) => sftp.realpath('/../../etc/../..', cb))).res).toBe('/');
    expect((await raw<string>(sftp, (cb) => sftp.realpath('depot/../retour/./x', cb))).res).toBe('/retour/x');
    await c.end();
    expect(existsSync('/tmp/evil.xml')).toBe(false);
    expect(readdirSync(mailboxPaths(h.dataDir, 'BBB002').depot)).toEqual([]);
    expect(tempFiles(mb.depot)).toEqual([]);
  });

  it('refuses a wrong password, an unknown key, an unknown or inactive partner, without logging the password', async () => {
    const stranger = await generateSshKeyPair('ed25519');
    await expect(connect(h, { username: 'AAA001', password: 'Wrong-Password-1' })).rejects.toThrow();
    await expect(connect(h, { username: 'AAA001', privateKey: stranger.private })).rejects.toThrow();
    await expect(connect(h, { username: 'ZZZ999', password: PASSWORD_A })).rejects.toThrow();
    await expect(connect(h, { username: 'OFF003', password: PASSWORD_A })).rejects.toThrow();
    // ECDSA and RSA keys are accepted once listed.
    for (const [type, opts] of [
      ['ecdsa', { bits: 256 }],
      ['rsa', { bits: 2048 }],
    ] as const) {
      const k = ssh2.utils.generateKeyPairSync(type as 'ecdsa', opts as { bits: 256 });
      await h.accounts.addSftpKey('BBB002', k.public);
      const c = await connect(h, { username: 'BBB002', privateKey: k.private });
      expect((await c.list('/')).length).toBe(3);
      await c.end();
    }
    expect(h.logs.some((l) => l.includes('sftp login refused') && l.includes('OFF003'))).toBe(true);
    expect(h.logs.join('\n')).not.toContain('Wrong-Password-1');
    expect(h.logs.join('\n')).not.toContain(PASSWORD_A);
  });

  it('counts logins, bytes and files in the metrics', async () => {
    const text = await h.registry.metrics();
    expect(text).toMatch(/passerelle_sftp_logins_total\{method="password",result="ok"\} [1-9]/);
    expect(text).toMatch(/passerelle_sftp_logins_total\{method="password",result="failed"\} [1-9]/);
    expect(text).toMatch(/passerelle_sftp_logins_total\{method="publickey",result="ok"\} [1-9]/);
    expect(text).toMatch(/passerelle_sftp_files_total\{direction="up"\} [1-9]/);
    expect(text).toMatch(/passerelle_sftp_bytes_total\{direction="down"\} [1-9]/);
    expect(text).toMatch(/passerelle_sftp_sessions_total [1-9]/);
  });

  it('discards an upload whose connection drops before CLOSE', async () => {
    const before = h.intake.claims.length;
    const c = await connect(h, { username: 'AAA001', password: PASSWORD_A });
    const sftp = sftpOf(c);
    const opened = await raw<Buffer>(sftp, (cb) => sftp.open('/depot/cut.xml', 'w', cb));
    for (let i = 0; i < 8; i++)
      await raw(sftp, (cb) =>
        sftp.write(opened.res!, Buffer.alloc(32768, 65), 0, 32768, i * 32768, (e) => cb(e ?? undefined)),
      );
    const depot = mailboxPaths(h.dataDir, 'AAA001').depot;
    expect(tempFiles(depot).length).toBe(1);
    (c as unknown as { client: { _sock: { destroy(): void } } }).client._sock.destroy();
    await waitFor(() => tempFiles(depot).length === 0);
    expect(h.intake.claims.length).toBe(before);
    await waitFor(() => h.logs.some((l) => l.includes('sftp upload interrupted')));
    await c.end().catch(() => undefined);
  });

  it('answers FAILURE and deletes the file when the intake cannot take it', async () => {
    const c = await connect(h, { username: 'AAA001', password: PASSWORD_A });
    h.intake.failWith = new Error('spool full');
    await expect(c.put(Buffer.from('<x/>'), '/depot/refused.xml')).rejects.toThrow(/SFTP-CLAIM-FAILED|Failure/);
    h.intake.failWith = undefined;
    await c.end();
    expect(tempFiles(mailboxPaths(h.dataDir, 'AAA001').depot)).toEqual([]);
  });
});

describe('SFTP defences', () => {
  it('cuts off an over-size upload, claims nothing and leaves no file', async () => {
    const h = await startHarness({}, 64);
    try {
      const c = await connect(h, { username: 'AAA001', password: PASSWORD_A });
      await expect(c.put(randomBytes(200 * 1024), '/depot/huge.xml')).rejects.toThrow();
      await c.put(randomBytes(60 * 1024), '/depot/small.xml');
      await c.end();
      expect(h.intake.claims.map((r) => r.originalName)).toEqual(['small.xml']);
      await waitFor(() => tempFiles(mailboxPaths(h.dataDir, 'AAA001').depot).length === 0);
      expect(h.logs.some((l) => l.includes('sftp upload cut off') && l.includes('SFTP-TOO-LARGE'))).toBe(true);
    } finally {
      await stopHarness(h);
    }
  });

  it('bans an address after repeated failures, even for a right password afterwards', async () => {
    const h = await startHarness({ banAfterFailures: 3, banWindowSeconds: 60, banSeconds: 60, maxAuthAttempts: 2 });
    try {
      await expect(connect(h, { username: 'AAA001', password: 'Bad-Password-001' })).rejects.toThrow();
      await expect(connect(h, { username: 'AAA001', password: 'Bad-Password-002' })).rejects.toThrow();
      await expect(connect(h, { username: 'AAA001', password: 'Bad-Password-003' })).rejects.toThrow();
      await expect(connect(h, { username: 'AAA001', password: PASSWORD_A })).rejects.toThrow();
      expect(h.logs.some((l) => l.includes('sftp connection refused: address banned'))).toBe(true);
      expect(await h.registry.metrics()).toMatch(/passerelle_sftp_refusals_total\{reason="SFTP-BANNED"\} [1-9]/);
    } finally {
      await stopHarness(h);
    }
  });

  it('caps connections per address and closes idle sessions', async () => {
    const h = await startHarness({ maxConnectionsPerAddress: 2, idleTimeoutSeconds: 5 });
    try {
      const a = await connect(h, { username: 'AAA001', password: PASSWORD_A });
      const b = await connect(h, { username: 'AAA001', password: PASSWORD_A });
      await expect(connect(h, { username: 'AAA001', password: PASSWORD_A })).rejects.toThrow();
      await a.end();
      // The slot is free once the server has seen the socket close: poll for it rather than sleep.
      let c: SftpClient | undefined;
      const until = Date.now() + 10000;
      while (!c) {
        c = await connect(h, { username: 'AAA001', password: PASSWORD_A }).catch((e: unknown) => {
          if (Date.now() > until) throw e;
          return undefined;
        });
        if (!c) await new Promise((r) => setTimeout(r, 50));
      }
      await c.end();
      // b stays silent: the idle timeout closes it.
      await waitFor(() => h.logs.some((l) => l.includes('sftp connection closed: idle')), 9000);
      await b.end().catch(() => undefined);
    } finally {
      await stopHarness(h);
    }
  }, 20000);
});
