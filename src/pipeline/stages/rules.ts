/**
 * REGLE: reads the invoices into the invoice model and runs the EN 16931 rules (per the Factur-X
 * profile), then Chorus Pro's routing rules when the platform simulation provides them. One rejected
 * invoice rejects a single-invoice flow; a flow carrying several invoices goes on with the good ones
 * (partial integration), and its compte-rendu carries one line per rejected invoice (number, supplier,
 * recipient, reasons), as the API's `listeErreurDP` does. A "Cycle de vie" deposit is checked entry by
 * entry against the invoices addressed to the depositing partner.
 */
import type { Finding } from '../../finding.ts';
import { finding, isFatal } from '../../finding.ts';
import { CDV_SYNTAX_ID } from '../../formats/cdv-cpp-statut.ts';
import { formatLimits } from '../../formats/limits.ts';
import type { DepositDocument } from '../../formats/registry.ts';
import type { DetectedFlow } from '../../formats/types.ts';
import { readInvoiceStatuses } from '../../formats/return/index.ts';
import { checkStatusReport } from '../../platform/cycle-de-vie.ts';
import { ROUTING_RULES } from '../../rules/chorus/routing.ts';
import type { RoutingFacts } from '../../rules/chorus/routing.ts';
import { FlowWorkers } from '../work/pool.ts';
import { readAndCheck } from './read-check.ts';
import type { CheckedInvoice, ReadAndCheckRequest } from './read-check.ts';
import type { FlowContext, PipelineDeps, Stage, StageResult } from '../stage.ts';
import { rejected } from '../stage.ts';

/** Chorus Pro checks plugged in by the platform layer (routing against the directory), on an invoice's routing facts. */
export type InvoiceChecker = (facts: RoutingFacts, ctx: FlowContext, deps: PipelineDeps) => Promise<Finding[]>;

/** A finding about one invoice of a flow, with who it is from and to (kept in the stage record for `listeErreurDP`). */
export interface InvoiceFinding extends Finding {
  invoiceSupplier?: string;
  invoiceRecipient?: string;
}

/** One line per rejected invoice of a partly integrated flow: its number, supplier, recipient and every reason. */
export function rejectedInvoiceLine(inv: { number: string; supplier?: string; recipient?: string }, own: Finding[]) {
  const fatal = own.filter(isFatal);
  const first = fatal[0];
  const reasons = fatal.map((f) => `${f.code} ${f.detail ?? f.labelFr}`).join(' ; ');
  const details = {
    detail: `Facture ${inv.number}, fournisseur ${inv.supplier ?? '(absent)'}, destinataire ${inv.recipient ?? '(absent)'} : ${reasons}`,
    invoice: inv.number,
    ...(first?.location ? { location: first.location } : {}),
  };
  // The line restates the invoice's first fatal finding (its code and label), or says only that it was rejected.
  const line: InvoiceFinding = first ? finding(first, details) : finding('CPP-FACTURE-REJETEE', details);
  if (inv.supplier !== undefined) line.invoiceSupplier = inv.supplier;
  if (inv.recipient !== undefined) line.invoiceRecipient = inv.recipient;
  return line;
}

async function checkCycleDeVie(ctx: FlowContext, deps: PipelineDeps): Promise<StageResult> {
  const read = readInvoiceStatuses(ctx.detected!.xml);
  if (!read.ok) return rejected(read.findings);
  // `passerelle analyze` has no database: the structure is all it can check.
  if (deps.extras.offline === true) return { outcome: 'ok', findings: [] };
  const { planned, findings } = await checkStatusReport(deps.store.db, ctx.flow.partner, read.report);
  ctx.statusChanges = planned;
  if (findings.length === 0) return { outcome: 'ok', findings };
  if (planned.length === 0) return { outcome: 'rejected', findings };
  return { outcome: 'partial', findings };
}

type InvoiceEntry = NonNullable<FlowContext['invoices']>[number];
type Checked = { entry: InvoiceEntry; own: InvoiceFinding[]; file?: string };

/** The file routing findings name: the embedded XML of a PDF, else the flow. */
const routingFile = (ctx: FlowContext) => ctx.detected?.xmlName ?? ctx.flow.originalName;

/** Reading and EN 16931 rules of one document: in a worker thread when the daemon has them, else here. */
async function readChecked(xml: Buffer, detected: DetectedFlow, ctx: FlowContext, deps: PipelineDeps) {
  const req: ReadAndCheckRequest = {
    xml,
    syntax: detected.syntax,
    rules: detected.rules,
    limits: formatLimits(deps.config.maxFlowSizeKo, deps.config.limits),
    file: routingFile(ctx),
    ...(detected.profile ? { profile: detected.profile } : {}),
  };
  const work = deps.extras.work as FlowWorkers | undefined;
  if (!work) return readAndCheck(req);
  const { checked, bytes } = await work.readAndCheck(req);
  FlowWorkers.handBack(ctx, xml, bytes);
  return checked;
}

