/**
 * INTEGRATION (deposits only): each accepted invoice becomes an invoice of the platform
 * (`identifiantFactureCPP`, DEPOSEE then MISE_A_DISPOSITION, each status sent to the supplier's partner
 * as a lifecycle flow); a Cycle de vie deposit applies its status changes. The work is planned here and
 * done by the runner inside the flow's conclusion transaction, so the invoices, the compte-rendu and the
 * lifecycle flows are recorded together; invoices are also keyed on (flow, position), unique in the
 * database, so nothing is integrated twice whatever happens.
 * Invoices of a partner without a matelas are not integrated (nothing to address them to): see
 * docs/chorus-pro-behaviour.md.
 */
import type { Invoice } from '../../formats/invoice.ts';
import { changeInvoiceStatus, integrateInvoice } from '../../platform/invoicing.ts';
import { scheduleScenario } from '../../platform/scenarios.ts';
import { routingFacts } from '../../rules/chorus/facts.ts';
import type { Queryable } from '../../store/db.ts';
import type { NewInvoice } from '../../store/directory.ts';
import { partnerHasMatelas } from '../routing.ts';
import type { FlowContext, PipelineDeps, Stage } from '../stage.ts';

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
export function newInvoiceFrom(inv: Invoice, partner: string): Omit<NewInvoice, 'status'> {
  const facts = routingFacts(inv);
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

export const integrationStage: Stage = {
  name: 'INTEGRATION',
  depositOnly: true,
  async run(ctx: FlowContext, deps: PipelineDeps) {
    const steps = (ctx.atConclusion ??= []);
    if (ctx.statusChanges?.length) {
      const changes = ctx.statusChanges;
      steps.push(async (tx: Queryable) => {
        for (const c of changes) {
          // Checked again under lock: another change may have come in between.
          await changeInvoiceStatus(tx, c.invoiceId, c.to, {
            by: 'destinataire',
            expectFrom: c.from,
            who: ctx.flow.partner,
            at: new Date(),
            ...(c.comment ? { comment: c.comment } : {}),
          });
        }
      });
      return { outcome: 'ok', findings: [] };
    }
    const accepted = (ctx.invoices ?? []).filter((i) => !i.rejected && i.data);
    if (accepted.length === 0) return { outcome: 'skipped', findings: [] };
    if (!(await partnerHasMatelas(ctx, deps))) return { outcome: 'skipped', findings: [] };
    const flowId = ctx.flow.id;
    steps.push(async (tx: Queryable) => {
      const at = new Date();
      ctx.integrated = [];
      for (const [i, entry] of accepted.entries()) {
        const record = newInvoiceFrom(entry.data as Invoice, ctx.flow.partner);
        const { invoice, created } = await integrateInvoice(
          tx,
          { ...record, status: 'DEPOSEE', flowId, flowPosition: entry.position ?? i + 1 },
          at,
        );
        ctx.integrated.push({ number: invoice.number, invoiceId: invoice.id });
        if (created) await scheduleScenario(tx, deps.store.boss, deps.config, invoice, at);
      }
    });
    return { outcome: 'ok', findings: [] };
  },
};
