/**
 * Certification paths validated like RFC 5280 §6.1, on PKIs made by the real `openssl`
 * (root → intermediate → partner): basicConstraints cA and pathLenConstraint on issuers, keyCertSign,
 * unrecognised critical extensions, the validity of every certificate at the signing time. Each failure
 * has its own SIG-* code and names the certificate (subject and serial) in its detail.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SIGNATURE_CODES } from '../src/codes/signature.ts';
import { verifySignature, type SignatureResult } from '../src/signature/verify.ts';

const INVOICE = path.resolve('test/corpus/valid/ubl/cen-guide-example1.xml');
const DAY = 86_400_000;
let dir: string;

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

const pem = (file: string): string => readFileSync(path.join(dir, file), 'utf8');

function opensslDate(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

/** One `openssl ca` configuration with every extension profile the cases need. */
const CONFIG = (caDir: string): string => `
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${caDir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
[ dn ]
[ root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ root_pathlen0 ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ inter ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ inter_not_ca ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ inter_no_keycertsign ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ inter_unknown_critical ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:passerelle
[ inter_unknown_noncritical ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
1.3.6.1.4.1.55555.1 = ASN1:UTF8String:passerelle
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf_unknown_critical ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
1.3.6.1.4.1.55555.2 = critical,ASN1:UTF8String:passerelle
`;

function caFolder(name: string): void {
  const caDir = path.join(dir, name);
  mkdirSync(path.join(caDir, 'newcerts'), { recursive: true });
  writeFileSync(path.join(caDir, 'index.txt'), '');
  writeFileSync(path.join(caDir, 'serial'), `${(1000 + Math.floor(Math.random() * 9000)).toString()}\n`);
  writeFileSync(path.join(caDir, 'openssl.cnf'), CONFIG(caDir));
}

/** A self-signed root `<name>/ca.pem` with the given extension profile, valid from a year ago (`openssl ca -selfsign`). */
function root(name: string, profile: 'root' | 'root_pathlen0'): void {
  caFolder(name);
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}/ca.key`);
  openssl(
    'req',
    '-new',
    '-key',
    `${name}/ca.key`,
    '-subj',
    `/CN=${name}/O=Passerelle tests`,
    '-config',
    `${name}/openssl.cnf`,
    '-out',
    `${name}/ca.csr`,
  );
  openssl(
    'ca',
    '-batch',
    '-notext',
    '-selfsign',
    '-config',
    `${name}/openssl.cnf`,
    '-keyfile',
    `${name}/ca.key`,
    '-extensions',
    profile,
    '-in',
    `${name}/ca.csr`,
    '-out',
    `${name}/ca.pem`,
    '-startdate',
    opensslDate(new Date(Date.now() - 365 * DAY)),
    '-enddate',
    opensslDate(new Date(Date.now() + 3650 * DAY)),
  );
}

/** `<name>.pem`/`<name>.key` issued by the CA in folder `ca`, with a profile and dates. */
function issue(ca: string, name: string, profile: string, dates: { start?: Date; end?: Date } = {}): void {
  const now = Date.now();
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  openssl(
    'req',
    '-new',
    '-key',
    `${name}.key`,
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
    profile,
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.pem`,
    '-startdate',
    opensslDate(dates.start ?? new Date(now - DAY)),
    '-enddate',
    opensslDate(dates.end ?? new Date(now + 365 * DAY)),
  );
}

/** An intermediate CA: issued by `parent`, then a CA folder of its own. */
function intermediate(parent: string, name: string, profile: string, dates: { start?: Date; end?: Date } = {}): void {
  issue(parent, name, profile, dates);
  caFolder(name);
  copyFileSync(path.join(dir, `${name}.pem`), path.join(dir, name, 'ca.pem'));
  copyFileSync(path.join(dir, `${name}.key`), path.join(dir, name, 'ca.key'));
}

