/** Shared test setup: temp folders, the corpus, databases, a daemon. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildConfig } from '../../src/config.ts';
import type { Config } from '../../src/config.ts';
import { Daemon } from '../../src/gateway/daemon.ts';
import type { TransportModule } from '../../src/gateway/root.ts';
import { silentLogger } from '../../src/log.ts';

export const CORPUS = path.resolve('test/corpus');
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface CorpusRow {
  file: string;
  syntax: string;
  expected: string;
  reason: string;
}

export function corpusRows(): CorpusRow[] {
  return readFileSync(path.join(CORPUS, 'expected.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, syntax, expected, reason] = line.split('\t') as [string, string, string, string];
      return { file, syntax, expected, reason };
    });
}

/** A free TCP port on loopback (for the daemon's HTTP or SFTP port in a test). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'passerelle-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function postgresAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** True when PostgreSQL answers; without it a test skips itself, except in CI, where it must run. */
export async function postgresRequired(): Promise<boolean> {
  if (await postgresAvailable()) return true;
  if (process.env.CI) throw new Error(`PostgreSQL is required in CI (${PG_URL})`);
  return false;
}

export function uniqueSchema(): string {
  return `t_${randomBytes(5).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.query(`DROP SCHEMA IF EXISTS "${schema}_boss" CASCADE`);
  await c.end();
}

export function testConfig(dataDir: string, raw: Record<string, unknown> = {}): Config {
  return buildConfig(
    {
      dataDir,
      http: { port: 0 },
      sftp: { port: 0 },
      folders: { stableMs: 50, rescanMs: 1000 },
      pipeline: { retryDelaySeconds: 1, validationThreads: 0 },
      schemas: { fetchOnStart: false },
      partners: [{ code: 'ABC123', name: 'Société Test', returnSyntax: 'CPPStatut' }],
      ...raw,
    },
    {},
  );
}

export type DbKind = 'postgres' | 'pglite';

export async function startDaemon(
  kind: DbKind,
  config: Config,
  opts: { transports?: readonly TransportModule[] } = {},
): Promise<{ daemon: Daemon; schema?: string; stop: () => Promise<void> }> {
  const schema = kind === 'postgres' ? uniqueSchema() : undefined;
  if (kind === 'postgres') config.databaseUrl = PG_URL;
  const daemon = new Daemon({ config, logger: silentLogger, ...(schema ? { schema } : {}), ...opts });
  await daemon.start();
  return {
    daemon,
    ...(schema ? { schema } : {}),
    stop: async () => {
      await daemon.stop();
      if (schema) await dropSchema(schema);
    },
  };
}

/** Waits until `dir` holds `count` files matching `filter`; returns their names. */
export async function waitForFiles(
  dir: string,
  count: number,
  timeoutMs = 60000,
  filter: (n: string) => boolean = (n) => !n.startsWith('.'),
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = existsSync(dir) ? readdirSync(dir).filter(filter) : [];
    if (names.length >= count) return names.sort();
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${count} files in ${dir} (have ${names.length}: ${names.slice(0, 5).join(', ')})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
