/**
 * The narrow services the daemon's parts are handed: the composition root (root.ts) builds them from the
 * store, the intake, the pipeline's pool and the platform jobs, and each HTTP plugin, transport and CLI
 * command names the few it uses (`Pick<Services, …>`). Nothing here is the daemon: a route reaches the
 * database only through these, so it cannot start, stop or rewire anything.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { AnalysisReport } from '../pipeline/analyze.ts';
import type { Db } from '../store/db.ts';
import type {
  FlowRecord,
  PartnerAccount,
  PartnerAccounts,
  ReturnFlowRecord,
  StageOutcomeRecord,
} from '../store/types.ts';
import type { Defender } from './defender.ts';
import type { Intake } from './intake-types.ts';
import type { PlatformJobs } from './platform-jobs.ts';

export type { Intake };

/** The flows as the doors show them (portal, API twin, admin API). */
export interface FlowQueries {
  /** A flow by its number, or `ANALYSE-<id>` for an analysis. */
  find(ref: string): Promise<FlowRecord | undefined>;
  get(id: number): Promise<FlowRecord | undefined>;
  list(filter: { partner?: string; state?: string; limit: number }): Promise<FlowRecord[]>;
  stages(flowId: number): Promise<StageOutcomeRecord[]>;
  returnFlows(flowId: number): Promise<ReturnFlowRecord[]>;
  /** The stored bytes of a flow (undefined when they were not kept). */
  content(sha256: string): Promise<Buffer | undefined>;
}

/**
 * The partner accounts as SFTP reads them from the database, plus this daemon's copy of them (the drop
 * folders ask per file, so without a query).
 */
export interface PartnerDirectory extends PartnerAccounts {
  /** The partner as this daemon last loaded it; undefined for a code it does not know. */
  cached(code: string): PartnerAccount | undefined;
  /** Reload after a change made here; other nodes see it through `partnersVersion` within seconds. */
  refresh(): Promise<void>;
}

/** The platform simulation's actions (matelas, invoice statuses, qualification kit), run by the daemon's jobs. */
export type PlatformService = Pick<
  PlatformJobs,
  'matelas' | 'showMatelas' | 'setStatus' | 'listInvoices' | 'showInvoice' | 'samples' | 'onMatelasReady'
>;

/** What a door asks before and after checking a credential (one ban for every door and every node). */
export type DoorGuard = Pick<Defender, 'bannedFor' | 'begin' | 'fail' | 'succeed'>;
/** The bans running now, and lifting one (admin API). */
export type BanAdmin = Pick<Defender, 'bans' | 'lift'>;

/** A file checked as a partner's analyse/ box would check it, nothing recorded (`passerelle analyze --partner`). */
export interface FlowAnalysis {
  analyze(input: {
    bytes: Buffer;
    fileName: string;
    partner: PartnerAccount;
    signature?: Buffer;
    declaredInterface?: string;
  }): Promise<AnalysisReport>;
}

/** Flows waiting for a schema set: back to the queue once their set is installed. */
export interface WaitingFlows {
  resume(): Promise<number>;
}

/** Where this daemon listens, once its transports are up (the raccordement mail names the SFTP port). */
export interface Endpoints {
  sftpPort(): number | null;
}

export interface Services {
  config: Config;
  logger: Logger;
  /**
   * The database, for the parts whose queries live in src/store and take a connection (the portal's
   * accounts and raccordement pages, the raccordement decisions, the admin operations, /health).
   */
  db: Db;
  flows: FlowQueries;
  partners: PartnerDirectory;
  intake: Intake;
  platform: PlatformService;
  guard: DoorGuard;
  bans: BanAdmin;
  analysis: FlowAnalysis;
  waiting: WaitingFlows;
  endpoints: Endpoints;
  /** Prometheus registry (`/metrics`; transports add their own metrics to it). */
  metrics: Registry;
}

/** What the web portal uses (partner sign-in, accounts, raccordement and Suivi des flux pages). */
export type PortalServices = Pick<
  Services,
  'config' | 'logger' | 'db' | 'flows' | 'partners' | 'intake' | 'platform' | 'guard'
>;
