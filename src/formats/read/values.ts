/** Turns tree nodes into model values (text, decimal, identifier) with their location. */
import type { Id, Invoice, Loc, Num, Val } from '../invoice.ts';
import { EMPTY_ATTRS, loc, type XNode } from './tree.ts';

export function val(n: XNode | undefined): Val | undefined {
  if (!n) return undefined;
  const v: Val = { value: n.text, loc: loc(n) };
  if (n.attrs !== EMPTY_ATTRS) v.attrs = n.attrs;
  return v;
}

export function num(n: XNode | undefined): Num | undefined {
  const v: Num | undefined = val(n);
  if (v && n?.raw !== undefined) v.written = n.raw;
  if (v && n?.attrs['currencyID'] !== undefined) v.currency = n.attrs['currencyID'];
  return v;
}

/** An identifier; its scheme is `schemeID` (or `listID` for classifications, `schemeAgencyID` never). */
export function ident(n: XNode | undefined, schemeAttr = 'schemeID'): Id | undefined {
  const v: Id | undefined = val(n);
  if (v && n?.attrs[schemeAttr] !== undefined) v.scheme = n.attrs[schemeAttr];
  return v;
}

/** Assigns only defined values, so optional fields stay absent (exactOptionalPropertyTypes-friendly). */
export function put<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

/** An invoice with no terms read yet: every list empty, the readers fill the rest. */
export function emptyInvoice(syntax: Invoice['syntax'], at: Loc, creditNote = false): Invoice {
  return {
    syntax,
    creditNote,
    loc: at,
    notes: [],
    precedingInvoices: [],
    paymentMeans: [],
    allowanceCharges: [],
    vatBreakdown: [],
    attachments: [],
    lines: [],
  };
}
