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
import type { Invoice } from '../../formats/invoice.ts';
import { readInvoice } from '../../formats/read/index.ts';
import { readInvoiceStatuses } from '../../formats/return/index.ts';
import { checkStatusReport } from '../../platform/cycle-de-vie.ts';
import { routingFacts } from '../../rules/chorus/facts.ts';
import { checkInvoice } from '../../rules/engine.ts';
import type { FlowContext, PipelineDeps, Stage, StageResult } from '../stage.ts';
import { rejected } from '../stage.ts';

/** Chorus Pro checks plugged in by the platform layer (routing against the directory). */
export type InvoiceChecker = (invoice: Invoice, ctx: FlowContext, deps: PipelineDeps) => Promise<Finding[]>;

/** A finding about one invoice of a flow, with who it is from and to (kept in the stage record for `listeErreurDP`). */
export interface InvoiceFinding extends Finding {
  invoiceSupplier?: string;
  invoiceRecipient?: string;
}

export const PARTIAL_LINE = {
  code: 'CPP-FACTURE-REJETEE',
  fr: 'Facture rejetée, non intégrée',
  en: 'Invoice rejected, not integrated',
} as const;

/** One line per rejected invoice of a partly integrated flow: its number, supplier, recipient and every reason. */
export function rejectedInvoiceLine(inv: { number: string; supplier?: string; recipient?: string }, own: Finding[]) {
  const fatal = own.filter(isFatal);
  const first = fatal[0];
  const reasons = fatal.map((f) => `${f.code} ${f.detail ?? f.labelFr}`).join(' ; ');
  const line: InvoiceFinding = finding(
    first?.nature ?? 'REGLE',
    first?.code ?? PARTIAL_LINE.code,
    first?.labelFr ?? PARTIAL_LINE.fr,
    first?.labelEn ?? PARTIAL_LINE.en,
    {
      detail: `Facture ${inv.number}, fournisseur ${inv.supplier ?? '(absent)'}, destinataire ${inv.recipient ?? '(absent)'} : ${reasons}`,
      invoice: inv.number,
      ...(first?.location ? { location: first.location } : {}),
    },
  );
  if (inv.supplier !== undefined) line.invoiceSupplier = inv.supplier;
  if (inv.recipient !== undefined) line.invoiceRecipient = inv.recipient;
  return line;
}

async function checkCycleDeVie(ctx: FlowContext, deps: PipelineDeps): Promise<StageResult> {
  const read = readInvoiceStatuses(ctx.detected!.xml.toString('utf8'));
  if (!read.ok) return rejected(read.findings);
  // `passerelle analyze` has no database: the structure is all it can check.
  if (deps.extras.offline === true) return { outcome: 'ok', findings: [] };
  const { planned, findings } = await checkStatusReport(deps.store.db, ctx.flow.partner, read.report);
  ctx.statusChanges = planned;
  if (findings.length === 0) return { outcome: 'ok', findings };
  if (planned.length === 0) return { outcome: 'rejected', findings };
  return { outcome: 'partial', findings };
}

export const rulesStage: Stage = {
  name: 'REGLE',
  async run(ctx, deps) {
    const detected = ctx.detected;
    if (!detected) return { outcome: 'skipped', findings: [] };
    if (detected.syntax === CDV_SYNTAX_ID) return checkCycleDeVie(ctx, deps);
    const read = readInvoice(detected.xml, detected.syntax);
    if (read.invoices.length === 0) return rejected(read.findings);
    const routing = deps.extras.routing as InvoiceChecker | undefined;
    const perInvoice: Array<{ entry: NonNullable<FlowContext['invoices']>[number]; own: InvoiceFinding[] }> = [];
    for (const [i, invoice] of read.invoices.entries()) {
      const number = invoice.number?.value ?? '?';
      const own: InvoiceFinding[] = checkInvoice(invoice, {
        syntax: detected.syntax,
        ...(detected.profile ? { profile: detected.profile } : {}),
      });
      if (routing) own.push(...(await routing(invoice, ctx, deps)));
      const facts = routingFacts(invoice);
      for (const f of own) {
        if (!f.invoice) f.invoice = number;
        if (facts.supplier.identifier !== undefined) f.invoiceSupplier = facts.supplier.identifier;
        if (facts.buyerSiret !== undefined) f.invoiceRecipient = facts.buyerSiret;
      }
      const entry: NonNullable<FlowContext['invoices']>[number] = {
        number,
        rejected: own.some(isFatal),
        data: invoice,
        position: i + 1,
      };
      if (facts.supplier.identifier !== undefined) entry.supplier = facts.supplier.identifier;
      if (facts.buyerSiret !== undefined) entry.recipient = facts.buyerSiret;
      perInvoice.push({ entry, own });
    }
    ctx.invoices = perInvoice.map((p) => p.entry);
    const bad = perInvoice.filter((p) => p.entry.rejected).length;
    const all = [...read.findings, ...perInvoice.flatMap((p) => p.own)];
    if (bad === 0) return { outcome: 'ok', findings: all };
    if (bad === perInvoice.length) return { outcome: 'rejected', findings: all };
    // Partial: warnings stay as they are; each rejected invoice becomes one line.
    const findings: Finding[] = [...read.findings];
    for (const p of perInvoice) {
      findings.push(...p.own.filter((f) => !isFatal(f)));
      if (p.entry.rejected) findings.push(rejectedInvoiceLine(p.entry, p.own));
    }
    return { outcome: 'partial', findings };
  },
};
