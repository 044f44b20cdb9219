/**
 * UN/CEFACT Cross Industry Invoice D16B (`rsm:CrossIndustryInvoice`), E1 structured flow FSO1106A.
 * The guideline ID (BT-24) names the Factur-X / ZUGFeRD profile, which adds the profile's own XSD
 * (stricter than D16B: MINIMUM forbids most elements) after the D16B one, and says which artefacts judge
 * the invoice: the validation sets below, one per profile.
 */
import { readCii } from './read/cii.ts';
import type { XmlSyntaxModule } from './syntax.ts';
import type { FacturXProfile, SchemaRef, ValidationSet } from './types.ts';
import type { Probe } from './xml.ts';

const CII_NS = 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100';
const RAM_NS = 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100';

/** /rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID */
const GUIDELINE_PROBE: Probe = [
  { uri: CII_NS, local: 'ExchangedDocumentContext' },
  { uri: RAM_NS, local: 'GuidelineSpecifiedDocumentContextParameter' },
  { uri: RAM_NS, local: 'ID' },
];

const CII_D16B_SCHEMA: SchemaRef = {
  set: 'cii-d16b',
  entry: 'CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd',
};

const PROFILE_XSD: Record<FacturXProfile, SchemaRef> = {
  MINIMUM: { set: 'facturx-1.0.9', entry: 'minimum/Factur-X_MINIMUM.xsd' },
  BASICWL: { set: 'facturx-1.0.9', entry: 'basicwl/Factur-X_BASICWL.xsd' },
  BASIC: { set: 'facturx-1.0.9', entry: 'basic/Factur-X_BASIC.xsd' },
  EN16931: { set: 'facturx-1.0.9', entry: 'en16931/Factur-X_EN16931.xsd' },
  EXTENDED: { set: 'facturx-1.0.9', entry: 'extended/Factur-X_EXTENDED.xsd' },
};

const EN16931 = 'urn:cen.eu:en16931:2017';
const EN16931_VERSION = '1.3.16';
const FACTURX_VERSION = '1.0.9';

/** What the guideline ID names. */
type Guideline =
  /** A Factur-X 1.0 / ZUGFeRD 2.x profile token (`factur-x.eu:1p0:basic`, `zugferd.de:2p0:extended`, also in the
   * old Factur-X 1.0.0 colon form `urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:basic`). */
  | { kind: 'facturx'; profile: FacturXProfile }
  /** Exactly `urn:cen.eu:en16931:2017`: plain EN 16931 (the Factur-X EN 16931 profile in a PDF). */
  | { kind: 'en16931' }
  /** Another `urn:cen.eu:en16931:2017#…`: a CIUS or extension (XRechnung…), EN 16931 but not Factur-X's XSD. */
  | { kind: 'cius' }
  /** Anything else, or no ID: no profile (the rules stage decides what to do with it). */
  | { kind: 'other' };

function readGuideline(guideline: string | undefined): Guideline {
  const id = guideline?.trim() ?? '';
  const token = /(?:factur-x\.eu:1p0|zugferd\.de:2p0):(minimum|basicwl|basic|en16931|extended)(?![a-z0-9])/i.exec(id);
  if (token) return { kind: 'facturx', profile: (token[1] ?? '').toUpperCase() as FacturXProfile };
  if (id === EN16931) return { kind: 'en16931' };
  if (id.startsWith(EN16931)) return { kind: 'cius' };
  return { kind: 'other' };
}

const set = (
  id: string,
  version: string,
  profile: FacturXProfile | undefined,
  schemas: SchemaRef[],
  rules: string[],
): ValidationSet => ({ id, version, ...(profile ? { profile } : {}), schemas, rules });

/**
 * The rules of a CII with a Factur-X profile token, bare or in a PDF: MINIMUM and BASIC WL (not full EN 16931
 * invoices) answer to their Factur-X artefact only, BASIC and up to the CEN CII artefact and their profile's
 * artefact. Without a token (or with the plain EN 16931 guideline): the CEN CII artefact alone.
 */
function profileRules(profile: FacturXProfile | undefined): string[] {
  if (profile === 'MINIMUM') return ['en16931', 'facturx-minimum'];
  if (profile === 'BASICWL') return ['en16931', 'facturx-basicwl'];
  if (profile === undefined) return ['en16931', 'en16931-cii'];
  return ['en16931', 'en16931-cii', `facturx-${profile.toLowerCase()}`];
}
const PROFILES = Object.keys(PROFILE_XSD) as FacturXProfile[];

const BARE_SETS = {
  none: set('cii', EN16931_VERSION, undefined, [CII_D16B_SCHEMA], profileRules(undefined)),
  // The plain EN 16931 guideline (or a CIUS) on a bare CII is an EN 16931 CII invoice, not a Factur-X one: D16B
  // only (the Factur-X EN16931 XSD would reject what EN 16931 allows).
  en16931: set('cii:en16931-cen', EN16931_VERSION, 'EN16931', [CII_D16B_SCHEMA], profileRules(undefined)),
  ...Object.fromEntries(
    PROFILES.map((p) => [
      p,
      set(`cii:${p.toLowerCase()}`, FACTURX_VERSION, p, [CII_D16B_SCHEMA, PROFILE_XSD[p]], profileRules(p)),
    ]),
  ),
} as Record<'none' | 'en16931' | FacturXProfile, ValidationSet>;

const PDF_SETS = {
  none: set('facturx-pdf', EN16931_VERSION, undefined, [CII_D16B_SCHEMA], profileRules(undefined)),
  cius: set('facturx-pdf:en16931-cius', EN16931_VERSION, 'EN16931', [CII_D16B_SCHEMA], profileRules('EN16931')),
  ...Object.fromEntries(
    PROFILES.map((p) => [
      p,
      set(`facturx-pdf:${p.toLowerCase()}`, FACTURX_VERSION, p, [CII_D16B_SCHEMA, PROFILE_XSD[p]], profileRules(p)),
    ]),
  ),
} as Record<'none' | 'cius' | FacturXProfile, ValidationSet>;

/** The validation sets of a Factur-X PDF's embedded CII (facturx.ts). */
export const FACTURX_PDF_SETS: readonly ValidationSet[] = Object.values(PDF_SETS);

/** The validation set of a CII invoice from its guideline ID; `bare`: a CII deposited as is, not inside a PDF. */
export function ciiValidationSet(guideline: string | undefined, bare: boolean): ValidationSet {
  const g = readGuideline(guideline);
  if (g.kind === 'facturx') return (bare ? BARE_SETS : PDF_SETS)[g.profile];
  if (g.kind === 'en16931') return bare ? BARE_SETS.en16931 : PDF_SETS.EN16931;
  if (g.kind === 'cius') return bare ? BARE_SETS.en16931 : PDF_SETS.cius;
  return bare ? BARE_SETS.none : PDF_SETS.none;
}

/** The CII reader, for the Factur-X PDF too. */
export const readCiiInvoices = (root: Parameters<typeof readCii>[0]) => [readCii(root)];

export const cii: XmlSyntaxModule<'cii'> = {
  kind: 'xml',
  id: 'cii',
  label: 'UN/CEFACT CII D16B',
  interfaceCode: 'FSO1106A',
  syntaxeFlux: 'IN_DP_E1_CII_16B',
  root: { uri: CII_NS, local: 'CrossIndustryInvoice' },
  probes: [GUIDELINE_PROBE],
  sets: Object.values(BARE_SETS),
  describe: (scan) => ciiValidationSet(scan.probes[0], true),
  reader: readCiiInvoices,
};
