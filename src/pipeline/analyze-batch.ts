/**
 * Many files in one process (`passerelle analyze FILE… | FOLDER`, and the conformance run in-process):
 * one validation pool, one report per file, in order. A folder stands for the files under it (sorted,
 * recursively; names starting with `.` and `.p7s` signatures beside their flow are skipped).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Finding } from '../finding.ts';
import type { ValidationPool } from '../schemas/pool.ts';
import type { AnalysisPartner, AnalysisReport } from './analyze.ts';
import { analyzeBytes } from './analyze.ts';

export interface FileAnalysis {
  file: string;
  report: AnalysisReport;
}

/** The files an argument list stands for: files as given, folders expanded. */
export function expandAnalysisPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && !(e.name.endsWith('.p7s') && existsSync(full.slice(0, -4)))) out.push(full);
    }
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`no file or folder ${p}`);
    if (statSync(p).isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

/** Analyses each file in turn (a detached `<file>.p7s` beside it travels with it, as in a drop folder). */
export async function* analyzeFiles(
  paths: readonly string[],
  opts: {
    config: Config;
    validation: ValidationPool;
    declaredInterface?: string;
    partner?: AnalysisPartner;
  },
): AsyncGenerator<FileAnalysis> {
  for (const file of expandAnalysisPaths(paths)) {
    const sig = `${file}.p7s`;
    const report = await analyzeBytes(readFileSync(file), path.basename(file), {
      ...opts,
      ...(existsSync(sig) ? { signature: readFileSync(sig) } : {}),
    });
    yield { file, report };
  }
}

/** The exit code of a batch: 0 all accepted, 1 any rejected (or partly accepted), else 2 any waiting for a schema set. */
export function batchExitCode(verdicts: Iterable<AnalysisReport['verdict']>): 0 | 1 | 2 {
  let waiting = false;
  for (const v of verdicts) {
    if (v === 'rejected' || v === 'partial') return 1;
    if (v === 'waiting') waiting = true;
  }
  return waiting ? 2 : 0;
}

/** One line of `analyze --json`: what a script needs of a report. */
export function analysisLine(a: FileAnalysis) {
  return {
    file: a.file,
    verdict: a.report.verdict,
    ...(a.report.waitingFor ? { waitingFor: a.report.waitingFor } : {}),
    ...(a.report.syntax ? { syntax: a.report.syntax } : {}),
    ...(a.report.interfaceCode ? { interfaceCode: a.report.interfaceCode } : {}),
    ...(a.report.profile ? { profile: a.report.profile } : {}),
    routing: a.report.partner ? `checked for ${a.report.partner}` : 'not checked',
    findings: a.report.findings.map((f: Finding) => ({
      code: f.code,
      nature: f.nature,
      severity: f.severity,
      ...(f.location ? { location: f.location } : {}),
      labelFr: f.labelFr,
      labelEn: f.labelEn,
      ...(f.detail ? { detail: f.detail } : {}),
      ...(f.invoice ? { invoice: f.invoice } : {}),
    })),
  };
}
