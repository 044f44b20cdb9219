/** `passerelle schemas list|install`: the official XSD sets. */
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, schemaDir } from '../config.ts';
import { adminCall, runningDaemon } from '../gateway/admin-client.ts';
import { listSchemaSets } from '../schemas/catalog.ts';
import { fetchSchemaSets, installSchemaSet } from '../schemas/install.ts';
import { printJson, printTable } from './output.ts';
import type { Row } from './output.ts';
import { config } from './common.ts';

export function registerSchemas(program: Command): void {
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
}
