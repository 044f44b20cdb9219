/**
 * What every transport (drop folders, SFTP, HTTP, the portal, a replay…) hands over: a complete file on
 * disk, on the same filesystem as dataDir, with the transport's label. The intake moves it atomically into
 * the spool and records the flow in one step; what every transport shares is the intake's: pairing a flow
 * with its detached `.p7s` (and the bounded wait for it), the transport label, the size limit.
 */
import type { Box } from '../store/mailboxes.ts';

/**
 * The transport a flow came by (`folder`, `sftp`, `http`, `portal`, `replay`, `cli`…): open, so a new
 * transport needs no change here, but checked (see transportLabel) since it is written into spool names,
 * the database and metric labels.
 */
export type TransportLabel = string;

const LABEL = /^[a-z][a-z0-9-]{0,15}$/;

/** The label if it is a valid one (lower-case letters, digits, `-`, 1 to 16, starting with a letter), else throws. */
export function transportLabel(label: string): TransportLabel {
  if (!LABEL.test(label))
    throw new Error(`invalid transport label ${JSON.stringify(label.slice(0, 40))}: expected ${String(LABEL)}`);
  return label;
}

export interface IntakeRequest {
  partner: string;
  box: Box;
  /**
   * A complete file; the intake renames it away (the caller must not touch it afterwards). A Buffer when
   * the name is not valid UTF-8 (a drop-folder file named in another encoding).
   */
  path: string | Buffer;
  /** The name the partner gave the flow (after any RENAME). */
  originalName: string;
  /** The name's bytes as found on disk, when the transport has them (drop folders): they win over originalName. */
  nameBytes?: Buffer;
  /** Transport that brought it, recorded with the flow and counted in metrics (see TransportLabel). */
  transport: TransportLabel;
  /** Declared interface code (`FSO1100A`), when the transport carries one (file-name prefix, API `syntaxeFlux`). */
  declaredInterface?: string;
  /** Declared signature (API `avecSignature`, file-name flag); undefined = the partner's setting. */
  declaredSigned?: boolean;
  /** Émetteur chosen in the portal's "Déposer un flux" (SIRET of a structure of the depositor's matelas). */
  emitter?: string;
  /** Return syntax chosen for this deposit (portal); undefined = the partner's. */
  returnSyntax?: 'CPPStatut' | 'AIFEStatut';
  /**
   * Detached signature file (`.p7s`) belonging to the flow, when the transport received both at once (also
   * complete and renamed away by the intake). A transport receiving files one by one hands the `.p7s` as a
   * file of its own instead: the intake pairs it (see FlowIntake.take).
   */
  signaturePath?: string | Buffer;
  /**
   * The transport has seen `<name>.p7s` arrive and will hand it over: the flow waits for it as a signing
   * partner's does, even if neither the partner nor the name says it is signed (drop folders).
   */
  signatureAwaited?: boolean;
}

export interface IntakeResult {
  /** Internal id of the flow record. */
  id: string;
  /** Flow number (`CPP0011100000000000000042`); analyses get none. */
  flowNumber?: string;
}

export interface Intake {
  /** The largest flow, in bytes, whose bytes are kept (and read); a transport may cut off a larger one early. */
  readonly maxFlowBytes: number;
  /** Takes the file and records its flow; resolves with the flow number. */
  claim(req: IntakeRequest): Promise<IntakeResult>;
  /**
   * Takes the file (durably) and records its flow in the background; resolves once the file is safe. A
   * detached signature (`<flow>.p7s`), or a flow that expects one, is paired by the intake: the first to
   * come waits `signature.detachedWaitMs` for the other, in the spool.
   */
  take(req: IntakeRequest): Promise<{ spoolKey: string }>;
}
