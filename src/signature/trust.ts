/**
 * Builds a partner's TrustMaterial from files, as configured in src/config.ts (`signature.trustDir`,
 * per-partner `signature.trustAnchors` and `signature.certificates`) plus the certificate registry.
 * Reads the files on every call (so an operator's change applies to the next flow); parsing is
 * cached by content in certs.ts, so re-reading costs only the file reads.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CertificateRegistry } from './registry.ts';
import type { TrustMaterial } from './verify.ts';

interface TrustFiles {
  /** `config.signature.trustDir`: anchors as `*.pem` / `*.crt` / `*.cer` (PEM), CRLs as `*.crl` / `*.crl.pem` (DER or PEM). */
  trustDir: string;
  /** The partner's `signature.trustAnchors` PEM bundle: replaces the trustDir anchors (the trustDir CRLs still apply). */
  partnerAnchors?: string;
  /** The partner's `signature.certificates` PEM files. */
  certificateFiles?: string[];
  /** Certificates registered with `passerelle certs add` for this partner. */
  registry?: { registry: CertificateRegistry; partner: string };
}

const CRL = /\.crl(\.pem)?$/i;
const CERT = /\.(pem|crt|cer)$/i;

export function loadTrustMaterial(files: TrustFiles): TrustMaterial {
  const anchors: string[] = [];
  const crls: Buffer[] = [];
  const entries = existsSync(files.trustDir) ? readdirSync(files.trustDir).sort() : [];
  for (const name of entries) {
    const file = path.join(files.trustDir, name);
    if (!statSync(file).isFile()) continue;
    if (CRL.test(name)) crls.push(readFileSync(file));
    else if (CERT.test(name) && !files.partnerAnchors) anchors.push(readFileSync(file, 'utf8'));
  }
  if (files.partnerAnchors) anchors.push(readFileSync(files.partnerAnchors, 'utf8'));
  const registered = (files.certificateFiles ?? []).map((f) => readFileSync(f, 'utf8'));
  if (files.registry) registered.push(...files.registry.registry.pems(files.registry.partner));
  return { registeredCertificates: registered, trustAnchors: anchors, crls };
}
