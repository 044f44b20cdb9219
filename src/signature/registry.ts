/**
 * File-based registry of the partners' signing certificates: `<dir>/<PARTNER>/<sha256>.pem`, one
 * certificate per file, named by the SHA-256 fingerprint of its DER so that adding the same
 * certificate twice is idempotent and `remove` takes what `list` shows.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { certsFromPem, type CertInfo } from './certs.ts';

// Same rule as config's PARTNER_CODE, repeated here because signature/ imports nothing of ours
// above floor 0; it also keeps a partner name from walking out of the registry folder.
const PARTNER = /^[A-Z0-9]{3,8}$/;
const FINGERPRINT = /^[0-9a-f]{64}$/;

interface RegisteredCertificate {
  fingerprint: string;
  subject: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export class CertificateRegistry {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  private partnerDir(partner: string): string {
    if (!PARTNER.test(partner))
      throw new Error(`code partenaire invalide : ${JSON.stringify(partner)} (3 à 8 majuscules ou chiffres)`);
    return path.join(this.dir, partner);
  }

  private files(partner: string): string[] {
    const dir = this.partnerDir(partner);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.pem') && FINGERPRINT.test(f.slice(0, -4)))
      .sort()
      .map((f) => path.join(dir, f));
  }

  /** Registers one certificate (PEM); throws if the text holds none or several. */
  add(partner: string, pem: string): { fingerprint: string; subject: string; notAfter: Date } {
    const dir = this.partnerDir(partner);
    const certs = certsFromPem(pem);
    if (certs.length !== 1)
      throw new Error(
        certs.length === 0
          ? 'aucun certificat PEM lisible'
          : `${certs.length} certificats : en enregistrer un à la fois`,
      );
    const c = certs[0]!;
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${c.fingerprint}.pem`), toPem(c.der));
    return { fingerprint: c.fingerprint, subject: c.subject, notAfter: c.notAfter };
  }

  list(partner: string): RegisteredCertificate[] {
    return this.files(partner)
      .flatMap((f) => certsFromPem(readFileSync(f, 'utf8')))
      .map((c: CertInfo) => ({
        fingerprint: c.fingerprint,
        subject: c.subject,
        serial: c.serial,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
      }));
  }

  /** Accepts the fingerprint in lower or upper case, with or without colons. */
  remove(partner: string, fingerprint: string): boolean {
    const fp = fingerprint.replace(/:/g, '').toLowerCase();
    if (!FINGERPRINT.test(fp)) return false;
    const file = path.join(this.partnerDir(partner), `${fp}.pem`);
    if (!existsSync(file)) return false;
    rmSync(file);
    return true;
  }

  /** The PEM texts to pass as TrustMaterial.registeredCertificates. */
  pems(partner: string): string[] {
    return this.files(partner).map((f) => readFileSync(f, 'utf8'));
  }
}
