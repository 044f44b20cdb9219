/**
 * The routing hook the daemon plugs into stage REGLE (`PipelineDeps.routing`): Chorus Pro's routing rules
 * against the directory, for partners that have a matelas, the directory read once for all the flow's
 * invoices. A partner without one gets no routing check and one warning line saying so (its flows are
 * still accepted on their EN 16931 merits, as before).
 */
import type { Finding } from '../finding.ts';
import { finding } from '../finding.ts';
import { flowDirectoryLookup } from '../platform/directory-lookup.ts';
import { checkRouting } from '../rules/chorus/routing.ts';
import type { RoutingHook } from './stage.ts';

export function directoryRouting(): RoutingHook {
  return {
    async check(invoices, { flow, matelas }, db) {
      const partner = flow.partner;
      const m = await matelas();
      if (m.sets.length === 0) {
        // One warning for the flow, on its first invoice.
        return invoices.map((_, i): Finding[] =>
          i > 0
            ? []
            : [
                finding('CPP-ROUTAGE-NON-VERIFIE', {
                  detail: `Matelas du partenaire ${partner} : ${m.state} (passerelle matelas create ${partner})`,
                }),
              ],
        );
      }
      const dir = await flowDirectoryLookup(db, partner, invoices, { exceptFlowId: flow.id });
      const deposit = flow.emitter ? { emitterSiret: flow.emitter } : {};
      // The facts' locations already name the flow's file (or its embedded XML): see stage REGLE.
      const out: Finding[][] = [];
      for (const facts of invoices) out.push(await checkRouting(facts, partner, dir, deposit));
      return out;
    },
  };
}
