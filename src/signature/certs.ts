/**
 * Certificates (node:crypto X509Certificate plus the few fields it does not expose: raw names,
 * key usage bits, subject key identifier), certification paths and CRLs.
 * Parsed certificates and CRLs are cached: a partner's registered certificates and anchors are the
 * same strings on every flow, and parsing them is most of a verification's cost.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { signatureAlgorithmOf, verifyWith } from './algorithms.ts';
import type { SignatureCode } from '../codes/signature.ts';
import {
  DerError,
  TAG,
  bits,
  isContext,
  integerHex,
  oid,
  octets,
  parse,
  smallInteger,
  time,
  want,
  type Node,
} from './der.ts';

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
  /** The basicConstraints extension as written; undefined when the certificate has none. */
  basicConstraints?: { ca: boolean; pathLen?: number };
  /** Every extension's OID and criticality, for RFC 5280's rule on unrecognised critical extensions. */
  extensions: { oid: string; critical: boolean }[];
}

const OID_KEY_USAGE = '2.5.29.15';
const OID_SKI = '2.5.29.14';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const KU_KEY_CERT_SIGN = 0x04;

/**
 * The extensions a certificate may mark critical and still be accepted: those this verifier processes
 * (basicConstraints, keyUsage) or whose content does not restrict a CMS signature verified without a
 * policy (RFC 5280 §6.1 with any-policy as the initial policy set). Any other critical extension — name
 * constraints and policy constraints included, which we do not process — rejects the chain (§4.2).
 */
