/**
 * The daemon: takes the data folder, opens the store, has the composition root (root.ts) build its parts,
 * brings the configured partners in, starts the pipeline workers and the transports (drop folders, SFTP,
 * HTTP) in order, keeps the background chores going (waiting flows that can resume, spool recovery,
 * undelivered return flows), and stops it all in the reverse order.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.ts';
import { schemaDir } from '../config.ts';
import type { Logger } from '../log.ts';
import { deliverPending, setDeliveryDurability } from '../pipeline/delivery.ts';
import { incidentFlow, processFlow } from '../pipeline/runner.ts';
import type { RunnerDeps } from '../pipeline/runner.ts';
import { isSetAvailable } from '../schemas/catalog.ts';
import { SCHEMA_SETS_NEEDED } from '../formats/registry.ts';
import { fetchSchemaSets } from '../schemas/install.ts';
import type { ValidationPool } from '../schemas/pool.ts';
import type { FlowWorkers } from '../pipeline/work/pool.ts';
import { countFlowsByState } from '../store/flows.ts';
import type { Store } from '../store/index.ts';
import { EMBEDDED_VACUUM_MS, QUEUES, openStore, pgliteDirFor, pgliteOptionsFor } from '../store/index.ts';
import { sweepContentFiles } from '../store/content-files.ts';
import { partnersVersion, upsertPartner } from '../store/partners.ts';
import { purge } from '../store/retention.ts';
import type { PartnerAccounts } from '../store/types.ts';
import type { DaemonInfo, DataDirLock } from './lock.ts';
import {
  DataDirLockedError,
  acquireDataDirLock,
  daemonInfoPath,
  hostName,
  lockHolder,
  removeDaemonInfo,
  writeDaemonInfo,
} from './lock.ts';
import { dataDirError, databaseError } from './startup.ts';
import type { FlowIntake } from './intake.ts';
import type { DaemonMetrics } from './metrics.ts';
import { createMetrics } from './metrics.ts';
import type { Defender } from './defender.ts';
import type { PlatformJobs } from './platform-jobs.ts';
import type { DaemonParts, Transport, TransportModule } from './root.ts';
import { RunningTransports, TRANSPORTS, composeDaemon, transportsOf } from './root.ts';
import type { PartnerDirectory, Services } from './services.ts';
import { hashPassword } from './sftp/password.ts';

export type { DaemonInfo };

interface DaemonOptions {
  config: Config;
  logger: Logger;
  /** PostgreSQL schema to isolate a test run (tests only). */
  schema?: string;
  /** Turn transports off (tests, benchmarks). */
  folders?: boolean;
  /** The transports to wire, in start order (default TRANSPORTS; tests add their own). */
  transports?: readonly TransportModule[];
}

export class Daemon {
  readonly config: Config;
  readonly logger: Logger;
  store!: Store;
  intake!: FlowIntake;
  metrics: DaemonMetrics;
  deps!: RunnerDeps;
  platform!: PlatformJobs;
  /** Failed sign-ins and bans, shared by every door and every node (database). */
  defender!: Defender;
  /** What the parts are handed (root.ts builds them): the HTTP routes, the transports. */
  private services!: Services;
  private partners!: PartnerDirectory;
  private validation!: ValidationPool;
  private work: FlowWorkers | undefined;
  private running: Transport[] = [];
  /** Started so far, in their start order (stopped in the reverse one). */
  private readonly transports = new RunningTransports();
  private chores: NodeJS.Timeout[] = [];
  private readonly opts: DaemonOptions;
  info: DaemonInfo | null = null;
  private lock: DataDirLock | null = null;
  #parts: DaemonParts | undefined;
  private infoFile: string | null = null;

  constructor(opts: DaemonOptions) {
    this.opts = opts;
    this.config = opts.config;
    this.logger = opts.logger;
    this.metrics = createMetrics({ partnerLabels: opts.config.metrics.partnerLabels });
  }

  /**
   * Starts everything, or fails with one message naming the setting at fault (StartupError) after closing
   * whatever it had opened: nothing left listening, the database closed, the data folder's lock released.
   */
  async start(): Promise<DaemonInfo> {
    try {
      return await this.startUp();
    } catch (err) {
      await this.stop({ failed: true }).catch((e: unknown) =>
        this.logger.error({ err: e }, 'closing after a failed start-up'),
      );
      throw err;
    }
  }

