/** The shape of a business rule: one small declared object per rule, so amending a rule touches one place. */
import type { DeclaredRule } from '../codes/index.ts';
import type { Invoice, Loc } from '../formats/invoice.ts';
import type { FacturXProfile } from '../formats/types.ts';

/** The scope an invoice is judged in: its validation set's rule sets (sets.ts) and Factur-X profile. */
export interface RuleContext {
  profile?: FacturXProfile;
  rules: readonly string[];
}

/** One breach of a rule: the values involved and where the offending value is. */
export interface Violation {
  detail: string;
  loc?: Loc;
}

/** A rule is its own code declaration (`DeclaredRule`): `finding(rule, …)` takes its id and labels from it. */
export interface Rule extends DeclaredRule {
  /** Business terms the rule reads (BT-n / BG-n). */
  terms: string[];
  /**
   * Whether the rule applies in this scope (rule sets, profile), from the scope alone: the engine asks once per
   * scope, not once per invoice (there are ~1,800 rules, most of them a Factur-X profile's). Default: yes.
   */
  inScope?(ctx: RuleContext): boolean;
  /** Whether the rule applies to this invoice, once in scope (e.g. only with a syntax binding); default: yes. */
  appliesTo?(ctx: RuleContext, inv: Invoice): boolean;
  check(inv: Invoice, ctx: RuleContext): Violation[];
}
