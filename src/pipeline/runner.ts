/**
 * The runner takes a flow off the queue and through every stage in order, records each outcome with
 * its timing, concludes the flow (state, compte-rendu) in one transaction, then delivers the return flow.
 * Stages are pure or idempotent, so a run interrupted by a crash is simply run again from the start;
 * the conclusion and the return flow happen once.
 */
import { finding, isFatal } from '../finding.ts';
import type { Finding } from '../finding.ts';
import { concludeFlow, concludeFlowSoon, getFlow, startFlowRun } from '../store/flows.ts';
import { matelasOrNone } from '../store/directory.ts';
import { getPartner, toPartner } from '../store/partners.ts';
import type { FlowRecord, FlowState, ReturnFlowRecord, StageOutcomeRecord } from '../store/types.ts';
import { TERMINAL_STATES } from '../store/types.ts';
import { composeReport, flowDisplayId } from './compte-rendu.ts';
import { deliverOne, deliverPending } from './delivery.ts';
import type { FlowContext, PipelineDeps, Stage } from './stage.ts';
import { STAGES } from './stages/index.ts';

interface RunOutcome {
  state: FlowState;
  statusCode: string | null;
  findings: Finding[];
}

export async function processFlow(
  flowId: number,
  deps: PipelineDeps,
  stages: readonly Stage[] = STAGES,
): Promise<RunOutcome | undefined> {
  const { store, logger, config } = deps;
  // One round trip: the flow, its partner and bytes, and the move to IN_EN_COURS_TRAITEMENT_CPP.
  const run = await startFlowRun(store.db, flowId);
  if (!run) return undefined;
  const { flow, bytes, signature } = run;
  const log = logger.child({ flow: flowDisplayId(flow), partner: flow.partner });
  if (TERMINAL_STATES.includes(flow.state)) {
    // Concluded by an earlier run that died before delivering: deliver only.
    await deliverPending(config.dataDir, store.db, log, flow.id);
    return { state: flow.state, statusCode: flow.statusCode, findings: [] };
  }
  const partner = toPartner(run.partnerRow);
  const ctx: FlowContext = {
    flow,
    partner,
    bytes,
    signature,
    payload: bytes,
    earlierDeposit: run.earlierDeposit,
    matelas: matelasOrNone(flow.partner, run.matelasRow),
  };
  const records: StageOutcomeRecord[] = [];
  const findings: Finding[] = [];
  let verdict: 'ok' | 'rejected' | 'partial' = 'ok';

  for (const stage of stages) {
    if (stage.depositOnly && flow.box !== 'depot') continue;
    const startedAt = new Date();
    const t0 = performance.now();
    const result = await stage.run(ctx, deps);
    const durationMs = performance.now() - t0;
    records.push({ stage: stage.name, outcome: result.outcome, findings: result.findings, startedAt, durationMs });
    findings.push(...result.findings);
    log.debug(
      {
        stage: stage.name,
        outcome: result.outcome,
        ms: Math.round(durationMs * 100) / 100,
        findings: result.findings.length,
      },
      'stage done',
    );
    if (result.outcome === 'waiting') {
      await store.db.transaction((tx) =>
        concludeFlow(tx, flow, {
          state: 'IN_EN_ATTENTE_RETRAITEMENT_CPP',
          statusCode: null,
          stages: records,
          waitingFor: result.waitingFor ?? null,
          note: `waiting for schema set ${result.waitingFor}`,
          ...detectedColumns(ctx),
        }),
      );
      log.warn(
        { waitingFor: result.waitingFor },
        `flow waits: schema set ${result.waitingFor} is not installed (npx passerelle schemas install)`,
      );
      return { state: 'IN_EN_ATTENTE_RETRAITEMENT_CPP', statusCode: null, findings };
    }
    if (result.outcome === 'rejected') {
      verdict = 'rejected';
      break;
    }
    if (result.outcome === 'partial') verdict = 'partial';
  }
  // A stage may report fatal findings with outcome ok only if it judged them acceptable (it should not).
  if (verdict === 'ok' && findings.some(isFatal)) verdict = 'rejected';

  const state: FlowState =
    verdict === 'rejected' ? 'IN_REJETE' : verdict === 'partial' ? 'IN_INTEGRE_PARTIEL' : 'IN_INTEGRE';
  const statusCode = verdict === 'rejected' ? '93' : verdict === 'partial' ? '96' : '90';
  const comment =
    flow.box === 'analyse'
      ? `Analyse : ${verdict === 'rejected' ? 'le flux serait rejeté' : 'le flux serait accepté'}`
      : state;
  const returnFlow = composeReport(flow, partner, statusCode, findings, comment);
  const steps = verdict === 'rejected' ? [] : (ctx.atConclusion ?? []);
  const conclusion = { state, statusCode, stages: records, returnFlow, ...detectedColumns(ctx) };
  // Integration and status changes are recorded with the conclusion or not at all; without them the
  // conclusion is one statement, atomic on its own, committed with those of flows finishing together.
  const returnId = steps.length
    ? await store.db.transaction(async (tx) => {
        const id = await concludeFlow(tx, flow, conclusion);
        for (const step of steps) await step(tx);
        return id;
      })
    : await concludeFlowSoon(store.db, flow, conclusion);
  log.info(
    {
      state,
      status: statusCode,
      findings: findings.length,
      codes: [...new Set(findings.map((f) => f.code))].slice(0, 10),
    },
    'flow processed',
  );
  // Just recorded: delivered from what we hold, without reading it back (integration steps may add lifecycle flows: then all of the flow's).
  if (returnId !== undefined && !steps.length)
    await deliverOne(config.dataDir, store.db, recorded(returnId, returnFlow, flow), log, { fresh: true });
  else await deliverPending(config.dataDir, store.db, log, flow.id);
  // A Cycle de vie deposit sends lifecycle flows to other partners (return flows of other flows).
  if (steps.length && ctx.statusChanges?.length) await deliverPending(config.dataDir, store.db, log);
  return { state, statusCode, findings };
}

