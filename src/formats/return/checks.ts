/**
 * What a report must satisfy before it is written. Identifiers are never truncated (a cut partner
 * code or SIRET names someone else), so an out-of-bounds identifier is a caller error, raised as
 * `ReturnFlowInputError`; only free text (ComplementStatut) is cut by the writers.
 */
import { DEFAULT_EMITTER, LIMITS, ReturnFlowInputError } from './model.ts';
import type { FlowReport, InvoiceStatusEntry, InvoiceStatusReport } from './model.ts';
import { charLength, isIsoDate } from './xml.ts';

const INVOICE_STATUS = /^(0[1-9]|[1-3][0-9]|4[01])$/;

function checkEnvelope(
  r: { flowId: string; partnerCode: string; emitter?: string; producedAt: Date },
  problems: string[],
): void {
  if (r.flowId.trim() === '') problems.push('flowId is empty');
  for (const [what, id] of [
    ['partnerCode', r.partnerCode],
    ['emitter', r.emitter ?? DEFAULT_EMITTER],
  ] as const) {
    const n = charLength(id);
    if (n < LIMITS.partnerIdMin || n > LIMITS.partnerIdMax)
      problems.push(`${what} "${id}" must be ${LIMITS.partnerIdMin} to ${LIMITS.partnerIdMax} characters`);
  }
  if (Number.isNaN(r.producedAt.getTime())) problems.push('producedAt is not a valid date');
}

export function checkFlowReport(r: FlowReport): void {
  const problems: string[] = [];
  checkEnvelope(r, problems);
  if (!['90', '93', '96'].includes(r.status)) problems.push(`status "${r.status}" is not 90, 93 or 96`);
  if (problems.length) throw new ReturnFlowInputError(problems);
}

function checkEntry(s: InvoiceStatusEntry, i: number, problems: string[]): void {
  const at = `statuses[${i}]`;
  if (!/^[1-7]$/.test(s.supplier.typeIdentifiant))
    problems.push(`${at}.supplier.typeIdentifiant "${s.supplier.typeIdentifiant}" is not 1..7`);
  if (s.supplier.identifiant.trim() === '') problems.push(`${at}.supplier.identifiant is empty`);
  if (s.supplier.codePays !== undefined && !/^[A-Z]{2}$/.test(s.supplier.codePays))
    problems.push(`${at}.supplier.codePays "${s.supplier.codePays}" is not two capital letters`);
  if (charLength(s.debtor.identifiant) !== LIMITS.siret)
    problems.push(`${at}.debtor.identifiant "${s.debtor.identifiant}" is not a 14-character SIRET`);
  if (s.debtor.codeService !== undefined && charLength(s.debtor.codeService) > LIMITS.codeService)
    problems.push(`${at}.debtor.codeService is longer than ${LIMITS.codeService}`);
  if (!INVOICE_STATUS.test(s.statusCode)) problems.push(`${at}.statusCode "${s.statusCode}" is not 01..41`);
  if (s.invoiceNumber.trim() === '') problems.push(`${at}.invoiceNumber is empty`);
  if (s.invoiceDate !== undefined && !isIsoDate(s.invoiceDate))
    problems.push(`${at}.invoiceDate "${s.invoiceDate}" is not YYYY-MM-DD`);
  if (Number.isNaN(s.at.getTime())) problems.push(`${at}.at is not a valid date`);
}

export function checkInvoiceStatusReport(r: InvoiceStatusReport): void {
  const problems: string[] = [];
  checkEnvelope(r, problems);
  if (r.statuses.length === 0) problems.push('statuses is empty');
  r.statuses.forEach((s, i) => checkEntry(s, i, problems));
  if (problems.length) throw new ReturnFlowInputError(problems);
}
