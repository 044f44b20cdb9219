/**
 * Factur-X 1.0.9 profile rules that change acceptance on their own (the FNFE-MPE schematron ids).
 * Only the guideline-ID rule is here; the other FX-SCH rules restate EN 16931 rules per profile.
 */
import type { FacturXProfile } from '../../formats/types.ts';
import type { Rule } from '../types.ts';
import { fail, rule } from '../en16931/util.ts';

/** BT-24 values the Factur-X 1.0.9 schematron accepts (Factur-X and ZUGFeRD 2.x forms). */
const ALLOWED = [
  /^urn:factur-x\.eu:1p0:(minimum|basicwl)$/,
  /^urn:cen\.eu:en16931:2017$/,
  /^urn:cen\.eu:en16931:2017#compliant#urn:(factur-x\.eu:1p0|zugferd\.de:2p0):basic$/,
  /^urn:cen\.eu:en16931:2017#conformant#urn:(factur-x\.eu:1p0|zugferd\.de:2p0):extended$/,
  /^urn:(zugferd\.de:2p0|factur-x\.eu:1p0):(minimum|basicwl)$/,
];

/** The guideline-ID assertion's id in each profile's Factur-X 1.09.2 artefact (the numbering is per profile). */
const GUIDELINE_ID: Record<FacturXProfile, string> = {
  MINIMUM: 'FX-SCH-A-000026',
  BASICWL: 'FX-SCH-A-000418',
  BASIC: 'FX-SCH-A-000493',
  EN16931: 'FX-SCH-A-000556',
  EXTENDED: 'FX-SCH-A-000636',
};

export const facturxRules: Rule[] = Object.entries(GUIDELINE_ID).map(([profile, id]) =>
  rule(
    id,
    ['BT-24'],
    "La valeur de l'identifiant de spécification (BT-24) n'est pas admise par Factur-X 1.0.9",
    'The specification identifier (BT-24) is not a value Factur-X 1.0.9 allows',
    (inv) => {
      const id = inv.specificationId?.value.trim();
      if (id === undefined || ALLOWED.some((re) => re.test(id))) return [];
      return [fail(`BT-24 = '${id}' (forme 1.0.0 ou inconnue)`, inv.specificationId!.loc)];
    },
    // Only Factur-X PDFs are bound to the Factur-X schematron; a bare CII (XRechnung…) is not.
    { appliesTo: (ctx) => ctx.syntax === 'facturx-pdf' && ctx.profile === profile },
  ),
);
