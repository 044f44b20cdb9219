/**
 * Return flows: the public entry of `src/formats/return/`. Pure functions: a report in, a UTF-8 XML
 * string out (same input, same bytes), and the reader of a recipient's "Cycle de vie" deposit.
 */
import { writeAifeFlowReport, writeAifeInvoiceStatuses } from './aifestatut.ts';
import { writeCppFlowReport, writeCppInvoiceStatuses } from './cppstatut.ts';
import type { FlowReport, InvoiceStatusReport, ReturnSyntax } from './model.ts';

export type { FlowReport, InvoiceStatusReport, ReturnSyntax } from './model.ts';
export { FLOW_STATUS_LABELS, INVOICE_STATUS_CODES, ReturnFlowInputError, invoiceStatusCodeOf } from './model.ts';
export { analysisFileName, fitFileName, lifecycleFileName, returnFileName } from './names.ts';
export { readInvoiceStatuses } from './read-cppstatut.ts';
export { errorLineDescription, WARNING_PREFIX } from './cppstatut.ts';

/** The compte-rendu of a flow. Throws `ReturnFlowInputError` when an identifier cannot fit the structure. */
export function writeFlowReport(syntax: ReturnSyntax, r: FlowReport): string {
  return syntax === 'CPPStatut' ? writeCppFlowReport(r) : writeAifeFlowReport(r);
}

/** Lifecycle statuses of invoices. Throws `ReturnFlowInputError` when an identifier cannot fit the structure. */
export function writeInvoiceStatuses(syntax: ReturnSyntax, r: InvoiceStatusReport): string {
  return syntax === 'CPPStatut' ? writeCppInvoiceStatuses(r) : writeAifeInvoiceStatuses(r);
}
