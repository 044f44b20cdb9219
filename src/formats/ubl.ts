/**
 * UBL 2.1 Invoice and CreditNote (OASIS), deposited as E1 structured flows (FSO1100A). Both documents
 * share the interface code and `syntaxeFlux`; they differ by root element and schema entry. The CEN
 * artefacts judge both: the EN 16931 rules and the UBL syntax binding.
 */
import { readUbl } from './read/ubl.ts';
import type { XmlSyntaxModule } from './syntax.ts';
import type { ValidationSet } from './types.ts';

const UBL_INVOICE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
const UBL_CREDITNOTE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';

/** The CEN artefacts' version the rules give the verdicts of. */
const EN16931_VERSION = '1.3.16';
const UBL_RULES = ['en16931', 'en16931-ubl'];

const INVOICE_SET: ValidationSet = {
  id: 'ubl-invoice',
  version: EN16931_VERSION,
  schemas: [{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }],
  rules: UBL_RULES,
};

const CREDITNOTE_SET: ValidationSet = {
  id: 'ubl-creditnote',
  version: EN16931_VERSION,
  schemas: [{ set: 'ubl-2.1', entry: 'maindoc/UBL-CreditNote-2.1.xsd' }],
  rules: UBL_RULES,
};

const readOne = (root: Parameters<typeof readUbl>[0]) => [readUbl(root)];

export const ublInvoice: XmlSyntaxModule<'ubl-invoice'> = {
  kind: 'xml',
  id: 'ubl-invoice',
  label: 'UBL 2.1 Invoice',
  interfaceCode: 'FSO1100A',
  syntaxeFlux: 'IN_DP_E1_UBL_INVOICE',
  root: { uri: UBL_INVOICE_NS, local: 'Invoice' },
  probes: [],
  sets: [INVOICE_SET],
  describe: () => INVOICE_SET,
  reader: readOne,
};

export const ublCreditNote: XmlSyntaxModule<'ubl-creditnote'> = {
  kind: 'xml',
  id: 'ubl-creditnote',
  label: 'UBL 2.1 CreditNote',
  interfaceCode: 'FSO1100A',
  syntaxeFlux: 'IN_DP_E1_UBL_INVOICE',
  root: { uri: UBL_CREDITNOTE_NS, local: 'CreditNote' },
  probes: [],
  sets: [CREDITNOTE_SET],
  describe: () => CREDITNOTE_SET,
  reader: readOne,
};