function serialOf(file: string): string {
  return openssl('x509', '-in', file, '-noout', '-serial')
    .trim()
    .split('=')[1]!
    .replace(/^0+(?=.)/, '');
}

/** `leaf` signs the invoice (detached, openssl cms), carrying `carried` certificates; verified against `anchor`. */
async function verify(
  leaf: string,
  anchor: string,
  carried: string[],
  opts: { noattr?: boolean; receivedAt?: Date } = {},
): Promise<SignatureResult> {
  const args = [
    'cms',
    '-sign',
    '-binary',
    '-in',
    INVOICE,
    '-signer',
    `${leaf}.pem`,
    '-inkey',
    `${leaf}.key`,
    '-outform',
    'DER',
  ];
  if (carried.length) {
    writeFileSync(path.join(dir, 'carried.pem'), carried.map((c) => pem(`${c}.pem`)).join(''));
    args.push('-certfile', 'carried.pem');
  }
  if (opts.noattr) args.push('-noattr');
  openssl(...args, '-out', 'out.p7s');
  return verifySignature(
    {
      content: readFileSync(INVOICE),
      detached: readFileSync(path.join(dir, 'out.p7s')),
      receivedAt: opts.receivedAt ?? new Date(),
    },
    { registeredCertificates: [pem(`${leaf}.pem`)], trustAnchors: [pem(`${anchor}/ca.pem`)] },
  );
}

