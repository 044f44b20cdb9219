/**
 * AIFEStatut writers, in Passerelle's own rendering (xsd/AIFEStatut.xsd, namespace
 * urn:passerelle:aifestatut:1). NON NORMATIF: no public AIFEStatut schema exists; this carries the
 * same data as CPPStatut plus each finding's severity and location.
 */
import { describe } from '../../finding.ts';
import type { Finding } from '../../finding.ts';
import { checkFlowReport, checkInvoiceStatusReport } from './checks.ts';
import {
  AIFESTATUT_NAMESPACE,
  DEFAULT_EMITTER,
  FLOW_STATUS_API_STATE,
  FLOW_STATUS_LABELS,
  INVOICE_STATUS_CODES,
} from './model.ts';
import type { FlowReport, InvoiceStatusEntry, InvoiceStatusReport } from './model.ts';
import { el, opt, parisDateTime, serialize } from './xml.ts';
import type { XmlNode } from './xml.ts';

function root(header: XmlNode, body: XmlNode): XmlNode {
  return el(
    'AIFEStatut',
    [header, body],
    [
      ['xmlns', AIFESTATUT_NAMESPACE],
      ['version', '1.0'],
      ['normatif', 'false'],
    ],
  );
}

function header(r: { flowId: string; partnerCode: string; emitter?: string; producedAt: Date }): XmlNode {
  return el('Entete', [
    el('IdentifiantFlux', r.flowId),
    el('DateProduction', parisDateTime(r.producedAt)),
    el('Emetteur', r.emitter ?? DEFAULT_EMITTER),
    el('Destinataire', r.partnerCode),
  ]);
}

function location(f: Finding): XmlNode | undefined {
  const l = f.location;
  if (!l || (l.file === undefined && l.line === undefined && l.column === undefined && l.xpath === undefined))
    return undefined;
  return el('Emplacement', undefined, [
    ['fichier', l.file],
    ['ligne', l.line],
    ['colonne', l.column],
    ['xpath', l.xpath],
  ]);
}

function error(f: Finding, n: number): XmlNode {
  return el(
    'Erreur',
    [
      el('Nature', f.nature),
      el('Code', f.code),
      el('Libelle', f.labelFr),
      el('LibelleAnglais', f.labelEn),
      el('Description', describe(f)),
      location(f),
      opt('Facture', f.invoice),
    ],
    [
      ['numero', n],
      ['gravite', f.severity === 'fatal' ? 'bloquante' : 'avertissement'],
    ],
  );
}

export function writeAifeFlowReport(r: FlowReport): string {
  checkFlowReport(r);
  const errors =
    r.findings.length === 0
      ? undefined
      : el(
          'Erreurs',
          r.findings.map((f, i) => error(f, i + 1)),
          [['nombre', r.findings.length]],
        );
  const body = el('StatutFlux', [
    el('Code', r.status),
    el('Libelle', FLOW_STATUS_LABELS[r.status]),
    el('EtatFlux', FLOW_STATUS_API_STATE[r.status]),
    el('Horodatage', parisDateTime(r.producedAt)),
    el('NomFichier', r.originalFileName),
    opt('Commentaire', r.comment),
    errors,
  ]);
  return serialize(root(header(r), body));
}

function invoiceStatus(s: InvoiceStatusEntry, n: number): XmlNode {
  const known = INVOICE_STATUS_CODES[s.statusCode];
  return el(
    'StatutFacture',
    [
      el('Fournisseur', [
        el('TypeIdentifiant', s.supplier.typeIdentifiant),
        el('Identifiant', s.supplier.identifiant),
        el('RaisonSociale', s.supplier.raisonSociale),
        opt('CodePays', s.supplier.codePays),
      ]),
      el('Destinataire', [
        el('Identifiant', s.debtor.identifiant),
        opt('Nom', s.debtor.nom),
        opt('CodeService', s.debtor.codeService),
        opt('NomService', s.debtor.nomService),
      ]),
      el('Facture', [el('Numero', s.invoiceNumber), opt('Date', s.invoiceDate)]),
      el('Statut', [
        el('Code', s.statusCode),
        opt('Libelle', known?.labelFr),
        opt('StatutApi', known?.apiStatus),
        el('Horodatage', parisDateTime(s.at)),
        opt('Producteur', s.producer),
        opt('Commentaire', s.comment),
      ]),
    ],
    [['numero', n]],
  );
}

export function writeAifeInvoiceStatuses(r: InvoiceStatusReport): string {
  checkInvoiceStatusReport(r);
  const body = el(
    'StatutsFactures',
    r.statuses.map((s, i) => invoiceStatus(s, i + 1)),
    [['nombre', r.statuses.length]],
  );
  return serialize(root(header(r), body));
}
