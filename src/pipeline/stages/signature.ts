/**
 * SIGNATURE: applies the declaration rules (declared signed, partner signs, signature present) and
 * verifies a detached `.p7s` or an enveloped `.p7m` against the partner's registered certificates and
 * trust anchors. An enveloped flow is unwrapped here, so syntax detection sees the invoice itself.
 */
import path from 'node:path';
import { finding } from '../../finding.ts';
import { CertificateRegistry } from '../../signature/registry.ts';
import { loadTrustMaterial } from '../../signature/trust.ts';
import { looksLikeCms, verifySignature } from '../../signature/verify.ts';
import { mustVerify, signaturePolicyFindings } from '../../signature/policy.ts';
import type { Stage } from '../stage.ts';
import { ok, rejected } from '../stage.ts';

export function certificateRegistry(dataDir: string): CertificateRegistry {
  return new CertificateRegistry(path.join(dataDir, 'certs'));
}

export const signatureStage: Stage = {
  name: 'SIGNATURE',
  async run(ctx, deps) {
    const { flow, partner, bytes } = ctx;
    if (!bytes) return { outcome: 'skipped', findings: [] };
    const enveloped = !ctx.signature && looksLikeCms(bytes);
    const hasSignature = Boolean(ctx.signature) || enveloped;
    const declaredSigned = flow.declaredSigned ?? partner.signed;
    const policy = signaturePolicyFindings({ declaredSigned, partnerSigns: partner.signed, hasSignature });
    if (policy.some((f) => f.severity === 'fatal')) return rejected(policy);
    if (!hasSignature) return ok(policy);
    // A detached signature is a few Ko (certificates, maybe CRLs): a larger one is refused before any parsing.
    // An enveloped one is the flow itself, bounded by maxFlowSizeKo at RECEPTION.
    // One that would not be judged (see mustVerify) is then not read at all.
    const maxKo = deps.config.limits.signatureMaxKo;
    if (ctx.signature && ctx.signature.length > maxKo * 1024) {
      if (!mustVerify({ declaredSigned, hasSignature })) return ok(policy);
      const size = `${Math.ceil(ctx.signature.length / 1024)} Ko > ${maxKo} Ko`;
      return rejected([
        ...policy,
        finding('SIG-TOO-LARGE', { detail: size, location: { file: `${flow.originalName}.p7s` } }),
      ]);
    }

    const partnerConfig = deps.config.partners.find((p) => p.code === partner.code)?.signature;
    const trust = loadTrustMaterial({
      trustDir: deps.config.signature.trustDir,
      ...(partnerConfig?.trustAnchors ? { partnerAnchors: partnerConfig.trustAnchors } : {}),
      ...(partnerConfig?.certificates.length ? { certificateFiles: partnerConfig.certificates } : {}),
      registry: { registry: certificateRegistry(deps.config.dataDir), partner: partner.code },
    });
    const result = await verifySignature(
      enveloped
        ? { enveloped: bytes, receivedAt: flow.receivedAt, fileName: flow.originalName }
        : {
            content: bytes,
            detached: ctx.signature as Buffer,
            receivedAt: flow.receivedAt,
            fileName: `${flow.originalName}.p7s`,
          },
      trust,
    );
    if (enveloped && result.content) ctx.payload = result.content;
    // A signature on a flow declared unsigned, from a partner that does not sign, is not judged.
    if (!mustVerify({ declaredSigned, hasSignature })) return ok(policy);
    if (!result.ok) return rejected([...policy, ...result.findings]);
    deps.logger.debug({ flow: flow.flowNumber, signer: result.signer?.subject }, 'signature verified');
    return ok([...policy, ...result.findings]);
  },
};
