/**
 * SYNTAXE: which syntax the bytes are (never the extension), and whether a declared interface matches.
 * A zip deposit carries several documents: an entry that is not a supported invoice rejects that
 * document only (the flow goes on, partly, with the others); a bad archive rejects the flow.
 */
import { isFatal } from '../../finding.ts';
import { detectDeposit } from '../../formats/registry.ts';
import { zipLimits } from '../../formats/zip.ts';
import { formatLimits } from '../../formats/limits.ts';
import { FlowWorkers } from '../work/pool.ts';
import type { Stage } from '../stage.ts';
import { ok, rejected } from '../stage.ts';

export const syntaxStage: Stage = {
  name: 'SYNTAXE',
  async run(ctx, deps) {
    const bytes = ctx.payload ?? ctx.bytes;
    if (!bytes) return { outcome: 'skipped', findings: [] };
    const opts: Parameters<typeof detectDeposit>[1] & {} = {
      fileName: ctx.flow.originalName,
      maxFlowSizeKo: deps.config.maxFlowSizeKo,
      zipLimits: zipLimits(deps.config.maxFlowSizeKo, deps.config.zip),
      limits: formatLimits(deps.config.maxFlowSizeKo, deps.config.limits),
    };
    if (ctx.flow.declaredInterface) opts.declaredInterface = ctx.flow.declaredInterface;
    // In a worker thread when the daemon has them (the bytes go there and come back), else here.
    const work = deps.extras.work as FlowWorkers | undefined;
    let result: Awaited<ReturnType<typeof detectDeposit>>;
    if (work) {
      const r = await work.detect(bytes, opts);
      FlowWorkers.handBack(ctx, bytes, r.bytes);
      result = r.detection;
    } else result = await detectDeposit(bytes, opts);
    if (!result.ok) return rejected(result.findings);
    ctx.detected = result.flow;
    if (!result.documents) return ok();
    ctx.documents = result.documents;
    const findings = result.documents.flatMap((d) => d.findings);
    return { outcome: findings.some(isFatal) ? 'partial' : 'ok', findings };
  },
};
