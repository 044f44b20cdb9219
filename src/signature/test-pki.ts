/**
 * `passerelle certs make-test-pki <folder>`: a throw-away CA and one partner signing certificate, so
 * testers can try signed deposits in minutes. Certificates are built with node:crypto and our DER
 * writer rather than by shelling out to openssl, so the command works where openssl is missing and
 * offers RSA-PSS and ECDSA keys (node-forge only makes RSA). Signing a flow is then left to openssl,
 * the tool a partner's EDI system would use.
 */
import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { w } from './der.ts';
import { toPem } from './registry.ts';

type TestKeyType = 'rsa' | 'rsa-pss' | 'ecdsa';

interface CertificateSpec {
  subject: { cn: string; o?: string };
  issuer?: { cn: string; o?: string };
  /** The issuer's private key; the certificate is self-signed when absent. */
  issuerKey?: KeyObject;
  publicKey: KeyObject;
  /** The certificate's own private key, only for a self-signed certificate. */
  privateKey?: KeyObject;
  ca: boolean;
  notBefore: Date;
  notAfter: Date;
  /** KeyUsage first octet; defaults: keyCertSign|cRLSign for a CA, digitalSignature|nonRepudiation otherwise. */
  keyUsage?: number;
  serial?: Buffer;
}

const SHA256_ID = w.seq(w.oid('2.16.840.1.101.3.4.2.1'), w.null());

function name(n: { cn: string; o?: string }): Buffer {
  const rdn = (type: string, value: Buffer): Buffer => w.set(w.seq(w.oid(type), value));
  return w.seq(
    rdn('2.5.4.6', w.printable('FR')),
    ...(n.o ? [rdn('2.5.4.10', w.utf8(n.o))] : []),
    rdn('2.5.4.3', w.utf8(n.cn)),
  );
}

/** AlgorithmIdentifier and signer for a private key, always with SHA-256. */
function signerFor(key: KeyObject): { algId: Buffer; sign: (data: Buffer) => Buffer } {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { algId: w.seq(w.oid('1.2.840.113549.1.1.11'), w.null()), sign: (d) => sign('sha256', d, key) };
    case 'rsa-pss': {
      const params = w.seq(
        w.explicit(0, SHA256_ID),
        w.explicit(1, w.seq(w.oid('1.2.840.113549.1.1.8'), SHA256_ID)),
        w.explicit(2, w.int(32)),
      );
      return {
        algId: w.seq(w.oid('1.2.840.113549.1.1.10'), params),
        sign: (d) => sign('sha256', d, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
      };
    }
    case 'ec':
      return { algId: w.seq(w.oid('1.2.840.10045.4.3.2')), sign: (d) => sign('sha256', d, key) };
    default:
      throw new Error(`type de clé non pris en charge : ${key.asymmetricKeyType}`);
  }
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return w.seq(w.oid(id), ...(critical ? [w.bool(true)] : []), w.octets(value));
}

function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
}

