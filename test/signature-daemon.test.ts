/**
 * Signed deposits through the real daemon: a partner that signs, a test PKI made here, flows signed
 * with openssl (detached .p7s next to the flow, enveloped .p7m), and the comptes-rendus that result.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mailboxPaths } from '../src/store/mailboxes.ts';
import { listFlows } from '../src/store/flows.ts';
import { certificateRegistry } from '../src/pipeline/signature-trust.ts';
import { makeTestPki } from '../src/signature/test-pki.ts';
import SftpClient from 'ssh2-sftp-client';
import { assertValidAgainst, readCppStatut } from './helpers/compte-rendu.ts';
import { CORPUS, cleanup, freePort, postgresAvailable, startDaemon, tempDir, testConfig } from './helpers/env.ts';

let dataDir: string;
let handle: Awaited<ReturnType<typeof startDaemon>> | undefined;
let pki: ReturnType<typeof makeTestPki>;
let stranger: ReturnType<typeof makeTestPki>;
let sftpPort: number;
const SFTP_PASSWORD = 'Signature-Test-2026!';
const invoice = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'));

function sign(file: string, signer: ReturnType<typeof makeTestPki>, enveloped: boolean): string {
  const out = `${file}.${enveloped ? 'p7m' : 'p7s'}`;
  const args = [
    'cms',
    '-sign',
    '-binary',
    '-md',
    'sha256',
    '-in',
    file,
    '-signer',
    signer.cert,
    '-inkey',
    signer.key,
    '-outform',
    'DER',
    '-out',
    out,
  ];
  if (enveloped) args.push('-nodetach');
  execFileSync('openssl', args);
  return out;
}

/** Drops files into the depot the way an EDI client does: signature first, each renamed into place. */
function drop(dir: string, files: Array<{ name: string; bytes: Buffer }>): void {
  for (const f of files) {
    writeFileSync(path.join(dir, `.${f.name}`), f.bytes);
    renameSync(path.join(dir, `.${f.name}`), path.join(dir, f.name));
  }
}

