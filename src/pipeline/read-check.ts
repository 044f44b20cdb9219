/**
 * The pure part of stage REGLE: read one invoice XML into the model and run the EN 16931 rules, then keep of
 * each invoice only what the rest of the flow needs (its findings, its routing facts, the record integration
 * writes), as plain data. Plain, so that it can be computed in a worker thread (src/pipeline/work/) and the
 * element tree and model, by far the largest objects of a flow, never reach the main thread.
 */
import type { Finding } from '../finding.ts';
import type { Invoice } from '../formats/invoice.ts';
import type { FormatLimits } from '../formats/limits.ts';
import { readInvoice, readParsed, type ReadOptions } from '../formats/read/index.ts';
import { SYNTAX_REGISTRY } from '../formats/registry.ts';
import { takeTree } from '../formats/read/kept.ts';
import { readInvoiceStatuses } from '../formats/return/index.ts';
import type { FacturXProfile, SyntaxId } from '../formats/types.ts';
import { routingFacts } from '../rules/chorus/facts.ts';
import type { RoutingFacts } from '../rules/chorus/routing.ts';
import { checkInvoice } from '../rules/engine.ts';
import type { NewInvoice } from '../store/invoices.ts';

/** What integration records of an accepted invoice (the partner is added by the stage). */
export type InvoiceRecord = Omit<NewInvoice, 'status' | 'partner'>;

export interface CheckedInvoice {
  /** BT-1, `?` when absent. */
  number: string;
  /** EN 16931 (and Factur-X profile) findings. */
  own: Finding[];
  /** Routing facts, locations naming `file` (what routing and the per-invoice lines read). */
  facts: RoutingFacts;
  record: InvoiceRecord;
}

export interface ReadAndCheckRequest {
  xml: Buffer;
  syntax: SyntaxId;
  profile?: FacturXProfile;
  /** The rule sets of the document's validation set (`DetectedFlow.rules`). */
  rules: readonly string[];
  limits: FormatLimits;
  /** File name for the routing facts' locations (the flow, or its embedded XML). */
  file: string;
  /** The key of the tree detection kept for `xml` (`DetectedFlow.tree`): read without parsing again when found. */
  tree?: string;
}

export interface ReadAndCheckResult {
  invoices: CheckedInvoice[];
  /** Reading findings (malformed, no invoice, a limit). */
  findings: Finding[];
}

/** `20190321` (CII 102) or `2019-03-21` → `2019-03-21`; anything else is not kept. */
function isoDate(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const t = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}
const decimal = (v: string | undefined) =>
  v !== undefined && /^-?\d{1,13}(\.\d{1,6})?$/.test(v.trim()) ? v.trim() : undefined;

/** The invoice record of an accepted invoice, from the model. */
function newInvoiceFrom(
  inv: Invoice,
  partner: string,
  facts: RoutingFacts = routingFacts(inv),
): Omit<NewInvoice, 'status'> {
  const out: Omit<NewInvoice, 'status'> = {
    partner,
    supplierIdentifier: facts.supplier.identifier ?? '',
    supplierType: facts.supplier.typeIdentifiant ?? '1',
    recipientSiret: facts.buyerSiret ?? '',
    number: facts.invoiceNumber,
    cadre: facts.cadre ?? 'A1',
  };
  const put = <K extends keyof typeof out>(k: K, v: (typeof out)[K] | undefined) => {
    if (v !== undefined && v !== '') out[k] = v;
  };
  put('supplierName', inv.seller?.name?.value);
  put('serviceCode', facts.serviceCode);
  put('commitmentNumber', facts.commitmentNumber);
  put('date', isoDate(inv.issueDate?.value));
  put('typeCode', inv.typeCode?.value);
  put('currency', inv.currency?.value);
  put('amountHt', decimal(inv.totals?.taxExclusive?.value));
  put('amountTtc', decimal(inv.totals?.taxInclusive?.value));
  put('amountNet', decimal(inv.totals?.payable?.value));
  return out;
}

/** `opts.decoded`: see ReadOptions (the caller may free `req.xml` once it is called). */
export function readAndCheck(req: ReadAndCheckRequest, opts: ReadOptions = {}): ReadAndCheckResult {
  const kept = req.tree === undefined ? undefined : takeTree(req.tree, req.xml);
  const read = kept
    ? readParsed(kept, req.syntax)
    : readInvoice(req.xml, req.syntax, req.limits, SYNTAX_REGISTRY, opts);
  const invoices = read.invoices.map((invoice): CheckedInvoice => {
    const own = checkInvoice(invoice, { rules: req.rules, ...(req.profile ? { profile: req.profile } : {}) });
    // The routing facts, once per invoice: routing reads them, and so does the record integration writes.
    const facts = routingFacts(invoice, req.file);
    const { partner: _partner, ...record } = newInvoiceFrom(invoice, '', facts);
    return { number: invoice.number?.value ?? '?', own, facts, record };
  });
  return { invoices, findings: read.findings };
}

/** The statuses of a Cycle de vie deposit, from the tree detection kept for `xml` when it is here (else parsed). */
export function readStatuses(xml: Buffer, tree?: string): ReturnType<typeof readInvoiceStatuses> {
  const kept = tree === undefined ? undefined : takeTree(tree, xml);
  return readInvoiceStatuses(xml, kept);
}
