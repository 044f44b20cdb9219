/** `passerelle doctor`: checks the installation. */
import type { Command } from 'commander';
import { config, configFileOf } from './common.ts';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the installation')
    .action(async (_o: unknown, cmd: Command) => {
      const { doctor } = await import('../gateway/doctor.ts');
      const ok = await doctor(config(cmd), (line) => process.stdout.write(`${line}\n`), configFileOf(cmd));
      process.exitCode = ok ? 0 : 1;
    });
}