function recorded(
  id: number,
  r: { kind: ReturnFlowRecord['kind']; fileName: string; content: string },
  flow: FlowRecord,
): ReturnFlowRecord {
  return {
    id,
    flowId: flow.id,
    partner: flow.partner,
    kind: r.kind,
    fileName: r.fileName,
    content: r.content,
    createdAt: new Date(),
    deliveredAt: null,
  };
}

function detectedColumns(ctx: FlowContext) {
  const d = ctx.detected;
  return d
    ? { interfaceCode: d.interfaceCode, syntax: d.syntax, syntaxeFlux: d.syntaxeFlux, profile: d.profile ?? null }
    : {};
}

/** Dead letter: a flow whose processing kept failing for technical reasons ends IN_INCIDENTE, with a compte-rendu saying so. */
export async function incidentFlow(flowId: number, reason: string, deps: PipelineDeps): Promise<void> {
  const { store, logger, config } = deps;
  const flow = await getFlow(store.db, flowId);
  if (!flow || TERMINAL_STATES.includes(flow.state)) return;
  const partner = await getPartner(store.db, flow.partner);
  if (!partner) return;
  const f = finding('INC-ERREUR-TECHNIQUE', { detail: reason.slice(0, 500), location: { file: flow.originalName } });
  const returnFlow = composeReport(flow, partner, '93', [f], 'IN_INCIDENTE');
  await store.db.transaction((tx) =>
    concludeFlow(tx, flow, {
      state: 'IN_INCIDENTE',
      statusCode: '93',
      stages: [],
      returnFlow,
      note: reason.slice(0, 500),
    }),
  );
  const log = logger.child({ flow: flowDisplayId(flow), partner: flow.partner });
  log.error({ reason }, 'flow in incident (IN_INCIDENTE) after repeated technical failures');
  await deliverPending(config.dataDir, store.db, log, flow.id);
}
