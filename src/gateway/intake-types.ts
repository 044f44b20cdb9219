/**
 * What every transport (drop folders, SFTP, HTTP) hands over: a complete file on disk, on the same
 * filesystem as dataDir. The intake moves it atomically into the spool and records the flow in one step.
 */
import type { Box } from '../store/mailboxes.ts';

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
  /** Transport that brought it, for logs and metrics: `folder`, `sftp`, `http`. */
  transport: 'folder' | 'sftp' | 'http' | 'replay';
  /** Declared interface code (`FSO1100A`), when the transport carries one (file-name prefix, API `syntaxeFlux`). */
  declaredInterface?: string;
  /** Declared signature (API `avecSignature`, file-name flag); undefined = the partner's setting. */
  declaredSigned?: boolean;
  /** Émetteur chosen in the portal's "Déposer un flux" (SIRET of a structure of the depositor's matelas). */
  emitter?: string;
  /** Return syntax chosen for this deposit (portal); undefined = the partner's. */
  returnSyntax?: 'CPPStatut' | 'AIFEStatut';
  /** Detached signature file (`.p7s`) belonging to the flow, also complete and renamed away by the intake. */
  signaturePath?: string | Buffer;
}

export interface IntakeResult {
  /** Internal id of the flow record. */
  id: string;
  /** Flow number (`CPP0011100000000000000042`); analyses get none. */
  flowNumber?: string;
}

export interface Intake {
  /** Takes the file and records its flow; resolves with the flow number. */
  claim(req: IntakeRequest): Promise<IntakeResult>;
  /** Takes the file (durably) and records its flow in the background; resolves once the file is safe. */
  take(req: IntakeRequest): Promise<{ spoolKey: string }>;
}
