/**
 * The EN 16931 rules engine: every declared rule, one pass over the invoice model, findings out
 * (nature `REGLE`, code = the rule id). Pure and synchronous, no XSLT.
 */
import { finding, type Finding } from '../finding.ts';
import type { Invoice } from '../formats/invoice.ts';
import { bindingRules } from './en16931/binding.ts';
import { calcRules } from './en16931/calc.ts';
import { codeRules } from './en16931/codes.ts';
import { coreRules } from './en16931/core.ts';
import { decRules } from './en16931/dec.ts';
import { syntaxRules } from './en16931/syntax.ts';
import { vatRules } from './en16931/vat.ts';
import { FACTURX_ARTEFACT_VERSION } from './facturx/codelists.ts';
import { facturxExtendedRules } from './facturx/extended.ts';
import { facturxRules } from './facturx/profile.ts';
import { ruleApplies } from './profiles.ts';
import { assertRuleSets, EN16931_ARTEFACT_VERSION } from './sets.ts';
import type { Rule, RuleContext } from './types.ts';

/** The official artefacts the rules give the same verdicts as (held to them by `npm run conformance`). */
export const RULES_CONFORMANCE = { en16931: EN16931_ARTEFACT_VERSION, facturx: FACTURX_ARTEFACT_VERSION } as const;

/** The semantic model rules (rule set `en16931`, or its `cpp-facture-mixte` subset); the others say their sets. */
const SEMANTIC: ReadonlySet<Rule> = new Set([...coreRules, ...calcRules, ...vatRules, ...decRules, ...codeRules]);

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
  ...facturxExtendedRules,
];

/** The rules of each scope met so far (a handful: one per validation set). */
const IN_SCOPE = new Map<string, readonly Rule[]>();

/** The rules that apply in `rc` whatever the invoice: worked out once per scope. */
function rulesInScope(rc: RuleContext): readonly Rule[] {
  const key = `${rc.rules.join(' ')}|${rc.profile ?? ''}`;
  let rules = IN_SCOPE.get(key);
  if (!rules) {
    assertRuleSets(rc.rules);
    const semantic = rc.rules.includes('en16931') || rc.rules.includes('cpp-facture-mixte');
    rules = EN16931_RULES.filter(
      (r) => (semantic || !SEMANTIC.has(r)) && ruleApplies(r.id, rc) && (r.inScope?.(rc) ?? true),
    );
    IN_SCOPE.set(key, rules);
  }
  return rules;
}

/**
 * Every finding of the rules in `scope`: the rule sets and profile of the invoice's validation set (a
 * `DetectedFlow` is one; `ruleScope()` of src/formats/registry.ts gives it for a syntax and profile).
 */
export function checkInvoice(inv: Invoice, scope: RuleContext): Finding[] {
  const rc: RuleContext = { rules: scope.rules, ...(scope.profile ? { profile: scope.profile } : {}) };
  const out: Finding[] = [];
  const number = inv.number?.value.trim();
  for (const r of rulesInScope(rc)) {
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
