/**
 * CPP Facture mixte: Chorus Pro's own E2 deposit format (FSO1113A, `IN_DP_E2_CPP_FACTURE_MIN`): a few
 * structured fields per invoice plus the invoice PDF (zipped, base64) in `PJ/Contenu`. No namespace.
 * The official `CPPFactureMixte_V1.14.xsd` is not public: we validate against our own `xsd/CPPFactureMixte.xsd`.
 */
import { readCpp } from './read/cpp.ts';
import type { XmlSyntaxModule } from './syntax.ts';
import type { ValidationSet } from './types.ts';

/** Our XSD, and the EN 16931 rules on the few terms the format carries (src/rules/profiles.ts). */
const CPP_SET: ValidationSet = {
  id: 'cpp-facture-mixte',
  version: '1.14',
  schemas: [{ set: 'passerelle', entry: 'CPPFactureMixte.xsd' }],
  rules: ['cpp-facture-mixte'],
};

export const cppFactureMixte: XmlSyntaxModule<'cpp-facture-mixte'> = {
  kind: 'xml',
  id: 'cpp-facture-mixte',
  label: 'CPP Facture mixte',
  interfaceCode: 'FSO1113A',
  syntaxeFlux: 'IN_DP_E2_CPP_FACTURE_MIN',
  root: { uri: '', local: 'CPPFactureMixte' },
  probes: [],
  sets: [CPP_SET],
  describe: () => CPP_SET,
  reader: readCpp,
};
