/**
 * REGLE: reads the invoices into the invoice model and runs the EN 16931 rules (per the Factur-X
 * profile), then Chorus Pro's routing rules when the platform simulation provides them. One rejected
 * invoice rejects a single-invoice flow; a flow carrying several invoices goes on with the good ones
 * (partial integration), and its compte-rendu carries one line per rejected invoice (number, supplier,
 * recipient, reasons), as the API's `listeErreurDP` does. A "Cycle de vie" deposit is checked entry by
 * entry against the invoices addressed to the depositing partner. The routing rules get every invoice of
 * the flow in one call (one batch of directory reads per flow).
 */
import type { Finding } from '../../finding.ts';
import { finding, isFatal } from '../../finding.ts';
import { CDV_SYNTAX_ID } from '../../formats/cdv-cpp-statut.ts';
import { formatLimits } from '../../formats/limits.ts';
import type { DepositDocument } from '../../formats/registry.ts';
import type { DetectedFlow } from '../../formats/types.ts';
import { checkStatusReport } from '../../platform/cycle-de-vie.ts';
import { ROUTING_RULES } from '../../rules/chorus/routing.ts';
import type { FlowRecord } from '../../store/types.ts';
import type { InvoiceFinding } from '../invoice-lines.ts';
import { rejectedInvoiceLine } from '../invoice-lines.ts';
import { readAndCheck, readStatuses } from '../read-check.ts';
import type { CheckedInvoice, ReadAndCheckRequest } from '../read-check.ts';
import type {
  InvoiceEntry,
  MatelasOfRun,
  PipelineDeps,
  RulesOutput,
  SchemaOutput,
  Stage,
  StageResult,
} from '../stage.ts';
import { go, rejected } from '../stage.ts';

type RulesInput = SchemaOutput & { flow: FlowRecord; matelas: MatelasOfRun };
type Checked = { entry: InvoiceEntry; own: InvoiceFinding[]; file?: string };
/** The invoices of one document (`file`: its zip entry), or a document that could not be read as an invoice. */
type DocumentInvoices = { invoices: CheckedInvoice[]; file?: string } | { unreadable: string; own: InvoiceFinding[] };

async function checkCycleDeVie(detected: DetectedFlow, flow: FlowRecord, deps: PipelineDeps) {
  // In the worker that detected (it kept the tree) when the daemon has them, else here.
  const read = deps.work
    ? (await deps.work.readStatuses(detected.xml, detected.tree)).read
    : readStatuses(detected.xml, detected.tree);
  if (!read.ok) return rejected(read.findings);
  // An offline analysis (`passerelle analyze` without a partner) has no database: the structure is all it can check.
  if (!deps.db) return go<RulesOutput>({ invoices: [] });
  const { planned, findings } = await checkStatusReport(deps.db, flow.partner, read.report);
  const output: RulesOutput = { invoices: [], statusChanges: planned };
  if (findings.length === 0) return go(output, findings);
  if (planned.length === 0) return rejected(findings);
  return go(output, findings, 'partial');
}

/** Reading and EN 16931 rules of one document: in a worker thread when the daemon has them, else here. */
async function readChecked(xml: Buffer, detected: DetectedFlow, file: string, deps: PipelineDeps) {
  const req: ReadAndCheckRequest = {
    xml,
    syntax: detected.syntax,
    rules: detected.rules,
    limits: formatLimits(deps.config.maxFlowSizeKo, deps.config.limits),
    file,
    ...(detected.profile ? { profile: detected.profile } : {}),
    ...(detected.tree !== undefined ? { tree: detected.tree } : {}),
  };
  // The XML goes to the worker, which frees it once decoded: nothing after this stage reads it.
  return deps.work ? (await deps.work.readAndCheck(req, { handBack: false })).checked : readAndCheck(req);
}

/**
 * Routing rules after the EN 16931 ones for every invoice of the flow, in one call; positions run across
 * documents (integration's (flow, position) key stays unique per invoice), and a zip entry's name goes
 * into every location of its invoices' findings.
 */
