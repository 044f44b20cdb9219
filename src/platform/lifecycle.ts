/**
 * The invoice lifecycle: the API statuses a supplier sees, their CPPStatut `IdStatut` codes 01–12
 * (spec §3.1), the transitions the platform allows and who makes each, and scripted scenarios.
 * Pure: no database, no clock.
 */
import { CODES } from '../codes/index.ts';

/** API status ↔ CPPStatut `CPPFactureStatuts/IdStatut` (spec §3.1; the pairing is inferred, the labels are the XSD's). */
export const INVOICE_STATUSES = [
  { status: 'DEPOSEE', code: '01', label: 'Déposée' },
  { status: 'EN_COURS_ACHEMINEMENT', code: '02', label: "En cours d'acheminement vers le destinataire" },
  { status: 'MISE_A_DISPOSITION', code: '03', label: 'Mise à disposition du destinataire' },
  { status: 'A_RECYCLER', code: '04', label: "Rejetée par l'ordonnateur pour erreur données acheminement" },
  { status: 'REJETEE', code: '05', label: "Rejetée par l'ordonnateur pour autre motif" },
  { status: 'SUSPENDUE', code: '06', label: 'Suspendue' },
  { status: 'SERVICE_FAIT', code: '07', label: 'Service fait' },
  { status: 'MANDATEE', code: '08', label: 'Mandatée / DP validée' },
  { status: 'MISE_A_DISPOSITION_COMPTABLE', code: '09', label: 'Mise à disposition du comptable' },
  { status: 'COMPTABILISEE', code: '10', label: 'Comptabilisée' },
  { status: 'MISE_EN_PAIEMENT', code: '11', label: 'Mise en paiement' },
  { status: 'COMPLETEE', code: '12', label: 'Complétée' },
] as const;

export type InvoiceStatus = (typeof INVOICE_STATUSES)[number]['status'];
type CppStatusCode = (typeof INVOICE_STATUSES)[number]['code'];

export const API_STATUSES: readonly InvoiceStatus[] = INVOICE_STATUSES.map((s) => s.status);

export function isInvoiceStatus(s: string): s is InvoiceStatus {
  return (API_STATUSES as readonly string[]).includes(s);
}

export function cppStatusCode(status: InvoiceStatus): CppStatusCode {
  return INVOICE_STATUSES.find((s) => s.status === status)!.code;
}

export function statusFromCppCode(code: string): InvoiceStatus | undefined {
  return INVOICE_STATUSES.find((s) => s.code === code)?.status;
}

/** Who moves an invoice: the platform itself, the recipient (ordonnateur, comptable), or the supplier. */
export type Actor = 'plateforme' | 'destinataire' | 'fournisseur';

/**
 * The allowed transitions. The recipient's chain is the one spec §3.3 orders (S9) and the issue
 * lists; the marked ones are our reading of the platform's behaviour (see docs/chorus-pro-behaviour.md).
 */
