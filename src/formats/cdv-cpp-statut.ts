/**
 * "Cycle de vie" deposit (`IN_CDV_CPP_STATUT`): a recipient's CPPStatut carrying CPPFactureStatuts, that
 * applies statuses to the invoices addressed to it. Recognised by its root `CPPStatut` (no namespace),
 * validated against our `xsd/CPPStatut.xsd`. The interface code FSO1200A is ours (the platform's is not
 * public): the inbound twin of the FEN1200A return flow.
 */
import type { XmlSyntaxModule } from './syntax.ts';
import type { SyntaxId } from './types.ts';

/**
 * Not (yet) a member of the shared `SyntaxId` union: adding it there makes `readTree`'s exhaustive switch
 * (src/formats/read/index.ts) incomplete. The pipeline never reads a Cycle de vie flow as an invoice.
 */
export const CDV_SYNTAX_ID: SyntaxId = 'cdv-cpp-statut';

export const cdvCppStatut: XmlSyntaxModule = {
  kind: 'xml',
  id: CDV_SYNTAX_ID,
  label: 'Cycle de vie CPPStatut',
  interfaceCode: 'FSO1200A',
  syntaxeFlux: 'IN_CDV_CPP_STATUT',
  root: { uri: '', local: 'CPPStatut' },
  probes: [],
  describe: () => ({ schemas: [{ set: 'passerelle', entry: 'CPPStatut.xsd' }] }),
};