/** Routing rules after the EN 16931 ones for each invoice of one document; `file` (a zip entry) goes into every location. */
async function checkInvoices(
  invoices: CheckedInvoice[],
  ctx: FlowContext,
  deps: PipelineDeps,
  firstPosition: number,
  file?: string,
): Promise<Checked[]> {
  const routing = deps.extras.routing as InvoiceChecker | undefined;
  const out: Checked[] = [];
  for (const [i, checked] of invoices.entries()) {
    const { number, facts } = checked;
    const own: InvoiceFinding[] = checked.own;
    if (routing) own.push(...(await routing(facts, ctx, deps)));
    for (const f of own) {
      if (!f.invoice) f.invoice = number;
      if (file !== undefined) f.location = { ...f.location, file };
      if (facts.supplier.identifier !== undefined) f.invoiceSupplier = facts.supplier.identifier;
      if (facts.buyerSiret !== undefined) f.invoiceRecipient = facts.buyerSiret;
    }
    const entry: InvoiceEntry = {
      number,
      rejected: own.some(isFatal),
      data: checked.record,
      position: firstPosition + i,
    };
    if (facts.supplier.identifier !== undefined) entry.supplier = facts.supplier.identifier;
    if (facts.buyerSiret !== undefined) entry.recipient = facts.buyerSiret;
    out.push({ entry, own, ...(file !== undefined ? { file } : {}) });
  }
  return out;
}

/**
 * The verdict over a flow's invoices: none rejected → ok; all (including `earlierRejected` documents of a
 * zip, rejected by the syntax or schema stage) → rejected; else partial, one line per rejected invoice.
 */
function verdict(perInvoice: Checked[], kept: Finding[], earlierRejected: number): StageResult {
  const bad = perInvoice.filter((p) => p.entry.rejected).length;
  const all = [...kept, ...perInvoice.flatMap((p) => p.own)];
  if (bad === 0) return { outcome: 'ok', findings: all };
  if (bad === perInvoice.length && earlierRejected === 0) return { outcome: 'rejected', findings: all };
  if (bad === perInvoice.length) {
    // Every invoice rejected, some at an earlier stage: the flow is rejected, still one line per invoice.
    return {
      outcome: 'rejected',
      findings: [
        ...kept,
        ...perInvoice.flatMap((p) => (p.entry.rejected ? [rejectedInvoiceLine(p.entry, p.own)] : p.own)),
      ],
    };
  }
  // Partial: warnings stay as they are; each rejected invoice becomes one line.
  const findings: Finding[] = [...kept];
  for (const p of perInvoice) {
    findings.push(...p.own.filter((f) => !isFatal(f)));
    if (p.entry.rejected) findings.push(rejectedInvoiceLine(p.entry, p.own));
  }
  return { outcome: 'partial', findings };
}

/**
 * The same supplier and number twice in one zip: the duplicate rule looks at other flows only, so the
 * second one is rejected here, with the rule's code (otherwise both would be integrated).
 */
function markDuplicatesWithin(perInvoice: Checked[]): void {
  const seen = new Map<string, number>();
  const rule = ROUTING_RULES.doublon;
  for (const p of perInvoice) {
    if (p.entry.rejected || p.entry.supplier === undefined) continue;
    const key = `${p.entry.supplier}|${p.entry.number}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, p.entry.position!);
      continue;
    }
    const f: InvoiceFinding = finding(rule, {
      detail: `Facture ${p.entry.number} du fournisseur ${p.entry.supplier} déjà présente dans ce flux (facture n° ${first} du flux)`,
      invoice: p.entry.number,
      ...(p.file !== undefined ? { location: { file: p.file } } : {}),
    });
    f.invoiceSupplier = p.entry.supplier;
    if (p.entry.recipient !== undefined) f.invoiceRecipient = p.entry.recipient;
    p.own.push(f);
    p.entry.rejected = true;
  }
}

/** A zip deposit: the invoices of every document still standing, numbered across documents (position). */
async function checkDocuments(docs: DepositDocument[], ctx: FlowContext, deps: PipelineDeps): Promise<StageResult> {
  const perInvoice: Checked[] = [];
  const kept: Finding[] = [];
  let earlierRejected = 0;
  for (const doc of docs) {
    if (!doc.detected || doc.findings.some(isFatal)) {
      earlierRejected++;
      continue;
    }
    const read = await readChecked(doc.detected.xml, doc.detected, ctx, deps);
    for (const f of read.findings) {
      f.location = { ...f.location, file: doc.name };
      f.invoice ??= doc.name;
    }
    if (read.invoices.length === 0) {
      // Unreadable as an invoice: the document is one rejected invoice, named after its entry.
      const own: InvoiceFinding[] = read.findings;
      perInvoice.push({ entry: { number: doc.name, rejected: true, position: perInvoice.length + 1 }, own });
      doc.findings.push(...read.findings);
      continue;
    }
    kept.push(...read.findings.filter((f) => !isFatal(f)));
    const checked = await checkInvoices(read.invoices, ctx, deps, perInvoice.length + 1, doc.name);
    perInvoice.push(...checked);
  }
  if (deps.extras.routing) markDuplicatesWithin(perInvoice);
  // Positions run across documents, so integration's (flow, position) key stays unique per invoice.
  ctx.invoices = perInvoice.map((p) => p.entry);
  return verdict(perInvoice, kept, earlierRejected);
}

export const rulesStage: Stage = {
  name: 'REGLE',
  async run(ctx, deps) {
    const detected = ctx.detected;
    if (!detected) return { outcome: 'skipped', findings: [] };
    if (ctx.documents) return checkDocuments(ctx.documents, ctx, deps);
    if (detected.syntax === CDV_SYNTAX_ID) return checkCycleDeVie(ctx, deps);
    const read = await readChecked(detected.xml, detected, ctx, deps);
    if (read.invoices.length === 0) return rejected(read.findings);
    const perInvoice = await checkInvoices(read.invoices, ctx, deps, 1);
    ctx.invoices = perInvoice.map((p) => p.entry);
    return verdict(perInvoice, read.findings, 0);
  },
};
