/** The SIGNATURE error codes: one per reason, documented in docs/signatures.md. */
import { finding, type Finding, type Location, type Severity } from '../finding.ts';

export const SIGNATURE_CODES = {
  'SIG-MISSING': { fr: 'Signature du flux absente', en: 'Flow declared signed but no signature was received' },
  'SIG-UNDECLARED': {
    fr: 'Signature présente sur un flux déclaré non signé',
    en: 'Signature received on a flow declared unsigned',
  },
  'SIG-TOO-LARGE': {
    fr: 'Fichier de signature trop volumineux',
    en: 'Signature file larger than allowed (not parsed)',
  },
  'SIG-CMS-MALFORMED': { fr: 'Signature CMS illisible', en: 'Malformed CMS/PKCS#7 signature' },
  'SIG-NO-CONTENT': {
    fr: 'Contenu signé absent',
    en: 'No signed content (detached signature without its flow, or enveloped signature without content)',
  },
  'SIG-ALGO-UNSUPPORTED': {
    fr: 'Algorithme de signature non pris en charge',
    en: 'Unsupported signature or digest algorithm',
  },
  'SIG-DIGEST-MISMATCH': {
    fr: 'Empreinte du contenu signé incorrecte',
    en: 'Content digest does not match the signed messageDigest',
  },
  'SIG-BAD-SIGNATURE': { fr: 'Signature du flux invalide', en: 'Signature value does not verify' },
  'SIG-CERT-EXPIRED': { fr: 'Certificat de signature expiré', en: 'Signer certificate expired at signing time' },
  'SIG-CERT-NOT-YET-VALID': {
    fr: 'Certificat de signature pas encore valide',
    en: 'Signer certificate not yet valid at signing time',
  },
  'SIG-KEY-USAGE': {
    fr: 'Usage de clé du certificat incompatible avec la signature',
    en: 'Signer certificate key usage does not allow signing',
  },
  'SIG-SIGNER-UNKNOWN': {
    fr: 'Certificat de signature non enregistré pour le partenaire',
    en: 'Signer certificate is not registered for the partner',
  },
  'SIG-CHAIN-UNTRUSTED': {
    fr: 'Chaîne de certification non reconnue',
    en: 'Signer certificate does not chain to a trust anchor',
  },
  'SIG-CHAIN-NOT-CA': {
    fr: 'Émetteur de la chaîne de certification non autorité de certification',
    en: 'An issuer in the certification path is not a CA (basicConstraints cA)',
  },
  'SIG-CHAIN-PATH-LENGTH': {
    fr: 'Longueur de la chaîne de certification supérieure à celle permise',
    en: 'Certification path longer than an issuer’s pathLenConstraint allows',
  },
  'SIG-CHAIN-KEY-USAGE': {
    fr: 'Usage de clé d’une autorité de la chaîne sans signature de certificats',
    en: 'An issuer’s key usage does not allow certificate signing (keyCertSign)',
  },
  'SIG-CHAIN-EXPIRED': {
    fr: 'Autorité de la chaîne de certification expirée',
    en: 'A CA certificate of the path had expired at signing time',
  },
  'SIG-CHAIN-NOT-YET-VALID': {
    fr: 'Autorité de la chaîne de certification pas encore valide',
    en: 'A CA certificate of the path was not yet valid at signing time',
  },
  'SIG-CERT-CRITICAL-EXTENSION': {
    fr: 'Extension critique non reconnue dans un certificat de la chaîne',
    en: 'Unrecognised critical extension in a certificate of the path',
  },
  'SIG-CERT-REVOKED': { fr: 'Certificat de signature révoqué', en: 'Signer certificate revoked' },
  'SIG-CRL-UNUSABLE': {
    fr: 'Liste de révocation inutilisable',
    en: 'A configured CRL could not be read or verified (ignored)',
  },
} as const;

export type SignatureCode = keyof typeof SIGNATURE_CODES;

export function sigFinding(
  code: SignatureCode,
  detail?: string,
  location?: Location,
  severity: Severity = 'fatal',
): Finding {
  const l = SIGNATURE_CODES[code];
  return finding('SIGNATURE', code, l.fr, l.en, { detail, location, severity });
}
