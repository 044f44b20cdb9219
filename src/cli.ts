/** The `passerelle` command. Commands that need the database go through a running daemon's admin API. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { printJson, printRecord, printTable, exitQuietlyOnEpipe, text } from './cli/output.ts';
import type { Column, Row } from './cli/output.ts';
import { readNewPassword } from './cli/password-prompt.ts';
import type { Config } from './config.ts';
import { ConfigError, defaultConfigPath, loadConfig, schemaDir } from './config.ts';
import { describe as describeFinding } from './finding.ts';
import { registerRaccordementsCommand } from './cli/raccordements.ts';
import { adminCall, runningDaemon } from './gateway/admin-client.ts';
import {
  addPartner,
  addPartnerKey,
  flowDetails,
  flowList,
  partnerList,
  requirePartner,
  setPartnerPassword,
  setSigned,
} from './gateway/admin-ops.ts';
import { Daemon } from './gateway/daemon.ts';
import { createLogger } from './log.ts';
import type { AnalysisReport } from './pipeline/analyze.ts';
import type { FileAnalysis } from './pipeline/analyze-batch.ts';
import { analysisLine, analyzeFiles, batchExitCode, expandAnalysisPaths } from './pipeline/analyze-batch.ts';
import { directoryRouting } from './pipeline/routing.ts';
import { STAGES } from './pipeline/stages/index.ts';
import { API_STATUSES } from './platform/lifecycle.ts';
import { listSchemaSets } from './schemas/catalog.ts';
import { fetchSchemaSets, installSchemaSet } from './schemas/install.ts';
import { ValidationPool } from './schemas/pool.ts';
import type { Db } from './store/db.ts';
import { openDatabase, pgliteDirFor } from './store/index.ts';
import { registerPurge } from './cli/purge.ts';
import type { PartnerAccount } from './store/types.ts';

type DaemonHandle = NonNullable<ReturnType<typeof runningDaemon>>;

/** The configuration file a command uses (`--config`, else PASSERELLE_CONFIG, else config/passerelle.yaml). */
function configFileOf(cmd: Command): string {
  return cmd.optsWithGlobals<{ config?: string }>().config ?? defaultConfigPath();
}

function config(cmd: Command): Config {
  return loadConfig(cmd.optsWithGlobals<{ config?: string }>().config);
}

/** Which configuration file is in use, in words. */
function configText(file: string): string {
  return existsSync(file)
    ? `configuration ${path.resolve(file)}`
    : `no configuration file (${path.resolve(file)} absent: defaults)`;
}

/** Which configuration file and data folder are in use, in one line (start-up, --help, errors). */
export function whereFrom(file: string, cfg: Config): string {
  return `${configText(file)}; data folder ${cfg.dataDir}${process.env.PASSERELLE_DATA ? ' (from PASSERELLE_DATA)' : ''}`;
}

/**
 * Through the daemon when one runs (it holds the embedded database), else straight to the database.
 * A command that only reads never creates a data folder: without one it says where it looked.
 */
async function withDb<T>(
  cmd: Command,
  mode: 'read' | 'write',
  viaDaemon: (info: DaemonHandle) => Promise<T>,
  direct: (db: Db) => Promise<T>,
): Promise<T> {
  const cfg = config(cmd);
  const info = runningDaemon(cfg.dataDir);
  if (info) return viaDaemon(info);
  if (!cfg.databaseUrl && !existsSync(pgliteDirFor(cfg.dataDir))) {
    if (mode === 'read')
      throw new ConfigError(
        `no data folder at ${cfg.dataDir}${existsSync(cfg.dataDir) ? ' (no database in it)' : ''} (${configText(configFileOf(cmd))}). Pick the configuration with --config FILE or PASSERELLE_CONFIG (or the folder with PASSERELLE_DATA); \`passerelle start\` creates it`,
      );
    process.stderr.write(`creating the data folder ${cfg.dataDir} (${configText(configFileOf(cmd))})\n`);
  }
  const db = await openDatabase(
    cfg.databaseUrl
      ? { databaseUrl: cfg.databaseUrl, ...(cfg.databaseSchema ? { schema: cfg.databaseSchema } : {}) }
      : { pgliteDir: pgliteDirFor(cfg.dataDir) },
  );
  try {
    return await direct(db);
  } finally {
    await db.close();
  }
}

