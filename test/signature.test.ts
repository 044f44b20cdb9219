/**
 * CMS signature verification against a test PKI built here with the real `openssl` (CA, partner
 * certificates with RSA, RSA-PSS and ECDSA P-256 keys, odd dates through `openssl ca -startdate/-enddate`,
 * a second untrusted CA, a CRL), signing real corpus invoices with `openssl cms -sign`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from '../src/signature/der.ts';
import { signaturePolicyFindings } from '../src/signature/policy.ts';
import { looksLikeCms, verifySignature, type SignatureInput, type TrustMaterial } from '../src/signature/verify.ts';

const CORPUS = path.resolve('test/corpus/valid/ubl');
const INVOICES = [
  'cen-guide-example1.xml',
  'peppol-base-example.xml',
  'cen-Invoice-Max_content.xml',
  'kosit-01.01a-INVOICE_ubl.xml',
];

let dir: string;

function openssl(...args: string[]): Buffer {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

function read(name: string): Buffer {
  return readFileSync(path.join(dir, name));
}

function pem(name: string): string {
  return readFileSync(path.join(dir, name), 'utf8');
}

function opensslDate(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

type KeyKind = 'rsa' | 'rsa-pss' | 'ec';

function genKey(name: string, kind: KeyKind): void {
  const args: Record<KeyKind, string[]> = {
    rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    'rsa-pss': ['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'],
    ec: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  };
  openssl('genpkey', ...args[kind], '-out', `${name}.key`);
}

const CA_CONFIG = (caDir: string): string => `
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${caDir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 30
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
[ dn ]
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf_encipher_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
`;

/** A CA in its own folder, managed by `openssl ca`. */
function makeCa(name: string, cn: string): void {
  const caDir = path.join(dir, name);
  mkdirSync(path.join(caDir, 'newcerts'), { recursive: true });
  writeFileSync(path.join(caDir, 'index.txt'), '');
  writeFileSync(path.join(caDir, 'serial'), '1000\n');
  writeFileSync(path.join(caDir, 'crlnumber'), '01\n');
  writeFileSync(path.join(caDir, 'openssl.cnf'), CA_CONFIG(caDir));
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${name}/ca.key`);
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}/ca.key`,
    '-subj',
    `/CN=${cn}/O=Passerelle tests`,
    '-days',
    '3650',
    '-config',
    `${name}/openssl.cnf`,
    '-extensions',
    'v3_ca',
    '-out',
    `${name}/ca.pem`,
  );
}