/** Builds and signs an X.509 v3 certificate; returns its DER. */
function buildCertificate(spec: CertificateSpec): Buffer {
  const signingKey = spec.issuerKey ?? spec.privateKey;
  if (!signingKey) throw new Error('issuerKey or privateKey is required');
  const signer = signerFor(signingKey);
  const serial = spec.serial ?? Buffer.concat([Buffer.from([0x10]), randomBytes(15)]);
  const ku = spec.keyUsage ?? (spec.ca ? 0x06 : 0xc0);
  // KeyUsage BIT STRING: count the unused trailing bits of its single octet.
  const unused = ku === 0 ? 0 : Math.min(7, Math.log2(ku & -ku));
  const extensions = [
    extension('2.5.29.19', true, spec.ca ? w.seq(w.bool(true)) : w.seq()),
    extension('2.5.29.15', true, w.bits(Buffer.from([ku]), unused)),
    extension('2.5.29.14', false, w.octets(keyId(spec.publicKey))),
  ];
  // AuthorityKeyIdentifier [0] keyIdentifier: the issuer's key id (a private KeyObject yields its public half).
  const authority = keyId(spec.issuerKey ? createPublicKey(spec.issuerKey) : spec.publicKey);
  extensions.push(
    extension('2.5.29.35', false, w.seq(Buffer.concat([Buffer.from([0x80, authority.length]), authority]))),
  );
  const tbs = w.seq(
    w.explicit(0, w.int(2)),
    w.uint(serial),
    signer.algId,
    name(spec.issuer ?? spec.subject),
    w.seq(w.time(spec.notBefore), w.time(spec.notAfter)),
    name(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    w.explicit(3, w.seq(...extensions)),
  );
  return w.seq(tbs, signer.algId, w.bits(signer.sign(tbs)));
}

function generateTestKey(type: TestKeyType): { publicKey: KeyObject; privateKey: KeyObject } {
  if (type === 'ecdsa') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (type === 'rsa-pss')
    return generateKeyPairSync('rsa-pss', {
      modulusLength: 2048,
      hashAlgorithm: 'sha256',
      mgf1HashAlgorithm: 'sha256',
    });
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function quote(p: string): string {
  return `'${p.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes into `folder`: `ca.pem` (the trust anchor: copy it into `signature.trustDir`), `ca.key`,
 * `<PARTNER>.pem` (register it with `passerelle certs add`) and `<PARTNER>.key`.
 * Returns those file paths (`caCert`, `cert`, `key`) and two shell lines, for `FLOW=<file>`: the
 * first writes `$FLOW.p7s` (detached), the second `$FLOW.p7m` (enveloped).
 */
export function makeTestPki(
  folder: string,
  opts: { partner?: string; keyType?: TestKeyType } = {},
): { caCert: string; cert: string; key: string; signCommand: string } {
  const partner = opts.partner ?? 'TEST01';
  if (!/^[A-Z0-9]{3,8}$/.test(partner)) throw new Error(`code partenaire invalide : ${partner}`);
  const keyType = opts.keyType ?? 'rsa';
  mkdirSync(folder, { recursive: true });
  const now = Date.now();
  const day = 86_400_000;
  const caKeys = generateTestKey(keyType);
  const caSubject = { cn: 'Passerelle Test CA', o: 'Passerelle (test, ne pas utiliser en production)' };
  const caDer = buildCertificate({
    subject: caSubject,
    publicKey: caKeys.publicKey,
    privateKey: caKeys.privateKey,
    ca: true,
    notBefore: new Date(now - day),
    notAfter: new Date(now + 3650 * day),
  });
  const keys = generateTestKey(keyType);
  const der = buildCertificate({
    subject: { cn: `Partenaire ${partner} (signature)`, o: partner },
    issuer: caSubject,
    issuerKey: caKeys.privateKey,
    publicKey: keys.publicKey,
    ca: false,
    notBefore: new Date(now - day),
    notAfter: new Date(now + 825 * day),
  });
  const out = {
    caCert: path.resolve(folder, 'ca.pem'),
    caKey: path.resolve(folder, 'ca.key'),
    cert: path.resolve(folder, `${partner}.pem`),
    key: path.resolve(folder, `${partner}.key`),
  };
  writeFileSync(out.caCert, toPem(caDer));
  writeFileSync(out.caKey, caKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(out.cert, toPem(der));
  writeFileSync(out.key, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // OpenSSL 3.0 labels an RSA-PSS key's CMS signature rsaEncryption (and cannot verify it) unless PSS is asked for.
  const pss = keyType === 'rsa-pss' ? ' -keyopt rsa_padding_mode:pss' : '';
  const base = `openssl cms -sign -binary -md sha256 -in "$FLOW" -signer ${quote(out.cert)} -inkey ${quote(out.key)}${pss} -outform DER`;
  const signCommand = `${base} -out "$FLOW.p7s"\n${base} -nodetach -out "$FLOW.p7m"`;
  return { caCert: out.caCert, cert: out.cert, key: out.key, signCommand };
}
