/**
 * The `passerelle` command: the program and its command groups (one file each in src/cli/). Commands that
 * need the database go through a running daemon's admin API.
 */
import path from 'node:path';
import { Command } from 'commander';
import { registerAnalyze } from './cli/analyze.ts';
import { registerCerts } from './cli/certs.ts';
import { config, whereFrom } from './cli/common.ts';
import { registerDoctor } from './cli/doctor.ts';
import { registerFlows } from './cli/flows.ts';
import { registerInvoices } from './cli/invoices.ts';
import { registerMatelas, registerSamples } from './cli/matelas.ts';
import { exitQuietlyOnEpipe } from './cli/output.ts';
import { registerPartners } from './cli/partners.ts';
import { registerPurge } from './cli/purge.ts';
import { registerRaccordementsCommand } from './cli/raccordements.ts';
import { registerSchemas } from './cli/schemas.ts';
import { registerStart } from './cli/start.ts';
import { defaultConfigPath, loadConfig } from './config.ts';

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

  registerStart(program);
  registerAnalyze(program);
  registerFlows(program);
  registerPartners(program);
  registerMatelas(program);
  registerRaccordementsCommand(program, config);
  registerInvoices(program);
  registerSamples(program);
  registerSchemas(program);
  registerCerts(program);
  registerDoctor(program);
  registerPurge(program);

  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`passerelle: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
