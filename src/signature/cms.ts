/** Reads a CMS SignedData (RFC 5652 §5) into the parts verification needs, keeping raw bytes. */
import {
  DerError,
  TAG,
  integerHex,
  isContext,
  octets,
  oid,
  parse,
  readHeader,
  smallInteger,
  time,
  want,
  type Node,
} from './der.ts';

const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';
const SIGNED_DATA_OID_BYTES = Buffer.from('06092a864886f70d010702', 'hex');

export interface SignerInfo {
  /** IssuerAndSerialNumber (raw issuer Name, serial hex) or a SubjectKeyIdentifier. */
  sid: { issuer: Buffer; serial: string } | { keyId: Buffer };
  digestAlgorithm: Node;
  /** The signed attributes re-tagged as SET OF, the bytes the signature covers; undefined when absent. */
  signedAttrsDer?: Buffer;
  contentType?: string;
  messageDigest?: Buffer;
  signingTime?: Date;
  signatureAlgorithm: Node;
  signature: Buffer;
}

export interface SignedData {
  eContentType: string;
  /** The encapsulated content, absent for a detached signature. */
  eContent?: Buffer;
  /** DER of each certificate carried in the CMS. */
  certificates: Buffer[];
  signerInfos: SignerInfo[];
}

const PEM = /-----BEGIN (PKCS7|CMS|PKCS #7 SIGNED DATA)-----([\s\S]*?)-----END \1-----/;

/** DER as is, or the base64 body of a PEM `PKCS7` / `CMS` block; undefined when neither. */
export function cmsDer(bytes: Buffer): Buffer | undefined {
  if (bytes[0] === TAG.SEQUENCE) return bytes;
  const head = bytes.subarray(0, 4096).toString('latin1');
  if (!head.includes('-----BEGIN ')) return undefined;
  const m = PEM.exec(bytes.toString('latin1'));
  return m ? Buffer.from(m[2]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64') : undefined;
}

/** A cheap sniff: a SEQUENCE whose first element is the signedData OID, or a PEM PKCS7/CMS header. */
export function looksLikeCms(bytes: Buffer): boolean {
  if (bytes.length < 2) return false;
  if (bytes[0] !== TAG.SEQUENCE)
    return /-----BEGIN (PKCS7|CMS|PKCS #7 SIGNED DATA)-----/.test(bytes.subarray(0, 1024).toString('latin1'));
  try {
    const h = readHeader(bytes, 0);
    const start = h.headerLength;
    return bytes.subarray(start, start + SIGNED_DATA_OID_BYTES.length).equals(SIGNED_DATA_OID_BYTES);
  } catch {
    return false;
  }
}

function readAttributes(attrs: Node, si: SignerInfo): void {
  const seen = new Set<string>();
  for (const attr of attrs.children) {
    want(attr, TAG.SEQUENCE, 'Attribute');
    const type = oid(attr.children[0], 'attrType');
    const values = want(attr.children[1], TAG.SET, 'attrValues');
    // RFC 5652 §5.3: these three attributes are single-valued and appear once.
    if (type === OID_CONTENT_TYPE || type === OID_MESSAGE_DIGEST || type === OID_SIGNING_TIME) {
      if (seen.has(type) || values.children.length !== 1) throw new DerError(`attribut ${type} répété ou multivalué`);
      seen.add(type);
    }
    if (type === OID_CONTENT_TYPE) si.contentType = oid(values.children[0], 'contentType');
    else if (type === OID_MESSAGE_DIGEST) si.messageDigest = octets(values.children[0], 'messageDigest');
    else if (type === OID_SIGNING_TIME) si.signingTime = time(values.children[0], 'signingTime');
  }
}

function readSignerInfo(node: Node): SignerInfo {
  want(node, TAG.SEQUENCE, 'SignerInfo');
  const [version, sidNode, digestAlgorithm, ...rest] = node.children;
  const v = smallInteger(version, 'SignerInfo.version');
  let sid: SignerInfo['sid'];
  if (sidNode?.tag === TAG.SEQUENCE) {
    sid = {
      issuer: want(sidNode.children[0], TAG.SEQUENCE, 'issuer').raw,
      serial: integerHex(sidNode.children[1], 'serialNumber'),
    };
  } else if (isContext(sidNode, 0)) {
    sid = { keyId: sidNode!.value };
  } else throw new DerError('SignerInfo: sid illisible');
  // RFC 5652 §5.3: version 1 goes with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
  if (v !== ('keyId' in sid ? 3 : 1))
    throw new DerError(`SignerInfo: version ${v} incohérente avec son identifiant de signataire`);
  let i = 0;
  let attrsNode: Node | undefined;
  if (isContext(rest[0], 0)) {
    attrsNode = rest[0];
    i = 1;
  }
  const si: SignerInfo = {
    sid,
    digestAlgorithm: want(digestAlgorithm, TAG.SEQUENCE, 'digestAlgorithm'),
    signatureAlgorithm: want(rest[i], TAG.SEQUENCE, 'signatureAlgorithm'),
    signature: octets(rest[i + 1], 'signature'),
  };
  if (attrsNode) {
    // The signature covers the attributes with an explicit SET OF tag (§5.4), not the [0] IMPLICIT tag.
    si.signedAttrsDer = Buffer.concat([Buffer.from([TAG.SET]), attrsNode.raw.subarray(1)]);
    readAttributes(attrsNode, si);
  }
  return si;
}

/** Parses ContentInfo → SignedData. Throws DerError on anything malformed. */
export function readSignedData(der: Buffer): SignedData {
  const ci = want(parse(der), TAG.SEQUENCE, 'ContentInfo');
  const type = oid(ci.children[0], 'contentType');
  if (type !== OID_SIGNED_DATA) throw new DerError(`ContentInfo de type ${type}, pas signedData`);
  if (!isContext(ci.children[1], 0)) throw new DerError('ContentInfo sans contenu');
  const sd = want(ci.children[1]!.children[0], TAG.SEQUENCE, 'SignedData');
  const [version, digestAlgorithms, encap, ...rest] = sd.children;
  want(version, TAG.INTEGER, 'SignedData.version');
  // Not authenticated, but a sender that garbles it garbles the rest too: read it strictly.
  for (const alg of want(digestAlgorithms, TAG.SET, 'digestAlgorithms').children)
    oid(want(alg, TAG.SEQUENCE, 'digestAlgorithm').children[0], 'digestAlgorithm');
  want(encap, TAG.SEQUENCE, 'encapContentInfo');
  const out: SignedData = { eContentType: oid(encap!.children[0], 'eContentType'), certificates: [], signerInfos: [] };
  const eContent = encap!.children[1];
  if (eContent) {
    if (!isContext(eContent, 0)) throw new DerError('eContent mal étiqueté');
    out.eContent = octets(eContent.children[0], 'eContent');
  }
  let signerInfos: Node | undefined;
  for (const part of rest) {
    if (isContext(part, 0)) {
      // CertificateChoices: only plain certificates (SEQUENCE) are usable; attribute certs are skipped.
      for (const c of part.children) if (c.tag === TAG.SEQUENCE) out.certificates.push(c.raw);
    } else if (part.tag === TAG.SET) signerInfos = part;
  }
  if (!signerInfos) throw new DerError('SignedData sans signerInfos');
  out.signerInfos = signerInfos.children.map(readSignerInfo);
  if (out.signerInfos.length === 0) throw new DerError('SignedData sans signataire');
  return out;
}
