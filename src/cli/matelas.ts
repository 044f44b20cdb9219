/** `passerelle matelas …` and `passerelle samples`: the partner's test data set and its qualification kit (run by the daemon). */
import path from 'node:path';
import type { Command } from 'commander';
import { adminCall } from '../gateway/admin-client.ts';
import { printJson, printRecord } from './output.ts';
import type { Row } from './output.ts';
import { config, enc, needDaemon } from './common.ts';

export function registerMatelas(program: Command): void {
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
}

export function registerSamples(program: Command): void {
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
}
