/** `passerelle invoices list|show|status`: integrated invoices and their lifecycle (run by the daemon). */
import type { Command } from 'commander';
import { ConfigError } from '../config.ts';
import { adminCall } from '../gateway/admin-client.ts';
import { API_STATUSES } from '../platform/lifecycle.ts';
import { printJson, printRecord, printTable } from './output.ts';
import type { Row } from './output.ts';
import { config, enc, needDaemon } from './common.ts';

export function registerInvoices(program: Command): void {
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
      const rows = await adminCall<Row[]>(needDaemon(config(cmd)), 'GET', `/invoices?${q.toString()}`);
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
}