const codes = (r: SignatureResult): string[] => r.findings.map((f) => f.code);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'passerelle-chain-'));
  const now = Date.now();
  root('root', 'root');
  root('root-pl0', 'root_pathlen0');
  intermediate('root', 'inter', 'inter');
  issue('inter', 'partner', 'leaf');
  issue('inter', 'partner-critical', 'leaf_unknown_critical');
  intermediate('root', 'inter-not-ca', 'inter_not_ca');
  issue('inter-not-ca', 'partner-under-not-ca', 'leaf');
  intermediate('root-pl0', 'inter-pl0', 'inter');
  issue('inter-pl0', 'partner-too-deep', 'leaf');
  issue('root-pl0', 'partner-direct', 'leaf');
  intermediate('root', 'inter-no-kcs', 'inter_no_keycertsign');
  issue('inter-no-kcs', 'partner-under-no-kcs', 'leaf');
  intermediate('root', 'inter-critical', 'inter_unknown_critical');
  issue('inter-critical', 'partner-under-critical', 'leaf');
  intermediate('root', 'inter-noncritical', 'inter_unknown_noncritical');
  issue('inter-noncritical', 'partner-under-noncritical', 'leaf');
  // Valid from 400 days ago to 30 days ago; its partner certificate is valid from 60 days ago for a year.
  intermediate('root', 'inter-expired', 'inter', { start: new Date(now - 400 * DAY), end: new Date(now - 30 * DAY) });
  issue('inter-expired', 'partner-under-expired', 'leaf', { start: new Date(now - 60 * DAY) });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a chain root → intermediate → partner', () => {
  it('is accepted when the intermediate is carried in the signature', async () => {
    const r = await verify('partner', 'root', ['inter']);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.signer?.subject).toBe('CN=partner, O=TEST01');
  });

  it('is untrusted when the intermediate is missing', async () => {
    expect(codes(await verify('partner', 'root', []))).toEqual(['SIG-CHAIN-UNTRUSTED']);
  });

  it('an intermediate without the CA flag → SIG-CHAIN-NOT-CA', async () => {
    const r = await verify('partner-under-not-ca', 'root', ['inter-not-ca']);
    expect(codes(r)).toEqual(['SIG-CHAIN-NOT-CA']);
    expect(r.findings[0]!.detail).toContain('CN=inter-not-ca');
    expect(r.findings[0]!.detail).toContain(serialOf('inter-not-ca.pem'));
    expect(r.findings[0]!.detail).toContain('CN=partner-under-not-ca'); // the signer, too
  });

  it('a root with pathlen:0 above an intermediate → SIG-CHAIN-PATH-LENGTH; a partner right under it is fine', async () => {
    const r = await verify('partner-too-deep', 'root-pl0', ['inter-pl0']);
    expect(codes(r)).toEqual(['SIG-CHAIN-PATH-LENGTH']);
    expect(r.findings[0]!.detail).toContain('CN=root-pl0');
    expect(r.findings[0]!.detail).toContain(serialOf('root-pl0/ca.pem'));
    expect(r.findings[0]!.detail).toContain('pathLenConstraint=0');
    expect(codes(await verify('partner-direct', 'root-pl0', []))).toEqual([]);
  });

  it('an issuer whose keyUsage lacks keyCertSign → SIG-CHAIN-KEY-USAGE', async () => {
    const r = await verify('partner-under-no-kcs', 'root', ['inter-no-kcs']);
    expect(codes(r)).toEqual(['SIG-CHAIN-KEY-USAGE']);
    expect(r.findings[0]!.detail).toContain('CN=inter-no-kcs');
    expect(r.findings[0]!.detail).toContain(serialOf('inter-no-kcs.pem'));
  });

  it('an unknown critical extension, in the intermediate or the partner certificate → SIG-CERT-CRITICAL-EXTENSION', async () => {
    const r = await verify('partner-under-critical', 'root', ['inter-critical']);
    expect(codes(r)).toEqual(['SIG-CERT-CRITICAL-EXTENSION']);
    expect(r.findings[0]!.detail).toContain('CN=inter-critical');
    expect(r.findings[0]!.detail).toContain(serialOf('inter-critical.pem'));
    expect(r.findings[0]!.detail).toContain('1.3.6.1.4.1.55555.1');
    const leaf = await verify('partner-critical', 'root', ['inter']);
    expect(codes(leaf)).toEqual(['SIG-CERT-CRITICAL-EXTENSION']);
    expect(leaf.findings[0]!.detail).toContain('1.3.6.1.4.1.55555.2');
    // The same extension, not critical, is ignored as RFC 5280 says.
    expect(codes(await verify('partner-under-noncritical', 'root', ['inter-noncritical']))).toEqual([]);
  });

  it('an intermediate expired at the signing time → SIG-CHAIN-EXPIRED; valid when signed during its validity', async () => {
    const r = await verify('partner-under-expired', 'root', ['inter-expired']);
    expect(codes(r)).toEqual(['SIG-CHAIN-EXPIRED']);
    expect(r.findings[0]!.detail).toContain('CN=inter-expired');
    expect(r.findings[0]!.detail).toContain(serialOf('inter-expired.pem'));
    // Without a signingTime attribute the reception time is the signing time: 45 days ago all three were valid.
    const then = new Date(Date.now() - 45 * DAY);
    expect(
      codes(await verify('partner-under-expired', 'root', ['inter-expired'], { noattr: true, receivedAt: then })),
    ).toEqual([]);
    // And 100 days ago the partner certificate was not yet valid, the intermediate was.
    const before = new Date(Date.now() - 100 * DAY);
    expect(
      codes(await verify('partner-under-expired', 'root', ['inter-expired'], { noattr: true, receivedAt: before })),
    ).toEqual(['SIG-CERT-NOT-YET-VALID']);
  });

  it('declares each chain code once, in French and English', () => {
    for (const code of [
      'SIG-CHAIN-NOT-CA',
      'SIG-CHAIN-PATH-LENGTH',
      'SIG-CHAIN-KEY-USAGE',
      'SIG-CHAIN-EXPIRED',
      'SIG-CHAIN-NOT-YET-VALID',
      'SIG-CERT-CRITICAL-EXTENSION',
    ] as const) {
      expect(SIGNATURE_CODES[code].labelFr.length).toBeGreaterThan(10);
      expect(SIGNATURE_CODES[code].labelEn.length).toBeGreaterThan(10);
    }
  });
});
