/**
 * SIGNATURE: applies the declaration rules (declared signed, partner signs, signature present) and
 * verifies a detached `.p7s` or an enveloped `.p7m` against the partner's registered certificates and
 * trust anchors. An enveloped flow is unwrapped here: its output `payload` is the invoice itself, what
 * syntax detection sees.
 */
import { finding } from '../../finding.ts';
import { looksLikeCms, verifySignature } from '../../signature/verify.ts';
import { mustVerify, signaturePolicyFindings } from '../../signature/policy.ts';
import { configuredTrust } from '../signature-trust.ts';
import type { FlowInput, SignatureOutput, Stage } from '../stage.ts';
import { go, rejected } from '../stage.ts';

export const signatureStage: Stage<Pick<FlowInput, 'flow' | 'partner' | 'bytes' | 'signature'>, SignatureOutput> = {
  name: 'SIGNATURE',
  async run({ flow, partner, bytes, signature }, deps) {
    if (!bytes) return go({ payload: bytes }, [], 'skipped');
    const pass = { payload: bytes };
    const enveloped = !signature && looksLikeCms(bytes);
    const hasSignature = Boolean(signature) || enveloped;
    const declaredSigned = flow.declaredSigned ?? partner.signed;
    const policy = signaturePolicyFindings({ declaredSigned, partnerSigns: partner.signed, hasSignature });
    if (policy.some((f) => f.severity === 'fatal')) return rejected(policy);
    if (!hasSignature) return go(pass, policy);
    // A detached signature is a few Ko (certificates, maybe CRLs): a larger one is refused before any parsing.
    // An enveloped one is the flow itself, bounded by maxFlowSizeKo at RECEPTION.
    // One that would not be judged (see mustVerify) is then not read at all.
    const maxKo = deps.config.limits.signatureMaxKo;
    if (signature && signature.length > maxKo * 1024) {
      if (!mustVerify({ declaredSigned, hasSignature })) return go(pass, policy);
      const size = `${Math.ceil(signature.length / 1024)} Ko > ${maxKo} Ko`;
      return rejected([
        ...policy,
        finding('SIG-TOO-LARGE', { detail: size, location: { file: `${flow.originalName}.p7s` } }),
      ]);
    }

    const trust = (deps.signature ?? configuredTrust(deps.config)).trustFor(partner);
    const result = await verifySignature(
      signature
        ? { content: bytes, detached: signature, receivedAt: flow.receivedAt, fileName: `${flow.originalName}.p7s` }
        : { enveloped: bytes, receivedAt: flow.receivedAt, fileName: flow.originalName },
      trust,
    );
    const out = enveloped && result.content ? { payload: result.content } : pass;
    // A signature on a flow declared unsigned, from a partner that does not sign, is not judged.
    if (!mustVerify({ declaredSigned, hasSignature })) return go(out, policy);
    if (!result.ok) return rejected([...policy, ...result.findings]);
    deps.logger.debug({ flow: flow.flowNumber, signer: result.signer?.subject }, 'signature verified');
    return go(out, [...policy, ...result.findings]);
  },
};