/** A certificate `<name>.pem` / `<name>.key` issued by `ca` with explicit dates. */
function issue(
  ca: string,
  name: string,
  kind: KeyKind,
  opts: { start?: Date; end?: Date; ext?: string; key?: string } = {},
): void {
  const now = Date.now();
  if (!opts.key) genKey(name, kind);
  const key = opts.key ?? `${name}.key`;
  openssl(
    'req',
    '-new',
    '-key',
    key,
    '-subj',
    `/CN=${name}/O=TEST01`,
    '-config',
    `${ca}/openssl.cnf`,
    '-out',
    `${name}.csr`,
  );
  openssl(
    'ca',
    '-batch',
    '-notext',
    '-config',
    `${ca}/openssl.cnf`,
    '-extensions',
    opts.ext ?? 'leaf',
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.pem`,
    '-startdate',
    opensslDate(opts.start ?? new Date(now - 86_400_000)),
    '-enddate',
    opensslDate(opts.end ?? new Date(now + 365 * 86_400_000)),
  );
}

interface Signed {
  p7s: Buffer;
  p7m: Buffer;
}

/** Signs `invoice` as `name` (detached and enveloped) with `openssl cms -sign -binary`. */
function sign(name: string, invoice: string, extra: string[] = [], outform: 'DER' | 'PEM' = 'DER'): Signed {
  const base = [
    'cms',
    '-sign',
    '-binary',
    '-in',
    path.join(CORPUS, invoice),
    '-signer',
    `${name}.pem`,
    '-inkey',
    `${name}.key`,
    '-outform',
    outform,
    ...extra,
  ];
  openssl(...base, '-out', 'out.p7s');
  openssl(...base, '-nodetach', '-out', 'out.p7m');
  return { p7s: read('out.p7s'), p7m: read('out.p7m') };
}

function trustFor(...registered: string[]): TrustMaterial {
  return { registeredCertificates: registered.map((r) => pem(`${r}.pem`)), trustAnchors: [pem('ca1/ca.pem')] };
}

async function codes(
  input: Omit<SignatureInput, 'receivedAt'> & { receivedAt?: Date },
  trust: TrustMaterial,
): Promise<string[]> {
  const r = await verifySignature({ receivedAt: new Date(), ...input }, trust);
  expect(r.ok).toBe(r.findings.every((f) => f.severity !== 'fatal'));
  for (const f of r.findings) {
    expect(f.nature).toBe('SIGNATURE');
    expect(f.labelFr.length).toBeGreaterThan(5);
  }
  return r.findings.map((f) => f.code);
}

function invoice(name: string): Buffer {
  return readFileSync(path.join(CORPUS, name));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'passerelle-sig-'));
  const day = 86_400_000;
  const now = Date.now();
  makeCa('ca1', 'Passerelle Test CA');
  makeCa('ca2', 'Untrusted CA');
  issue('ca1', 'rsa', 'rsa');
  issue('ca1', 'pss', 'rsa-pss');
  issue('ca1', 'ec', 'ec');
  issue('ca1', 'expired', 'ec', { start: new Date('2020-01-01T00:00:00Z'), end: new Date('2021-01-01T00:00:00Z') });
  issue('ca1', 'notyet', 'ec', { start: new Date(now + 365 * day), end: new Date(now + 730 * day) });
  issue('ca1', 'revoked', 'ec');
  issue('ca1', 'other', 'ec');
  issue('ca1', 'encipher', 'rsa', { ext: 'leaf_encipher_only' });
  issue('ca2', 'untrusted', 'ec');
  openssl('ca', '-batch', '-config', 'ca1/openssl.cnf', '-revoke', 'revoked.pem');
  openssl('ca', '-batch', '-config', 'ca1/openssl.cnf', '-gencrl', '-out', 'ca1.crl.pem');
  openssl('crl', '-in', 'ca1.crl.pem', '-outform', 'DER', '-out', 'ca1.crl.der');
  // An impostor: same CA, same serial as `rsa`, another key (a CA database rewound to that serial).
  const serial = openssl('x509', '-in', 'rsa.pem', '-noout', '-serial').toString().trim().split('=')[1]!;
  writeFileSync(path.join(dir, 'ca1/serial'), `${serial}\n`);
  writeFileSync(path.join(dir, 'ca1/index.txt'), '');
  issue('ca1', 'impostor', 'rsa');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('valid signatures are accepted', () => {
  const cases: Array<{ signer: string; extra: string[]; algorithm: string }> = [
    { signer: 'rsa', extra: [], algorithm: 'RSA/SHA-256' },
    { signer: 'rsa', extra: ['-md', 'sha512'], algorithm: 'RSA/SHA-512' },
    { signer: 'rsa', extra: ['-keyopt', 'rsa_padding_mode:pss'], algorithm: 'RSA-PSS/SHA-256' },
    { signer: 'pss', extra: ['-keyopt', 'rsa_padding_mode:pss'], algorithm: 'RSA-PSS/SHA-256' },
    { signer: 'ec', extra: [], algorithm: 'ECDSA/SHA-256' },
    { signer: 'ec', extra: ['-md', 'sha384'], algorithm: 'ECDSA/SHA-384' },
  ];
  for (const [i, c] of cases.entries()) {
    const file = INVOICES[i % INVOICES.length]!;
    for (const outform of ['DER', 'PEM'] as const) {
      it(`${c.signer} ${c.extra.join(' ') || 'default'} ${outform}, detached and enveloped, over ${file}`, async () => {
        const content = invoice(file);
        const s = sign(c.signer, file, c.extra, outform);
        expect(looksLikeCms(s.p7s)).toBe(true);
        const trust = trustFor(c.signer);
        const detached = await verifySignature({ content, detached: s.p7s, receivedAt: new Date() }, trust);
        expect(detached.findings).toEqual([]);
        expect(detached.ok).toBe(true);
        expect(detached.algorithm).toBe(c.algorithm);
        expect(detached.signer?.subject).toBe(`CN=${c.signer}, O=TEST01`);
        expect(detached.signingTime!.getTime()).toBeGreaterThan(Date.now() - 120_000);
        const enveloped = await verifySignature({ enveloped: s.p7m, receivedAt: new Date() }, trust);
        expect(enveloped.findings).toEqual([]);
        expect(enveloped.ok).toBe(true);
        expect(enveloped.content!.equals(content)).toBe(true);
      });
    }
  }

  it('accepts BER indefinite-length output (-stream), a SubjectKeyIdentifier signer id, no signed attributes, no embedded certificate', async () => {
    const file = INVOICES[1]!;
    const content = invoice(file);
    for (const extra of [['-stream'], ['-keyid'], ['-noattr'], ['-nocerts']]) {
      const s = sign('ec', file, extra);
      const trust = trustFor('ec');
      const d = await verifySignature({ content, detached: s.p7s, receivedAt: new Date() }, trust);
      expect([extra[0], d.findings]).toEqual([extra[0], []]);
      const e = await verifySignature({ enveloped: s.p7m, receivedAt: new Date() }, trust);
      expect([extra[0], e.findings]).toEqual([extra[0], []]);
      expect(e.content!.equals(content)).toBe(true);
    }
    // Several registered certificates: the signer only has to be one of them.
    const s = sign('rsa', file);
    expect(await codes({ content, detached: s.p7s }, trustFor('ec', 'other', 'rsa'))).toEqual([]);
  });

  it('accepts a good certificate when a CRL revoking another one is configured (PEM and DER CRLs)', async () => {
    const s = sign('ec', INVOICES[0]!);
    const trust = { ...trustFor('ec'), crls: [read('ca1.crl.pem'), read('ca1.crl.der')] };
    expect(await codes({ content: invoice(INVOICES[0]!), detached: s.p7s }, trust)).toEqual([]);
  });
});

describe('each failure has its own code', () => {
  const file = INVOICES[0]!;

  it('tampered content → SIG-DIGEST-MISMATCH, with the subject and serial in the detail', async () => {
    const s = sign('rsa', file);
    const tampered = Buffer.from(invoice(file).toString('utf8').replace('</cbc:ID>', '1</cbc:ID>'));
    const r = await verifySignature({ content: tampered, detached: s.p7s, receivedAt: new Date() }, trustFor('rsa'));
    expect(r.findings.map((f) => f.code)).toEqual(['SIG-DIGEST-MISMATCH']);
    const serial = openssl('x509', '-in', 'rsa.pem', '-noout', '-serial').toString().trim().split('=')[1]!;
    expect(r.findings[0]!.detail).toContain('CN=rsa');
    expect(r.findings[0]!.detail).toContain(serial);
    // Without signed attributes the signature is over the content itself.
    const noattr = sign('rsa', file, ['-noattr']);
    expect(await codes({ content: tampered, detached: noattr.p7s }, trustFor('rsa'))).toEqual(['SIG-BAD-SIGNATURE']);
  });

  it('altered signature value → SIG-BAD-SIGNATURE', async () => {
    const s = sign('rsa', file);
    // DER SignerInfo ends with the signature OCTET STRING when there are no unsigned attributes.
    const broken = Buffer.from(s.p7s);
    broken[broken.length - 1] = broken[broken.length - 1]! ^ 0x01;
    expect(await codes({ content: invoice(file), detached: broken }, trustFor('rsa'))).toEqual(['SIG-BAD-SIGNATURE']);
  });

  it('wrong key: an impostor certificate with the registered issuer and serial → SIG-BAD-SIGNATURE, or SIG-SIGNER-UNKNOWN when it is carried', async () => {
    const content = invoice(file);
    const withoutCert = sign('impostor', file, ['-nocerts']);
    expect(await codes({ content, detached: withoutCert.p7s }, trustFor('rsa'))).toEqual(['SIG-BAD-SIGNATURE']);
    const withCert = sign('impostor', file);
    expect(await codes({ content, detached: withCert.p7s }, trustFor('rsa'))).toEqual(['SIG-SIGNER-UNKNOWN']);
  });

  it('expired and not yet valid certificates', async () => {
    const content = invoice(file);
    expect(await codes({ content, detached: sign('expired', file).p7s }, trustFor('expired'))).toEqual([
      'SIG-CERT-EXPIRED',
    ]);
    expect(await codes({ content, detached: sign('notyet', file).p7s }, trustFor('notyet'))).toEqual([
      'SIG-CERT-NOT-YET-VALID',
    ]);
    // Without a signingTime attribute the reception time decides.
    const noattr = sign('rsa', file, ['-noattr']);
    expect(await codes({ content, detached: sign('notyet', file, ['-noattr']).p7s }, trustFor('notyet'))).toEqual([
      'SIG-CERT-NOT-YET-VALID',
    ]);
    // Before the CA itself was valid, the chain fails too.
    expect(
      await codes({ content, detached: noattr.p7s, receivedAt: new Date('2019-06-01T00:00:00Z') }, trustFor('rsa')),
    ).toEqual(['SIG-CERT-NOT-YET-VALID', 'SIG-CHAIN-NOT-YET-VALID']);
    expect(
      await codes(
        { content, detached: noattr.p7s, receivedAt: new Date(Date.now() + 400 * 86_400_000) },
        trustFor('rsa'),
      ),
    ).toEqual(['SIG-CERT-EXPIRED']);
  });

  it('certificate from an untrusted CA → SIG-CHAIN-UNTRUSTED', async () => {
    const r = await verifySignature(
      { content: invoice(file), detached: sign('untrusted', file).p7s, receivedAt: new Date() },
      trustFor('untrusted'),
    );
    expect(r.findings.map((f) => f.code)).toEqual(['SIG-CHAIN-UNTRUSTED']);
    expect(r.findings[0]!.detail).toContain('CN=untrusted');
    // The same signature is fine once its CA is an anchor.
    const trust = { ...trustFor('untrusted'), trustAnchors: [pem('ca1/ca.pem') + pem('ca2/ca.pem')] };
    expect(await codes({ content: invoice(file), detached: sign('untrusted', file).p7s }, trust)).toEqual([]);
  });

  it('valid certificate not registered for the partner → SIG-SIGNER-UNKNOWN', async () => {
    expect(await codes({ content: invoice(file), detached: sign('other', file).p7s }, trustFor('rsa', 'ec'))).toEqual([
      'SIG-SIGNER-UNKNOWN',
    ]);
    // Not carried and not registered: the signer cannot even be found.
    expect(
      await codes({ content: invoice(file), detached: sign('other', file, ['-nocerts']).p7s }, trustFor('rsa')),
    ).toEqual(['SIG-SIGNER-UNKNOWN']);
  });

  it('revoked certificate → SIG-CERT-REVOKED (PEM or DER CRL); an unreadable CRL is a warning', async () => {
    const s = sign('revoked', file);
    const content = invoice(file);
    expect(await codes({ content, detached: s.p7s }, { ...trustFor('revoked'), crls: [read('ca1.crl.pem')] })).toEqual([
      'SIG-CERT-REVOKED',
    ]);
    expect(await codes({ content, detached: s.p7s }, { ...trustFor('revoked'), crls: [read('ca1.crl.der')] })).toEqual([
      'SIG-CERT-REVOKED',
    ]);
    expect(await codes({ content, detached: s.p7s }, trustFor('revoked'))).toEqual([]);
    const r = await verifySignature(
      { content, detached: sign('ec', file).p7s, receivedAt: new Date() },
      { ...trustFor('ec'), crls: [Buffer.from('not a crl')] },
    );
    expect(r.ok).toBe(true);
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['SIG-CRL-UNUSABLE', 'warning']]);
  });

  it('certificate without digitalSignature/nonRepudiation → SIG-KEY-USAGE', async () => {
    expect(await codes({ content: invoice(file), detached: sign('encipher', file).p7s }, trustFor('encipher'))).toEqual(
      ['SIG-KEY-USAGE'],
    );
  });

  it('garbage, truncated or non-CMS .p7s → SIG-CMS-MALFORMED, never an exception', async () => {
    const content = invoice(file);
    const good = sign('rsa', file).p7s;
    const garbage = [
      Buffer.from('this is not a signature'),
      Buffer.alloc(0),
      good.subarray(0, good.length - 40),
      Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x06]),
      Buffer.from('-----BEGIN PKCS7-----\n!!!!\n-----END PKCS7-----\n'),
      content,
      read('rsa.pem'),
    ];
    for (const g of garbage) {
      expect(await codes({ content, detached: g }, trustFor('rsa'))).toEqual(['SIG-CMS-MALFORMED']);
      expect(await codes({ enveloped: g }, trustFor('rsa'))).toEqual(['SIG-CMS-MALFORMED']);
    }
    expect(looksLikeCms(garbage[0]!)).toBe(false);
    expect(looksLikeCms(content)).toBe(false);
  });

  it('flipped bits: never an exception; always rejected inside the SignerInfo (signed attributes, signature)', async () => {
    const content = invoice(file);
    const good = sign('ec', file).p7s;
    const trust = trustFor('ec');
    // The SignerInfos SET is the last child of SignedData; its bytes are what the signature protects.
    const signedData = parse(good).children[1]!.children[0]!;
    const signerInfos = signedData.children[signedData.children.length - 1]!;
    const from = signerInfos.raw.byteOffset - good.byteOffset;
    let rejected = 0;
    for (let i = 0; i < good.length; i += 2) {
      const b = Buffer.from(good);
      b[i] = b[i]! ^ (i % 4 ? 0x01 : 0x80);
      const r = await verifySignature({ content, detached: b, receivedAt: new Date() }, trust);
      for (const f of r.findings) expect(f.detail ?? '').not.toContain('erreur inattendue');
      if (i >= from) expect([i, r.ok]).toEqual([i, false]);
      if (!r.ok) rejected++;
    }
    // Outside it only unauthenticated helpers remain (version, digestAlgorithms, the carried certificates,
    // which the registered ones stand in for): most flips there are still caught.
    expect(rejected).toBeGreaterThan(good.length / 4);
  });

  it('signature without the content it signs → SIG-NO-CONTENT', async () => {
    const s = sign('rsa', file);
    expect(await codes({ detached: s.p7s }, trustFor('rsa'))).toEqual(['SIG-NO-CONTENT']);
    expect(await codes({ enveloped: s.p7s }, trustFor('rsa'))).toEqual(['SIG-NO-CONTENT']);
  });

  it('SHA-1 digest → SIG-ALGO-UNSUPPORTED', async () => {
    const s = sign('rsa', file, ['-md', 'sha1']);
    expect(await codes({ content: invoice(file), detached: s.p7s }, trustFor('rsa'))).toEqual(['SIG-ALGO-UNSUPPORTED']);
  });

  it('missing signature on a declared-signed flow → SIG-MISSING; the declaration table', async () => {
    expect(await codes({ content: invoice(file) }, trustFor('rsa'))).toEqual(['SIG-MISSING']);
    const table: Array<[boolean, boolean, boolean, string[]]> = [
      [true, true, false, ['SIG-MISSING']],
      [true, false, false, ['SIG-MISSING']],
      [true, true, true, []],
      [true, false, true, []],
      [false, true, true, ['SIG-UNDECLARED']],
      [false, false, true, []],
      [false, true, false, []],
      [false, false, false, []],
    ];
    for (const [declaredSigned, partnerSigns, hasSignature, expected] of table) {
      const got = signaturePolicyFindings({ declaredSigned, partnerSigns, hasSignature });
      expect([declaredSigned, partnerSigns, hasSignature, got.map((f) => f.code)]).toEqual([
        declaredSigned,
        partnerSigns,
        hasSignature,
        expected,
      ]);
      for (const f of got) expect(f.nature).toBe('SIGNATURE');
    }
  });
});
