/**
 * SYNTAXE: which syntax the bytes are (never the extension), and whether a declared interface matches.
 * A zip deposit carries several documents: an entry that is not a supported invoice rejects that
 * document only (the flow goes on, partly, with the others); a bad archive rejects the flow.
 */
import { isFatal } from '../../finding.ts';
import { detectDeposit } from '../../formats/registry.ts';
import { zipLimits } from '../../formats/zip.ts';
import { formatLimits } from '../../formats/limits.ts';
import type { FlowInput, Stage, SyntaxOutput } from '../stage.ts';
import { go, rejected } from '../stage.ts';

export const syntaxStage: Stage<{ flow: FlowInput['flow']; payload: Buffer | null }, SyntaxOutput> = {
  name: 'SYNTAXE',
  async run({ flow, payload }, deps) {
    if (!payload) return go({ payload }, [], 'skipped');
    const opts: Parameters<typeof detectDeposit>[1] & {} = {
      fileName: flow.originalName,
      maxFlowSizeKo: deps.config.maxFlowSizeKo,
      zipLimits: zipLimits(deps.config.maxFlowSizeKo, deps.config.zip),
      limits: formatLimits(deps.config.maxFlowSizeKo, deps.config.limits),
      // The element trees stay where detection ran (this thread or a flow worker) for stage REGLE.
      keepTrees: true,
    };
    if (flow.declaredInterface) opts.declaredInterface = flow.declaredInterface;
    // In a worker thread when the daemon has them (the bytes go there and come back), else here.
    const { detection: result, bytes } = deps.work
      ? await deps.work.detect(payload, opts)
      : { detection: await detectDeposit(payload, opts), bytes: payload };
    if (!result.ok) return rejected(result.findings);
    if (!result.documents) return go({ payload: bytes, detected: result.flow });
    const findings = result.documents.flatMap((d) => d.findings);
    return go(
      { payload: bytes, detected: result.flow, documents: result.documents },
      findings,
      findings.some(isFatal) ? 'partial' : 'ok',
    );
  },
};
