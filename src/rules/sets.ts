/**
 * The rule sets a syntax module's validation sets name (`rules: ['en16931', 'en16931-ubl']`), each named
 * after the official artefact whose verdicts it gives (held to them by `npm run conformance`). The rules
 * themselves say which sets they belong to (`inScope`, `appliesTo`, profiles.ts, engine.ts); this is the catalogue
 * the engine checks a scope against, so that a misspelt set is a clear error, not rules silently skipped.
 */
import type { FacturXProfile } from '../formats/types.ts';
import { FACTURX_ARTEFACT_VERSION } from './facturx/codelists.ts';

export const EN16931_ARTEFACT_VERSION = '1.3.16';

export interface RuleSet {
  id: string;
  version: string;
  title: string;
}

const FX: FacturXProfile[] = ['MINIMUM', 'BASICWL', 'BASIC', 'EN16931', 'EXTENDED'];

export const RULE_SETS: readonly RuleSet[] = [
  {
    id: 'en16931',
    version: EN16931_ARTEFACT_VERSION,
    title: 'EN 16931 semantic model rules (BR-*), tailored per Factur-X profile (profiles.ts)',
  },
  {
    id: 'en16931-ubl',
    version: EN16931_ARTEFACT_VERSION,
    title: 'CEN UBL artefact: the UBL syntax binding (UBL-SR, UBL-DT) and the rules it binds to elements',
  },
  {
    id: 'en16931-cii',
    version: EN16931_ARTEFACT_VERSION,
    title: 'CEN CII artefact: the CII syntax binding (CII-SR, CII-DT) and the rules it binds to elements',
  },
  ...FX.map((p) => ({
    id: facturxRuleSet(p),
    version: FACTURX_ARTEFACT_VERSION,
    title: `Factur-X ${p} artefact: its code lists and structure assertions${p === 'MINIMUM' ? '' : ', and the CII-SR rules it repeats'}`,
  })),
  {
    id: 'cpp-facture-mixte',
    version: EN16931_ARTEFACT_VERSION,
    title: 'CPP Facture mixte: the EN 16931 rules on the terms the format carries (profiles.ts)',
  },
];

/** The rule set of a Factur-X profile's artefact (`facturx-basicwl`). */
export function facturxRuleSet(profile: FacturXProfile): string {
  return `facturx-${profile.toLowerCase()}`;
}

const KNOWN = new Set(RULE_SETS.map((s) => s.id));

/** Throws for a rule set no rule belongs to: a validation set naming it is a programming error. */
export function assertRuleSets(ids: readonly string[]): void {
  for (const id of ids) if (!KNOWN.has(id)) throw new Error(`unknown rule set ${id}; known: ${[...KNOWN].join(', ')}`);
}
