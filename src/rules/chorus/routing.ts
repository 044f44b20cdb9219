/**
 * Chorus Pro routing rules (stage REGLE, after EN 16931): is the invoice addressed to a structure of the
 * directory, with the service code and commitment number that structure asks for, from a supplier the
 * depositing partner may invoice for? Pure over the facts and a directory lookup it is given.
 * The codes are ours: the platform's error-message annex is not public (spec §8).
 */
import type { ChorusCode } from '../../codes/chorus.ts';
import type { Finding, FindingDetails, Location } from '../../finding.ts';
import { finding } from '../../finding.ts';

export interface RoutingStructure {
  id: number;
  siret: string;
  name: string;
  active: boolean;
  /** false for structures that only issue invoices (the matelas's Fournisseur/Valideur Partenaire). */
  recipient: boolean;
  codeServiceDoitEtreRenseigne: boolean;
  numeroEjDoitEtreRenseigne: boolean;
  gestionNumeroEjOuCodeService: boolean;
}
export interface RoutingService {
  code: string;
  active: boolean;
  /** Service parameter `numeroEngagement`: the commitment number is required for this service. */
  ejRequired: boolean;
}
export interface RoutingCommitment {
  number: string;
  serviceCode?: string;
}

/** What the rules read from the directory. Retired structures are unknown (undefined). */
export interface DirectoryLookup {
  structureBySiret(siret: string): Promise<RoutingStructure | undefined>;
  service(structureId: number, code: string): Promise<RoutingService | undefined>;
  commitment(structureId: number, number: string): Promise<RoutingCommitment | undefined>;
  partnerMayInvoiceFor(partner: string, supplierIdentifier: string): Promise<boolean>;
  duplicateInvoice(supplierIdentifier: string, number: string): Promise<boolean>;
}

export type RoutingField =
  | 'invoiceNumber'
  | 'supplier'
  | 'buyerSiret'
  | 'serviceCode'
  | 'commitmentNumber'
  | 'cadre'
  | 'paymentMeansCode'
  | 'supplierIban';

/** The few facts the rules need, whatever the syntax (UBL, CII, Factur-X, CPP Facture mixte). */
export interface RoutingFacts {
  /** BT-1 / `DonneesFacture/Id`. */
  invoiceNumber: string;
  /** BT-30 / `Fournisseur/Identifiant` and `TypeIdentifiant` (1 = SIRET). */
  supplier: { identifier?: string; typeIdentifiant?: string };
  /** BT-47 / `Debiteur/Identifiant`. */
  buyerSiret?: string;
  /** BT-10 / `Debiteur/CodeService`. */
  serviceCode?: string;
  /** BT-13 / `Engagement/NumeroEngagement`. */
  commitmentNumber?: string;
  /** BT-23 / `DonneesFacture/Cadre`. */
  cadre?: string;
  /** BT-81 / `ModePaiement/Code`. */
  paymentMeansCode?: string;
  /** BT-84 / `Fournisseur/ReferenceBancaire/Compte`. */
  supplierIban?: string;
  /** Where each fact was read: file and XPath (per field), for `DescriptionErreur`. */
  location?: Partial<Record<RoutingField, Location>>;
}

/** A1…A25 without A11 (spec §4.3). */
export const CADRES: readonly string[] = Array.from({ length: 25 }, (_, i) => `A${i + 1}`).filter((c) => c !== 'A11');
/** An invoice that names no cadre is a plain supplier invoice (A1), as the API's default deposit is. */
const DEFAULT_CADRE = 'A1';
/**
 * Payment means that pay into the supplier's account, so need its IBAN (UNTDID 4461): 30 credit transfer,
 * 42 payment to bank account, 58 SEPA credit transfer. 31 (debit transfer), 49/59 (direct debit), 10, 20,
 * 48, 97 do not.
 */
const MEANS_NEEDING_IBAN: readonly string[] = ['30', '42', '58'];
const RESERVED_SERVICE_CODE = 'FACTURES_PUBLIQUES';
const MAX_INVOICE_NUMBER_LENGTH = 20;

/** Every routing rule, by the name the checks use: its code, declared in the registry (src/codes/chorus.ts). */
export const ROUTING_RULES = {
  destAbsent: 'CPP-DEST-ABSENT',
  destInconnu: 'CPP-DEST-INCONNU',
  destInactif: 'CPP-DEST-INACTIF',
  fournisseur: 'CPP-FOURN-NON-AUTORISE',
  emetteur: 'CPP-EMETTEUR-DIFFERENT',
  serviceAbsent: 'CPP-SERVICE-ABSENT',
  serviceReserve: 'CPP-SERVICE-RESERVE',
  serviceInconnu: 'CPP-SERVICE-INCONNU',
  serviceInactif: 'CPP-SERVICE-INACTIF',
  ejAbsent: 'CPP-EJ-ABSENT',
  ejOuService: 'CPP-EJ-OU-SERVICE-ABSENT',
  ejInconnu: 'CPP-EJ-INCONNU',
  cadre: 'CPP-CADRE-INVALIDE',
  numero: 'CPP-NUMERO-TROP-LONG',
  doublon: 'CPP-FACTURE-DOUBLON',
  iban: 'CPP-IBAN-ABSENT',
} as const satisfies Record<string, ChorusCode>;
export type RoutingRuleKey = keyof typeof ROUTING_RULES;

const blank = (s: string | undefined): s is undefined => s === undefined || s.trim() === '';

/** What the deposit declared beside the file. */
export interface RoutingDeposit {
  /** The émetteur chosen at a portal deposit (SIRET of a structure of the depositor's matelas). */
  emitterSiret?: string;
}

