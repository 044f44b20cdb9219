/** Digest and signature algorithm identifiers (RFC 5754, RFC 4056, RFC 5758, RFC 8419) mapped to node:crypto. */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { isContext, oid, smallInteger, type Node } from './der.ts';

type Hash = 'sha256' | 'sha384' | 'sha512';

/** Thrown for an algorithm we recognise as legal CMS but refuse (SHA-1, MD5, DSA, unknown OIDs). */
export class UnsupportedAlgorithm extends Error {}

const DIGESTS: Record<string, Hash> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
/** Names for the refusal message only. */
const REFUSED_NAMES: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '1.2.840.113549.2.5': 'MD5',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
};

const RSA = '1.2.840.113549.1.1.1';
const RSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const ED25519 = '1.3.101.112';
const RSA_WITH: Record<string, Hash> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const ECDSA_WITH: Record<string, Hash> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

function refused(id: string): never {
  throw new UnsupportedAlgorithm(`algorithme non pris en charge : ${REFUSED_NAMES[id] ?? id}`);
}

/** The hash of an AlgorithmIdentifier SEQUENCE { OID, params }. */
export function digestOf(algId: Node | undefined): Hash {
  const id = oid(algId?.children[0], 'digestAlgorithm');
  return DIGESTS[id] ?? refused(id);
}

export interface SignatureAlgorithm {
  family: 'RSA' | 'RSA-PSS' | 'ECDSA' | 'Ed25519';
  /** null for Ed25519, which hashes internally. */
  hash: Hash | null;
  saltLength?: number;
  /** e.g. `RSA-PSS/SHA-256`, for SignatureResult.algorithm and logs. */
  label: string;
}

function label(family: string, hash: Hash | null): string {
  return hash ? `${family}/${hash.toUpperCase().replace('SHA', 'SHA-')}` : family;
}

/** RSASSA-PSS-params: every field has a SHA-1 default, which we refuse; node uses the same hash for MGF1. */
function pssParams(params: Node | undefined): { hash: Hash; saltLength: number } {
  let hash: Hash | undefined;
  let mgfHash: Hash | undefined;
  let saltLength = 20;
  for (const field of params?.children ?? []) {
    if (isContext(field, 0)) hash = digestOf(field.children[0]);
    else if (isContext(field, 1)) {
      const mgf = field.children[0];
      if (oid(mgf?.children[0], 'maskGenAlgorithm') !== MGF1) refused(oid(mgf?.children[0]));
      mgfHash = digestOf(mgf?.children[1]);
    } else if (isContext(field, 2)) saltLength = smallInteger(field.children[0], 'saltLength');
    else if (isContext(field, 3) && smallInteger(field.children[0], 'trailerField') !== 1)
      refused('RSA-PSS trailerField');
  }
  if (!hash || !mgfHash) refused('1.3.14.3.2.26');
  if (hash !== mgfHash) throw new UnsupportedAlgorithm(`RSA-PSS avec MGF1 ${mgfHash} différent du hachage ${hash}`);
  return { hash, saltLength };
}

/**
 * The signature algorithm of a SignerInfo (or a CRL). `digest` is the SignerInfo's digest algorithm,
 * used when the identifier names only the key type (rsaEncryption, id-ecPublicKey), as CMS allows.
 */
export function signatureAlgorithmOf(algId: Node | undefined, digest: Hash | null): SignatureAlgorithm {
  const id = oid(algId?.children[0], 'signatureAlgorithm');
  if (RSA_WITH[id]) return { family: 'RSA', hash: RSA_WITH[id], label: label('RSA', RSA_WITH[id]) };
  if (ECDSA_WITH[id]) return { family: 'ECDSA', hash: ECDSA_WITH[id], label: label('ECDSA', ECDSA_WITH[id]) };
  if (id === RSA && digest) return { family: 'RSA', hash: digest, label: label('RSA', digest) };
  if (id === EC_PUBLIC_KEY && digest) return { family: 'ECDSA', hash: digest, label: label('ECDSA', digest) };
  if (id === RSA_PSS) {
    const p = pssParams(algId?.children[1]);
    return { family: 'RSA-PSS', hash: p.hash, saltLength: p.saltLength, label: label('RSA-PSS', p.hash) };
  }
  if (id === ED25519) return { family: 'Ed25519', hash: null, label: 'Ed25519' };
  return refused(id);
}

/** Checks a signature value; a key of the wrong type counts as a bad signature, not an exception. */
export function verifyWith(alg: SignatureAlgorithm, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    switch (alg.family) {
      case 'RSA':
        return cryptoVerify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'RSA-PSS':
        return cryptoVerify(
          alg.hash,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength },
          signature,
        );
      case 'ECDSA':
        return cryptoVerify(alg.hash, data, key, signature);
      case 'Ed25519':
        return cryptoVerify(null, data, key, signature);
    }
  } catch {
    return false;
  }
}
