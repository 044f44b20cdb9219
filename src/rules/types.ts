/** The shape of a business rule: one small declared object per rule, so amending a rule touches one place. */
import type { DeclaredRule } from '../codes/index.ts';
import type { Invoice, Loc } from '../formats/invoice.ts';
import type { FacturXProfile, SyntaxId } from '../formats/types.ts';

export interface RuleContext {
  profile?: FacturXProfile;
  syntax: SyntaxId;
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
  /** Whether the rule applies at all in this context (syntax, profile); default: yes. */
  appliesTo?(ctx: RuleContext, inv: Invoice): boolean;
  check(inv: Invoice, ctx: RuleContext): Violation[];
}
