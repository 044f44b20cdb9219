/**
 * Factur-X 1.0.9 schematron assertions that restate an EN 16931 check under their own id (FNFE-MPE numbering,
 * the same across profiles). Under a Factur-X PDF both ids are reported, as both schematrons would; the check
 * itself stays in one place, the EN 16931 rule.
 */
import { codeRules } from '../en16931/codes.ts';
import { vatRules } from '../en16931/vat.ts';
import type { Rule } from '../types.ts';

/** FX id → the EN 16931 rule it restates (only those the corpus names; see docs/en16931-rules.md). */
const RESTATED: [fxId: string, brId: string][] = [
  ['FX-SCH-A-000031', 'BR-CL-25'], // "Value of '@schemeID' is not allowed" on the electronic address (EAS list)
  // FX-SCH-A-000144 / 000145 (BR-IC-11 / 12 in 1.0.9) are gone from 1.09.2: its artefacts report BR-IC-11 / 12 themselves.
  ['FX-SCH-A-000249', 'BR-S-02'],
  ['FX-SCH-A-000275', 'BR-CL-23'], // "Value of '@unitCode' is not allowed" (Rec 20 / Rec 21 list)
];

const BASE = new Map([...codeRules, ...vatRules].map((r) => [r.id, r]));

export const restatedRules: Rule[] = RESTATED.map(([fxId, brId]) => {
  const base = BASE.get(brId);
  if (!base) throw new Error(`${fxId}: no EN 16931 rule ${brId}`);
  return {
    id: fxId,
    terms: base.terms,
    severity: base.severity,
    labelFr: `${base.labelFr} (Factur-X, ${brId})`,
    labelEn: `${base.labelEn} (Factur-X, ${brId})`,
    // Only a Factur-X PDF is bound to the Factur-X schematron (as FX-SCH-A-000026).
    appliesTo: (ctx, inv) => ctx.syntax === 'facturx-pdf' && (base.appliesTo?.(ctx, inv) ?? true),
    check: (inv, ctx) => base.check(inv, ctx),
  };
});
