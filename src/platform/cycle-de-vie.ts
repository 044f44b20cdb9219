/**
 * A recipient's "Cycle de vie" deposit (IN_CDV_CPP_STATUT): each `CPPFactureStatutUnitaire` names an
 * invoice (supplier + number) addressed to one of the depositing partner's structures and the status it
 * moves to. Checked here (stage REGLE) entry by entry, in order, as if applied one after the other; the
 * accepted ones are applied at integration with `changeInvoiceStatus` (checked again under lock).
 */
import type { CycleDeVieCode } from '../codes/cycle-de-vie.ts';
import type { Finding } from '../finding.ts';
import { finding } from '../finding.ts';
import type { InvoiceStatusReport } from '../formats/return/index.ts';
import type { Queryable } from '../store/db.ts';
import { partnerOwnsSiret } from '../store/directory.ts';
import { findDuplicateInvoice } from '../store/invoices.ts';
import { TRANSITION_REFUSED, checkTransition, statusFromCppCode } from './lifecycle.ts';

/** The checks of one entry, by name: their codes are declared in the registry (src/codes/cycle-de-vie.ts). */
const CDV_RULES = {
  destinataire: 'CDV-DEST-NON-RATTACHE',
  facture: 'CDV-FACTURE-INCONNUE',
  statut: 'CDV-STATUT-INCONNU',
  transition: 'CDV-TRANSITION-REFUSEE',
} as const satisfies Record<string, CycleDeVieCode>;

export interface PlannedStatus {
  invoiceId: number;
  invoiceNumber: string;
  from: string;
  to: string;
  comment?: string;
  at: Date;
}

export async function checkStatusReport(
  q: Queryable,
  partner: string,
  report: InvoiceStatusReport,
): Promise<{ planned: PlannedStatus[]; findings: Finding[]; entries: number }> {
  const findings: Finding[] = [];
  const planned: PlannedStatus[] = [];
  // Statuses as they will be once the earlier entries of the same deposit are applied.
  const current = new Map<number, string>();
  for (const [i, s] of report.statuses.entries()) {
    const xpath = `/CPPStatut/CPPFactureStatuts/CPPFactureStatutUnitaire[${i + 1}]`;
    const fire = (key: keyof typeof CDV_RULES, detail: string) => {
      findings.push(finding(CDV_RULES[key], { detail, invoice: s.invoiceNumber, location: { xpath } }));
    };
    const who = `facture ${s.invoiceNumber} du fournisseur ${s.supplier.identifiant}, destinataire ${s.debtor.identifiant}`;
    if (!(await partnerOwnsSiret(q, partner, s.debtor.identifiant))) {
      fire('destinataire', `${who} : SIRET hors du matelas du partenaire ${partner}`);
      continue;
    }
    const to = statusFromCppCode(s.statusCode);
    if (!to) {
      fire('statut', `${who} : IdStatut ${s.statusCode}`);
      continue;
    }
    const inv = await findDuplicateInvoice(q, s.supplier.identifiant, s.invoiceNumber);
    if (!inv || inv.recipientSiret !== s.debtor.identifiant) {
      fire('facture', who);
      continue;
    }
    const from = current.get(inv.id) ?? inv.status;
    if (!checkTransition(from, to, 'destinataire').ok) {
      fire('transition', `${who} : ${from} → ${to} (codeRetour ${TRANSITION_REFUSED.codeRetour})`);
      continue;
    }
    current.set(inv.id, to);
    planned.push({
      invoiceId: inv.id,
      invoiceNumber: s.invoiceNumber,
      from,
      to,
      ...(s.comment ? { comment: s.comment } : {}),
      at: s.at,
    });
  }
  return { planned, findings, entries: report.statuses.length };
}
