/** Small helpers shared by the EN 16931 rule families. */
import type { Loc, Num, Val, VatCategory } from '../../formats/invoice.ts';
import { dec, type Dec } from '../decimal.ts';
import type { Rule, RuleContext, Violation } from '../types.ts';

export function blank(v: Val | undefined): boolean {
  return v === undefined || v.value.trim() === '';
}

export function text(v: Val | undefined): string {
  return v === undefined ? '' : v.value.trim();
}

export function d(v: Num | undefined): Dec | undefined {
  return v === undefined ? undefined : dec(v.value);
}

export function show(v: Val | undefined): string {
  return v === undefined ? '(absent)' : `'${v.value.trim()}'`;
}

export function fail(detail: string, loc: Loc | undefined): Violation {
  return loc === undefined ? { detail } : { detail, loc };
}

/** A VAT category in the VAT scheme (UBL `TaxScheme/ID`, CII `TypeCode`); an absent scheme counts as VAT. */
export function isVat(c: VatCategory | undefined): c is VatCategory {
  return c !== undefined && (c.scheme === undefined || c.scheme.value.trim().toUpperCase() === 'VAT');
}

/** A category the artefacts count as VAT in a breakdown: its tax scheme written and equal to VAT (an absent one is not). */
export function isVatStrict(c: VatCategory | undefined): c is VatCategory {
  return c?.scheme !== undefined && c.scheme.value.trim().toUpperCase() === 'VAT';
}

/**
 * CII: a breakdown of category L, M or O (VAT) is taken by its category's rule in the artefact's pattern, so the
 * general breakdown rules (BR-45 to BR-48, BR-CO-17, BR-DEC-19/20) never see it.
 */
export function ciiCategoryTakesBreakdown(inv: { syntax: string }, c: VatCategory): boolean {
  return (
    inv.syntax === 'cii' &&
    ['L', 'M', 'O'].includes(c.code?.value ?? '') &&
    c.scheme !== undefined &&
    c.scheme.value.toUpperCase() === 'VAT'
  );
}

export function catCode(c: VatCategory | undefined): string {
  return c?.code === undefined ? '' : c.code.value.trim();
}

/** Declares a rule (fatal unless told). */
export function rule(
  id: string,
  terms: string[],
  labelFr: string,
  labelEn: string,
  check: Rule['check'],
  extra: {
    severity?: Rule['severity'];
    appliesTo?: (ctx: RuleContext, inv: Parameters<Rule['check']>[0]) => boolean;
    inScope?: (ctx: RuleContext) => boolean;
  } = {},
): Rule {
  const r: Rule = { id, terms, severity: extra.severity ?? 'fatal', labelFr, labelEn, check };
  if (extra.appliesTo) r.appliesTo = extra.appliesTo;
  if (extra.inScope) r.inScope = extra.inScope;
  return r;
}

/** A presence rule: fails when `get` returns a blank value; `where` locates the missing term's parent. */
export function required(
  id: string,
  term: string,
  labelFr: string,
  labelEn: string,
  get: (inv: Parameters<Rule['check']>[0]) => { value: Val | undefined; where: Loc } | undefined,
): Rule {
  return rule(id, [term], labelFr, labelEn, (inv) => {
    const r = get(inv);
    if (r === undefined || !blank(r.value)) return [];
    return [fail(`${term} absent`, r.where)];
  });
}
