/**
 * The EN 16931 rules engine: every declared rule, one pass over the invoice model, findings out
 * (nature `REGLE`, code = the rule id). Pure and synchronous, no XSLT.
 */
import { finding, type Finding } from '../finding.ts';
import type { Invoice } from '../formats/invoice.ts';
import type { FacturXProfile, SyntaxId } from '../formats/types.ts';
import { bindingRules } from './en16931/binding.ts';
import { calcRules } from './en16931/calc.ts';
import { codeRules } from './en16931/codes.ts';
import { coreRules } from './en16931/core.ts';
import { decRules } from './en16931/dec.ts';
import { syntaxRules } from './en16931/syntax.ts';
import { vatRules } from './en16931/vat.ts';
import { FACTURX_ARTEFACT_VERSION } from './facturx/codelists.ts';
import { facturxRules } from './facturx/profile.ts';
import { ruleApplies } from './profiles.ts';
import type { Rule, RuleContext } from './types.ts';

export type { Rule, RuleContext, Violation } from './types.ts';

/** The official artefacts the rules give the same verdicts as (held to them by `npm run conformance`). */
export const RULES_CONFORMANCE = { en16931: '1.3.16', facturx: FACTURX_ARTEFACT_VERSION } as const;

/** Every rule, in report order. */
export const EN16931_RULES: readonly Rule[] = [
  ...coreRules,
  ...calcRules,
  ...vatRules,
  ...decRules,
  ...codeRules,
  ...syntaxRules,
  ...bindingRules,
  ...facturxRules,
];

export function checkInvoice(inv: Invoice, ctx: { profile?: FacturXProfile; syntax: SyntaxId }): Finding[] {
  const rc: RuleContext = ctx;
  const out: Finding[] = [];
  const number = inv.number?.value.trim();
  for (const r of EN16931_RULES) {
    if (!ruleApplies(r.id, rc)) continue;
    if (r.appliesTo && !r.appliesTo(rc, inv)) continue;
    for (const v of r.check(inv, rc)) {
      out.push(
        finding(r, {
          detail: v.detail,
          ...(v.loc ? { location: { xpath: v.loc.xpath, line: v.loc.line } } : {}),
          ...(number ? { invoice: number } : {}),
        }),
      );
    }
  }
  return out;
}
