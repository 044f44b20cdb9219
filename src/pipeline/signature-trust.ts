/**
 * Where signatures are judged from: the configured trust directory, the partner's own anchors and
 * certificate files, and the certificate registry (`passerelle certs`), read for each flow so that a
 * certificate added while the daemon runs counts at once.
 */
import path from 'node:path';
import type { Config } from '../config.ts';
import { CertificateRegistry } from '../signature/registry.ts';
import { loadTrustMaterial } from '../signature/trust.ts';
import type { SignatureServices } from './stage.ts';

export function certificateRegistry(dataDir: string): CertificateRegistry {
  return new CertificateRegistry(path.join(dataDir, 'certs'));
}

export function configuredTrust(config: Config): SignatureServices {
  return {
    trustFor(partner) {
      const partnerConfig = config.partners.find((p) => p.code === partner.code)?.signature;
      return loadTrustMaterial({
        trustDir: config.signature.trustDir,
        ...(partnerConfig?.trustAnchors ? { partnerAnchors: partnerConfig.trustAnchors } : {}),
        ...(partnerConfig?.certificates.length ? { certificateFiles: partnerConfig.certificates } : {}),
        registry: { registry: certificateRegistry(config.dataDir), partner: partner.code },
      });
    },
  };
}
