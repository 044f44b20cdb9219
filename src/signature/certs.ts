/**
 * Certificates (node:crypto X509Certificate plus the few fields it does not expose: raw names,
 * key usage bits, subject key identifier), certification paths and CRLs.
 * Parsed certificates and CRLs are cached: a partner's registered certificates and anchors are the
 * same strings on every flow, and parsing them is most of a verification's cost.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { signatureAlgorithmOf, verifyWith } from './algorithms.ts';
import { DerError, TAG, bits, isContext, integerHex, oid, octets, parse, time, want, type Node } from './der.ts';

export interface CertInfo {
  x509: X509Certificate;
  /** Read once: the X509Certificate getter builds a new KeyObject on every access, and throws on an undecodable key. */
  publicKey: KeyObject;
  der: Buffer;
  /** SHA-256 of the DER, lower-case hex: the registry's file name and the identity we compare. */
  fingerprint: string;
  /** One line, `C=FR, O=…, CN=…`. */
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  subjectRaw: Buffer;
  issuerRaw: Buffer;
  /** KeyUsage first octet (0x80 digitalSignature, 0x40 nonRepudiation, 0x04 keyCertSign, 0x02 cRLSign); undefined when absent. */
  keyUsage?: number;
  subjectKeyId?: Buffer;
  isCa: boolean;
}

const OID_KEY_USAGE = '2.5.29.15';
const OID_SKI = '2.5.29.14';
const CACHE_LIMIT = 2000;
const byFingerprint = new Map<string, CertInfo>();
const byPem = new Map<string, CertInfo[]>();

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= CACHE_LIMIT) map.clear();
  map.set(key, value);
  return value;
}

export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

/** Parses a DER certificate. Throws (DerError or node's error) when it is not one. */
export function certFromDer(der: Buffer): CertInfo {
  const fingerprint = fingerprintOf(der);
  const cached = byFingerprint.get(fingerprint);
  if (cached) return cached;
  const x509 = new X509Certificate(der);
  const tbs = want(want(parse(der), TAG.SEQUENCE, 'Certificate').children[0], TAG.SEQUENCE, 'tbsCertificate');
  const f = isContext(tbs.children[0], 0) ? tbs.children.slice(1) : tbs.children;
  const [serial, , issuer, validity, subject] = f;
  const info: CertInfo = {
    x509,
    publicKey: x509.publicKey,
    der,
    fingerprint,
    subject: oneLine(x509.subject),
    issuer: oneLine(x509.issuer),
    serial: integerHex(serial, 'serialNumber'),
    notBefore: time(validity?.children[0], 'notBefore'),
    notAfter: time(validity?.children[1], 'notAfter'),
    subjectRaw: want(subject, TAG.SEQUENCE, 'subject').raw,
    issuerRaw: want(issuer, TAG.SEQUENCE, 'issuer').raw,
    isCa: x509.ca,
  };
  const extensions = f.find((n) => isContext(n, 3))?.children[0];
  for (const ext of extensions?.children ?? []) {
    const id = oid(ext.children[0], 'extnID');
    const value = octets(ext.children[ext.children.length - 1], 'extnValue');
    if (id === OID_KEY_USAGE) info.keyUsage = bits(parse(value), 'keyUsage')[0] ?? 0;
    else if (id === OID_SKI) info.subjectKeyId = octets(parse(value), 'subjectKeyIdentifier');
  }
  return remember(byFingerprint, fingerprint, info);
}

