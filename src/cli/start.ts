/** `passerelle start`: the daemon, in the foreground until SIGINT or SIGTERM. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Daemon } from '../gateway/daemon.ts';
import { createLogger } from '../log.ts';
import { config, configFileOf, whereFrom } from './common.ts';

export function registerStart(program: Command): void {
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
        const { runDemo } = await import('../gateway/demo.ts');
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
}
