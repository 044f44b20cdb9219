/**
 * REGLE: reads the invoices into the invoice model and runs the EN 16931 rules (per the Factur-X
 * profile), then Chorus Pro's routing rules when the platform simulation provides them. One rejected
 * invoice rejects a single-invoice flow; a flow carrying several invoices goes on with the good ones
 * (partial integration).
 */
import type { Finding } from '../../finding.ts';
import type { Invoice } from '../../formats/invoice.ts';
import { readInvoice } from '../../formats/read/index.ts';
import { checkInvoice } from '../../rules/engine.ts';
import type { FlowContext, PipelineDeps, Stage } from '../stage.ts';
import { rejected } from '../stage.ts';

/** Chorus Pro checks plugged in by the platform layer (routing against the directory). */
export type InvoiceChecker = (invoice: Invoice, ctx: FlowContext, deps: PipelineDeps) => Promise<Finding[]>;

export const rulesStage: Stage = {
  name: 'REGLE',
  async run(ctx, deps) {
    const detected = ctx.detected;
    if (!detected) return { outcome: 'skipped', findings: [] };
    const read = readInvoice(detected.xml, detected.syntax);
    if (read.invoices.length === 0) return rejected(read.findings);
    const routing = deps.extras.routing as InvoiceChecker | undefined;
    const findings: Finding[] = [...read.findings];
    const invoices: NonNullable<FlowContext['invoices']> = [];
    for (const invoice of read.invoices) {
      const number = invoice.number?.value ?? '?';
      const own = checkInvoice(invoice, {
        syntax: detected.syntax,
        ...(detected.profile ? { profile: detected.profile } : {}),
      });
      if (routing) own.push(...(await routing(invoice, ctx, deps)));
      for (const f of own) if (!f.invoice) f.invoice = number;
      findings.push(...own);
      invoices.push({ number, rejected: own.some((f) => f.severity === 'fatal'), data: invoice });
    }
    ctx.invoices = invoices;
    const bad = invoices.filter((i) => i.rejected).length;
    if (bad === 0) return { outcome: 'ok', findings };
    if (bad === invoices.length) return { outcome: 'rejected', findings };
    return { outcome: 'partial', findings };
  },
};
