/**
 * Whether a flow must, may or must not carry a signature (platform question "Le flux est-il
 * signé ?", API `avecSignature`). `declaredSigned` is the deposit's declaration (file-name flag or
 * `avecSignature`), defaulting to the partner's setting; `partnerSigns` is the partner's setting.
 *
 * | declaredSigned | partnerSigns | hasSignature | findings                                     |
 * |----------------|--------------|--------------|----------------------------------------------|
 * | yes            | any          | no           | SIG-MISSING                                  |
 * | yes            | any          | yes          | none: verify the signature                   |
 * | no             | yes          | yes          | SIG-UNDECLARED                               |
 * | no             | no           | yes          | none: signature not verified (.p7m unwrapped)|
 * | no             | any          | no           | none                                         |
 */
import { finding, type Finding } from '../finding.ts';

export function signaturePolicyFindings(opts: {
  declaredSigned: boolean;
  partnerSigns: boolean;
  hasSignature: boolean;
}): Finding[] {
  if (opts.declaredSigned && !opts.hasSignature) {
    return [finding('SIG-MISSING', { detail: 'flux déclaré signé reçu sans signature (.p7s ou .p7m)' })];
  }
  if (!opts.declaredSigned && opts.hasSignature && opts.partnerSigns) {
    return [
      finding('SIG-UNDECLARED', {
        detail: 'flux déclaré non signé reçu avec une signature alors que le partenaire signe ses flux',
      }),
    ];
  }
  return [];
}

/** Whether verifySignature must run: only on flows declared signed that carry a signature. */
export function mustVerify(opts: { declaredSigned: boolean; hasSignature: boolean }): boolean {
  return opts.declaredSigned && opts.hasSignature;
}
