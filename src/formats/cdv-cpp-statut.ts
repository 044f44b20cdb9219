/**
 * "Cycle de vie" deposit (`IN_CDV_CPP_STATUT`): a recipient's CPPStatut carrying CPPFactureStatuts, that
 * applies statuses to the invoices addressed to it. Recognised by its root `CPPStatut` (no namespace),
 * validated against our `xsd/CPPStatut.xsd`. The interface code FSO1200A is ours (the platform's is not
 * public): the inbound twin of the FEN1200A return flow.
 */
import type { XmlSyntaxModule } from './syntax.ts';
import type { ValidationSet } from './types.ts';

/** The id stage REGLE recognises a Cycle de vie deposit by (it reads statuses, src/formats/return/read-cppstatut.ts). */
export const CDV_SYNTAX_ID = 'cdv-cpp-statut';

/** Statuses, not invoices: our XSD, no invoice rules. */
const CDV_SET: ValidationSet = {
  id: CDV_SYNTAX_ID,
  version: '1.19',
  schemas: [{ set: 'passerelle', entry: 'CPPStatut.xsd' }],
  rules: [],
};

export const cdvCppStatut: XmlSyntaxModule<typeof CDV_SYNTAX_ID> = {
  kind: 'xml',
  id: CDV_SYNTAX_ID,
  label: 'Cycle de vie CPPStatut',
  interfaceCode: 'FSO1200A',
  syntaxeFlux: 'IN_CDV_CPP_STATUT',
  root: { uri: '', local: 'CPPStatut' },
  probes: [],
  sets: [CDV_SET],
  describe: () => CDV_SET,
  reader: 'not-an-invoice',
};