async function reportFor(originalName: string): Promise<ReturnType<typeof readCppStatut>> {
  const retour = mailboxPaths(dataDir, 'SIGN01').retour;
  const deadline = Date.now() + 30000;
  for (;;) {
    const { readdirSync } = await import('node:fs');
    for (const n of readdirSync(retour).filter((x) => x.startsWith('FEN1200A_'))) {
      const xml = readFileSync(path.join(retour, n), 'utf8');
      const r = readCppStatut(xml);
      if (r.originalName === originalName) {
        assertValidAgainst('CPPStatut.xsd', xml);
        return r;
      }
    }
    if (Date.now() > deadline) throw new Error(`no compte-rendu for ${originalName}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The flows recorded under `name` or `name.p7s` (a signature left unpaired would be a flow of its own). */
async function flowsNamed(name: string) {
  const flows = await listFlows(handle!.daemon.store.db, { partner: 'SIGN01', limit: 1000 });
  return flows
    .filter((f) => f.originalName === name || f.originalName === `${name}.p7s`)
    .map((f) => ({ originalName: f.originalName, transport: f.transport, signed: f.signatureSha256 !== null }));
}

describe('signed flows through the daemon', () => {
  beforeAll(async () => {
    dataDir = tempDir();
    const trustDir = path.join(dataDir, 'trust');
    mkdirSync(trustDir, { recursive: true });
    pki = makeTestPki(path.join(dataDir, 'pki'), { partner: 'SIGN01', keyType: 'rsa' });
    stranger = makeTestPki(path.join(dataDir, 'pki-stranger'), { partner: 'SIGN01', keyType: 'ecdsa' });
    copyFileSync(pki.caCert, path.join(trustDir, 'ca.pem'));
    sftpPort = await freePort();
    const config = testConfig(dataDir, {
      partners: [
        {
          code: 'SIGN01',
          name: 'Partenaire signataire',
          returnSyntax: 'CPPStatut',
          signature: { signed: true },
          sftp: { password: SFTP_PASSWORD },
        },
      ],
      signature: { trustDir, detachedWaitMs: 400 },
      sftp: { port: sftpPort },
    });
    certificateRegistry(dataDir).add('SIGN01', readFileSync(pki.cert, 'utf8'));
    handle = await startDaemon((await postgresAvailable()) ? 'postgres' : 'pglite', config);
  }, 120000);

  afterAll(async () => {
    await handle?.stop();
    cleanup(dataDir);
  });

  it('accepts a flow with a valid detached signature', async () => {
    const work = path.join(dataDir, 'work');
    mkdirSync(work, { recursive: true });
    writeFileSync(path.join(work, 'detached.xml'), invoice);
    const p7s = sign(path.join(work, 'detached.xml'), pki, false);
    const depot = mailboxPaths(dataDir, 'SIGN01').depot;
    drop(depot, [
      { name: 'detached.xml.p7s', bytes: readFileSync(p7s) },
      { name: 'detached.xml', bytes: invoice },
    ]);
    const r = await reportFor('detached.xml');
    expect({ status: r.status, signatureLines: r.lines.filter((l) => l.nature === 'SIGNATURE') }).toEqual({
      status: '90',
      signatureLines: [],
    });
    expect(await flowsNamed('detached.xml')).toEqual([{ originalName: 'detached.xml', transport: 'folder', signed: true }]);
  });

  it('accepts an enveloped .p7m and validates the invoice inside it', async () => {
    const work = path.join(dataDir, 'work');
    const bytes = Buffer.from(invoice.toString('utf8').replace('<cbc:ID>', '<!-- p7m --><cbc:ID>'));
    writeFileSync(path.join(work, 'enveloped.xml'), bytes);
    const p7m = sign(path.join(work, 'enveloped.xml'), pki, true);
    drop(mailboxPaths(dataDir, 'SIGN01').depot, [{ name: 'enveloped.xml.p7m', bytes: readFileSync(p7m) }]);
    const r = await reportFor('enveloped.xml.p7m');
    // The invoice inside was read and checked: its only line is the routing note of a partner without a matelas.
    expect({ status: r.status, codes: r.lines.map((l) => l.code) }).toEqual({
      status: '90',
      codes: ['CPP-ROUTAGE-NON-VERIFIE'],
    });
  });

  it('rejects content changed after signing (digest mismatch)', async () => {
    const work = path.join(dataDir, 'work');
    writeFileSync(path.join(work, 'tampered.xml'), invoice);
    const p7s = sign(path.join(work, 'tampered.xml'), pki, false);
    const tampered = Buffer.from(invoice.toString('utf8').replace('<cbc:ID>', '<!-- changed --><cbc:ID>'));
    drop(mailboxPaths(dataDir, 'SIGN01').depot, [
      { name: 'tampered.xml.p7s', bytes: readFileSync(p7s) },
      { name: 'tampered.xml', bytes: tampered },
    ]);
    const r = await reportFor('tampered.xml');
    expect(r.status).toBe('93');
    expect(r.lines.map((l) => [l.nature, l.code])).toContainEqual(['SIGNATURE', 'SIG-DIGEST-MISMATCH']);
  });

  it('rejects a signature by a certificate from an untrusted CA, not registered for the partner', async () => {
    const work = path.join(dataDir, 'work');
    const bytes = Buffer.from(invoice.toString('utf8').replace('<cbc:ID>', '<!-- stranger --><cbc:ID>'));
    writeFileSync(path.join(work, 'stranger.xml'), bytes);
    const p7s = sign(path.join(work, 'stranger.xml'), stranger, false);
    drop(mailboxPaths(dataDir, 'SIGN01').depot, [
      { name: 'stranger.xml.p7s', bytes: readFileSync(p7s) },
      { name: 'stranger.xml', bytes },
    ]);
    const r = await reportFor('stranger.xml');
    expect(r.status).toBe('93');
    const codes = r.lines.map((l) => l.code);
    expect(codes.some((c) => c === 'SIG-SIGNER-UNKNOWN' || c === 'SIG-CHAIN-UNTRUSTED')).toBe(true);
    expect(r.lines.every((l) => l.nature === 'SIGNATURE')).toBe(true);
  });

  it('rejects an unsigned flow from a partner that declares its flows signed', async () => {
    const bytes = Buffer.from(invoice.toString('utf8').replace('<cbc:ID>', '<!-- unsigned --><cbc:ID>'));
    drop(mailboxPaths(dataDir, 'SIGN01').depot, [{ name: 'unsigned.xml', bytes }]);
    const r = await reportFor('unsigned.xml');
    expect(r.status).toBe('93');
    expect(r.lines.map((l) => [l.nature, l.code])).toEqual([['SIGNATURE', 'SIG-MISSING']]);
    expect(r.lines).toHaveLength(1); // rejected at the signature stage: nothing later ran
  });

  // Paired by the intake (the flow waits signature.detachedWaitMs for its .p7s, or the .p7s for its flow)
  // and recorded as what it is: one flow, come by SFTP, with its signature.
  it.each([
    ['after', 'sftp-signed.xml'],
    ['before', 'sftp-sig-first.xml'],
  ])('pairs a flow uploaded over SFTP with its detached signature uploaded %s it', async (order, name) => {
    const work = path.join(dataDir, 'work');
    const bytes = Buffer.from(invoice.toString('utf8').replace('<cbc:ID>', `<!-- ${name} --><cbc:ID>`));
    writeFileSync(path.join(work, name), bytes);
    const p7s = readFileSync(sign(path.join(work, name), pki, false));
    const uploads: Array<[Buffer, string]> = [
      [bytes, `/depot/${name}`],
      [p7s, `/depot/${name}.p7s`],
    ];
    if (order === 'before') uploads.reverse();
    const client = new SftpClient();
    await client.connect({ host: '127.0.0.1', port: sftpPort, username: 'SIGN01', password: SFTP_PASSWORD });
    try {
      for (const [b, to] of uploads) await client.put(b, to);
    } finally {
      await client.end();
    }
    const r = await reportFor(name);
    expect({ status: r.status, signatureLines: r.lines.filter((l) => l.nature === 'SIGNATURE') }).toEqual({
      status: '90',
      signatureLines: [],
    });
    expect(await flowsNamed(name)).toEqual([{ originalName: name, transport: 'sftp', signed: true }]);
  });

  it('lets a deposit declare itself unsigned in its file name (NONSIGNE_), overriding the partner setting', async () => {
    const bytes = Buffer.from(invoice.toString('utf8').replace('<cbc:ID>', '<!-- nonsigne --><cbc:ID>'));
    drop(mailboxPaths(dataDir, 'SIGN01').depot, [{ name: 'NONSIGNE_facture.xml', bytes }]);
    const r = await reportFor('NONSIGNE_facture.xml');
    expect({ status: r.status, signatureLines: r.lines.filter((l) => l.nature === 'SIGNATURE') }).toEqual({
      status: '90',
      signatureLines: [],
    });
  });
});
