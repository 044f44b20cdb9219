/**
 * The routing hook the daemon plugs into stage REGLE (`deps.extras.routing`): Chorus Pro's routing rules
 * against the directory, for partners that have a matelas. A partner without one gets no routing check
 * and one warning line saying so (its flows are still accepted on their EN 16931 merits, as before).
 */
import type { Finding } from '../finding.ts';
import { finding } from '../finding.ts';
import { StoreDirectoryLookup } from '../platform/directory-lookup.ts';
import { checkRouting } from '../rules/chorus/routing.ts';
import type { RoutingFacts } from '../rules/chorus/routing.ts';
import { getMatelas } from '../store/directory.ts';
import type { MatelasRecord } from '../store/directory.ts';
import type { FlowContext, PipelineDeps } from './stage.ts';
import type { InvoiceChecker } from './stages/rules.ts';

// The partner's matelas, read once per run (routing asks per invoice, integration once more).
const matelasOfRun = new WeakMap<FlowContext, Promise<MatelasRecord>>();

function matelasOf(ctx: FlowContext, deps: PipelineDeps): Promise<MatelasRecord> {
  if (ctx.matelas) return Promise.resolve(ctx.matelas);
  let m = matelasOfRun.get(ctx);
  if (!m) matelasOfRun.set(ctx, (m = getMatelas(deps.store.db, ctx.flow.partner)));
  return m;
}

/** Has the partner a usable directory? A set is usable as soon as it is seeded (even while Étendre runs). */
export async function partnerHasMatelas(ctx: FlowContext, deps: PipelineDeps): Promise<boolean> {
  return (await matelasOf(ctx, deps)).sets.length > 0;
}

export function directoryRouting(): InvoiceChecker {
  const warned = new WeakSet<FlowContext>();
  return async (facts: RoutingFacts, ctx: FlowContext, deps: PipelineDeps): Promise<Finding[]> => {
    const partner = ctx.flow.partner;
    if (!(await partnerHasMatelas(ctx, deps))) {
      if (warned.has(ctx)) return [];
      warned.add(ctx);
      const state = (await matelasOf(ctx, deps)).state;
      return [
        finding('CPP-ROUTAGE-NON-VERIFIE', {
          detail: `Matelas du partenaire ${partner} : ${state} (passerelle matelas create ${partner})`,
        }),
      ];
    }
    // The facts' locations already name the flow's file (or its embedded XML): see stage REGLE.
    return checkRouting(
      facts,
      partner,
      new StoreDirectoryLookup(deps.store.db, { exceptFlowId: ctx.flow.id }),
      ctx.flow.emitter ? { emitterSiret: ctx.flow.emitter } : {},
    );
  };
}
