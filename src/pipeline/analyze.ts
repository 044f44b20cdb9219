/**
 * Analysis of a file's bytes (`passerelle analyze`). Without a partner: the pure stages, no database;
 * routing against the platform's directory is not checked (the report says so). With a partner and its
 * database (`analyze --partner`): what its `analyse/` box does, routing hook and signature policy included.
 */
import type { Config } from '../config.ts';
import type { Finding } from '../finding.ts';
import { silentLogger } from '../log.ts';
import type { ValidationPool } from '../schemas/pool.ts';
import type { Queryable } from '../store/db.ts';
import type { FlowRecord, PartnerAccount } from '../store/types.ts';
import type { FlowContext, PipelineDeps, Stage, StageResult } from './stage.ts';

/** A partner's own analysis: its account, the database it lives in, and the daemon's routing hook. */
export interface AnalysisPartner {
  account: PartnerAccount;
  db: Queryable;
  /** `deps.extras.routing` as the daemon sets it (directoryRouting()). */
  routing: unknown;
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
  stages: Array<{ stage: string; outcome: StageResult['outcome']; ms: number }>;
  findings: Finding[];
}

export async function analyzeBytes(
  bytes: Buffer,
  fileName: string,
  opts: {
    config: Config;
    validation: ValidationPool;
    stages: readonly Stage[];
    declaredInterface?: string;
    partner?: AnalysisPartner;
    /** A detached signature deposited with the file (`<file>.p7s`), as the drop folder pairs them. */
    signature?: Buffer;
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
  const ctx: FlowContext = { flow, partner, bytes, signature: opts.signature ?? null, payload: bytes };
  // Without a partner, no store: the stages that run on analyses then never touch it (duplicates and
  // integration are deposit-only; routing and Cycle de vie checks are off). With one, its database only
  // (analyses queue nothing).
  const deps = {
    config: opts.config,
    logger: silentLogger,
    validation: opts.validation,
    ...(opts.partner
      ? { store: { db: opts.partner.db }, extras: { routing: opts.partner.routing } }
      : { extras: { offline: true } }),
  } as unknown as PipelineDeps;
  const report: AnalysisReport = {
    accepted: true,
    verdict: 'accepted',
    ...(opts.partner ? { partner: opts.partner.account.code } : {}),
    stages: [],
    findings: [],
  };
  let partial = false;
  for (const stage of opts.stages) {
    if (stage.depositOnly) continue;
    const t0 = performance.now();
    const r = await stage.run(ctx, deps);
    report.stages.push({ stage: stage.name, outcome: r.outcome, ms: performance.now() - t0 });
    report.findings.push(...r.findings);
    if (r.outcome === 'waiting') {
      report.accepted = false;
      report.verdict = 'waiting';
      if (r.waitingFor) report.waitingFor = r.waitingFor;
      break;
    }
    if (r.outcome === 'rejected') {
      report.accepted = false;
      report.verdict = 'rejected';
      break;
    }
    if (r.outcome === 'partial') partial = true;
  }
  // As the runner: a stage that said partial keeps the flow partly accepted despite its rejected invoices.
  if (report.verdict === 'accepted' && partial) {
    report.accepted = false;
    report.verdict = 'partial';
  }
  if (report.verdict === 'accepted' && report.findings.some((f) => f.severity === 'fatal')) {
    report.accepted = false;
    report.verdict = 'rejected';
  }
  if (ctx.detected) {
    report.syntax = ctx.detected.syntax;
    report.interfaceCode = ctx.detected.interfaceCode;
    if (ctx.detected.profile) report.profile = ctx.detected.profile;
  }
  return report;
}
