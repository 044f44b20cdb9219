/**
 * The composition root: from the configuration and the open store, builds the daemon's parts (defender,
 * validation pool, flow workers, pipeline deps, platform jobs, intake, partner directory), the narrow
 * services they are handed (services.ts), and the transports (drop folders, SFTP, HTTP) in the order they
 * start. daemon.ts runs what this builds (start, chores, stop in reverse order); nothing else wires parts
 * together, so an HTTP route, a transport or a CLI command sees only the services it names.
 */
import type { Config } from '../config.ts';
import { schemaDir } from '../config.ts';
import type { Logger } from '../log.ts';
import { analyzeBytes } from '../pipeline/analyze.ts';
import { platformIntegration } from '../pipeline/platform-hooks.ts';
import { directoryRouting } from '../pipeline/routing.ts';
import type { RunnerDeps } from '../pipeline/runner.ts';
import { configuredTrust } from '../pipeline/signature-trust.ts';
import { FlowWorkers } from '../pipeline/work/pool.ts';
import { ValidationPool } from '../schemas/pool.ts';
import { parkingIn } from '../pipeline/parked.ts';
import { findFlow, getContent, getFlow, getStages, listFlows, returnFlowsOf } from '../store/flows.ts';
import type { Store } from '../store/index.ts';
import { ensureMailbox } from '../store/mailboxes.ts';
import { addSftpKey, getPartner, listPartners, setSftpPassword } from '../store/partners.ts';
import type { PartnerAccount } from '../store/types.ts';
import { Defender, sqlDefenderStore } from './defender.ts';
import { FolderWatcher } from './folders/watcher.ts';
import { startHttp } from './http/server.ts';
import type { HttpHandle } from './http/server.ts';
import { FlowIntake } from './intake.ts';
import type { DaemonMetrics } from './metrics.ts';
import { PlatformJobs, checkScenarios } from './platform-jobs.ts';
import type { FlowQueries, PartnerDirectory, Services } from './services.ts';
import { SftpServer } from './sftp/server.ts';
import { portError } from './startup.ts';
import { resumeWaitingFlows } from './waiting.ts';

/** A door flows come in by: started by the daemon in the order given, stopped in the reverse order. */
export interface Transport {
  /** Its name; the label of the flows it hands to the intake, for most (the HTTP port's doors say `http`). */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The port it listens on, once started (network transports). */
  port(): number | null;
  /** Looks for new files now rather than at its next pass (drop folders; the demo, right after dropping). */
  rescan?(): void;
}

/**
 * One kind of transport, as the composition root wires it: built from the daemon's parts and the
 * configuration (its own section), or `null` when the configuration turns it off. A new transport is its
 * folder under src/gateway/, its config section, and one module in the list the daemon is given
 * (TRANSPORTS): it hands complete files to `services.intake` with its label; the intake pairs signatures
 * and applies the size limit.
 */
export interface TransportModule {
  readonly name: string;
  create(parts: DaemonParts, opts: { token: string }): Transport | null;
}

/**
 * The transports running, in their start order. A transport counts as started as soon as its start
 * begins, so one that fails half-way is stopped too; `stop()` stops them in the reverse order, each
 * one even when another's stop fails (the first failure is thrown after).
 */
export class RunningTransports {
  #started: Transport[] = [];

  async start(transports: Transport[]): Promise<void> {
    for (const t of transports) {
      this.#started.push(t);
      await t.start();
    }
  }

