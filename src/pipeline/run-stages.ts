/**
 * One flow through the stages, in order: each stage gets what the flow and the earlier stages' outputs
 * hold, and its output goes forward. The daemon's runner (a deposit or a portal analysis), `passerelle
 * analyze` and the admin API's analysis all call runStages(), so they give the same findings and verdict.
 * A stage that rejects (or waits) stops the flow: the stages after it are recorded as `skipped`.
 */
import type { Finding } from '../finding.ts';
import { isFatal } from '../finding.ts';
import type { DetectedFlow } from '../formats/types.ts';
import type { Logger } from '../log.ts';
import { getMatelas, matelasOrNone } from '../store/directory.ts';
import type { MatelasRecord } from '../store/directory.ts';
import type { FlowRecord, StageOutcomeRecord } from '../store/types.ts';
import type { ConclusionStep, FlowInput, MatelasOfRun, PipelineDeps, Stage } from './stage.ts';
import { integrationStage } from './stages/integration.ts';
import { receptionStage } from './stages/reception.ts';
import { rulesStage } from './stages/rules.ts';
import { schemaStage } from './stages/schema.ts';
import { signatureStage } from './stages/signature.ts';
import { syntaxStage } from './stages/syntax.ts';

/** The pipeline, in order (runStages() is the one place that wires one stage's output to the next's input). */
const STAGES: readonly Stage<never, unknown>[] = [
  receptionStage,
  signatureStage,
  syntaxStage,
  schemaStage,
  rulesStage,
  integrationStage,
];

/** The platform's verdict on a flow: integrated (90), partly integrated (96), rejected (93), or waiting for a schema set. */
export type Verdict = 'ok' | 'partial' | 'rejected' | 'waiting';
export const STATUS_CODES = { ok: '90', partial: '96', rejected: '93' } as const;

export interface PipelineRun {
  verdict: Verdict;
  /** With `waiting`: the schema set the flow waits for. */
  waitingFor?: string;
  /** Every stage that applies to the flow's box, in order; those after a stop are `skipped`. */
  records: StageOutcomeRecord[];
  findings: Finding[];
  /** The flow's syntax, when detected. */
  detected?: DetectedFlow;
  /** Integration and status changes, for the conclusion transaction (empty unless the flow is integrated, even partly). */
  atConclusion: ConclusionStep[];
  /** A Cycle de vie deposit: its status changes send lifecycle flows to other partners. */
  changesStatuses: boolean;
}

/** Runs the stages one by one and records what each answered; `stage()` gives undefined once the flow has stopped. */
class StageRun {
  readonly records: StageOutcomeRecord[] = [];
  readonly findings: Finding[] = [];
  detected?: DetectedFlow;
  #partial = false;
  #stop?: { verdict: 'rejected' } | { verdict: 'waiting'; waitingFor: string };
  readonly #flow: FlowRecord;
  readonly #deps: PipelineDeps;
  readonly #log: Logger;

  constructor(flow: FlowRecord, deps: PipelineDeps, log: Logger) {
    this.#flow = flow;
    this.#deps = deps;
    this.#log = log;
  }

  /** Whether a stage applies to this flow (deposit-only stages do not to analyses). */
  applies(stage: Stage<never, unknown>): boolean {
    return !stage.depositOnly || this.#flow.box === 'depot';
  }

  async stage<I, O>(stage: Stage<I, O>, input: I): Promise<{ output: O } | undefined> {
    if (!this.applies(stage)) return undefined;
    const startedAt = new Date();
    const t0 = performance.now();
    const result = await stage.run(input, this.#deps);
    const durationMs = performance.now() - t0;
    this.records.push({ stage: stage.name, outcome: result.outcome, findings: result.findings, startedAt, durationMs });
    this.findings.push(...result.findings);
    this.#log.debug(
      {
        stage: stage.name,
        outcome: result.outcome,
        ms: Math.round(durationMs * 100) / 100,
        findings: result.findings.length,
      },
      'stage done',
    );
    switch (result.outcome) {
      case 'waiting':
        this.#stop = { verdict: 'waiting', waitingFor: result.waitingFor };
        return undefined;
      case 'rejected':
        this.#stop = { verdict: 'rejected' };
        return undefined;
      case 'partial':
        this.#partial = true;
    }
    return { output: result.output };
  }

  /** The run's verdict; the stages not reached are recorded as skipped. */
  end(atConclusion: ConclusionStep[] = [], changesStatuses = false): PipelineRun {
    const startedAt = new Date();
    const reached = new Set(this.records.map((r) => r.stage));
    for (const stage of STAGES)
      if (this.applies(stage) && !reached.has(stage.name))
        this.records.push({ stage: stage.name, outcome: 'skipped', findings: [], startedAt, durationMs: 0 });
    let verdict: Verdict = this.#stop?.verdict ?? (this.#partial ? 'partial' : 'ok');
    // A stage may report fatal findings with outcome ok only if it judged them acceptable (it should not).
    if (verdict === 'ok' && this.findings.some(isFatal)) verdict = 'rejected';
    const integrated = verdict === 'ok' || verdict === 'partial';
    return {
      verdict,
      ...(this.#stop?.verdict === 'waiting' ? { waitingFor: this.#stop.waitingFor } : {}),
      records: this.records,
      findings: this.findings,
      ...(this.detected ? { detected: this.detected } : {}),
      atConclusion: integrated ? atConclusion : [],
      changesStatuses: integrated && changesStatuses,
    };
  }
}

/** The partner's matelas, read at most once per run (routing and integration both ask), if not read with the flow. */
function matelasOfRun(input: FlowInput, deps: PipelineDeps): MatelasOfRun {
  let m: Promise<MatelasRecord> | undefined = input.matelas && Promise.resolve(input.matelas);
  const partner = input.flow.partner;
  return () => (m ??= deps.db ? getMatelas(deps.db, partner) : Promise.resolve(matelasOrNone(partner, undefined)));
}

export async function runStages(input: FlowInput, deps: PipelineDeps, log: Logger = deps.logger): Promise<PipelineRun> {
  const { flow } = input;
  const run = new StageRun(flow, deps, log);
  const matelas = matelasOfRun(input, deps);
  if (!(await run.stage(receptionStage, input))) return run.end();
  const signed = await run.stage(signatureStage, input);
  if (!signed) return run.end();
  const syntax = await run.stage(syntaxStage, { flow, payload: signed.output.payload });
  if (!syntax) return run.end();
  if (syntax.output.detected) run.detected = syntax.output.detected;
  const { detected, documents } = syntax.output;
  const schema = await run.stage(schemaStage, {
    flow,
    ...(detected ? { detected } : {}),
    ...(documents ? { documents } : {}),
  });
  if (!schema) return run.end();
  const rules = await run.stage(rulesStage, { ...schema.output, flow, matelas });
  if (!rules) return run.end();
  if (!run.applies(integrationStage)) return run.end();
  const integration = await run.stage(integrationStage, { ...rules.output, flow, matelas });
  if (!integration) return run.end();
  return run.end(integration.output.atConclusion, Boolean(rules.output.statusChanges?.length));
}
