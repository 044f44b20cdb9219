/** makeTestPki end to end (its openssl command signs, verifySignature accepts) and the certificate registry. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SIGNATURE_CODES } from '../src/codes/signature.ts';
import { CertificateRegistry } from '../src/signature/registry.ts';
import { loadTrustMaterial } from '../src/signature/trust.ts';
import { makeTestPki } from '../src/signature/test-pki.ts';
import { verifySignature } from '../src/signature/verify.ts';

const INVOICE = path.resolve('test/corpus/valid/ubl/cen-ubl-tc434-example1.xml');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'passerelle-pki-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('makeTestPki', () => {
  for (const keyType of ['rsa', 'rsa-pss', 'ecdsa'] as const) {
    it(`${keyType}: its signCommand signs a flow that verifySignature accepts, detached and enveloped`, async () => {
      const folder = path.join(dir, keyType);
      const pki = makeTestPki(folder, { partner: 'ABC123', keyType });
      for (const f of [pki.caCert, pki.cert, pki.key]) expect(existsSync(f)).toBe(true);
      // openssl itself agrees the partner certificate chains to the CA.
      expect(execFileSync('openssl', ['verify', '-CAfile', pki.caCert, pki.cert]).toString()).toContain(': OK');
      const flow = path.join(folder, 'facture.xml');
      copyFileSync(INVOICE, flow);
      execFileSync('sh', ['-c', pki.signCommand], { env: { ...process.env, FLOW: flow } });
      const trust = {
        registeredCertificates: [readFileSync(pki.cert, 'utf8')],
        trustAnchors: [readFileSync(pki.caCert, 'utf8')],
      };
      const content = readFileSync(flow);
      const detached = await verifySignature(
        { content, detached: readFileSync(`${flow}.p7s`), receivedAt: new Date() },
        trust,
      );
      expect(detached.findings).toEqual([]);
      expect(detached.signer?.subject).toContain('ABC123');
      expect(detached.algorithm).toBe(
        { rsa: 'RSA/SHA-256', 'rsa-pss': 'RSA-PSS/SHA-256', ecdsa: 'ECDSA/SHA-256' }[keyType],
      );
      const enveloped = await verifySignature(
        { enveloped: readFileSync(`${flow}.p7m`), receivedAt: new Date() },
        trust,
      );
      expect(enveloped.ok).toBe(true);
      expect(enveloped.content!.equals(content)).toBe(true);
      // openssl verifies the same detached signature against the same CA.
      execFileSync(
        'openssl',
        [
          'cms',
          '-verify',
          '-binary',
          '-inform',
          'DER',
          '-in',
          `${flow}.p7s`,
          '-content',
          flow,
          '-CAfile',
          pki.caCert,
          '-out',
          '/dev/null',
        ],
        { stdio: 'pipe' },
      );
    });
  }

  it('refuses a partner code that is not one', () => {
    expect(() => makeTestPki(path.join(dir, 'bad'), { partner: '../x' })).toThrow(/partenaire/);
  });
});

describe('CertificateRegistry', () => {
  it('adds, lists, gives the PEMs of and removes a partner certificate', async () => {
    const pki = makeTestPki(path.join(dir, 'reg'), { partner: 'REG001', keyType: 'ecdsa' });
    const registry = new CertificateRegistry(path.join(dir, 'registry'));
    expect(registry.list('REG001')).toEqual([]);
    const added = registry.add('REG001', readFileSync(pki.cert, 'utf8'));
    expect(added.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(added.subject).toContain('CN=Partenaire REG001');
    expect(readdirSync(path.join(dir, 'registry', 'REG001'))).toEqual([`${added.fingerprint}.pem`]);
    // Adding the same certificate again is idempotent.
    registry.add('REG001', readFileSync(pki.cert, 'utf8'));
    const listed = registry.list('REG001');
    expect(listed).toHaveLength(1);
    expect(listed[0]!.fingerprint).toBe(added.fingerprint);
    expect(listed[0]!.notAfter.getTime()).toBe(added.notAfter.getTime());
    expect(listed[0]!.notBefore.getTime()).toBeLessThan(Date.now());
    expect(listed[0]!.serial).toMatch(/^[0-9A-F]+$/);
    expect(registry.list('OTHER1')).toEqual([]);

    // The registry's PEMs are what verification takes as registered certificates.
    const flow = path.join(dir, 'reg', 'f.xml');
    copyFileSync(INVOICE, flow);
    execFileSync('sh', ['-c', pki.signCommand.split('\n')[0]!], { env: { ...process.env, FLOW: flow } });
    const trust = { registeredCertificates: registry.pems('REG001'), trustAnchors: [readFileSync(pki.caCert, 'utf8')] };
    const ok = await verifySignature(
      { content: readFileSync(flow), detached: readFileSync(`${flow}.p7s`), receivedAt: new Date() },
      trust,
    );
    expect(ok.findings).toEqual([]);

    expect(registry.remove('REG001', 'ab'.repeat(32))).toBe(false);
    expect(registry.remove('REG001', added.fingerprint.toUpperCase().replace(/(..)(?!$)/g, '$1:'))).toBe(true);
    expect(registry.list('REG001')).toEqual([]);
    expect(registry.remove('REG001', added.fingerprint)).toBe(false);
    const after = await verifySignature(
      { content: readFileSync(flow), detached: readFileSync(`${flow}.p7s`), receivedAt: new Date() },
      { ...trust, registeredCertificates: registry.pems('REG001') },
    );
    expect(after.findings.map((f) => f.code)).toEqual(['SIG-SIGNER-UNKNOWN']);
  });

  it('rejects texts without exactly one certificate and partner codes that could escape the folder', () => {
    const pki = makeTestPki(path.join(dir, 'reg2'), { partner: 'REG002' });
    const registry = new CertificateRegistry(path.join(dir, 'registry'));
    expect(() => registry.add('REG002', 'hello')).toThrow(/aucun certificat/);
    expect(() => registry.add('REG002', readFileSync(pki.cert, 'utf8') + readFileSync(pki.caCert, 'utf8'))).toThrow(
      /2 certificats/,
    );
    expect(() => registry.add('../etc', readFileSync(pki.cert, 'utf8'))).toThrow(/partenaire/);
    expect(() => registry.list('a/b')).toThrow(/partenaire/);
  });
});

describe('loadTrustMaterial', () => {
  it('reads anchors and CRLs from trustDir, a partner bundle instead of its anchors, certificate files and the registry', async () => {
    const pki = makeTestPki(path.join(dir, 'trust-a'), { partner: 'TRU001', keyType: 'ecdsa' });
    const other = makeTestPki(path.join(dir, 'trust-b'), { partner: 'TRU002', keyType: 'ecdsa' });
    const trustDir = path.join(dir, 'trust-dir');
    mkdirSync(trustDir, { recursive: true });
    copyFileSync(pki.caCert, path.join(trustDir, 'partenaires-ca.pem'));
    writeFileSync(path.join(trustDir, 'broken.crl'), 'not a CRL');
    const flow = path.join(dir, 'trust-a', 'f.xml');
    copyFileSync(INVOICE, flow);
    execFileSync('sh', ['-c', pki.signCommand.split('\n')[0]!], { env: { ...process.env, FLOW: flow } });
    const input = { content: readFileSync(flow), detached: readFileSync(`${flow}.p7s`), receivedAt: new Date() };

    const fromFiles = loadTrustMaterial({ trustDir, certificateFiles: [pki.cert] });
    expect(fromFiles.trustAnchors).toHaveLength(1);
    expect(fromFiles.crls).toHaveLength(1);
    const r = await verifySignature(input, fromFiles);
    expect(r.ok).toBe(true);
    expect(r.findings.map((f) => f.code)).toEqual(['SIG-CRL-UNUSABLE']);

    const registry = new CertificateRegistry(path.join(dir, 'trust-registry'));
    registry.add('TRU001', readFileSync(pki.cert, 'utf8'));
    const viaRegistry = loadTrustMaterial({ trustDir, registry: { registry, partner: 'TRU001' } });
    expect((await verifySignature(input, viaRegistry)).ok).toBe(true);

    // A partner bundle replaces the shared anchors: this one does not hold the signer's CA.
    const bundle = loadTrustMaterial({ trustDir, partnerAnchors: other.caCert, certificateFiles: [pki.cert] });
    expect((await verifySignature(input, bundle)).findings.map((f) => f.code)).toEqual([
      'SIG-CHAIN-UNTRUSTED',
      'SIG-CRL-UNUSABLE',
    ]);
    expect(loadTrustMaterial({ trustDir: path.join(dir, 'absent') })).toEqual({
      registeredCertificates: [],
      trustAnchors: [],
      crls: [],
    });
  });
});

describe('docs/signatures.md', () => {
  it('documents every SIGNATURE code with its French label', () => {
    const doc = readFileSync(path.resolve('docs/signatures.md'), 'utf8');
    for (const [code, label] of Object.entries(SIGNATURE_CODES)) {
      const row = new RegExp(`\\|\\s*\`${code}\`\\s*\\|`);
      expect([code, row.test(doc), doc.includes(label.labelFr)]).toEqual([code, true, true]);
    }
  });
});
