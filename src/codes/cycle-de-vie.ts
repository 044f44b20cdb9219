/** A recipient's Cycle de vie deposit (IN_CDV_CPP_STATUT): reading the CPPStatut, then checking each status change. */
import type { CodeDeclaration } from './types.ts';

export const CYCLE_DE_VIE_CODES = {
  'FMT-CDV-DOCTYPE': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: 'Le flux contient une déclaration DOCTYPE, non autorisée.',
    labelEn: 'The flow contains a DOCTYPE declaration, which is not allowed.',
    doc: 'any `<!DOCTYPE`',
  },
  'FMT-CDV-MALFORMED': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "Le flux n'est pas un document XML bien formé.",
    labelEn: 'The flow is not well-formed XML.',
    doc: 'parser error (line, column in the location)',
  },
  'FMT-CDV-ROOT': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "L'élément racine du flux n'est pas CPPStatut.",
    labelEn: 'The root element of the flow is not CPPStatut.',
    doc: 'another root',
  },
  'RG-CDV-FLUX-STATUTS': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Un dépôt de cycle de vie doit utiliser CPPFactureStatuts.',
    labelEn: 'A lifecycle deposit must use CPPFactureStatuts.',
    doc: "`CPPFluxStatuts` deposited (allowed by the schema, refused by the platform per Pastell's changelog)",
  },
  'SCH-CDV-ELEMENT-ABSENT': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: "L'élément {name} est obligatoire.",
    labelEn: 'Element {name} is mandatory.',
    doc: 'a mandatory element (or `DtPrd` / `IdFlx` parameter) missing or empty',
  },
  'SCH-CDV-VALEUR': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: "La valeur de l'élément {name} est invalide.",
    labelEn: 'Invalid value for element {name}.',
    doc: 'partner code outside 3–8, SIRET not 14, code service > 100, type outside 1–7, bad country code, bad date or date-time, non-numeric status',
  },
  'RG-CDV-STATUT-INCONNU': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Code statut de facture non pris en charge.',
    labelEn: 'Unsupported invoice status code.',
    doc: '`IdStatut` outside 01–12',
  },
  'CDV-DEST-NON-RATTACHE': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Destinataire non rattaché au partenaire émetteur du flux de cycle de vie',
    labelEn: "The recipient is not a structure of the depositing partner's matelas",
    doc: "the entry's Debiteur SIRET is not a structure of the depositing partner's matelas",
  },
  'CDV-FACTURE-INCONNUE': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Facture inconnue pour ce fournisseur et ce destinataire',
    labelEn: 'No such invoice for this supplier and recipient',
    doc: 'no integrated invoice with that supplier, number and recipient',
  },
  'CDV-STATUT-INCONNU': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Statut de facture inconnu',
    labelEn: 'Unknown invoice status',
    doc: 'an IdStatut with no lifecycle status',
  },
  'CDV-TRANSITION-REFUSEE': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: "Incohérence au niveau du statut d'origine ou de destination de la facture.",
    labelEn: 'Status change not allowed',
    doc: "the recipient may not move the invoice from its status to that one; the label is the platform's text for codeRetour 20002 (spec §6c)",
  },
} as const satisfies Record<string, CodeDeclaration>;

export type CycleDeVieCode = keyof typeof CYCLE_DE_VIE_CODES;
