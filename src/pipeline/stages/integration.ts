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
import { changeInvoiceStatus, integrateInvoice } from '../../platform/invoicing.ts';
import { scheduleScenario } from '../../platform/scenarios.ts';
import type { Queryable } from '../../store/db.ts';
import { partnerHasMatelas } from '../routing.ts';
import type { FlowContext, PipelineDeps, Stage } from '../stage.ts';
import type { InvoiceRecord } from './read-check.ts';

export { newInvoiceFrom } from './read-check.ts';

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
        // Read (maybe in a worker thread) by stage REGLE: see read-check.ts.
        const record = { ...(entry.data as InvoiceRecord), partner: ctx.flow.partner };
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
