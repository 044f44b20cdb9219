/**
 * The integration hook the daemon gives the pipeline (`PipelineDeps.integration`): accepted invoices
 * become invoices of the platform (and enter their scenario), a Cycle de vie deposit's status changes are
 * applied, all inside the flow's conclusion transaction.
 */
import type { Config } from '../config.ts';
import { changeInvoiceStatus, integrateInvoice } from '../platform/invoicing.ts';
import { scheduleScenario } from '../platform/scenarios.ts';
import type { Store } from '../store/index.ts';
import type { IntegrationHook } from './stage.ts';

export function platformIntegration(store: Pick<Store, 'boss'>, config: Config): IntegrationHook {
  return {
    // A partner without a matelas has nowhere to address its invoices (see docs/chorus-pro-behaviour.md).
    async accepts({ matelas }) {
      return (await matelas()).sets.length > 0;
    },
    async integrate(tx, flow, invoices) {
      const at = new Date();
      for (const { position, ...record } of invoices) {
        const { invoice, created } = await integrateInvoice(
          tx,
          { ...record, partner: flow.partner, status: 'DEPOSEE', flowId: flow.id, flowPosition: position },
          at,
        );
        if (created) await scheduleScenario(tx, store.boss, config, invoice, at);
      }
    },
    async applyStatusChanges(tx, flow, changes) {
      for (const c of changes) {
        // Checked again under lock: another change may have come in between.
        await changeInvoiceStatus(tx, c.invoiceId, c.to, {
          by: 'destinataire',
          expectFrom: c.from,
          who: flow.partner,
          at: new Date(),
          ...(c.comment ? { comment: c.comment } : {}),
        });
      }
    },
  };
}