/** Every certificate of a PEM text (a bundle is fine); unreadable blocks are skipped. */
export function certsFromPem(pem: string): CertInfo[] {
  const cached = byPem.get(pem);
  if (cached) return cached;
  const out: CertInfo[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    try {
      out.push(certFromDer(Buffer.from(m[1]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')));
    } catch {
      // A broken block in a configured bundle must not hide the good ones.
    }
  }
  return remember(byPem, pem, out);
}

export function validAt(cert: CertInfo, at: Date): boolean {
  return cert.notBefore <= at && at <= cert.notAfter;
}

function issuedBy(child: CertInfo, parent: CertInfo): boolean {
  if (!child.issuerRaw.equals(parent.subjectRaw)) return false;
  try {
    return child.x509.verify(parent.publicKey);
  } catch {
    return false;
  }
}

export type PathResult = { ok: true; path: CertInfo[] } | { ok: false; reason: string };

/**
 * Builds a path from `leaf` up to one of `anchors` through `pool` (certificates carried in the CMS).
 * Intermediates must be CAs and valid at `at`; an anchor is trusted as configured (its own dates are
 * checked too, since an expired CA should not vouch for a signature made after its end).
 */
export function buildPath(leaf: CertInfo, anchors: CertInfo[], pool: CertInfo[], at: Date): PathResult {
  const anchorSet = new Set(anchors.map((a) => a.fingerprint));
  let lastReason = 'aucune autorité de confiance ne correspond à l’émetteur du certificat';
  const walk = (cert: CertInfo, path: CertInfo[]): CertInfo[] | undefined => {
    if (anchorSet.has(cert.fingerprint)) return path;
    if (path.length > 8) return undefined;
    for (const parent of [...anchors, ...pool]) {
      if (path.some((p) => p.fingerprint === parent.fingerprint) || !issuedBy(cert, parent)) continue;
      if (!parent.isCa) {
        lastReason = `l’émetteur « ${parent.subject} » n’est pas une autorité de certification`;
        continue;
      }
      if (!validAt(parent, at)) {
        lastReason = `l’autorité « ${parent.subject} » n’est pas valide à la date de signature`;
        continue;
      }
      const found = walk(parent, [...path, parent]);
      if (found) return found;
    }
    return undefined;
  };
  const path = walk(leaf, [leaf]);
  return path ? { ok: true, path } : { ok: false, reason: lastReason };
}

export interface Crl {
  issuerRaw: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** serial (hex, upper case) → revocation date */
  revoked: Map<string, Date>;
  tbs: Buffer;
  signatureAlgorithm: Node;
  signature: Buffer;
}

const crlCache = new Map<string, Crl | Error>();

/** Reads a DER or PEM (`X509 CRL`) CRL; the result (or its error) is cached by content, so re-read files hit. */
export function readCrl(bytes: Buffer): Crl {
  const key = fingerprintOf(bytes);
  const cached = crlCache.get(key);
  if (cached instanceof Error) throw cached;
  if (cached) return cached;
  try {
    let der = bytes;
    if (bytes[0] !== TAG.SEQUENCE) {
      const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(bytes.toString('latin1'));
      if (!m) throw new DerError('ni CRL DER ni PEM « X509 CRL »');
      der = Buffer.from(m[1]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    }
    const list = want(parse(der), TAG.SEQUENCE, 'CertificateList');
    const tbs = want(list.children[0], TAG.SEQUENCE, 'tbsCertList');
    const f = tbs.children[0]?.tag === TAG.INTEGER ? tbs.children.slice(1) : tbs.children;
    const [, issuer, thisUpdate, ...rest] = f;
    const crl: Crl = {
      issuerRaw: want(issuer, TAG.SEQUENCE, 'issuer').raw,
      thisUpdate: time(thisUpdate, 'thisUpdate'),
      revoked: new Map(),
      tbs: tbs.raw,
      signatureAlgorithm: want(list.children[1], TAG.SEQUENCE, 'signatureAlgorithm'),
      signature: bits(list.children[2], 'signature'),
    };
    let i = 0;
    if (rest[0] && (rest[0].tag === TAG.UTC_TIME || rest[0].tag === TAG.GENERALIZED_TIME)) {
      crl.nextUpdate = time(rest[0]);
      i = 1;
    }
    if (rest[i]?.tag === TAG.SEQUENCE) {
      for (const entry of rest[i]!.children)
        crl.revoked.set(integerHex(entry.children[0], 'userCertificate'), time(entry.children[1], 'revocationDate'));
    }
    remember(crlCache, key, crl);
    return crl;
  } catch (e) {
    const err = e instanceof Error ? e : new DerError(String(e));
    remember(crlCache, key, err);
    throw err;
  }
}

/** True when the CRL's signature was made by `issuer`'s key. */
export function crlSignedBy(crl: Crl, issuer: CertInfo): boolean {
  if (!crl.issuerRaw.equals(issuer.subjectRaw)) return false;
  try {
    const alg = signatureAlgorithmOf(crl.signatureAlgorithm, null);
    return verifyWith(alg, issuer.publicKey, crl.tbs, crl.signature);
  } catch {
    return false;
  }
}