async function checkInvoices(docs: DocumentInvoices[], input: RulesInput, deps: PipelineDeps): Promise<Checked[]> {
  const all = docs.flatMap((d) => ('invoices' in d ? d.invoices : []));
  const routed =
    deps.routing && deps.db && all.length
      ? await deps.routing.check(
          all.map((c) => c.facts),
          { flow: input.flow, matelas: input.matelas },
          deps.db,
        )
      : [];
  const out: Checked[] = [];
  let k = 0;
  for (const doc of docs) {
    if ('unreadable' in doc) {
      out.push({ entry: { number: doc.unreadable, rejected: true, position: out.length + 1 }, own: doc.own });
      continue;
    }
    const { file } = doc;
    for (const checked of doc.invoices) {
      const { number, facts } = checked;
      const own: InvoiceFinding[] = [...checked.own, ...(routed[k++] ?? [])];
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
        position: out.length + 1,
      };
      if (facts.supplier.identifier !== undefined) entry.supplier = facts.supplier.identifier;
      if (facts.buyerSiret !== undefined) entry.recipient = facts.buyerSiret;
      out.push({ entry, own, ...(file !== undefined ? { file } : {}) });
    }
  }
  return out;
}

/**
 * The verdict over a flow's invoices: none rejected → ok; all (including `earlierRejected` documents of a
 * zip, rejected by the syntax or schema stage) → rejected; else partial, one line per rejected invoice.
 */
function verdict(perInvoice: Checked[], kept: Finding[], earlierRejected: number): StageResult<RulesOutput> {
  const output: RulesOutput = { invoices: perInvoice.map((p) => p.entry) };
  const bad = perInvoice.filter((p) => p.entry.rejected).length;
  const all = [...kept, ...perInvoice.flatMap((p) => p.own)];
  if (bad === 0) return go(output, all);
  if (bad === perInvoice.length && earlierRejected === 0) return rejected(all);
  if (bad === perInvoice.length) {
    // Every invoice rejected, some at an earlier stage: the flow is rejected, still one line per invoice.
    return rejected([
      ...kept,
      ...perInvoice.flatMap((p) => (p.entry.rejected ? [rejectedInvoiceLine(p.entry, p.own)] : p.own)),
    ]);
  }
  // Partial: warnings stay as they are; each rejected invoice becomes one line.
  const findings: Finding[] = [...kept];
  for (const p of perInvoice) {
    findings.push(...p.own.filter((f) => !isFatal(f)));
    if (p.entry.rejected) findings.push(rejectedInvoiceLine(p.entry, p.own));
  }
  return go(output, findings, 'partial');
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
      seen.set(key, p.entry.position);
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
async function checkDocuments(
  docs: DepositDocument[],
  file: string,
  input: RulesInput,
  deps: PipelineDeps,
): Promise<StageResult<RulesOutput>> {
  const read: DocumentInvoices[] = [];
  const kept: Finding[] = [];
  let earlierRejected = 0;
  for (const doc of docs) {
    if (!doc.detected || doc.findings.some(isFatal)) {
      earlierRejected++;
      continue;
    }
    const r = await readChecked(doc.detected.xml, doc.detected, file, deps);
    for (const f of r.findings) {
      f.location = { ...f.location, file: doc.name };
      f.invoice ??= doc.name;
    }
    // Unreadable as an invoice: the document is one rejected invoice, named after its entry.
    if (r.invoices.length === 0) read.push({ unreadable: doc.name, own: r.findings });
    else {
      kept.push(...r.findings.filter((f) => !isFatal(f)));
      read.push({ invoices: r.invoices, file: doc.name });
    }
  }
  const perInvoice = await checkInvoices(read, input, deps);
  if (deps.routing) markDuplicatesWithin(perInvoice);
  return verdict(perInvoice, kept, earlierRejected);
}

export const rulesStage: Stage<RulesInput, RulesOutput> = {
  name: 'REGLE',
  async run(input, deps) {
    const { documents, flow } = input;
    if (!input.detected) return go({ invoices: [] }, [], 'skipped');
    // A large document's bytes, parked on disk during SCHEMA.
    const detected = input.parkedXml ? { ...input.detected, xml: await input.parkedXml.take() } : input.detected;
    // The file routing findings name: the embedded XML of a PDF, else the flow.
    const file = detected.xmlName ?? flow.originalName;
    if (documents) return checkDocuments(documents, file, input, deps);
    if (detected.syntax === CDV_SYNTAX_ID) return checkCycleDeVie(detected, flow, deps);
    const read = await readChecked(detected.xml, detected, file, deps);
    if (read.invoices.length === 0) return rejected(read.findings);
    const perInvoice = await checkInvoices([{ invoices: read.invoices }], input, deps);
    return verdict(perInvoice, read.findings, 0);
  },
};