export const TRANSITIONS: ReadonlyArray<{ from: InvoiceStatus; to: InvoiceStatus; by: Actor }> = [
  { from: 'DEPOSEE', to: 'EN_COURS_ACHEMINEMENT', by: 'plateforme' },
  { from: 'DEPOSEE', to: 'MISE_A_DISPOSITION', by: 'plateforme' },
  { from: 'EN_COURS_ACHEMINEMENT', to: 'MISE_A_DISPOSITION', by: 'plateforme' },
  { from: 'MISE_A_DISPOSITION', to: 'SUSPENDUE', by: 'destinataire' },
  { from: 'MISE_A_DISPOSITION', to: 'REJETEE', by: 'destinataire' },
  { from: 'MISE_A_DISPOSITION', to: 'A_RECYCLER', by: 'destinataire' },
  { from: 'MISE_A_DISPOSITION', to: 'SERVICE_FAIT', by: 'destinataire' },
  // Recipients without a "service fait" step (local authorities) go straight to the mandate. [inferred]
  { from: 'MISE_A_DISPOSITION', to: 'MANDATEE', by: 'destinataire' },
  { from: 'SUSPENDUE', to: 'COMPLETEE', by: 'fournisseur' },
  // A suspended invoice the supplier never completes can be rejected. [inferred]
  { from: 'SUSPENDUE', to: 'REJETEE', by: 'destinataire' },
  { from: 'COMPLETEE', to: 'MISE_A_DISPOSITION', by: 'plateforme' },
  // Recycling: the supplier corrects the routing data and the invoice is made available again. [inferred]
  { from: 'A_RECYCLER', to: 'MISE_A_DISPOSITION', by: 'fournisseur' },
  { from: 'SERVICE_FAIT', to: 'MANDATEE', by: 'destinataire' },
  { from: 'MANDATEE', to: 'MISE_A_DISPOSITION_COMPTABLE', by: 'destinataire' },
  { from: 'MISE_A_DISPOSITION_COMPTABLE', to: 'COMPTABILISEE', by: 'destinataire' },
  { from: 'MISE_A_DISPOSITION_COMPTABLE', to: 'MISE_EN_PAIEMENT', by: 'destinataire' },
  { from: 'COMPTABILISEE', to: 'MISE_EN_PAIEMENT', by: 'destinataire' },
  // The supplier may see the payment right after the mandate: the comptable's steps are not always sent. [inferred]
  { from: 'MANDATEE', to: 'MISE_EN_PAIEMENT', by: 'destinataire' },
];

/** Statuses no transition leaves. */
export const FINAL_STATUSES: readonly InvoiceStatus[] = API_STATUSES.filter(
  (s) => !TRANSITIONS.some((t) => t.from === s),
);

export const TRANSITION_REFUSED = {
  ok: false,
  codeRetour: 20002,
  // The platform's text (spec §6c), also the label of the Cycle de vie finding for the same refusal.
  libelle: CODES['CDV-TRANSITION-REFUSEE'].labelFr,
} as const;

type TransitionCheck = { ok: true; by: Actor } | typeof TRANSITION_REFUSED;

/**
 * Answers like the platform's status-change service: `codeRetour` 20002 for a transition it does not
 * allow (spec §6c). With `by`, the transition must also be one that actor may make (a recipient cannot
 * mark an invoice COMPLETEE).
 */
export function checkTransition(from: string, to: string, by?: Actor): TransitionCheck {
  const t = TRANSITIONS.find((x) => x.from === from && x.to === to);
  if (!t || (by !== undefined && t.by !== by)) return TRANSITION_REFUSED;
  return { ok: true, by: t.by };
}

export function nextStatuses(from: string, by?: Actor): InvoiceStatus[] {
  return TRANSITIONS.filter((t) => t.from === from && (by === undefined || t.by === by)).map((t) => t.to);
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/**
 * Plans a scripted lifecycle such as `MISE_A_DISPOSITION → SERVICE_FAIT → MANDATEE → MISE_EN_PAIEMENT`
 * (separators `→`, `->`, `>` or `,`; CPPStatut codes `03` are accepted too). Step 0 is the status the
 * invoice starts from, planned at `startAt`; each next step comes `stepSeconds` later. Every step must
 * be an allowed transition: a scenario the platform could not play is refused at configuration time.
 */
export function planScenario(
  scenario: string,
  startAt: Date,
  stepSeconds = 60,
): Array<{ status: InvoiceStatus; at: Date }> {
  if (!(stepSeconds >= 0) || !Number.isFinite(stepSeconds))
    throw new ScenarioError(`intervalle invalide: ${stepSeconds}`);
  const names = scenario
    .split(/→|->|>|,/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new ScenarioError('scénario vide');
  const steps = names.map((n) => {
    const status = isInvoiceStatus(n.toUpperCase()) ? (n.toUpperCase() as InvoiceStatus) : statusFromCppCode(n);
    if (!status) throw new ScenarioError(`statut inconnu dans le scénario: ${n}`);
    return status;
  });
  for (let i = 1; i < steps.length; i++) {
    if (!checkTransition(steps[i - 1]!, steps[i]!).ok)
      throw new ScenarioError(`transition non autorisée: ${steps[i - 1]} → ${steps[i]}`);
  }
  return steps.map((status, i) => ({ status, at: new Date(startAt.getTime() + i * stepSeconds * 1000) }));
}