  private async startUp(): Promise<DaemonInfo> {
    const { config, logger } = this;
    this.takeDataDir();
    const t0 = Date.now();
    this.store = await this.openStore();
    this.store.boss.on('error', (err) => logger.error({ err }, 'queue error'));
    logger.info({ database: config.databaseUrl ? 'postgresql' : 'pglite', ms: Date.now() - t0 }, 'database ready');
    this.adopt(composeDaemon(config, logger, this.store, this.metrics));
    await this.syncConfiguredPartners();
    setDeliveryDurability(config.fsync);
    // Recovery isolates what it cannot handle (logged, left for the next pass): it never stops the start.
    const recovered = await this.intake.recoverSpool();
    if (recovered) logger.warn({ recovered }, 'flows recovered from the spool after an interruption');
    const delivered = await deliverPending(config.dataDir, this.store.db, logger);
    if (delivered) logger.warn({ delivered }, 'return flows delivered after an interruption');
    const orphans = await sweepContentFiles(this.store.db).catch((err: unknown) => {
      logger.error({ err }, 'content files without their row could not be removed; the next purge tries again');
      return 0;
    });
    if (orphans) logger.warn({ files: orphans }, 'content files without their row (an interrupted intake) removed');

    await this.startWorkers();
    await this.platform.start();
    const token = randomBytes(24).toString('hex');
    const transports = transportsOf(this.#parts!, {
      folders: this.opts.folders !== false,
      token,
      modules: this.opts.transports ?? TRANSPORTS,
    });
    this.running = transports;
    await this.transports.start(transports);
    const port = (name: Transport['name']) => transports.find((t) => t.name === name)?.port() ?? null;
    this.startChores();
    this.info = {
      host: hostName(),
      pid: process.pid,
      httpPort: port('http'),
      sftpPort: port('sftp'),
      token,
      startedAt: new Date().toISOString(),
    };
    // The CLI finds a running daemon (and its admin API) here; on PostgreSQL each host has its own file.
    this.infoFile = daemonInfoPath(config.dataDir, config.databaseUrl !== undefined);
    writeDaemonInfo(this.infoFile, this.info);
    this.reportMissingSchemas();
    logger.info(
      { http: this.info.httpPort, sftp: this.info.sftpPort, dataDir: config.dataDir, ms: Date.now() - t0 },
      'passerelle started',
    );
    return this.info;
  }

  /**
   * The data folder must be a writable folder. On the embedded database the daemon takes its lock (one
   * daemon per data folder); on PostgreSQL it refuses a data folder held by an embedded-database daemon.
   */
  private takeDataDir(): void {
    const { config, logger } = this;
    try {
      mkdirSync(config.dataDir, { recursive: true });
      const probe = path.join(config.dataDir, `.probe-${process.pid}-${randomBytes(4).toString('hex')}`);
      writeFileSync(probe, '');
      rmSync(probe);
    } catch (err) {
      throw dataDirError(config.dataDir, err);
    }
    if (config.databaseUrl) {
      const holder = lockHolder(config.dataDir);
      if (holder) throw new DataDirLockedError(config.dataDir, holder);
      return;
    }
    try {
      this.lock = acquireDataDirLock(config.dataDir, (stale, reason) =>
        logger.warn(
          {
            lock: path.join(config.dataDir, 'daemon.lock'),
            stale: stale && { host: stale.host, pid: stale.pid, startedAt: stale.startedAt },
          },
          `took over the stale lock of the data folder (${reason}${stale ? `: daemon started ${stale.startedAt} on ${stale.host}` : ''})`,
        ),
      );
    } catch (err) {
      if (err instanceof DataDirLockedError) throw err;
      throw dataDirError(config.dataDir, err);
    }
  }

  private async openStore(): Promise<Store> {
    const { config } = this;
    const schema = this.opts.schema ?? config.databaseSchema;
    const pgliteDir = pgliteDirFor(config.dataDir);
    try {
      if (config.databaseUrl) {
        // A bounded first connection: an unreachable host answers in seconds, not after TCP's minutes.
        const probe = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 10_000 });
        try {
          await probe.connect();
        } finally {
          await probe.end().catch(() => undefined);
        }
      }
      return await openStore(
        {
          ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : pgliteOptionsFor(config.dataDir)),
          ...(schema ? { schema } : {}),
        },
        config.pipeline,
      );
    } catch (err) {
      throw databaseError(config.databaseUrl, config.dataDir, pgliteDir, err);
    }
  }

  private async startWorkers(): Promise<void> {
    const { boss } = this.store;
    const { batchSize, lanes } = queueLanes(this.config.pipeline.concurrency, this.config.pipeline.queueLanes);
    await boss.work<{ flowId: number }>(
      QUEUES.flows,
      {
        // A batch's handler returns once all its flows are done, and only then does its lane fetch again: with
        // one lane, a 30 Mo flow (seconds) would hold every flow deposited meanwhile in the queue. Several lanes
        // fetch on their own, so a large flow holds its own lane's batch only.
        localConcurrency: lanes,
        batchSize,
        perJobResults: true,
        burstWhenBatchFull: true,
        pollingIntervalSeconds: 0.5,
        notifyPollingIntervalSeconds: 5,
      },
      async (jobs) =>
        Promise.all(
          jobs.map(async (job) => {
            const t0 = performance.now();
            try {
              const out = await processFlow(job.data.flowId, this.deps);
              if (out) {
                this.metrics.flowsConcluded.inc({ state: out.state });
                this.metrics.flowDuration.observe({ box: 'all' }, (performance.now() - t0) / 1000);
              }
              return { id: job.id, status: 'completed' as const };
            } catch (err) {
              this.logger.error({ err, flowId: job.data.flowId }, 'flow processing failed; it will be retried');
              return { id: job.id, status: 'failed' as const, output: { message: (err as Error).message } };
            }
          }),
        ),
    );
    await boss.work<{ flowId: number }>(QUEUES.incidents, { pollingIntervalSeconds: 1 }, async (jobs) => {
      for (const job of jobs) {
        await incidentFlow(job.data.flowId, 'processing failed repeatedly (see the daemon log)', this.deps);
        this.metrics.flowsConcluded.inc({ state: 'IN_INCIDENTE' });
      }
    });
  }

  private startChores(): void {
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const t = setInterval(() => void fn().catch((err) => this.logger.error({ err }, 'background chore failed')), ms);
      t.unref();
      this.chores.push(t);
    };
    every(5000, () => this.resumeWaitingFlows());
    every(15000, async () => {
      const counts = await countFlowsByState(this.store.db);
      this.metrics.flowsByState.reset();
      for (const [state, n] of Object.entries(counts)) this.metrics.flowsByState.set({ state }, n);
    });
    every(60000, () => this.intake.recoverSpool(60000));
    // Return flows a first attempt could not write (a full disk, a folder fixed since): tried again.
    every(60000, () => deliverPending(this.config.dataDir, this.store.db, this.logger));
    // A partner added or changed on another node sharing the database is seen here within seconds.
    let seen = -1; // the first pass reloads once: a change may have come between the start and now
    every(2000, async () => {
      const v = await partnersVersion(this.store.db);
      if (v !== seen) await this.refreshPartners();
      seen = v;
    });
    const days = this.config.retention.days;
    if (days > 0) {
      const retention = async () => {
        const r = await purge(this.store.db, this.config.dataDir, days);
        if (r.flows || r.returnFiles) this.logger.info({ ...r, days }, 'retention: old flows and return files purged');
      };
      every(3_600_000, retention);
      void retention().catch((err) => this.logger.error({ err }, 'retention failed'));
    }
    every(60000, () => this.defender.sweep());
    const { vacuum } = this.store;
    if (vacuum)
      every(EMBEDDED_VACUUM_MS, async () => {
        const started = performance.now();
        await vacuum();
        this.logger.debug({ ms: Math.round(performance.now() - started) }, 'embedded database vacuumed');
      });
  }

  /** Flows waiting for a schema set go back to the queue once the set is installed. */
  resumeWaitingFlows(): Promise<number> {
    return this.services.waiting.resume();
  }

  /** Says in one line which official sets are missing and how to install them; fetches them where the network allows. */
  private reportMissingSchemas(): void {
    const dir = schemaDir(this.config);
    const missing = SCHEMA_SETS_NEEDED.filter((s) => !isSetAvailable(dir, s, this.config.schemas.shipped));
    if (!missing.length) return;
    const how = 'npx passerelle schemas install --from <folder|zip> (see docs/schemas.md)';
    if (!this.config.schemas.fetchOnStart) {
      this.logger.warn(
        { missing },
        `official schema sets missing (${missing.join(', ')}): their flows wait; install with ${how}`,
      );
      return;
    }
    void fetchSchemaSets(dir, { timeoutMs: 15000, setIds: missing }).then(
      async (results) => {
        const failed = results.filter((r) => !r.ok).map((r) => r.setId);
        if (failed.length)
          this.logger.warn(
            { missing: failed },
            `official schema sets missing (${failed.join(', ')}) and not downloadable here: their flows wait; install with ${how}`,
          );
        if (failed.length < results.length) await this.resumeWaitingFlows();
      },
      (err) => this.logger.warn({ err, missing }, `official schema sets missing: install with ${how}`),
    );
  }

  /** Partners of the config file are created or updated at start; partners added at run time stay. */
  private async syncConfiguredPartners(): Promise<void> {
    for (const p of this.config.partners) {
      const hash = p.sftp?.passwordHash ?? (p.sftp?.password ? await hashPassword(p.sftp.password) : undefined);
      await upsertPartner(this.store.db, {
        code: p.code,
        name: p.name,
        returnSyntax: p.returnSyntax,
        ...(p.signature ? { signed: p.signature.signed } : {}),
        ...(hash ? { sftpPasswordHash: hash } : {}),
        ...(p.sftp?.authorizedKeys.length ? { sftpAuthorizedKeys: p.sftp.authorizedKeys } : {}),
      });
    }
    await this.refreshPartners();
  }

  refreshPartners(): Promise<void> {
    return this.partners.refresh();
  }

  /** Looks at every mailbox now rather than at the next periodic rescan (the demo, right after dropping its flows). */
  rescanMailboxes(): void {
    for (const t of this.running) t.rescan?.();
  }

  partnerKnown(code: string): boolean {
    return this.partners.cached(code) !== undefined;
  }

  /** The partner accounts as SFTP reads and changes them. */
  accounts(): PartnerAccounts {
    return this.partners;
  }

  /** Takes the parts the composition root built (stop() closes what was taken, even after a failed start). */
  private adopt(parts: DaemonParts): void {
    this.#parts = parts;
    ({
      defender: this.defender,
      validation: this.validation,
      work: this.work,
      deps: this.deps,
      platform: this.platform,
      intake: this.intake,
      partners: this.partners,
      services: this.services,
    } = parts);
  }

  /** Stops what runs; after a failed start-up, what had been started so far. */
  async stop(opts: { failed?: boolean } = {}): Promise<void> {
    try {
      for (const t of this.chores) clearInterval(t);
      await this.transports.stop();
      await this.intake?.drain();
      await this.store?.close();
      await this.validation?.close();
      await this.work?.close();
    } finally {
      // Only this daemon's own info file and lock: another daemon's stay.
      if (this.infoFile && this.info) removeDaemonInfo(this.infoFile, this.info.token);
      this.lock?.release();
      this.lock = null;
    }
    if (!opts.failed) this.logger.info('passerelle stopped');
  }
}

/**
 * Fetch lanes for the flows queue (`pipeline.queueLanes`, default 4): lanes of equal batches, never more flows at
 * once than `concurrency`. A large flow holds one lane, the others keep the small flows moving; a lane that has
 * finished its batch completes it and fetches the next (two round trips) while the others run. Smaller batches
 * cost a burst's throughput (every lane woken by each new job fetches: a 1,000-flow burst took 4.78 SQL
 * statements and 5.45 ms of daemon CPU a flow with 4 lanes of 4, 4.38 and 4.60 with 2 of 8, 4.31 and 4.52 with
 * one of 16). With 2 lanes of 8, flows paced at 200/s waited in the queue while both lanes were between batches
 * (issue 13): 4 lanes of 8 keep up.
 */
export function queueLanes(concurrency: number, wanted = 4): { batchSize: number; lanes: number } {
  const lanes = Math.max(1, Math.min(wanted, concurrency));
  return { batchSize: Math.floor(concurrency / lanes), lanes };
}
