/**
 * The data of return flows (comptes-rendus and lifecycle statuses), independent of their syntax.
 * CPPStatut and AIFEStatut writers render the same two reports.
 */
import type { Finding } from '../../finding.ts';

/** Same literal type as the partner's `returnSyntax` in the store and the config. */
export type ReturnSyntax = 'CPPStatut' | 'AIFEStatut';

export type FlowStatusCode = '90' | '91' | '92' | '93' | '94' | '95' | '96';

/** A compte-rendu: the flow-level status of one deposited (or analysed) flow. */
export interface FlowReport {
  /** IdFlx: the flow number, or for an analysis `ANALYSE-<id>`. */
  flowId: string;
  /** Recepteur/Id: the partner code (3..8 characters). */
  partnerCode: string;
  /** Emetteur/Id, default `CPP001`. */
  emitter?: string;
  /** DtPrd and Horodatage (written in Europe/Paris time with its offset). */
  producedAt: Date;
  /** 90 received/integrated, 93 rejected, 96 partly integrated. */
  status: '90' | '93' | '96';
  /** IdFlux: the deposited file's name. */
  originalFileName: string;
  /** Commentaire (e.g. the API state `IN_INTEGRE`, or an analysis note). */
  comment?: string;
  /** One error line each, warnings included (marked as such). */
  findings: Finding[];
}

export interface InvoiceStatusEntry {
  supplier: { typeIdentifiant: string; identifiant: string; raisonSociale: string; codePays?: string };
  /** The public recipient; `identifiant` is its SIRET (14 characters). */
  debtor: { identifiant: string; nom?: string; codeService?: string; nomService?: string };
  /** '01'..'12' (the labelled codes; the structure allows up to '41'). */
  statusCode: string;
  comment?: string;
  at: Date;
  producer?: string;
  /** IdFacture: the supplier's invoice number. */
  invoiceNumber: string;
  /** YYYY-MM-DD */
  invoiceDate?: string;
}

/** Lifecycle statuses of invoices (CPPFactureStatuts). */
export interface InvoiceStatusReport {
  flowId: string;
  partnerCode: string;
  emitter?: string;
  producedAt: Date;
  statuses: InvoiceStatusEntry[];
}

export const DEFAULT_EMITTER = 'CPP001';

/** Flow-level IdStatut labels (CPPStatut V1_19 documentation). */
export const FLOW_STATUS_LABELS: Record<FlowStatusCode, string> = {
  '90': 'Reçu',
  '91': 'En cours de transmission',
  '92': 'Reçu destinataire final',
  '93': 'Erreur réception',
  '94': 'Erreur réception destinataire final',
  '95': 'Erreur de transmission au destinataire final',
  '96': 'Reçu - intégration partielle',
};

/** The API twin's flow state (`etatCourantFlux`) each compte-rendu status stands for. */
export const FLOW_STATUS_API_STATE: Record<FlowReport['status'], string> = {
  '90': 'IN_INTEGRE',
  '93': 'IN_REJETE',
  '96': 'IN_INTEGRE_PARTIEL',
};

/** Invoice-level IdStatut 01..12 and the API status each one maps to (spec §3.1). */
export const INVOICE_STATUS_CODES: Record<string, { code: string; labelFr: string; apiStatus: string }> = {
  '01': { code: '01', labelFr: 'Déposée', apiStatus: 'DEPOSEE' },
  '02': { code: '02', labelFr: "En cours d'acheminement vers le destinataire", apiStatus: 'EN_COURS_ACHEMINEMENT' },
  '03': { code: '03', labelFr: 'Mise à disposition du destinataire', apiStatus: 'MISE_A_DISPOSITION' },
  '04': { code: '04', labelFr: "Rejetée par l'ordonnateur pour erreur données acheminement", apiStatus: 'A_RECYCLER' },
  '05': { code: '05', labelFr: "Rejetée par l'ordonnateur pour autre motif", apiStatus: 'REJETEE' },
  '06': { code: '06', labelFr: 'Suspendue', apiStatus: 'SUSPENDUE' },
  '07': { code: '07', labelFr: 'Service fait', apiStatus: 'SERVICE_FAIT' },
  '08': { code: '08', labelFr: 'Mandatée / DP validée', apiStatus: 'MANDATEE' },
  '09': { code: '09', labelFr: 'Mise à disposition du comptable', apiStatus: 'MISE_A_DISPOSITION_COMPTABLE' },
  '10': { code: '10', labelFr: 'Comptabilisée', apiStatus: 'COMPTABILISEE' },
  '11': { code: '11', labelFr: 'Mise en paiement', apiStatus: 'MISE_EN_PAIEMENT' },
  '12': { code: '12', labelFr: 'Complétée', apiStatus: 'COMPLETEE' },
};

/** The invoice status code for an API status (`MANDATEE` → `08`), if it has one. */
export function invoiceStatusCodeOf(apiStatus: string): string | undefined {
  return Object.values(INVOICE_STATUS_CODES).find((s) => s.apiStatus === apiStatus)?.code;
}

/** Limits of the structures, kept by the writers. */
export const LIMITS = {
  partnerIdMin: 3,
  partnerIdMax: 8,
  complementStatut: 40,
  codeService: 100,
  siret: 14,
} as const;

export const AIFESTATUT_NAMESPACE = 'urn:passerelle:aifestatut:1';
export const CPPSTATUT_VERSION = 'V1_19';

/** Thrown when a report cannot be written within the structure (e.g. a 9-character partner code). */
export class ReturnFlowInputError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Return flow cannot be written: ${problems.join('; ')}`);
    this.name = 'ReturnFlowInputError';
    this.problems = problems;
  }
}
