/** What the command groups share: the configuration in use, and the database reached through the daemon or directly. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { ConfigError, defaultConfigPath, loadConfig } from '../config.ts';
import { remoteAdmin, runningDaemon } from '../gateway/admin-client.ts';
import type { AdminOps } from '../gateway/admin-ops.ts';
import { localAdmin } from '../gateway/admin-ops.ts';
import type { Db } from '../store/db.ts';
import { openDatabase, pgliteDirFor, pgliteOptionsFor } from '../store/index.ts';

/** The configuration file a command uses (`--config`, else PASSERELLE_CONFIG, else config/passerelle.yaml). */
export function configFileOf(cmd: Command): string {
  return cmd.optsWithGlobals<{ config?: string }>().config ?? defaultConfigPath();
}

export function config(cmd: Command): Config {
  return loadConfig(cmd.optsWithGlobals<{ config?: string }>().config);
}

/** Which configuration file is in use, in words. */
function configText(file: string): string {
  return existsSync(file)
    ? `configuration ${path.resolve(file)}`
    : `no configuration file (${path.resolve(file)} absent: defaults)`;
}

/** Which configuration file and data folder are in use, in one line (start-up, --help, errors). */
export function whereFrom(file: string, cfg: Config): string {
  return `${configText(file)}; data folder ${cfg.dataDir}${process.env.PASSERELLE_DATA ? ' (from PASSERELLE_DATA)' : ''}`;
}

/**
 * The admin operations: through the daemon when one runs (it holds the embedded database), else straight
 * on the database. Either way the same `AdminOps`, so a command is written once.
 */
export async function withAdmin<T>(
  cmd: Command,
  mode: 'read' | 'write',
  run: (ops: AdminOps) => Promise<T>,
): Promise<T> {
  const info = runningDaemon(config(cmd).dataDir);
  if (info) return run(remoteAdmin(info));
  return withDatabase(cmd, mode, (db) => run(localAdmin(db)));
}

/**
 * The database itself, opened for this command and closed after it. A command that only reads never
 * creates a data folder: without one it says where it looked.
 */
export async function withDatabase<T>(cmd: Command, mode: 'read' | 'write', run: (db: Db) => Promise<T>): Promise<T> {
  const cfg = config(cmd);
  if (!cfg.databaseUrl && !existsSync(pgliteDirFor(cfg.dataDir))) {
    if (mode === 'read')
      throw new ConfigError(
        `no data folder at ${cfg.dataDir}${existsSync(cfg.dataDir) ? ' (no database in it)' : ''} (${configText(configFileOf(cmd))}). Pick the configuration with --config FILE or PASSERELLE_CONFIG (or the folder with PASSERELLE_DATA); \`passerelle start\` creates it`,
      );
    process.stderr.write(`creating the data folder ${cfg.dataDir} (${configText(configFileOf(cmd))})\n`);
  }
  const db = await openDatabase(
    cfg.databaseUrl
      ? { databaseUrl: cfg.databaseUrl, ...(cfg.databaseSchema ? { schema: cfg.databaseSchema } : {}) }
      : pgliteOptionsFor(cfg.dataDir),
  );
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}

export const enc = encodeURIComponent;

// The partner must exist (before asking a password; a certificate for a typo would never be used).
export const knownPartner = (cmd: Command, partner: string) =>
  withAdmin(cmd, 'read', (ops) => ops.partners.show(partner));

// The platform simulation: these need the daemon (the matelas job and the lifecycle flows run there).
export const needDaemon = (cfg: Config) => {
  const info = runningDaemon(cfg.dataDir);
  if (!info) throw new Error('no running daemon (npx passerelle start): the platform simulation runs inside it');
  return info;
};
