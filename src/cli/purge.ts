/**
 * `passerelle purge --older-than <days> [--dry-run]`: drops the stored bytes of flows concluded more than
 * <days> ago and the return files older than that (src/store/retention.ts); flows not yet answered are
 * never touched. The daemon does the same by itself every hour when `retention.days` is set.
 */
import type { Command } from 'commander';
import { runningDaemon } from '../gateway/admin-client.ts';
import { purge } from '../store/retention.ts';
import { config, withDatabase } from './common.ts';

export function registerPurge(program: Command): void {
  program
    .command('purge')
    .description('drop stored flows (bytes) and return files older than <days>; flows not yet answered are kept')
    .requiredOption('--older-than <days>', 'age in days (a whole number, 0 = everything concluded)')
    .option('--dry-run', 'count only, remove nothing')
    .action(async (opts: { olderThan: string; dryRun?: boolean }, cmd: Command) => {
      const days = Number(opts.olderThan);
      if (!Number.isInteger(days) || days < 0)
        throw new Error(`--older-than wants a whole number of days, got ${opts.olderThan}`);
      const cfg = config(cmd);
      if (!cfg.databaseUrl && runningDaemon(cfg.dataDir))
        throw new Error(
          'a daemon holds the embedded database: stop it first, or set retention.days in the configuration (the daemon then purges by itself)',
        );
      // Nothing to purge without a data folder: said so rather than an empty database created.
      const r = await withDatabase(cmd, 'read', (db) => purge(db, cfg.dataDir, days, opts.dryRun === true));
      process.stdout.write(
        `${opts.dryRun ? 'would purge' : 'purged'}: ${r.flows} flows' stored bytes (${r.contents} contents), ${r.returnFiles} return files older than ${days} days\n`,
      );
    });
}
