/**
 * UBL 2.1 Invoice and CreditNote (OASIS), deposited as E1 structured flows (FSO1100A). Both documents
 * share the interface code and `syntaxeFlux`; they differ by root element and schema entry.
 */
import type { XmlSyntaxModule } from './syntax.ts';

const UBL_INVOICE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
const UBL_CREDITNOTE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';

export const ublInvoice: XmlSyntaxModule = {
  kind: 'xml',
  id: 'ubl-invoice',
  label: 'UBL 2.1 Invoice',
  interfaceCode: 'FSO1100A',
  syntaxeFlux: 'IN_DP_E1_UBL_INVOICE',
  root: { uri: UBL_INVOICE_NS, local: 'Invoice' },
  probes: [],
  describe: () => ({ schemas: [{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }] }),
};

export const ublCreditNote: XmlSyntaxModule = {
  kind: 'xml',
  id: 'ubl-creditnote',
  label: 'UBL 2.1 CreditNote',
  interfaceCode: 'FSO1100A',
  syntaxeFlux: 'IN_DP_E1_UBL_INVOICE',
  root: { uri: UBL_CREDITNOTE_NS, local: 'CreditNote' },
  probes: [],
  describe: () => ({ schemas: [{ set: 'ubl-2.1', entry: 'maindoc/UBL-CreditNote-2.1.xsd' }] }),
};
