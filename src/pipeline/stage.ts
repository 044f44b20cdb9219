/**
 * The contract of a pipeline stage: one job, a typed input, a typed output. `runStages()` (run-stages.ts)
 * gives each stage what the flow and the earlier stages' outputs hold, and passes its output forward;
 * nothing is shared or mutated between stages, and a stage never imports another.
 */
import type { Config } from '../config.ts';
import type { Finding } from '../finding.ts';
import type { DepositDocument } from '../formats/registry.ts';
import type { DetectedFlow } from '../formats/types.ts';
import type { Logger } from '../log.ts';
import type { PlannedStatus } from '../platform/cycle-de-vie.ts';
import type { RoutingFacts } from '../rules/chorus/routing.ts';
import type { ValidationPool } from '../schemas/pool.ts';
import type { TrustMaterial } from '../signature/verify.ts';
import type { Queryable } from '../store/db.ts';
import type { MatelasRecord } from '../store/directory.ts';
import type { FlowRecord, PartnerAccount } from '../store/types.ts';
import type { InvoiceRecord } from './read-check.ts';
import type { FlowWorkers } from './work/pool.ts';
import type { ParkBytes, ParkedBytes } from './parked.ts';

/** Stage names as recorded on the flow; also the `NatureErreur` family of most of their findings. */
export type StageName = 'RECEPTION' | 'SIGNATURE' | 'SYNTAXE' | 'SCHEMA' | 'REGLE' | 'INTEGRATION';

/**
 * ok: go on; partial: go on, some invoices were rejected; skipped: not applicable to this flow, or not run
 * because the flow stopped earlier; rejected: the flow is rejected; waiting: stop and wait (a schema set to install).
 */
export type StageOutcome = 'ok' | 'partial' | 'skipped' | 'rejected' | 'waiting';

/** What a stage answers: the flow goes on with its output, or stops here. */
export type StageResult<O> =
  | { outcome: 'ok' | 'partial' | 'skipped'; findings: Finding[]; output: O }
  | { outcome: 'rejected'; findings: Finding[] }
  | { outcome: 'waiting'; findings: Finding[]; waitingFor: string };

export interface Stage<I, O> {
  readonly name: StageName;
  /** Only for deposits (not analyses), e.g. integration. */
  readonly depositOnly?: boolean;
  run(input: I, deps: PipelineDeps): Promise<StageResult<O>>;
}

/** What the flow brings to the first stage. */
export interface FlowInput {
  flow: FlowRecord;
  partner: PartnerAccount;
  /** The deposited bytes (null when over the size limit and not kept). */
  bytes: Buffer | null;
  /** Detached signature (.p7s) deposited with the flow. */
  signature: Buffer | null;
  /** An earlier, not rejected deposit of the same bytes by the same partner (read with the flow); undefined = not read. */
  earlierDeposit?: string | null;
  /** The partner's matelas as the run started (read with the flow); undefined = read when needed. */
  matelas?: MatelasRecord;
}

/** SIGNATURE's output. */
export interface SignatureOutput {
  /** The flow's payload: the deposited bytes, or the content of an enveloped signature. */
  payload: Buffer | null;
}

/** SYNTAXE's output. */
export interface SyntaxOutput {
  /**
   * The flow's payload as it stands after detection: the Buffer the flow workers handed back (the one
   * given to them is detached), or the same one.
   */
  payload: Buffer | null;
  /** The flow's syntax; for a zip, the one it stands as (its documents' shared interface code, else its first document's). */
  detected?: DetectedFlow;
  /**
   * A zip deposit: its documents, in archive order. A document with a fatal finding is rejected (one
   * rejected invoice of the flow); the schema and rules stages work on the others. Absent for a
   * single-document flow.
   */
  documents?: DepositDocument[];
}

/** SCHEMA's output: the detection (its XML as handed back by the validation worker), the documents with their XSD findings. */
export type SchemaOutput = Pick<SyntaxOutput, 'detected' | 'documents'> & {
  /** The detection's XML, freed by the validation (a large document) and parked on disk for REGLE. */
  parkedXml?: ParkedBytes;
};

