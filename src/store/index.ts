/**
 * The store: the database (PostgreSQL or embedded PGlite), its migrations, and the pg-boss queues on
 * the same database. Same schema, same SQL, same queues either way.
 */
import path from 'node:path';
import { PgBoss, fromPglite } from 'pg-boss';
import { openPglite, openPostgres } from './connect.ts';
import { contentDirFor } from './content-files.ts';
import type { Db, Queryable } from './db.ts';
import { migrate } from './migrate.ts';

export interface StoreOptions {
  /** PostgreSQL URL; absent = PGlite. */
  databaseUrl?: string;
  /** PGlite data folder (absent with no URL = in memory, for tests). */
  pgliteDir?: string;
  /** PGlite: the folder of large contents kept as files (content-files.ts); absent = all in the database. */
  contentDir?: string;
  /** PostgreSQL schema for our tables and pg-boss's (tests isolate runs this way). */
  schema?: string;
}

export interface Store {
  db: Db;
  boss: PgBoss;
  /**
   * PGlite only: vacuums the tables every flow churns (VACUUM_FLOW_TABLES); the daemon calls it every
   * EMBEDDED_VACUUM_MS. PostgreSQL's autovacuum does this on its own.
   */
  vacuum?: () => Promise<void>;
  close(): Promise<void>;
}

/**
 * PGlite runs PostgreSQL as a single backend: no autovacuum launcher, so nothing ever vacuumed the tables a
 * flow updates and deletes in (pg-boss's jobs: inserted, updated twice, deleted; `flows`, `return_flows`:
 * updated). Their dead rows and index entries grew with every flow, and so did every statement's work:
 * four bursts of 5,000 flows in a row went from 7.0 to 10.8 ms of CPU a flow (213 to 130 flows/s); vacuumed
 * every 20 s, 6.3–6.6 ms throughout (docs/benchmarks.md, "PGlite without autovacuum"). A pass takes
 * 40–80 ms under load, next to nothing idle (only the pages changed since are visited).
 */
export const EMBEDDED_VACUUM_MS = 20_000;
/** pg-boss's tables are in its default schema on PGlite. */
const VACUUM_FLOW_TABLES = 'VACUUM pgboss.job, flows, return_flows';

export const QUEUES = {
  /** One job per flow: the runner takes it through every stage. */
  flows: 'passerelle-flows',
  /** Flows whose processing kept failing: they end IN_INCIDENTE. */
  incidents: 'passerelle-flows-incidents',
  /** Deferred work of the platform simulation (matelas generation, scripted lifecycles). */
  platform: 'passerelle-platform',
} as const;

/**
 * A completed job says nothing the flow's row does not (its state, history and outcomes are in the
 * flows tables): it is deleted a minute after, by pg-boss's maintenance run every minute, so the job
 * table and the dead entries its fetch walks stay small however many flows went through (pg-boss
 * keeps them 7 days and maintains once a day by default).
 */
const COMPLETED_JOB_SECONDS = 60;
const MAINTENANCE_SECONDS = 60;

/**
 * pg-boss's `db` option for a job sent inside one of our transactions: the job is recorded (or not)
 * with the rows of that transaction.
 */
export function bossDb(tx: Queryable): {
  executeSql: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;
} {
  return { executeSql: (text, values) => tx.query(text, values) };
}

export async function openStore(
  opts: StoreOptions,
  queueOpts: { retryLimit: number; retryDelaySeconds: number; expireSeconds: number },
): Promise<Store> {
  let db: Db;
  let boss: PgBoss;
  if (opts.databaseUrl) {
    db = await openPostgres(opts.databaseUrl, opts.schema);
    boss = new PgBoss({
      connectionString: opts.databaseUrl,
      schema: opts.schema ? `${opts.schema}_boss` : 'pgboss',
      max: 4,
      useListenNotify: true,
      superviseIntervalSeconds: 5,
      maintenanceIntervalSeconds: MAINTENANCE_SECONDS,
      // Ours: every node may supervise; pg-boss serialises maintenance itself.
    });
  } else {
    const pdb = await openPglite(opts.pgliteDir, opts.contentDir);
    db = pdb;
    boss = new PgBoss({
      db: fromPglite(pdb.pglite),
      backend: 'pglite',
      useListenNotify: true,
      superviseIntervalSeconds: 5,
      maintenanceIntervalSeconds: MAINTENANCE_SECONDS,
    });
  }
  boss.on('error', () => undefined); // surfaced through the daemon's logger, see daemon.ts
  const queueOptions = {
    retryLimit: queueOpts.retryLimit,
    retryDelay: queueOpts.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: queueOpts.expireSeconds,
    // A job whose node died stops beating: it is retried within seconds, not at expiry.
    heartbeatSeconds: 10,
    deleteAfterSeconds: COMPLETED_JOB_SECONDS,
  };
  try {
    await migrate(db);
    await boss.start();
    await boss.createQueue(QUEUES.incidents, { retentionSeconds: 7 * 24 * 3600 });
    await boss.createQueue(QUEUES.flows, { ...queueOptions, deadLetter: QUEUES.incidents, notify: true });
    await boss.createQueue(QUEUES.platform, queueOptions);
    // createQueue leaves a queue made by an earlier version as it was: the deletion delay is set again.
    for (const q of [QUEUES.flows, QUEUES.platform])
      await boss.updateQueue(q, { deleteAfterSeconds: COMPLETED_JOB_SECONDS });
  } catch (err) {
    // Nothing left open behind a failed start.
    await boss.stop({ graceful: false, timeout: 1000 }).catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
  return {
    db,
    boss,
    ...(db.kind === 'pglite' ? { vacuum: () => db.exec(VACUUM_FLOW_TABLES) } : {}),
    async close() {
      await boss.stop({ graceful: true, timeout: 5000 }).catch(() => undefined);
      await db.close();
    },
  };
}

export function pgliteDirFor(dataDir: string): string {
  return path.join(dataDir, 'db');
}

/** The embedded database of a data folder: PGlite's folder and the folder of its large contents. */
export function pgliteOptionsFor(dataDir: string): Pick<StoreOptions, 'pgliteDir' | 'contentDir'> {
  return { pgliteDir: pgliteDirFor(dataDir), contentDir: contentDirFor(dataDir) };
}

/** The database alone (no queues), migrated: for CLI commands run while no daemon is up. */
export async function openDatabase(opts: StoreOptions): Promise<Db> {
  const db = opts.databaseUrl
    ? await openPostgres(opts.databaseUrl, opts.schema)
    : await openPglite(opts.pgliteDir, opts.contentDir);
  await migrate(db);
  return db;
}