export async function checkRouting(
  facts: RoutingFacts,
  partner: string,
  dir: DirectoryLookup,
  deposit: RoutingDeposit = {},
): Promise<Finding[]> {
  const out: Finding[] = [];
  const fire = (key: RoutingRuleKey, field: RoutingField, detail: string) => {
    const extra: FindingDetails = { detail, invoice: facts.invoiceNumber };
    const loc = facts.location?.[field];
    if (loc) extra.location = loc;
    out.push(finding(ROUTING_RULES[key], extra));
  };

  // Supplier: a structure of the partner's matelas (qualification has no INSEE register behind it).
  const supplierId = facts.supplier.identifier?.trim();
  if (blank(supplierId) || !(await dir.partnerMayInvoiceFor(partner, supplierId))) {
    fire('fournisseur', 'supplier', `Fournisseur ${supplierId || '(absent)'} (BT-30), partenaire ${partner}`);
  }
  // The émetteur chosen at deposit is the structure the invoices are deposited for: their supplier must be it.
  const emitter = deposit.emitterSiret?.trim();
  if (emitter && !blank(supplierId) && supplierId !== emitter) {
    fire('emetteur', 'supplier', `Fournisseur ${supplierId} (BT-30), émetteur choisi au dépôt ${emitter}`);
  }

  // Recipient and what it asks for.
  const siret = facts.buyerSiret?.trim();
  const service = facts.serviceCode?.trim() || undefined;
  const ej = facts.commitmentNumber?.trim() || undefined;
  if (blank(siret)) {
    fire('destAbsent', 'buyerSiret', 'SIRET du destinataire absent (BT-47)');
  } else {
    const structure = await dir.structureBySiret(siret);
    if (!structure || !structure.recipient) {
      fire(
        'destInconnu',
        'buyerSiret',
        `SIRET destinataire ${siret} (BT-47)${structure ? ': structure non destinataire' : ''}`,
      );
    } else if (!structure.active) {
      fire('destInactif', 'buyerSiret', `SIRET destinataire ${siret} (BT-47)`);
    } else {
      await checkRecipientParameters(structure, service, ej, dir, fire);
    }
  }

  // Cadre de facturation.
  const cadre = facts.cadre?.trim() || DEFAULT_CADRE;
  if (!CADRES.includes(cadre))
    fire('cadre', 'cadre', `Cadre de facturation ${cadre} (BT-23): attendu A1 à A25, sauf A11`);

  // Invoice number and duplicates.
  if (facts.invoiceNumber.length > MAX_INVOICE_NUMBER_LENGTH) {
    fire(
      'numero',
      'invoiceNumber',
      `Numéro de facture ${facts.invoiceNumber} (BT-1): ${facts.invoiceNumber.length} caractères`,
    );
  }
  if (
    !blank(supplierId) &&
    facts.invoiceNumber !== '' &&
    (await dir.duplicateInvoice(supplierId, facts.invoiceNumber))
  ) {
    fire(
      'doublon',
      'invoiceNumber',
      `Facture ${facts.invoiceNumber} (BT-1) du fournisseur ${supplierId} déjà intégrée`,
    );
  }

  // Bank details the payment means needs.
  const means = facts.paymentMeansCode?.trim();
  if (means && MEANS_NEEDING_IBAN.includes(means) && blank(facts.supplierIban)) {
    fire('iban', 'supplierIban', `Mode de paiement ${means} (BT-81) sans IBAN du fournisseur (BT-84)`);
  }
  return out;
}

async function checkRecipientParameters(
  structure: RoutingStructure,
  service: string | undefined,
  ej: string | undefined,
  dir: DirectoryLookup,
  fire: (key: RoutingRuleKey, field: RoutingField, detail: string) => void,
): Promise<void> {
  const where = `destinataire ${structure.siret}`;
  let known: RoutingService | undefined;
  if (service === undefined) {
    if (structure.codeServiceDoitEtreRenseigne)
      fire('serviceAbsent', 'serviceCode', `Code service absent (BT-10), ${where}`);
  } else if (service.toUpperCase() === RESERVED_SERVICE_CODE) {
    fire(
      'serviceReserve',
      'serviceCode',
      `Code service ${service} (BT-10), ${where}: réservé à la facturation entre entités publiques`,
    );
  } else {
    known = await dir.service(structure.id, service);
    if (!known) fire('serviceInconnu', 'serviceCode', `Code service ${service} (BT-10), ${where}`);
    else if (!known.active) fire('serviceInactif', 'serviceCode', `Code service ${service} (BT-10), ${where}`);
  }

  const ejRequired = structure.numeroEjDoitEtreRenseigne || (known?.active === true && known.ejRequired);
  if (ej === undefined) {
    if (ejRequired) {
      const why = structure.numeroEjDoitEtreRenseigne ? 'exigé par le destinataire' : `exigé par le service ${service}`;
      fire('ejAbsent', 'commitmentNumber', `Numéro d'engagement absent (BT-13), ${why}, ${where}`);
    } else if (structure.gestionNumeroEjOuCodeService && service === undefined) {
      fire('ejOuService', 'commitmentNumber', `Ni numéro d'engagement (BT-13) ni code service (BT-10), ${where}`);
    }
    return;
  }
  // A commitment given where one is required (or chosen in place of the service) must be the recipient's.
  if (ejRequired || (structure.gestionNumeroEjOuCodeService && service === undefined)) {
    if (!(await dir.commitment(structure.id, ej)))
      fire('ejInconnu', 'commitmentNumber', `Numéro d'engagement ${ej} (BT-13), ${where}`);
  }
}
