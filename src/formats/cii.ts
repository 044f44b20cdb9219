/**
 * UN/CEFACT Cross Industry Invoice D16B (`rsm:CrossIndustryInvoice`), E1 structured flow FSO1106A.
 * The guideline ID (BT-24) names the Factur-X / ZUGFeRD profile, which adds the profile's own XSD
 * (stricter than D16B: MINIMUM forbids most elements) after the D16B one.
 */
import type { FacturXProfile, SchemaRef } from './types.ts';
import type { XmlSyntaxModule } from './syntax.ts';
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

/**
 * Profile and schemas from the guideline ID:
 * - a Factur-X 1.0 / ZUGFeRD 2.x profile token (`factur-x.eu:1p0:basic`, `zugferd.de:2p0:extended`, also in the old
 *   Factur-X 1.0.0 colon form `urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:basic`) → that profile, D16B + its XSD;
 * - exactly `urn:cen.eu:en16931:2017` (Factur-X EN 16931 profile, plain EN 16931 CII) → EN16931, D16B + the EN16931 XSD;
 * - another `urn:cen.eu:en16931:2017#…` (a CIUS or extension such as XRechnung) → EN16931, D16B only, since the
 *   Factur-X XSD is not that specification's schema;
 * - anything else or no ID → no profile, D16B only (the rules stage decides what to do with it).
 */
export function ciiProfile(
  guideline: string | undefined,
  bare = false,
): { profile?: FacturXProfile; schemas: SchemaRef[] } {
  const id = guideline?.trim() ?? '';
  const token = /(?:factur-x\.eu:1p0|zugferd\.de:2p0):(minimum|basicwl|basic|en16931|extended)(?![a-z0-9])/i.exec(id);
  if (token) {
    const profile = (token[1] ?? '').toUpperCase() as FacturXProfile;
    return { profile, schemas: [CII_D16B_SCHEMA, PROFILE_XSD[profile]] };
  }
  // A bare CII with the plain EN 16931 guideline is an EN 16931 CII invoice, not a Factur-X one: D16B only
  // (the Factur-X EN16931 XSD would reject what EN 16931 allows). In a Factur-X PDF it is the EN16931 profile.
  if (id === EN16931)
    return { profile: 'EN16931', schemas: bare ? [CII_D16B_SCHEMA] : [CII_D16B_SCHEMA, PROFILE_XSD.EN16931] };
  if (id.startsWith(EN16931)) return { profile: 'EN16931', schemas: [CII_D16B_SCHEMA] };
  return { schemas: [CII_D16B_SCHEMA] };
}

export const cii: XmlSyntaxModule = {
  kind: 'xml',
  id: 'cii',
  label: 'UN/CEFACT CII D16B',
  interfaceCode: 'FSO1106A',
  syntaxeFlux: 'IN_DP_E1_CII_16B',
  root: { uri: CII_NS, local: 'CrossIndustryInvoice' },
  probes: [GUIDELINE_PROBE],
  describe: (scan) => ciiProfile(scan.probes[0], true),
};
