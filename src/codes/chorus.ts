/**
 * REGLE, Chorus Pro's own rules after EN 16931: routing against the directory (the labels are ours but for two
 * real platform texts, spec §2), and the lines the daemon adds around them.
 */
import type { CodeDeclaration } from './types.ts';

export const CHORUS_CODES = {
  'CPP-DEST-ABSENT': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Identifiant du destinataire absent',
    labelEn: 'Recipient SIRET missing',
    doc: 'no BT-47',
  },
  'CPP-DEST-INCONNU': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Destinataire inconnu dans Chorus Pro',
    labelEn: 'Recipient unknown to Chorus Pro',
    doc: 'SIRET not in the directory, retired, or a structure that does not receive invoices (a SIRET cut to its SIREN lands here)',
  },
  'CPP-DEST-INACTIF': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Destinataire inactif dans Chorus Pro',
    labelEn: 'Recipient inactive in Chorus Pro',
    doc: 'structure `active = false`',
  },
  'CPP-FOURN-NON-AUTORISE': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Fournisseur non rattaché au partenaire émetteur du flux',
    labelEn: 'Supplier is not a structure the depositing partner may invoice for',
    doc: "BT-30 absent, unknown, retired, another partner's, or not an issuing structure",
  },
  'CPP-EMETTEUR-DIFFERENT': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: "Fournisseur différent de l'émetteur choisi au dépôt",
    labelEn: 'Invoice supplier differs from the émetteur chosen at deposit',
    doc: "a portal deposit's _Émetteur_ (`flows.emitter_siret`) is not BT-30 (checked when both are present)",
  },
  'CPP-SERVICE-ABSENT': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Code service obligatoire pour ce destinataire',
    labelEn: 'Service code required by the recipient',
    doc: '`codeServiceDoitEtreRenseigne` and no BT-10',
  },
  'CPP-SERVICE-RESERVE': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Code service FACTURES_PUBLIQUES non autorisé',
    labelEn: 'Service code FACTURES_PUBLIQUES is reserved',
    doc: 'BT-10 = `FACTURES_PUBLIQUES` (any case) [C, S5]',
  },
  'CPP-SERVICE-INCONNU': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Code service inconnu pour ce destinataire',
    labelEn: 'Service code unknown for the recipient',
    doc: 'BT-10 not a service of that structure',
  },
  'CPP-SERVICE-INACTIF': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Code service inactif pour ce destinataire',
    labelEn: 'Service code inactive for the recipient',
    doc: 'service `active = false`',
  },
  'CPP-EJ-ABSENT': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: "Numéro d'engagement juridique obligatoire",
    labelEn: 'Commitment number required',
    doc: 'no BT-13 and the structure (`numeroEJDoitEtreRenseigne`) or the active service (`numeroEngagement`) requires one',
  },
  'CPP-EJ-OU-SERVICE-ABSENT': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: "Numéro d'engagement juridique ou code service obligatoire",
    labelEn: 'Commitment number or service code required',
    doc: '`gestionNumeroEJOuCodeService` and neither BT-13 nor BT-10',
  },
  'CPP-EJ-INCONNU': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: "Numéro d'engagement juridique inconnu pour ce destinataire",
    labelEn: 'Commitment number unknown for the recipient',
    doc: 'BT-13 given where required (or chosen instead of a service) and not a commitment of that structure; an EJ nobody requires is not checked [O]',
  },
  'CPP-CADRE-INVALIDE': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Cadre de facturation invalide',
    labelEn: 'Invalid invoicing framework (cadre de facturation)',
    doc: "BT-23 not in A1…A25 without A11 (e.g. a reform value `S1`, a PEPPOL ProfileID); **absent means A1** [O: the API's default deposit is a supplier invoice]",
  },
  'CPP-NUMERO-TROP-LONG': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Numéro de facture trop long (20 caractères maximum)',
    labelEn: 'Invoice number longer than 20 characters',
    doc: 'BT-1 > 20 characters [C, pivot XSD]',
  },
  'CPP-FACTURE-DOUBLON': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Facture déjà déposée pour ce fournisseur avec ce numéro',
    labelEn: 'Duplicate invoice: same supplier and number already integrated',
    doc: 'same supplier identifier and number already integrated, whatever its status and year [O; the real scope is U]',
  },
  'CPP-IBAN-ABSENT': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'IBAN du fournisseur manquant',
    labelEn: "Supplier's IBAN missing for this payment means",
    doc: "BT-81 ∈ {30 credit transfer, 42 payment to bank account, 58 SEPA credit transfer} and no BT-84 [O: the means that pay into the supplier's account; 31 debit transfer, 49/59 direct debit, 10, 20, 48, 97 do not]",
  },
  'CPP-ROUTAGE-NON-VERIFIE': {
    nature: 'REGLE',
    severity: 'warning',
    labelFr:
      "Routage non vérifié : le partenaire n'a pas de matelas de données, la facture n'est pas mise à disposition",
    labelEn: 'Routing not checked: the partner has no matelas de données; the invoice is not made available',
    doc: 'the depositing partner has no matelas: one warning per flow, its invoices are judged on their EN 16931 merits',
  },
  'CPP-FACTURE-REJETEE': {
    nature: 'REGLE',
    severity: 'fatal',
    labelFr: 'Facture rejetée, non intégrée',
    labelEn: 'Invoice rejected, not integrated',
    doc: "fallback label of the line of a rejected invoice in a partly integrated flow (the line takes its first fatal finding's code and label when there is one)",
  },
} as const satisfies Record<string, CodeDeclaration>;

export type ChorusCode = keyof typeof CHORUS_CODES;
