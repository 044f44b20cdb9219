/** `passerelle analyze`: findings for files or folders, no daemon needed (with --partner, as its analyse/ box). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, schemaDir } from '../config.ts';
import { describe as describeFinding } from '../finding.ts';
import { adminCall, runningDaemon } from '../gateway/admin-client.ts';
import { requirePartner } from '../gateway/admin-ops.ts';
import type { AnalysisReport } from '../pipeline/analyze.ts';
import type { FileAnalysis } from '../pipeline/analyze-batch.ts';
import { analysisLine, analyzeFiles, batchExitCode, expandAnalysisPaths } from '../pipeline/analyze-batch.ts';
import { directoryRouting } from '../pipeline/routing.ts';
import { ValidationPool } from '../schemas/pool.ts';
import type { Db } from '../store/db.ts';
import type { PartnerAccount } from '../store/types.ts';
import { config, withDatabase } from './common.ts';

const VERDICT_TEXT = {
  accepted: 'ACCEPTÉ / accepted',
  partial: 'ACCEPTÉ PARTIELLEMENT / partly accepted (96)',
  waiting: 'EN ATTENTE / waiting for schema set',
  rejected: 'REJETÉ / rejected',
} as const;

function printAnalysis(name: string, report: AnalysisReport): void {
  const verdict =
    report.verdict === 'waiting' ? `${VERDICT_TEXT.waiting} ${report.waitingFor}` : VERDICT_TEXT[report.verdict];
  process.stdout.write(`${name}: ${verdict}`);
  process.stdout.write(
    report.syntax
      ? ` (${report.syntax}, ${report.interfaceCode}${report.profile ? `, ${report.profile}` : ''})\n`
      : '\n',
  );
  for (const f of report.findings)
    process.stdout.write(
      `  ${f.severity === 'fatal' ? '✗' : '!'} [${f.nature}] ${f.code} ${f.labelFr} — ${describeFinding(f)}\n`,
    );
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze <paths...>')
    .description(
      'check flows (files, or folders of files) and print the findings, no daemon needed; with --partner, ' +
        "also that partner's routing rules, exactly as its analyse/ box",
    )
    .option('--interface <code>', 'declared interface code (FSO1100A …)')
    .option(
      '--partner <code>',
      "run the partner's Chorus Pro routing rules (directory, matelas) and signature policy, as its analyse/ box does",
    )
    .option('--json', 'one JSON object per file and line: file, verdict, findings (code, nature, severity, location)')
    .addHelpText(
      'after',
      '\nExit code: 0 every file accepted, 1 any rejected (or partly accepted, 96), 2 any waiting for a schema set and none rejected.\n' +
        'Without --partner, routing against the platform directory (CPP-DEST-INCONNU …) is not checked.',
    )
    .action(async (paths: string[], opts: { interface?: string; json?: boolean; partner?: string }, cmd: Command) => {
      const cfg = config(cmd);
      const verdicts: Array<AnalysisReport['verdict']> = [];
      const files = expandAnalysisPaths(paths);
      if (!files.length) throw new ConfigError(`no file to analyse in ${paths.join(' ')}`);
      const show = (a: FileAnalysis) => {
        verdicts.push(a.report.verdict);
        if (opts.json) process.stdout.write(`${JSON.stringify(analysisLine(a))}\n`);
        else printAnalysis(files.length === 1 ? path.basename(a.file) : a.file, a.report);
      };
      const common = {
        config: cfg,
        ...(opts.interface ? { declaredInterface: opts.interface } : {}),
      };
      const info = opts.partner ? runningDaemon(cfg.dataDir) : undefined;
      if (opts.partner && info) {
        // The daemon holds the database: it analyses with its own pipeline (nothing is recorded).
        for (const file of files) {
          const sig = `${file}.p7s`;
          const report = await adminCall<AnalysisReport>(info, 'POST', '/analyze', {
            partner: opts.partner,
            fileName: path.basename(file),
            content: readFileSync(file).toString('base64'),
            ...(existsSync(sig) ? { signature: readFileSync(sig).toString('base64') } : {}),
            ...(opts.interface ? { declaredInterface: opts.interface } : {}),
          });
          show({ file, report });
        }
      } else {
        const validation = new ValidationPool({
          schemaDir: schemaDir(cfg),
          shipped: cfg.schemas.shipped,
          threads: 0,
        });
        try {
          const run = async (partner?: { account: PartnerAccount; db: Db }) => {
            for await (const a of analyzeFiles(files, {
              ...common,
              validation,
              ...(partner ? { partner: { ...partner, routing: directoryRouting() } } : {}),
            }))
              show(a);
          };
          if (opts.partner) {
            const code = opts.partner;
            await withDatabase(cmd, 'read', async (db) => run({ account: await requirePartner(db, code), db }));
          } else await run();
        } finally {
          await validation.close();
        }
      }
      if (!opts.json) {
        if (files.length > 1) {
          const count = (v: string) => verdicts.filter((x) => x === v).length;
          process.stdout.write(
            `${files.length} files: ${count('accepted')} accepted, ${count('partial')} partly accepted, ${count('rejected')} rejected, ${count('waiting')} waiting\n`,
          );
        }
        process.stdout.write(
          opts.partner
            ? `Checked as partner ${opts.partner}'s analyse/ box (routing against its matelas, its signature policy).\n`
            : "Routing against the Chorus Pro directory not checked (CPP-DEST-INCONNU …): add --partner CODE to check it as that partner's analyse/ box.\n",
        );
      }
      process.exitCode = batchExitCode(verdicts);
    });
}
