/** Records the store hands to the layers above. */
import type { Finding } from '../finding.ts';

export type ReturnSyntax = 'CPPStatut' | 'AIFEStatut';

/** A partner account as transports need it (SFTP login, mailbox, return syntax, signature policy). */
export interface PartnerAccount {
  code: string;
  name: string;
  active: boolean;
  returnSyntax: ReturnSyntax;
  /** scrypt hash (see src/gateway/sftp/password.ts), never the clear password. */
  sftpPasswordHash?: string;
  /** OpenSSH authorized_keys lines. */
  sftpAuthorizedKeys: string[];
  /** Does this partner sign its flows? */
  signed: boolean;
}

/** Read/write access to partner accounts, implemented by the store. */
export interface PartnerAccounts {
  getPartner(code: string): Promise<PartnerAccount | undefined>;
  listPartners(): Promise<PartnerAccount[]>;
  setSftpPassword(code: string, hash: string): Promise<void>;
  addSftpKey(code: string, authorizedKeyLine: string): Promise<void>;
}

/** Flow states, the platform's `etatCourantFlux` values. */
export const FLOW_STATES = [
  'IN_RECU',
  'IN_EN_ATTENTE_TRAITEMENT_CPP',
  'IN_EN_COURS_TRAITEMENT_CPP',
  'IN_EN_ATTENTE_RETRAITEMENT_CPP',
  'IN_INTEGRE',
  'IN_INTEGRE_PARTIEL',
  'IN_REJETE',
  'IN_INCIDENTE',
] as const;
export type FlowState = (typeof FLOW_STATES)[number];
export const TERMINAL_STATES: readonly FlowState[] = ['IN_INTEGRE', 'IN_INTEGRE_PARTIEL', 'IN_REJETE', 'IN_INCIDENTE'];

export interface FlowRecord {
  id: number;
  flowNumber: string | null;
  box: 'depot' | 'analyse';
  partner: string;
  originalName: string;
  size: number;
  sha256: string;
  /** false when the bytes were not kept (over the size limit). */
  stored: boolean;
  signatureSha256: string | null;
  spoolKey: string;
  transport: string;
  declaredInterface: string | null;
  declaredSigned: boolean | null;
  interfaceCode: string | null;
  syntax: string | null;
  syntaxeFlux: string | null;
  profile: string | null;
  state: FlowState;
  statusCode: string | null;
  waitingFor: string | null;
  receivedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  /** The kind of a deposited entry that was not a regular file (symlink, directory, fifo…): refused unread. */
  intakeRefusal: string | null;
  /** Portal deposits: the émetteur SIRET chosen, and the return syntax chosen for this flow (else the partner's). */
  emitter: string | null;
  returnSyntax: ReturnSyntax | null;
}

export interface StageOutcomeRecord {
  stage: string;
  outcome: 'ok' | 'rejected' | 'waiting' | 'skipped' | 'partial';
  findings: Finding[];
  startedAt: Date;
  durationMs: number;
}

export interface ReturnFlowRecord {
  id: number;
  flowId: number | null;
  partner: string;
  kind: 'compte-rendu' | 'analyse' | 'cycle-de-vie';
  fileName: string;
  content: string;
  createdAt: Date;
  deliveredAt: Date | null;
}