const enc = encodeURIComponent;

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

const FLOW_COLUMNS: Column[] = [
  ['FLOW', (f) => f.flowNumber ?? `ANALYSE-${text(f.id)}`],
  ['PARTNER', (f) => f.partner],
  ['STATE', (f) => f.state],
  ['SYNTAX', (f) => f.syntax],
  ['RECEIVED', (f) => text(f.receivedAt).slice(0, 19)],
  ['FILE', (f) => f.originalName],
];

const PARTNER_COLUMNS: Column[] = [
  ['CODE', (p) => p.code],
  ['RETURN SYNTAX', (p) => p.returnSyntax],
  ['SIGNED', (p) => (p.signed ? 'yes' : 'no')],
  ['PASSWORD', (p) => (p.password ? 'set' : '-')],
  ['KEYS', (p) => p.keys],
  ['ACTIVE', (p) => (p.active ? 'yes' : 'no')],
  ['NAME', (p) => p.name],
];

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnEpipe();
  const program: Command = new Command('passerelle')
    .description('EDI flow gateway answering like Chorus Pro qualification')
    .option('-c, --config <file>', 'configuration file (default config/passerelle.yaml, or PASSERELLE_CONFIG)')
    .showHelpAfterError()
    .addHelpText('after', (): string => {
      const file: string = program.opts<{ config?: string }>().config ?? defaultConfigPath();
      try {
        return `\nIn use here: ${whereFrom(file, loadConfig(file))}.\n`;
      } catch (e) {
        return `\nConfiguration ${path.resolve(file)}: ${(e as Error).message}\n`;
      }
    });

  program
    .command('start')
    .description('run the daemon')
    .option('--demo', 'create the demo partner DEMO01 and drop sample flows into its mailboxes')
    .action(async (opts: { demo?: boolean }, cmd: Command) => {
      const cfg = config(cmd);
      const logger = createLogger(cfg.log.level);
      const file = configFileOf(cmd);
      logger.info(
        { config: existsSync(file) ? path.resolve(file) : null, dataDir: cfg.dataDir },
        `starting: ${whereFrom(file, cfg)}`,
      );
      const daemon = new Daemon({ config: cfg, logger });
      await daemon.start();
      if (opts.demo) {
        const { runDemo } = await import('./gateway/demo.ts');
        await runDemo(daemon);
      }
      const stop = async (signal: string) => {
        logger.info({ signal }, 'stopping');
        await daemon.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });

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
        stages: STAGES,
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
            await withDb(
              cmd,
              'read',
              () => Promise.reject(new Error('unreachable')),
              async (db) => run({ account: await requirePartner(db, code), db }),
            );
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

  const flows = program.command('flows').description('flows and their outcomes');
  flows
    .command('list')
    .option('--partner <code>')
    .option('--state <state>', 'IN_RECU, IN_INTEGRE, IN_REJETE … (an unknown state lists them)')
    .option('--limit <n>', 'at most n flows', '50')
    .option('--json', 'print JSON')
    .action(async (opts: { partner?: string; state?: string; limit: string; json?: boolean }, cmd: Command) => {
      const filter = {
        ...(opts.partner ? { partner: opts.partner } : {}),
        ...(opts.state ? { state: opts.state } : {}),
        limit: opts.limit,
      };
      const rows = await withDb(
        cmd,
        'read',
        (info) => adminCall<Row[]>(info, 'GET', `/flows?${new URLSearchParams(filter)}`),
        async (db) => (await flowList(db, filter)) as unknown as Row[],
      );
      if (opts.json) printJson(rows);
      else printTable(rows, FLOW_COLUMNS, 'flows');
    });
  flows
    .command('replay <flow>')
    .description(
      "run a flow's stored bytes through the pipeline again: as an analysis (report in retour/, no flow number), or --deposit as a new deposit",
    )
    .option('--deposit', 'deposit again (a new flow number), e.g. after an incident')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { deposit?: boolean; json?: boolean }, cmd: Command) => {
      const info = runningDaemon(config(cmd).dataDir);
      if (!info) throw new ConfigError('flows replay needs a running daemon (npx passerelle start)');
      const r = await adminCall<{ id: string; flowNumber?: string }>(info, 'POST', `/flows/${enc(ref)}/replay`, {
        deposit: opts.deposit === true,
      });
      if (opts.json) printJson(r);
      else
        process.stdout.write(
          r.flowNumber
            ? `${ref} deposited again as ${r.flowNumber}\n`
            : `${ref} replayed as analysis ANALYSE-${r.id} (report in retour/)\n`,
        );
    });
  flows
    .command('show <flow>')
    .description('a flow (its number, or ANALYSE-<id> as flows list prints it): stages, history, return flows')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const d = await withDb(
        cmd,
        'read',
        (info) => adminCall<Awaited<ReturnType<typeof flowDetails>>>(info, 'GET', `/flows/${enc(ref)}`),
        (db) => flowDetails(db, ref),
      );
      if (opts.json) return printJson(d);
      const f = d.flow as unknown as Row;
      printRecord({
        flow: f.flowNumber ?? `ANALYSE-${text(f.id)}`,
        partner: f.partner,
        box: f.box,
        file: f.originalName,
        size: f.size,
        transport: f.transport,
        state: f.state,
        status: f.statusCode,
        syntax: f.syntax,
        interface: f.interfaceCode,
        profile: f.profile,
        waitingFor: f.waitingFor,
        received: f.receivedAt,
        finished: f.finishedAt,
      });
      process.stdout.write('\n');
      printTable(
        d.stages as unknown as Row[],
        [
          ['STAGE', (s) => s.stage],
          ['OUTCOME', (s) => s.outcome],
          ['MS', (s) => (typeof s.durationMs === 'number' ? s.durationMs.toFixed(1) : s.durationMs)],
          ['FINDINGS', (s) => (s.findings as Array<{ code: string }>).map((x) => x.code).join(' ')],
        ],
        'stages',
      );
      process.stdout.write('\n');
      printTable(d.history as unknown as Row[], historyColumns(d.history as unknown as Row[]), 'history');
      process.stdout.write('\n');
      printTable(
        d.returnFlows as unknown as Row[],
        [
          ['RETURN FLOW', (r) => r.fileName],
          ['KIND', (r) => r.kind],
          ['DELIVERED', (r) => r.deliveredAt],
        ],
        'return flows',
      );
    });

  // The partner must exist (before asking a password; a certificate for a typo would never be used).
  const knownPartner = (cmd: Command, partner: string) =>
    withDb(
      cmd,
      'read',
      (info) => adminCall(info, 'GET', `/partners/${enc(partner)}`),
      (db) => requirePartner(db, partner),
    );
  const partners = program.command('partners').description('partner accounts');
  partners
    .command('add <code> <name>')
    .description('a new partner (an existing code is refused: --update changes it on purpose)')
    .option('--return-syntax <syntax>', 'CPPStatut (default for a new partner) or AIFEStatut')
    .option('--signed', 'the partner signs its flows')
    .option('--update', 'change an existing partner (the options not given keep their value)')
    .option('--json', 'print JSON')
    .action(
      async (
        code: string,
        name: string,
        opts: { returnSyntax?: string; signed?: boolean; update?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        if (!/^[A-Z0-9]{3,8}$/.test(code))
          throw new ConfigError('a partner code is 3 to 8 upper-case letters or digits');
        const body = {
          code,
          name,
          ...(opts.returnSyntax ? { returnSyntax: opts.returnSyntax } : {}),
          ...(opts.signed ? { signed: true } : {}),
          ...(opts.update ? { update: true } : {}),
        };
        const p = await withDb(
          cmd,
          'write',
          (info) => adminCall<Awaited<ReturnType<typeof addPartner>>>(info, 'POST', '/partners', body),
          (db) => addPartner(db, body),
        );
        if (opts.json) printJson(p);
        else
          process.stdout.write(`partner ${p.code} ${p.created ? 'added' : 'updated'}: ${p.name}, ${p.returnSyntax}\n`);
      },
    );
  partners
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const rows = await withDb(
        cmd,
        'read',
        (info) => adminCall<Row[]>(info, 'GET', '/partners'),
        async (db) => (await partnerList(db)) as Row[],
      );
      if (opts.json) printJson(rows);
      else printTable(rows, PARTNER_COLUMNS, 'partners');
    });
  partners
    .command('set-password <code>')
    .description(
      'set the SFTP/API password: asked twice (hidden) in a terminal, else read from PASSERELLE_PASSWORD or standard input; ≥ 12 characters of 3 kinds among upper case, lower case, digits, others',
    )
    .action(async (code: string, _o: unknown, cmd: Command) => {
      await knownPartner(cmd, code);
      const pw = await readNewPassword(code);
      await withDb(
        cmd,
        'write',
        (info) => adminCall(info, 'POST', `/partners/${enc(code)}/password`, { password: pw }),
        (db) => setPartnerPassword(db, code, pw),
      );
      process.stdout.write(`password set for ${code}\n`);
    });
  partners
    .command('add-key <code> <keyFile>')
    .description('allow an SSH public key (one authorized_keys line) for SFTP')
    .action(async (code: string, keyFile: string, _o: unknown, cmd: Command) => {
      const line = readFileSync(keyFile, 'utf8').trim();
      await withDb(
        cmd,
        'write',
        (info) => adminCall(info, 'POST', `/partners/${enc(code)}/keys`, { key: line }),
        (db) => addPartnerKey(db, code, line),
      );
      process.stdout.write(`key added for ${code}\n`);
    });
  partners
    .command('set-signed <code> [on|off]')
    .description('whether the partner signs its flows (docs/signatures.md); on when not said')
    .action(async (code: string, value: string | undefined, _o: unknown, cmd: Command) => {
      const v = (value ?? 'on').toLowerCase();
      const signed = ['on', 'yes', 'true'].includes(v) ? true : ['off', 'no', 'false'].includes(v) ? false : undefined;
      if (signed === undefined) throw new ConfigError(`set-signed ${code} on|off, not ${value}`);
      await withDb(
        cmd,
        'write',
        (info) => adminCall(info, 'POST', `/partners/${enc(code)}/signed`, { signed }),
        (db) => setSigned(db, code, signed),
      );
      process.stdout.write(`${code} ${signed ? 'signs' : 'does not sign'} its flows\n`);
    });

  // The platform simulation: these need the daemon (the matelas job and the lifecycle flows run there).
  const needDaemon = (cfg: Config) => {
    const info = runningDaemon(cfg.dataDir);
    if (!info) throw new Error('no running daemon (npx passerelle start): the platform simulation runs inside it');
    return info;
  };
  const matelas = program.command('matelas').description('matelas de données (test data set) of a partner');
  for (const action of ['create', 'extend', 'reset'] as const) {
    matelas
      .command(`${action} <partner>`)
      .description(
        action === 'create'
          ? 'Créer: generate the matelas (queued job; state Création until done), write its CSV, seed the directory'
          : action === 'extend'
            ? 'Étendre: add a new set, the old ones untouched'
            : "Réinitialiser: retire the partner's sets (flows and invoices stay readable)",
      )
      .option('--json', 'print JSON')
      .action(async (partner: string, opts: { json?: boolean }, cmd: Command) => {
        const r = await adminCall<Row>(needDaemon(config(cmd)), 'POST', `/matelas/${enc(partner)}/${action}`);
        if (opts.json) printJson(r);
        else printRecord(r);
      });
  }
  matelas
    .command('show <partner>')
    .option('--json', 'print JSON')
    .action(async (partner: string, opts: { json?: boolean }, cmd: Command) => {
      const r = await adminCall<Row>(needDaemon(config(cmd)), 'GET', `/matelas/${enc(partner)}`);
      if (opts.json) printJson(r);
      else printRecord(r);
    });

  registerRaccordementsCommand(program, config);
  const invoices = program.command('invoices').description('integrated invoices and their lifecycle');
  invoices
    .command('list')
    .option('--partner <code>')
    .option('--status <status>', `${API_STATUSES.slice(0, 3).join(', ')} …`)
    .option('--json', 'print JSON')
    .action(async (opts: { partner?: string; status?: string; json?: boolean }, cmd: Command) => {
      const status = opts.status?.toUpperCase();
      if (status && !(API_STATUSES as readonly string[]).includes(status))
        throw new ConfigError(`unknown status ${opts.status}; statuses: ${API_STATUSES.join(', ')}`);
      const q = new URLSearchParams({
        ...(opts.partner ? { partner: opts.partner } : {}),
        ...(status ? { status } : {}),
      });
      const rows = await adminCall<Row[]>(needDaemon(config(cmd)), 'GET', `/invoices?${q}`);
      if (opts.json) printJson(rows);
      else
        printTable(
          rows,
          [
            ['ID', (i) => i.id],
            ['PARTNER', (i) => i.partner],
            ['NUMBER', (i) => i.number],
            ['SUPPLIER', (i) => i.supplierIdentifier],
            ['RECIPIENT SIRET', (i) => i.recipientSiret],
            ['STATUS', (i) => i.status],
          ],
          'invoices',
        );
    });
  invoices
    .command('show <id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const r = await adminCall<Row>(needDaemon(config(cmd)), 'GET', `/invoices/${enc(id)}`);
      if (opts.json) printJson(r);
      else printRecord(r);
    });
  invoices
    .command('status <id> <status>')
    .description('move an invoice (recipient side simulated); a forbidden transition answers codeRetour 20002')
    .option('--comment <text>')
    .option('--by <actor>', 'destinataire, fournisseur or plateforme (default: whoever may make that transition)')
    .action(async (id: string, status: string, opts: { comment?: string; by?: string }, cmd: Command) => {
      const info = needDaemon(config(cmd));
      const res = await fetch(`http://127.0.0.1:${info.httpPort}/admin/invoices/${enc(id)}/status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          status,
          who: 'cli',
          ...(opts.comment ? { comment: opts.comment } : {}),
          ...(opts.by ? { by: opts.by } : {}),
        }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      delete body.error;
      printJson(body);
      if (!res.ok) process.exitCode = 1;
    });

  program
    .command('samples <partner> <folder>')
    .description("write the qualification kit of the partner's matelas (invoices + manifest.json of expected outcomes)")
    .option('--tag <tag>', 'distinguishes invoice numbers between kits (1-6 capitals or digits)')
    .action(async (partner: string, folder: string, opts: { tag?: string }, cmd: Command) => {
      const m = await adminCall<{ invoices: unknown[] }>(needDaemon(config(cmd)), 'POST', `/samples/${enc(partner)}`, {
        folder: path.resolve(folder),
        ...(opts.tag ? { tag: opts.tag } : {}),
      });
      process.stdout.write(`${m.invoices.length} invoices and manifest.json written to ${path.resolve(folder)}\n`);
    });

  const schemas = program.command('schemas').description('official XSD sets (UBL 2.1, CII D16B, Factur-X)');
  schemas
    .command('list')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const cfg = config(cmd);
      const sets = listSchemaSets(schemaDir(cfg), cfg.schemas.shipped);
      if (opts.json) return printJson(sets);
      printTable(
        sets as unknown as Row[],
        [
          ['', (s) => (s.installed ? '✓' : '✗')],
          ['SET', (s) => s.id],
          ['USED', (s) => s.origin ?? 'missing'],
          ['TITLE', (s) => s.title],
          [
            'PATH',
            (s) =>
              s.installed
                ? s.path
                : `install: npx passerelle schemas install --from <folder|zip>; sources: ${(s.sources as string[]).join(' ')}`,
          ],
        ],
        'schema sets',
      );
    });
  schemas
    .command('install')
    .option('--from <path>', 'a folder or .zip holding the set')
    .option('--set <id>', 'which set (guessed from the content when absent)')
    .option('--fetch', 'download the official archives (needs network access)')
    .addHelpText('after', '\nExit code 1 when a set could not be installed.')
    .action(async (opts: { from?: string; set?: string; fetch?: boolean }, cmd: Command) => {
      const cfg = config(cmd);
      const dir = schemaDir(cfg);
      if (opts.fetch) {
        const results = await fetchSchemaSets(dir, opts.set ? { setIds: [opts.set] } : {});
        // Each message starts with its set's id.
        for (const r of results) process.stdout.write(`${r.ok ? '✓' : '✗'} ${r.message}\n`);
        if (!results.length) process.stdout.write('every official set is already installed\n');
        if (results.some((r) => !r.ok)) process.exitCode = 1;
        if (!results.some((r) => r.ok)) return;
      } else if (opts.from) {
        const r = await installSchemaSet(path.resolve(opts.from), dir, opts.set);
        process.stdout.write(`✓ ${r.setId} installed (${r.files} files) in ${dir}\n`);
      } else throw new ConfigError('schemas install needs --from <folder|zip> or --fetch');
      const info = runningDaemon(cfg.dataDir);
      if (info) {
        const r = await adminCall<{ resumed: number }>(info, 'POST', '/schemas/resume');
        process.stdout.write(`daemon: ${r.resumed} waiting flow(s) resumed\n`);
      }
    });

  const certs = program.command('certs').description("partners' signing certificates (docs/signatures.md)");
  certs
    .command('add <partner> <pem>')
    .description('register a signing certificate (PEM) for a partner')
    .action(async (partner: string, pem: string, _o: unknown, cmd: Command) => {
      await knownPartner(cmd, partner);
      const { certificateRegistry } = await import('./pipeline/stages/signature.ts');
      const added = certificateRegistry(config(cmd).dataDir).add(partner, readFileSync(pem, 'utf8'));
      process.stdout.write(
        `registered for ${partner}: ${added.subject} (SHA-256 ${added.fingerprint}, expires ${added.notAfter.toISOString()})\n`,
      );
    });
  certs
    .command('list <partner>')
    .option('--json', 'print JSON')
    .action(async (partner: string, opts: { json?: boolean }, cmd: Command) => {
      await knownPartner(cmd, partner);
      const { certificateRegistry } = await import('./pipeline/stages/signature.ts');
      const list = certificateRegistry(config(cmd).dataDir).list(partner);
      if (opts.json) return printJson(list);
      printTable(
        list as unknown as Row[],
        [
          ['FINGERPRINT (SHA-256)', (c) => c.fingerprint],
          ['SERIAL', (c) => c.serial],
          ['FROM', (c) => text(c.notBefore).slice(0, 10)],
          ['UNTIL', (c) => text(c.notAfter).slice(0, 10)],
          ['SUBJECT', (c) => c.subject],
        ],
        `certificates for ${partner}`,
      );
    });
  certs
    .command('remove <partner> <fingerprint>')
    .action(async (partner: string, fingerprint: string, _o: unknown, cmd: Command) => {
      const { certificateRegistry } = await import('./pipeline/stages/signature.ts');
      if (!certificateRegistry(config(cmd).dataDir).remove(partner, fingerprint))
        throw new Error(`no certificate ${fingerprint} for ${partner}`);
      process.stdout.write(`removed ${fingerprint} for ${partner}\n`);
    });
  certs
    .command('make-test-pki <folder>')
    .description('write a test CA, a partner certificate and key, and the openssl command that signs a flow')
    .option('--partner <code>', 'partner code in the certificate', 'TEST01')
    .option('--key-type <type>', 'rsa, rsa-pss or ecdsa', 'rsa')
    .action(async (folder: string, opts: { partner: string; keyType: 'rsa' | 'rsa-pss' | 'ecdsa' }) => {
      const { makeTestPki } = await import('./signature/test-pki.ts');
      const pki = makeTestPki(path.resolve(folder), { partner: opts.partner, keyType: opts.keyType });
      process.stdout.write(
        `CA certificate:      ${pki.caCert}\npartner certificate: ${pki.cert}\npartner key:         ${pki.key}\n\n` +
          `Trust the CA:        cp ${pki.caCert} config/trust/   (or the partner's signature.trustAnchors)\n` +
          `Register the cert:   npx passerelle certs add ${opts.partner} ${pki.cert}\n` +
          `Sign a flow (FLOW=<file>):\n${pki.signCommand}\n`,
      );
    });

  program
    .command('doctor')
    .description('check the installation')
    .action(async (_o: unknown, cmd: Command) => {
      const { doctor } = await import('./gateway/doctor.ts');
      const ok = await doctor(config(cmd), (line) => process.stdout.write(`${line}\n`), configFileOf(cmd));
      process.exitCode = ok ? 0 : 1;
    });

  registerPurge(program);

  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`passerelle: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

/** History rows: the columns they have (state changes with their time and note). */
function historyColumns(rows: Row[]): Column[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return keys.map((k) => [k.toUpperCase(), (r: Row) => r[k]] as Column);
}
