/**
 * Analysis of a file's bytes (`passerelle analyze`): runStages() on an unsaved flow, as the runner does for
 * the `analyse/` box. Without a partner: no database; routing against the platform's directory is not
 * checked (the report says so). With a partner and its database (`analyze --partner`): what its
 * `analyse/` box does, routing hook and signature policy included.
 */
import type { Config } from '../config.ts';
import type { Finding } from '../finding.ts';
import { silentLogger } from '../log.ts';
import type { ValidationPool } from '../schemas/pool.ts';
import type { Queryable } from '../store/db.ts';
import type { FlowRecord, PartnerAccount } from '../store/types.ts';
import { runStages } from './run-stages.ts';
import type { FlowWorkers } from './work/pool.ts';
import type { PipelineDeps, RoutingHook, SignatureServices, StageOutcome } from './stage.ts';

/** A partner's own analysis: its account, the database it lives in, and the daemon's routing hook. */
export interface AnalysisPartner {
  account: PartnerAccount;
  db: Queryable;
  /** The routing hook as the daemon has it (directoryRouting()). */
  routing: RoutingHook;
}

export interface AnalysisReport {
  /** The whole flow would be integrated (90). */
  accepted: boolean;
  /** The partner whose routing rules were applied; absent = routing against the directory not checked. */
  partner?: string;
  /**
   * The platform's verdict as the runner gives it: `partial` = a flow of several invoices (a zip) of
   * which some would be integrated and the others rejected (96); `accepted` is then false.
   */
  verdict: 'accepted' | 'partial' | 'rejected' | 'waiting';
  waitingFor?: string;
  syntax?: string;
  interfaceCode?: string;
  profile?: string;
  /** Every stage an analysis runs, in order; those after a rejection (or a wait) are `skipped`. */
  stages: Array<{ stage: string; outcome: StageOutcome; ms: number }>;
  findings: Finding[];
}

export async function analyzeBytes(
  bytes: Buffer,
  fileName: string,
  opts: {
    config: Config;
    validation: ValidationPool;
    declaredInterface?: string;
    partner?: AnalysisPartner;
    /** A detached signature deposited with the file (`<file>.p7s`), as the drop folder pairs them. */
    signature?: Buffer;
    /** The daemon's flow workers and signature services, when it analyses (else: this thread, the configured trust). */
    work?: FlowWorkers;
    trust?: SignatureServices;
  },
): Promise<AnalysisReport> {
  const now = new Date();
  const flow: FlowRecord = {
    id: 0,
    flowNumber: null,
    box: 'analyse',
    partner: opts.partner?.account.code ?? 'ANALYSE',
    originalName: fileName,
    size: bytes.length,
    sha256: '',
    stored: bytes.length <= opts.config.maxFlowSizeKo * 1024,
    signatureSha256: null,
    spoolKey: '',
    transport: 'cli',
    declaredInterface: opts.declaredInterface ?? null,
    declaredSigned: null,
    interfaceCode: null,
    syntax: null,
    syntaxeFlux: null,
    profile: null,
    state: 'IN_RECU',
    statusCode: null,
    waitingFor: null,
    receivedAt: now,
    updatedAt: now,
    finishedAt: null,
    intakeRefusal: null,
    emitter: null,
    returnSyntax: null,
  };
  const partner: PartnerAccount = opts.partner?.account ?? {
    code: 'ANALYSE',
    name: 'analyse',
    active: true,
    returnSyntax: 'CPPStatut',
    sftpAuthorizedKeys: [],
    signed: false,
  };
  // Without a partner, no database: the stages that run on analyses then never touch one (duplicates and
  // integration are deposit-only; routing and Cycle de vie checks are off). With one, its database only
  // (analyses queue nothing).
  const deps: PipelineDeps = {
    config: opts.config,
    logger: silentLogger,
    validation: opts.validation,
    ...(opts.partner ? { db: opts.partner.db, routing: opts.partner.routing } : {}),
    ...(opts.work ? { work: opts.work } : {}),
    ...(opts.trust ? { signature: opts.trust } : {}),
  };
  const run = await runStages({ flow, partner, bytes, signature: opts.signature ?? null }, deps);
  const verdict = run.verdict === 'ok' ? 'accepted' : run.verdict;
  return {
    accepted: verdict === 'accepted',
    verdict,
    ...(run.waitingFor ? { waitingFor: run.waitingFor } : {}),
    ...(opts.partner ? { partner: opts.partner.account.code } : {}),
    ...(run.detected
      ? {
          syntax: run.detected.syntax,
          interfaceCode: run.detected.interfaceCode,
          ...(run.detected.profile ? { profile: run.detected.profile } : {}),
        }
      : {}),
    stages: run.records.map((r) => ({ stage: r.stage, outcome: r.outcome, ms: r.durationMs })),
    findings: run.findings,
  };
}
