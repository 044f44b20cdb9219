/**
 * The runner takes a flow off the queue through runStages() (every stage in order, each outcome with its
 * timing), concludes the flow (state, compte-rendu) in one transaction, then delivers the return flow.
 * Stages are pure or idempotent, so a run interrupted by a crash is simply run again from the start;
 * the conclusion and the return flow happen once.
 */
import { finding } from '../finding.ts';
import type { Finding } from '../finding.ts';
import type { Store } from '../store/index.ts';
import { concludeFlow, concludeFlowSoon, getFlow, startFlowRun } from '../store/flows.ts';
import { matelasOrNone } from '../store/directory.ts';
import { getPartner, toPartner } from '../store/partners.ts';
import type { FlowRecord, FlowState, ReturnFlowRecord } from '../store/types.ts';
import { TERMINAL_STATES } from '../store/types.ts';
import { composeReport, flowDisplayId } from './compte-rendu.ts';
import { deliverOne, deliverPending } from './delivery.ts';
import type { PipelineRun } from './run-stages.ts';
import { STATUS_CODES, runStages } from './run-stages.ts';
import type { PipelineDeps } from './stage.ts';

/** What the runner needs beyond the stages' deps: the store it records in and queues on. */
export interface RunnerDeps extends PipelineDeps {
  store: Store;
}

interface RunOutcome {
  state: FlowState;
  statusCode: string | null;
  findings: Finding[];
}

const STATES = { ok: 'IN_INTEGRE', partial: 'IN_INTEGRE_PARTIEL', rejected: 'IN_REJETE' } as const;

export async function processFlow(flowId: number, deps: RunnerDeps): Promise<RunOutcome | undefined> {
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
  const result = await runStages(
    {
      flow,
      partner,
      bytes,
      signature,
      earlierDeposit: run.earlierDeposit,
      matelas: matelasOrNone(flow.partner, run.matelasRow),
    },
    { ...deps, db: store.db },
    log,
  );
  const { findings, verdict } = result;
  if (verdict === 'waiting') {
    await store.db.transaction((tx) =>
      concludeFlow(tx, flow, {
        state: 'IN_EN_ATTENTE_RETRAITEMENT_CPP',
        statusCode: null,
        stages: result.records,
        waitingFor: result.waitingFor ?? null,
        note: `waiting for schema set ${result.waitingFor}`,
        ...detectedColumns(result),
      }),
    );
    log.warn(
      { waitingFor: result.waitingFor },
      `flow waits: schema set ${result.waitingFor} is not installed (npx passerelle schemas install)`,
    );
    return { state: 'IN_EN_ATTENTE_RETRAITEMENT_CPP', statusCode: null, findings };
  }
  const state: FlowState = STATES[verdict];
  const statusCode = STATUS_CODES[verdict];
  const comment =
    flow.box === 'analyse'
      ? `Analyse : ${verdict === 'rejected' ? 'le flux serait rejeté' : 'le flux serait accepté'}`
      : state;
  const returnFlow = composeReport(flow, partner, statusCode, findings, comment);
  const steps = result.atConclusion;
  const conclusion = { state, statusCode, stages: result.records, returnFlow, ...detectedColumns(result) };
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
  if (result.changesStatuses) await deliverPending(config.dataDir, store.db, log);
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

function detectedColumns(run: PipelineRun) {
  const d = run.detected;
  return d
    ? { interfaceCode: d.interfaceCode, syntax: d.syntax, syntaxeFlux: d.syntaxeFlux, profile: d.profile ?? null }
    : {};
}

/** Dead letter: a flow whose processing kept failing for technical reasons ends IN_INCIDENTE, with a compte-rendu saying so. */
export async function incidentFlow(flowId: number, reason: string, deps: RunnerDeps): Promise<void> {
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
