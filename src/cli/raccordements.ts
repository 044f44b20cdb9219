/** `passerelle raccordements list|approve|refuse`: ops decide the portal's connection requests. */
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { adminCall, runningDaemon } from '../gateway/admin-client.ts';

export function registerRaccordementsCommand(program: Command, config: (cmd: Command) => Config): void {
  const daemonOf = (cmd: Command) => {
    const info = runningDaemon(config(cmd).dataDir);
    if (!info) throw new Error('no running daemon (npx passerelle start): raccordements are decided through it');
    return info;
  };
  const print = (data: unknown) => process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  const r = program
    .command('raccordements')
    .description('connection requests made in the portal (raccordement EDI et API)');
  r.command('list')
    .description('list the requests (newest first)')
    .option('--state <state>', 'DEMANDEE, VALIDEE or REFUSEE')
    .action(async (opts: { state?: string }, cmd: Command) => {
      const q = opts.state ? `?state=${encodeURIComponent(opts.state)}` : '';
      const rows = await adminCall<Array<Record<string, unknown>>>(daemonOf(cmd), 'GET', `/raccordements${q}`);
      for (const x of rows)
        process.stdout.write(
          `${String(x.id).padStart(5)} ${String(x.state).padEnd(8)} ${String(x.mode).padEnd(4)} ${String(x.partner).padEnd(8)} ${String(x.siret)} ${String(x.structure)}  <${String((x.contact as { email: string }).email)}>\n`,
        );
      if (!rows.length) process.stdout.write('no raccordement\n');
    });
  r.command('approve <id>')
    .description(
      "approve: open the account's partner (SFTP key or password of the request) and mail the connection details",
    )
    .option('--return-syntax <syntax>', 'CPPStatut or AIFEStatut (default: the partner’s)')
    .option('--comment <text>', 'decision comment')
    .action(async (id: string, opts: { returnSyntax?: string; comment?: string }, cmd: Command) => {
      print(
        await adminCall(daemonOf(cmd), 'POST', `/raccordements/${encodeURIComponent(id)}/approve`, {
          ...(opts.returnSyntax ? { returnSyntax: opts.returnSyntax } : {}),
          ...(opts.comment ? { comment: opts.comment } : {}),
        }),
      );
    });
  r.command('refuse <id>')
    .description('refuse the request (the technical contact is mailed)')
    .option('--comment <text>', 'reason given to the requester')
    .action(async (id: string, opts: { comment?: string }, cmd: Command) => {
      print(
        await adminCall(daemonOf(cmd), 'POST', `/raccordements/${encodeURIComponent(id)}/refuse`, {
          ...(opts.comment ? { comment: opts.comment } : {}),
        }),
      );
    });
}