  async stop(): Promise<void> {
    const started = this.#started.reverse();
    this.#started = [];
    let failure: Error | undefined;
    for (const t of started) {
      try {
        await t.stop();
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    if (failure) throw failure;
  }
}

/** The partners in the database, and this daemon's copy of them (reloaded on a change, here or on another node). */
class PartnerCache implements PartnerDirectory {
  #byCode = new Map<string, PartnerAccount>();
  readonly #store: Store;
  readonly #dataDir: string;

  constructor(store: Store, dataDir: string) {
    this.#store = store;
    this.#dataDir = dataDir;
  }

  getPartner(code: string) {
    return getPartner(this.#store.db, code);
  }
  listPartners() {
    return listPartners(this.#store.db);
  }
  setSftpPassword(code: string, hash: string) {
    return setSftpPassword(this.#store.db, code, hash);
  }
  addSftpKey(code: string, line: string) {
    return addSftpKey(this.#store.db, code, line);
  }
  cached(code: string) {
    return this.#byCode.get(code);
  }
  async refresh(): Promise<void> {
    const all = await listPartners(this.#store.db);
    this.#byCode = new Map(all.map((p) => [p.code, p]));
    for (const p of all) ensureMailbox(this.#dataDir, p.code);
  }
}

function flowQueries(store: Store): FlowQueries {
  const { db } = store;
  return {
    find: (ref) => findFlow(db, ref),
    get: (id) => getFlow(db, id),
    list: (filter) => listFlows(db, filter),
    stages: (flowId) => getStages(db, flowId),
    returnFlows: (flowId) => returnFlowsOf(db, flowId),
    content: (sha256) => getContent(db, sha256),
  };
}

export interface DaemonParts {
  defender: Defender;
  validation: ValidationPool;
  work: FlowWorkers | undefined;
  deps: RunnerDeps;
  platform: PlatformJobs;
  intake: FlowIntake;
  partners: PartnerDirectory;
  services: Services;
  /** The ports the network transports listen on, once started (`services.endpoints` reads them). */
  listening: { sftp: number | null };
}

/** The daemon's parts and their services, built on an open store; nothing is started yet. */
export function composeDaemon(config: Config, logger: Logger, store: Store, metrics: DaemonMetrics): DaemonParts {
  // Before any pool or thread exists: a scenario the platform could not play refuses the start.
  checkScenarios(config);
  const defender = new Defender(sqlDefenderStore(store.db), config.defender, { logger, registry: metrics.registry });
  const validation = new ValidationPool({
    schemaDir: schemaDir(config),
    shipped: config.schemas.shipped,
    threads: config.pipeline.validationThreads,
  });
  const work =
    config.pipeline.workerThreads > 0 ? new FlowWorkers({ threads: config.pipeline.workerThreads }) : undefined;
  // The pipeline's services and hooks: routing against the directory (for partners that have a matelas),
  // integration into the platform, trust material for signatures, the flow workers.
  const routing = directoryRouting();
  const deps: RunnerDeps = {
    config,
    store,
    logger,
    validation,
    db: store.db,
    routing,
    integration: platformIntegration(store, config),
    signature: configuredTrust(config),
    park: parkingIn(config.dataDir),
    ...(work ? { work } : {}),
  };
  const platform = new PlatformJobs(store, config, logger);
  const partners = new PartnerCache(store, config.dataDir);
  const intake = new FlowIntake({
    dataDir: config.dataDir,
    maxFlowBytes: config.maxFlowSizeKo * 1024,
    unknownInterfaceCode: config.pipeline.unknownInterfaceCode,
    store,
    logger,
    onFlow: (f) =>
      metrics.flowsReceived.inc({
        ...(config.metrics.partnerLabels ? { partner: f.partner } : {}),
        box: f.box,
        transport: f.transport,
      }),
    fsync: config.fsync,
    detachedWaitMs: config.signature.detachedWaitMs,
    partnerSigns: (code) => partners.cached(code)?.signed === true,
  });
  const listening = { sftp: null as number | null };
  const services: Services = {
    config,
    logger,
    db: store.db,
    flows: flowQueries(store),
    partners,
    intake,
    platform,
    guard: defender,
    bans: defender,
    analysis: {
      // The partner's analyse/ box without a file in it: the daemon's own stages, pool and routing hook.
      analyze: (input) =>
        analyzeBytes(input.bytes, input.fileName, {
          config,
          validation: deps.validation,
          partner: { account: input.partner, db: store.db, routing },
          ...(deps.work ? { work: deps.work } : {}),
          ...(deps.signature ? { trust: deps.signature } : {}),
          ...(input.signature ? { signature: input.signature } : {}),
          ...(input.declaredInterface ? { declaredInterface: input.declaredInterface } : {}),
        }),
    },
    waiting: { resume: () => resumeWaitingFlows(store, config, logger) },
    endpoints: { sftpPort: () => listening.sftp },
    metrics: metrics.registry,
  };
  return { defender, validation, work, deps, platform, intake, partners, services, listening };
}

/** Drop folders (`folders.*`): the mailboxes' `depot/` and `analyse/` folders. */
const folderTransport: TransportModule = {
  name: 'folder',
  create: (parts) => {
    const { config, logger, intake, partners } = parts.services;
    const folders = new FolderWatcher({
      dataDir: config.dataDir,
      stableMs: config.folders.stableMs,
      rescanMs: config.folders.rescanMs,
      usePolling: config.folders.usePolling,
      checkWriters: config.folders.checkWriters,
      intake,
      logger,
      isPartner: (code) => partners.cached(code)?.active === true,
    });
    return {
      name: 'folder',
      start: () => folders.start(),
      stop: () => folders.stop(),
      port: () => null,
      rescan: () => folders.rescan(),
    };
  },
};

/** The SFTP server (`sftp.*`; `port: 0` turns it off). */
const sftpTransport: TransportModule = {
  name: 'sftp',
  create: (parts) => {
    const { config, logger, intake, partners, metrics } = parts.services;
    if (config.sftp.port === 0) return null;
    const sftp = new SftpServer({ config, accounts: partners, intake, logger, metrics, defender: parts.defender });
    return {
      name: 'sftp',
      start: async () => {
        const s = await sftp.start().catch((err: unknown) => {
          throw portError('sftp', config.sftp.host, config.sftp.port, err);
        });
        parts.listening.sftp = s.port;
      },
      stop: () => sftp.stop(),
      port: () => parts.listening.sftp,
    };
  },
};

/** The HTTP port (`http.*`; `port: 0` turns it off): API twin, portal, admin API, metrics. */
const httpTransport: TransportModule = {
  name: 'http',
  create: (parts, { token }) => {
    const { config } = parts.services;
    if (config.http.port === 0) return null;
    let http: HttpHandle | null = null;
    return {
      name: 'http',
      start: async () => {
        http = await startHttp(parts.services, token).catch((err: unknown) => {
          throw portError('http', config.http.host, config.http.port, err);
        });
      },
      stop: async () => http?.close(),
      port: () => http?.port ?? null,
    };
  },
};

/** The daemon's transports, in their start order: drop folders, SFTP, then HTTP. */
export const TRANSPORTS: readonly TransportModule[] = [folderTransport, sftpTransport, httpTransport];

/**
 * The transports the configuration turns on, in their start order (the modules' order). `folders: false`
 * turns the drop folders off (tests, benchmarks).
 */
export function transportsOf(
  parts: DaemonParts,
  opts: { folders: boolean; token: string; modules?: readonly TransportModule[] },
): Transport[] {
  const modules = (opts.modules ?? TRANSPORTS).filter((m) => opts.folders || m.name !== 'folder');
  const names = new Set<string>();
  for (const m of modules) {
    if (names.has(m.name)) throw new Error(`two transports named ${m.name}`);
    names.add(m.name);
  }
  return modules.flatMap((m) => m.create(parts, { token: opts.token }) ?? []);
}
