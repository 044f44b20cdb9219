/**
 * The contract of a syntax module (one per supported syntax, in `src/formats/<syntax>/`).
 * Formats are pure: bytes in, a detection / an invoice model / findings out. No flows, no partners.
 */
import type { Finding } from '../finding.ts';
import type { SYNTAXES } from './registry.ts';

/** Our ids for the syntaxes we accept on deposit: those of the modules registered in SYNTAXES, no list kept by hand. */
export type SyntaxId = (typeof SYNTAXES)[number]['id'];

/** Factur-X / ZUGFeRD profiles, read from the guideline ID (BT-24). */
export type FacturXProfile = 'MINIMUM' | 'BASICWL' | 'BASIC' | 'EN16931' | 'EXTENDED';

/** A schema to validate against: an entry file inside an installed schema set. */
export interface SchemaRef {
  /** Schema set id, e.g. `ubl-2.1`, `cii-d16b`, `facturx-1.0.9`, `passerelle` (our own, in `xsd/`). */
  set: string;
  /** Path of the entry XSD inside the set, e.g. `maindoc/UBL-Invoice-2.1.xsd`. */
  entry: string;
}

/**
 * What a document of one syntax (and profile) is checked against, declared once, named and versioned like
 * phive's validation sets: the schemas it must pass, in order, and the rule sets (src/rules/sets.ts) that judge it.
 */
export interface ValidationSet {
  /** `<syntax>` or `<syntax>:<variant>`, e.g. `ubl-invoice`, `cii:basicwl`. */
  readonly id: string;
  /** The version of the specification the set checks (EN 16931 artefacts `1.3.16`, Factur-X `1.0.9`…). */
  readonly version: string;
  /** The Factur-X profile of the documents it checks (the rules' per-profile tailoring reads it). */
  readonly profile?: FacturXProfile;
  readonly schemas: readonly SchemaRef[];
  /** Rule set ids (`en16931`, `en16931-ubl`, `facturx-basicwl`…); none for a document that is not an invoice. */
  readonly rules: readonly string[];
}

/** What syntax detection hands to the next stages. `Id`: the registry's syntax ids. */
export interface DetectedFlow<Id extends string = SyntaxId> {
  syntax: Id;
  /** Chorus Pro interface code, e.g. `FSO1100A`. */
  interfaceCode: string;
  /** Chorus Pro `syntaxeFlux`, e.g. `IN_DP_E1_UBL_INVOICE`. */
  syntaxeFlux: string;
  /** The invoice XML: the flow itself, or the XML embedded in a Factur-X PDF. */
  xml: Buffer;
  /**
   * The key of the element tree detection parsed `xml` into and kept for the reader, in the thread that
   * detected (src/formats/read/kept.ts); absent when none was kept (asked not to, too large, or saxes decided).
   */
  tree?: string;
  /** Name of the XML inside the flow when it is embedded (e.g. `factur-x.xml`), for finding locations. */
  xmlName?: string;
  /** Factur-X profile when the syntax carries one (CII and Factur-X PDF). */
  profile?: FacturXProfile;
  /** The validation set the document answers to (its id and version). */
  validation: { id: string; version: string };
  /** Every schema the XML must pass, in order (e.g. CII D16B then the Factur-X profile XSD). */
  schemas: SchemaRef[];
  /** The rule sets that judge its invoices (the validation set's). */
  rules: readonly string[];
}

export type DetectionResult<Id extends string = SyntaxId> =
  { ok: true; flow: DetectedFlow<Id> } | { ok: false; findings: Finding[] };