/** REGLE's output. */
export interface RulesOutput {
  /** Per invoice, in flow order: its number, whether it is rejected, what integration records. */
  invoices: InvoiceEntry[];
  /** A Cycle de vie deposit: the status changes it will apply. */
  statusChanges?: PlannedStatus[];
}

/** INTEGRATION's output: what the runner does inside the conclusion transaction. */
export interface IntegrationOutput {
  atConclusion: ConclusionStep[];
}

/** One invoice of the flow as stage REGLE leaves it, for integration and the per-invoice error lines. */
export interface InvoiceEntry {
  number: string;
  rejected: boolean;
  /** What integration records (absent for a document that could not be read as an invoice). */
  data?: InvoiceRecord;
  /** 1-based position in the flow, across a zip's documents. */
  position: number;
  /** BT-30 and BT-47 as read. */
  supplier?: string;
  recipient?: string;
}

/** An accepted invoice to integrate: its record and its position in the flow. */
export type AcceptedInvoice = InvoiceRecord & { position: number };

/** Work the runner does inside the flow's conclusion transaction: all or nothing with the conclusion. */
export type ConclusionStep = (tx: Queryable) => Promise<void>;

/** The partner's matelas, read at most once per run. */
export type MatelasOfRun = () => Promise<MatelasRecord>;

/** Chorus Pro's routing rules for stage REGLE (the daemon's: against the directory, see routing.ts). */
export interface RoutingHook {
  /**
   * The routing findings of each of a flow's invoices, in the order given: every invoice of the flow in
   * one call, so that the directory is read in one batch per flow.
   */
  check(
    invoices: readonly RoutingFacts[],
    on: { flow: FlowRecord; matelas: MatelasOfRun },
    db: Queryable,
  ): Promise<Finding[][]>;
}

/** What stage INTEGRATION plans (the daemon's: platform invoices and lifecycle, see platform-hooks.ts). */
export interface IntegrationHook {
  /** May the flow's accepted invoices be integrated (a partner without a matelas has nowhere to address them)? */
  accepts(on: { flow: FlowRecord; matelas: MatelasOfRun }): Promise<boolean>;
  /** The accepted invoices become invoices of the platform; run inside the conclusion transaction. */
  integrate(tx: Queryable, flow: FlowRecord, invoices: readonly AcceptedInvoice[]): Promise<void>;
  /** A Cycle de vie deposit's status changes, checked again under lock; inside the conclusion transaction. */
  applyStatusChanges(tx: Queryable, flow: FlowRecord, changes: readonly PlannedStatus[]): Promise<void>;
}

/** Where stage SIGNATURE finds a partner's trust anchors and registered certificates. */
export interface SignatureServices {
  trustFor(partner: PartnerAccount): TrustMaterial;
}

/** What stages may use; built once by the daemon (and by `analyze` for its runs). */
export interface PipelineDeps {
  config: Config;
  logger: Logger;
  validation: ValidationPool;
  /**
   * The database the flow's checks read (duplicate deposits, Cycle de vie, routing). Absent: an offline
   * analysis (`passerelle analyze` without a partner), the checks that need the platform's data are not made.
   */
  db?: Queryable;
  /** Detection, reading and EN 16931 rules in worker threads; absent: on the calling thread. */
  work?: FlowWorkers;
  /** Routing against the directory; absent: not checked. */
  routing?: RoutingHook;
  /** Integration of a deposit's accepted invoices and status changes; absent: deposits integrate nothing. */
  integration?: IntegrationHook;
  /** Trust material for signatures; absent: the configured files and certificate registry (signature-trust.ts). */
  signature?: SignatureServices;
  /** Where a large document's bytes wait on disk while libxml2 validates its own copy (parked.ts); absent: kept in memory. */
  park?: ParkBytes;
}

export const go = <O>(
  output: O,
  findings: Finding[] = [],
  outcome: 'ok' | 'partial' | 'skipped' = 'ok',
): StageResult<O> => ({ outcome, findings, output });
export const rejected = (findings: Finding[]): StageResult<never> => ({ outcome: 'rejected', findings });
export const waiting = (setId: string): StageResult<never> => ({ outcome: 'waiting', findings: [], waitingFor: setId });
