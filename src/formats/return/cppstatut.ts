/**
 * CPPStatut V1_19 writers: the compte-rendu of a flow (CPPFluxStatuts) and invoice lifecycle
 * statuses (CPPFactureStatuts), valid against xsd/CPPStatut.xsd.
 */
import { describe, isFatal } from '../../finding.ts';
import type { Finding } from '../../finding.ts';
import { checkFlowReport, checkInvoiceStatusReport } from './checks.ts';
import { CPPSTATUT_VERSION, DEFAULT_EMITTER, FLOW_STATUS_LABELS, INVOICE_STATUS_CODES, LIMITS } from './model.ts';
import type { FlowReport, InvoiceStatusEntry, InvoiceStatusReport } from './model.ts';
import { el, opt, parisDate, parisDateTime, serialize, truncateChars } from './xml.ts';
import type { XmlNode } from './xml.ts';

/** Marks a warning in `DescriptionErreur`: CPPStatut has no severity field. */
export const WARNING_PREFIX = 'Avertissement (non bloquant) : ';

/** `DescriptionErreur`: [warning marker] detail (where) [- facture N]. */
export function errorLineDescription(f: Finding): string {
  let text = describe(f);
  if (!isFatal(f)) text = WARNING_PREFIX + text;
  if (f.invoice !== undefined) text += ` - facture ${f.invoice}`;
  return text;
}

function envelope(r: { flowId: string; partnerCode: string; emitter?: string; producedAt: Date }): XmlNode {
  const param = (n: number, code: string, value: string): XmlNode =>
    el('ParametreIndiv', [el('Code', code), el('Valeurparametre', value)], [['NumOrdre', String(n).padStart(4, '0')]]);
  return el('Enveloppe', [
    el(
      'EnveloppeUnitaire',
      [
        el('Parametres', [param(1, 'DtPrd', parisDate(r.producedAt)), param(2, 'IdFlx', r.flowId)]),
        el('Partenaires', [
          el('Recepteur', [el('Id', r.partnerCode)]),
          el('Emetteur', [el('Id', r.emitter ?? DEFAULT_EMITTER)]),
        ]),
      ],
      [['NumOrdre', 1]],
    ),
  ]);
}

function errorLine(f: Finding, n: number): XmlNode {
  return el(
    'LigneErreurDetail',
    [
      el('NatureErreur', f.nature),
      el('CodeErreur', f.code),
      el('LibelleErreur', f.labelFr),
      el('DescriptionErreur', errorLineDescription(f)),
    ],
    [['IdLigne', n]],
  );
}

export function writeCppFlowReport(r: FlowReport): string {
  checkFlowReport(r);
  const details =
    r.findings.length === 0
      ? undefined
      : el(
          'Details',
          r.findings.map((f, i) => errorLine(f, i + 1)),
          [['NbLignesErreur', r.findings.length]],
        );
  const data = el('DonneesStatut', [
    el('IdStatut', r.status),
    el('ComplementStatut', truncateChars(FLOW_STATUS_LABELS[r.status], LIMITS.complementStatut)),
    opt('Commentaire', r.comment),
    el('Horodatage', parisDateTime(r.producedAt)),
    el('IdFlux', r.originalFileName),
    details,
  ]);
  const statuts = el('CPPFluxStatuts', [el('CPPFluxStatutUnitaire', [data], [['NumOrdre', 1]])], [['compteur', 1]]);
  return serialize(el('CPPStatut', [envelope(r), statuts], [['Version', CPPSTATUT_VERSION]]));
}

function invoiceStatus(s: InvoiceStatusEntry, n: number): XmlNode {
  const known = INVOICE_STATUS_CODES[s.statusCode];
  return el(
    'CPPFactureStatutUnitaire',
    [
      el('Fournisseur', [
        el('TypeIdentifiant', s.supplier.typeIdentifiant),
        el('Identifiant', s.supplier.identifiant),
        el('RaisonSociale', s.supplier.raisonSociale),
        opt('CodePays', s.supplier.codePays),
      ]),
      el('Debiteur', [
        el('TypeIdentifiant', '1'),
        el('Identifiant', s.debtor.identifiant),
        opt('Nom', s.debtor.nom),
        opt('CodeService', s.debtor.codeService),
        opt('NomService', s.debtor.nomService),
      ]),
      el('DonneesStatut', [
        el('IdStatut', s.statusCode),
        // The API status name: lets a reader map the code without our table.
        opt('ComplementStatut', known?.apiStatus),
        opt('Commentaire', s.comment),
        el('Horodatage', parisDateTime(s.at)),
        s.producer === undefined ? undefined : el('Producteur', undefined, [['Id', s.producer]]),
        el('IdFacture', s.invoiceNumber),
        opt('DateFacture', s.invoiceDate),
      ]),
    ],
    [['NumOrdre', n]],
  );
}

export function writeCppInvoiceStatuses(r: InvoiceStatusReport): string {
  checkInvoiceStatusReport(r);
  const statuts = el(
    'CPPFactureStatuts',
    r.statuses.map((s, i) => invoiceStatus(s, i + 1)),
    [['compteur', r.statuses.length]],
  );
  return serialize(el('CPPStatut', [envelope(r), statuts], [['Version', CPPSTATUT_VERSION]]));
}
