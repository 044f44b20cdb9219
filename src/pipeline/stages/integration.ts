/**
 * INTEGRATION (deposits only): each accepted invoice becomes an invoice of the platform
 * (`identifiantFactureCPP`, DEPOSEE then MISE_A_DISPOSITION, each status sent to the supplier's partner
 * as a lifecycle flow); a Cycle de vie deposit applies its status changes. The work is planned here (the
 * integration hook does it) and done by the runner inside the flow's conclusion transaction, so the
 * invoices, the compte-rendu and the lifecycle flows are recorded together; invoices are also keyed on
 * (flow, position), unique in the database, so nothing is integrated twice whatever happens.
 * Invoices of a partner without a matelas are not integrated (nothing to address them to): see
 * docs/chorus-pro-behaviour.md.
 */
import type { FlowRecord } from '../../store/types.ts';
import type { AcceptedInvoice, IntegrationOutput, MatelasOfRun, RulesOutput, Stage } from '../stage.ts';
import { go } from '../stage.ts';

const nothing = go<IntegrationOutput>({ atConclusion: [] }, [], 'skipped');

export const integrationStage: Stage<RulesOutput & { flow: FlowRecord; matelas: MatelasOfRun }, IntegrationOutput> = {
  name: 'INTEGRATION',
  depositOnly: true,
  async run({ flow, matelas, invoices, statusChanges }, deps) {
    const hook = deps.integration;
    if (!hook) return nothing;
    if (statusChanges?.length) return go({ atConclusion: [(tx) => hook.applyStatusChanges(tx, flow, statusChanges)] });
    const accepted: AcceptedInvoice[] = invoices.flatMap((i) =>
      !i.rejected && i.data ? [{ ...i.data, position: i.position }] : [],
    );
    if (accepted.length === 0) return nothing;
    if (!(await hook.accepts({ flow, matelas }))) return nothing;
    return go({ atConclusion: [(tx) => hook.integrate(tx, flow, accepted)] });
  },
};