const RECOGNISED_EXTENSIONS = new Map([
  ['2.5.29.19', 'basicConstraints'],
  ['2.5.29.15', 'keyUsage'],
  ['2.5.29.37', 'extendedKeyUsage'],
  ['2.5.29.14', 'subjectKeyIdentifier'],
  ['2.5.29.35', 'authorityKeyIdentifier'],
  ['2.5.29.17', 'subjectAltName'],
  ['2.5.29.18', 'issuerAltName'],
  ['2.5.29.32', 'certificatePolicies'],
  ['2.5.29.31', 'cRLDistributionPoints'],
  ['1.3.6.1.5.5.7.1.1', 'authorityInfoAccess'],
]);
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
    extensions: [],
  };
  const extensions = f.find((n) => isContext(n, 3))?.children[0];
  for (const ext of extensions?.children ?? []) {
    const id = oid(ext.children[0], 'extnID');
    const value = octets(ext.children[ext.children.length - 1], 'extnValue');
    // critical BOOLEAN DEFAULT FALSE sits between extnID and extnValue when present.
    const flag = ext.children.length === 3 ? ext.children[1] : undefined;
    info.extensions.push({ oid: id, critical: flag?.tag === TAG.BOOLEAN && (flag.value[0] ?? 0) !== 0 });
    if (id === OID_KEY_USAGE) info.keyUsage = bits(parse(value), 'keyUsage')[0] ?? 0;
    else if (id === OID_SKI) info.subjectKeyId = octets(parse(value), 'subjectKeyIdentifier');
    else if (id === OID_BASIC_CONSTRAINTS) info.basicConstraints = basicConstraints(value);
  }
  return remember(byFingerprint, fingerprint, info);
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
function basicConstraints(value: Buffer): { ca: boolean; pathLen?: number } {
  const seq = want(parse(value), TAG.SEQUENCE, 'basicConstraints');
  const out: { ca: boolean; pathLen?: number } = { ca: false };
  for (const c of seq.children) {
    if (c.tag === TAG.BOOLEAN) out.ca = (c.value[0] ?? 0) !== 0;
    else if (c.tag === TAG.INTEGER) {
      // A constraint beyond 2^32 constrains nothing a real path could reach.
      out.pathLen = c.value.length > 4 ? Number.MAX_SAFE_INTEGER : smallInteger(c, 'pathLenConstraint');
    }
  }
  return out;
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

function issuedBy(child: CertInfo, parent: CertInfo): boolean {
  if (!child.issuerRaw.equals(parent.subjectRaw)) return false;
  try {
    return child.x509.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/** One reason a certification path fails RFC 5280's validation, with the certificate it is about. */
interface ChainProblem {
  code: Extract<
    SignatureCode,
    | 'SIG-CHAIN-UNTRUSTED'
    | 'SIG-CHAIN-NOT-CA'
    | 'SIG-CHAIN-PATH-LENGTH'
    | 'SIG-CHAIN-KEY-USAGE'
    | 'SIG-CHAIN-EXPIRED'
    | 'SIG-CHAIN-NOT-YET-VALID'
    | 'SIG-CERT-CRITICAL-EXTENSION'
  >;
  detail: string;
}

type PathResult = { ok: true; path: CertInfo[] } | { ok: false; problems: ChainProblem[] };

function named(c: CertInfo): string {
  return `« ${c.subject} » (n° de série ${c.serial})`;
}

function isoDate(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

function selfIssued(c: CertInfo): boolean {
  return c.subjectRaw.equals(c.issuerRaw);
}

/**
 * RFC 5280 §6.1 on a path [leaf, intermediates…, anchor] at the signing time. Every certificate: no
 * unrecognised critical extension. Every issuer (intermediates and the anchor): basicConstraints cA
 * (an anchor without the extension, such as a v1 root, is trusted as configured), its pathLenConstraint
 * not exceeded by the non-self-issued intermediates below it, keyCertSign when keyUsage is present,
 * valid at `at`. The leaf's own dates and key usage are the signer checks (SIG-CERT-*, SIG-KEY-USAGE).
 */
function pathProblems(path: CertInfo[], at: Date): ChainProblem[] {
  const problems: ChainProblem[] = [];
  for (const [k, cert] of path.entries()) {
    for (const e of cert.extensions) {
      if (e.critical && !RECOGNISED_EXTENSIONS.has(e.oid))
        problems.push({
          code: 'SIG-CERT-CRITICAL-EXTENSION',
          detail: `certificat ${named(cert)} : extension critique ${e.oid} non reconnue`,
        });
    }
    if (k === 0) continue;
    const role = k === path.length - 1 ? 'l’autorité racine' : 'l’autorité intermédiaire';
    const bc = cert.basicConstraints;
    if (!bc?.ca && !(k === path.length - 1 && bc === undefined)) {
      problems.push({
        code: 'SIG-CHAIN-NOT-CA',
        detail: `${role} ${named(cert)} n’est pas une autorité de certification (basicConstraints ${bc ? 'cA=false' : 'absent'})`,
      });
    }
    if (bc?.pathLen !== undefined) {
      const below = path.slice(1, k).filter((c) => !selfIssued(c)).length;
      if (below > bc.pathLen)
        problems.push({
          code: 'SIG-CHAIN-PATH-LENGTH',
          detail: `${role} ${named(cert)} a pathLenConstraint=${bc.pathLen} mais ${below} autorité(s) intermédiaire(s) en dessous`,
        });
    }
    if (cert.keyUsage !== undefined && !(cert.keyUsage & KU_KEY_CERT_SIGN)) {
      problems.push({
        code: 'SIG-CHAIN-KEY-USAGE',
        detail: `${role} ${named(cert)} : keyUsage sans keyCertSign`,
      });
    }
    if (at < cert.notBefore)
      problems.push({
        code: 'SIG-CHAIN-NOT-YET-VALID',
        detail: `${role} ${named(cert)} : valide à partir du ${isoDate(cert.notBefore)}, signature du ${isoDate(at)}`,
      });
    if (at > cert.notAfter)
      problems.push({
        code: 'SIG-CHAIN-EXPIRED',
        detail: `${role} ${named(cert)} : expirée le ${isoDate(cert.notAfter)}, signature du ${isoDate(at)}`,
      });
  }
  return problems;
}

const MAX_PATH_LENGTH = 8;
const MAX_PATHS = 16;

/**
 * Builds the paths from `leaf` up to one of `anchors` through `pool` (certificates carried in the CMS),
 * linking a certificate to an issuer by name and signature, then validates them (pathProblems). The
 * first valid path wins; when none is valid, the problems of the path with the fewest are returned.
 */
export function buildPath(leaf: CertInfo, anchors: CertInfo[], pool: CertInfo[], at: Date): PathResult {
  const anchorSet = new Set(anchors.map((a) => a.fingerprint));
  const candidates = [...anchors, ...pool];
  let tried = 0;
  let valid: CertInfo[] | undefined;
  let best: ChainProblem[] | undefined;
  // Depth first; each complete path is validated at once, and the first valid one ends the search.
  const walk = (cert: CertInfo, path: CertInfo[]): void => {
    if (valid || tried >= MAX_PATHS) return;
    if (anchorSet.has(cert.fingerprint)) {
      tried++;
      const problems = pathProblems(path, at);
      if (problems.length === 0) valid = path;
      else if (!best || problems.length < best.length) best = problems;
      return;
    }
    if (path.length > MAX_PATH_LENGTH) return;
    const seen = new Set<string>();
    for (const parent of candidates) {
      if (valid) return;
      if (seen.has(parent.fingerprint)) continue;
      seen.add(parent.fingerprint);
      if (path.some((p) => p.fingerprint === parent.fingerprint) || !issuedBy(cert, parent)) continue;
      walk(parent, [...path, parent]);
    }
  };
  walk(leaf, [leaf]);
  if (valid) return { ok: true, path: valid };
  if (best) return { ok: false, problems: best };
  return {
    ok: false,
    problems: [
      { code: 'SIG-CHAIN-UNTRUSTED', detail: 'aucune autorité de confiance ne correspond à l’émetteur du certificat' },
    ],
  };
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
