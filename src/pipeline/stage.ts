/** The contract of a pipeline stage: one job, one result type. Stages never call each other. */
import type { Config } from '../config.ts';
import type { Finding } from '../finding.ts';
import type { DepositDocument } from '../formats/registry.ts';
import type { DetectedFlow } from '../formats/types.ts';
import type { Logger } from '../log.ts';
import type { PlannedStatus } from '../platform/cycle-de-vie.ts';
import type { ValidationPool } from '../schemas/pool.ts';
import type { Queryable } from '../store/db.ts';
import type { Store } from '../store/index.ts';
import type { MatelasRecord } from '../store/directory.ts';
import type { FlowRecord, PartnerAccount } from '../store/types.ts';

/** Stage names as recorded on the flow; also the `NatureErreur` family of most of their findings. */
type StageName = 'RECEPTION' | 'SIGNATURE' | 'SYNTAXE' | 'SCHEMA' | 'REGLE' | 'INTEGRATION';

export interface StageResult {
  /** ok: go on; rejected: the flow is rejected; waiting: stop and wait (e.g. a schema set to install);
   *  partial: go on, some invoices were rejected; skipped: not applicable. */
  outcome: 'ok' | 'rejected' | 'waiting' | 'partial' | 'skipped';
  findings: Finding[];
  /** With `waiting`: what the flow waits for (a schema set id). */
  waitingFor?: string;
}

/** What the stages know of the flow; each stage may add what it found for the next ones. */
export interface FlowContext {
  flow: FlowRecord;
  partner: PartnerAccount;
  /** The deposited bytes (null when over the size limit and not kept). */
  bytes: Buffer | null;
  /** Detached signature (.p7s) deposited with the flow. */
  signature: Buffer | null;
  /** The flow's payload after the signature stage (unwrapped from a .p7m). */
  payload: Buffer | null;
  /** An earlier, not rejected deposit of the same bytes by the same partner (looked up with the flow); undefined = not looked up. */
  earlierDeposit?: string | null;
  /** The partner's matelas as the run started (read with the flow); undefined = not read. */
  matelas?: MatelasRecord;
  /** The flow's syntax; for a zip, the one it stands as (its documents' shared interface code, else its first document's). */
  detected?: DetectedFlow;
  /**
   * A zip deposit: its documents, in archive order. A document with a fatal finding is rejected (one
   * rejected invoice of the flow); the schema and rules stages work on the others. Undefined for a
   * single-document flow.
   */
  documents?: DepositDocument[];
  /** Filled by the rules stage: per invoice, its number and whether it is rejected (for partial integration). */
  invoices?: Array<{
    number: string;
    rejected: boolean;
    data?: unknown;
    /** 1-based position in the flow. */
    position?: number;
    /** BT-30 and BT-47 as read, for the per-invoice error lines. */
    supplier?: string;
    recipient?: string;
  }>;
  /** Filled by the integration stage: the platform's invoice ids. */
  integrated?: Array<{ number: string; invoiceId: number }>;
  /** Filled by the rules stage for a Cycle de vie deposit: the status changes it will apply. */
  statusChanges?: PlannedStatus[];
  /**
   * Work the runner does inside the flow's conclusion transaction, after recording the state and the
   * compte-rendu (integration of invoices, status changes): all or nothing with the conclusion.
   */
  atConclusion?: Array<(tx: Queryable) => Promise<void>>;
}

export interface Stage {
  name: StageName;
  /** Only for deposits (not analyses), e.g. integration. */
  depositOnly?: boolean;
  run(ctx: FlowContext, deps: PipelineDeps): Promise<StageResult>;
}

/** What stages may use; built once by the daemon. */
export interface PipelineDeps {
  config: Config;
  store: Store;
  logger: Logger;
  validation: ValidationPool;
  /** Optional collaborators wired by the daemon when present (signature, rules, platform). */
  extras: Record<string, unknown>;
}

export const ok = (findings: Finding[] = []): StageResult => ({ outcome: 'ok', findings });
export const rejected = (findings: Finding[]): StageResult => ({ outcome: 'rejected', findings });
