/** `passerelle flows list|replay|show`. */
import type { Command } from 'commander';
import { ConfigError } from '../config.ts';
import { adminCall, runningDaemon } from '../gateway/admin-client.ts';
import { printJson, printRecord, printTable, text } from './output.ts';
import type { Column, Row } from './output.ts';
import { config, enc, withAdmin } from './common.ts';

const FLOW_COLUMNS: Column[] = [
  ['FLOW', (f) => f.flowNumber ?? `ANALYSE-${text(f.id)}`],
  ['PARTNER', (f) => f.partner],
  ['STATE', (f) => f.state],
  ['SYNTAX', (f) => f.syntax],
  ['RECEIVED', (f) => text(f.receivedAt).slice(0, 19)],
  ['FILE', (f) => f.originalName],
];

export function registerFlows(program: Command): void {
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
      const rows = (await withAdmin(cmd, 'read', (ops) => ops.flows.list(filter))) as unknown as Row[];
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
      const d = await withAdmin(cmd, 'read', (ops) => ops.flows.show(ref));
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
      printTable(d.history, historyColumns(d.history), 'history');
      process.stdout.write('\n');
      printTable(
        d.returnFlows,
        [
          ['RETURN FLOW', (r) => r.fileName],
          ['KIND', (r) => r.kind],
          ['DELIVERED', (r) => r.deliveredAt],
        ],
        'return flows',
      );
    });
}

/** History rows: the columns they have (state changes with their time and note). */
function historyColumns(rows: Row[]): Column[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return keys.map((k) => [k.toUpperCase(), (r: Row) => r[k]] as Column);
}
