/**
 * CPP Facture mixte: Chorus Pro's own E2 deposit format (FSO1113A, `IN_DP_E2_CPP_FACTURE_MIN`): a few
 * structured fields per invoice plus the invoice PDF (zipped, base64) in `PJ/Contenu`. No namespace.
 * The official `CPPFactureMixte_V1.14.xsd` is not public: we validate against our own `xsd/CPPFactureMixte.xsd`.
 */
import type { XmlSyntaxModule } from './syntax.ts';

export const cppFactureMixte: XmlSyntaxModule = {
  kind: 'xml',
  id: 'cpp-facture-mixte',
  label: 'CPP Facture mixte',
  interfaceCode: 'FSO1113A',
  syntaxeFlux: 'IN_DP_E2_CPP_FACTURE_MIN',
  root: { uri: '', local: 'CPPFactureMixte' },
  probes: [],
  describe: () => ({ schemas: [{ set: 'passerelle', entry: 'CPPFactureMixte.xsd' }] }),
};
