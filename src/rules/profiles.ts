/**
 * Which EN 16931 rules apply per Factur-X profile and for the CPP Facture mixte (rule set `cpp-facture-mixte`).
 * MINIMUM and BASIC WL are not full EN 16931 invoices by design (no lines, MINIMUM has no VAT
 * breakdown and no buyer address): their own schematron leaves out the rules on what they cannot
 * carry, and so do we. EXTENDED allows more decimals on line amounts.
 */
import type { FacturXProfile } from '../formats/types.ts';
import { FX_FATAL_IDS } from './facturx/codelists.ts';
import type { RuleContext } from './types.ts';

/** Per profile, the rule ids its Factur-X artefact declares fatal (generated from the artefact). */
const DECLARED = new Map(
  (Object.keys(FX_FATAL_IDS) as FacturXProfile[]).map((p) => [p, new Set(FX_FATAL_IDS[p])] as const),
);

/** Rules that need invoice lines (both profiles carry none). */
const NEEDS_LINES = [
  'BR-16',
  'BR-CO-10',
  'BR-S-08',
  'BR-Z-08',
  'BR-E-08',
  'BR-AE-08',
  'BR-IC-08',
  'BR-G-08',
  'BR-O-08',
  'BR-AF-08',
  'BR-AG-08',
  // The -01 rules are two-way in the schematron (breakdown of a category <=> an item of it): without lines they cannot hold.
  'BR-S-01',
  'BR-Z-01',
  'BR-E-01',
  'BR-AE-01',
  'BR-IC-01',
  'BR-G-01',
  'BR-O-01',
  'BR-AF-01',
  'BR-AG-01',
];

const EXCLUDED: Record<string, ReadonlySet<string>> = {
  BASICWL: new Set(NEEDS_LINES),
  MINIMUM: new Set([
    ...NEEDS_LINES,
    // MINIMUM carries no buyer address, no line totals, no VAT breakdown, no payment terms.
    'BR-10',
    'BR-11',
    'BR-12',
    'BR-13',
    'BR-CO-13',
    'BR-CO-14',
    'BR-CO-18',
    // No prepaid amount (BT-113) in MINIMUM: BT-115 may differ from BT-112 without it.
    'BR-CO-16',
  ]),
  EXTENDED: new Set(['BR-DEC-23', 'BR-DEC-24', 'BR-DEC-25', 'BR-DEC-27', 'BR-DEC-28']),
};

/**
 * The CPP Facture mixte is Chorus Pro's own header-only format (the invoice itself is an attached PDF):
 * only the rules on the terms it carries apply.
 */
const CPP_RULES: ReadonlySet<string> = new Set([
  'BR-02',
  'BR-03',
  'BR-04',
  'BR-05',
  'BR-06',
  'BR-07',
  'BR-13',
  'BR-14',
  'BR-15',
  'BR-CL-01',
  'BR-CL-04',
  'BR-CL-14',
  'BR-CO-16',
  'BR-DEC-12',
  'BR-DEC-14',
  'BR-DEC-18',
  'BR-DEC-19',
  'BR-DEC-20',
]);

/** A Factur-X MINIMUM / BASIC WL invoice: judged by its profile artefact alone (no CEN CII rule set). */
export function judgedByProfileAlone(ctx: RuleContext): boolean {
  return (
    ctx.profile !== undefined &&
    !ctx.rules.includes('en16931-cii') &&
    ctx.rules.includes(`facturx-${ctx.profile.toLowerCase()}`)
  );
}

export function ruleApplies(id: string, ctx: RuleContext): boolean {
  if (ctx.rules.includes('cpp-facture-mixte')) return CPP_RULES.has(id);
  const excluded = ctx.profile ? EXCLUDED[ctx.profile] : undefined;
  if (excluded?.has(id)) return false;
  // A profile judged by its Factur-X artefact alone (MINIMUM, BASIC WL: no CEN CII set) gets only the ids that
  // artefact declares: it has no BR-CL rules (its code-list assertions are FX-SCH-A ids), no BR-CO-15 in MINIMUM…
  if (judgedByProfileAlone(ctx)) return DECLARED.get(ctx.profile!)!.has(id);
  return true;
}
