/**
 * Analysis without a daemon or database (`passerelle analyze`): the pure stages over a file's bytes.
 * Checks that need the platform's directory (routing rules) are left to the daemon's `analyse/` box.
 */
import type { Config } from '../config.ts';
import type { Finding } from '../finding.ts';
import { silentLogger } from '../log.ts';
import type { ValidationPool } from '../schemas/pool.ts';
import type { FlowRecord, PartnerAccount } from '../store/types.ts';
import type { FlowContext, PipelineDeps, Stage, StageResult } from './stage.ts';

export interface AnalysisReport {
  /** The whole flow would be integrated (90). */
  accepted: boolean;
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
  opts: { config: Config; validation: ValidationPool; stages: readonly Stage[]; declaredInterface?: string },
): Promise<AnalysisReport> {
  const now = new Date();
  const flow: FlowRecord = {
    id: 0,
    flowNumber: null,
    box: 'analyse',
    partner: 'ANALYSE',
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
    emitter: null,
    returnSyntax: null,
  };
  const partner: PartnerAccount = {
    code: 'ANALYSE',
    name: 'analyse',
    active: true,
    returnSyntax: 'CPPStatut',
    sftpAuthorizedKeys: [],
    signed: false,
  };
  const ctx: FlowContext = { flow, partner, bytes, signature: null, payload: bytes };
  // No store: the stages that run on analyses never touch it (duplicates and integration are deposit-only).
  const deps = {
    config: opts.config,
    logger: silentLogger,
    validation: opts.validation,
    extras: { offline: true },
  } as unknown as PipelineDeps;
  const report: AnalysisReport = { accepted: true, verdict: 'accepted', stages: [], findings: [] };
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
