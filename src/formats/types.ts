/**
 * The contract of a syntax module (one per supported syntax, in `src/formats/<syntax>/`).
 * Formats are pure: bytes in, a detection / an invoice model / findings out. No flows, no partners.
 */
import type { Finding } from '../finding.ts';

/** Our ids for the syntaxes we accept on deposit. */
export type SyntaxId =
  | 'ubl-invoice'
  | 'ubl-creditnote'
  | 'cii'
  | 'facturx-pdf'
  | 'cpp-facture-mixte'
  /** A recipient's "Cycle de vie" deposit (CPPStatut carrying CPPFactureStatuts): statuses, not invoices. */
  | 'cdv-cpp-statut';

/** Factur-X / ZUGFeRD profiles, read from the guideline ID (BT-24). */
export type FacturXProfile = 'MINIMUM' | 'BASICWL' | 'BASIC' | 'EN16931' | 'EXTENDED';

/** A schema to validate against: an entry file inside an installed schema set. */
export interface SchemaRef {
  /** Schema set id, e.g. `ubl-2.1`, `cii-d16b`, `facturx-1.0.9`, `passerelle` (our own, in `xsd/`). */
  set: string;
  /** Path of the entry XSD inside the set, e.g. `maindoc/UBL-Invoice-2.1.xsd`. */
  entry: string;
}

/** What syntax detection hands to the next stages. */
export interface DetectedFlow {
  syntax: SyntaxId;
  /** Chorus Pro interface code, e.g. `FSO1100A`. */
  interfaceCode: string;
  /** Chorus Pro `syntaxeFlux`, e.g. `IN_DP_E1_UBL_INVOICE`. */
  syntaxeFlux: string;
  /** The invoice XML: the flow itself, or the XML embedded in a Factur-X PDF. */
  xml: Buffer;
  /** Name of the XML inside the flow when it is embedded (e.g. `factur-x.xml`), for finding locations. */
  xmlName?: string;
  /** Factur-X profile when the syntax carries one (CII and Factur-X PDF). */
  profile?: FacturXProfile;
  /** Every schema the XML must pass, in order (e.g. CII D16B then the Factur-X profile XSD). */
  schemas: SchemaRef[];
}

export type DetectionResult = { ok: true; flow: DetectedFlow } | { ok: false; findings: Finding[] };
