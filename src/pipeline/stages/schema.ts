/** SCHEMA: XSD validation against every schema the syntax names; waits when a schema set is not installed. */
import type { Stage } from '../stage.ts';
import { ok, rejected } from '../stage.ts';

export const schemaStage: Stage = {
  name: 'SCHEMA',
  async run(ctx, deps) {
    const detected = ctx.detected;
    if (!detected) return { outcome: 'skipped', findings: [] };
    const outcome = await deps.validation.validate(
      detected.xml,
      detected.schemas,
      detected.xmlName ?? ctx.flow.originalName,
    );
    if (outcome.ok === true) return ok();
    if (outcome.ok === 'missing-set') return { outcome: 'waiting', findings: [], waitingFor: outcome.setId };
    return rejected(outcome.findings);
  },
};
