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
      // The handlers are there before the start: a SIGTERM that comes as soon as "passerelle started" is
      // logged (or during the start) must stop the daemon cleanly, not kill it with the default action.
      let starting: Promise<unknown> = Promise.resolve();
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping');
        // A failed start has closed what it opened and reports itself (the command's error path).
        if (
          !(await starting.then(
            () => true,
            () => false,
          ))
        )
          return;
        await daemon.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      starting = (async () => {
        await daemon.start();
        if (opts.demo && !stopping) {
          const { runDemo } = await import('../gateway/demo.ts');
          await runDemo(daemon);
        }
      })();
      await starting;
    });
}
