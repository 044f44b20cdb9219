/** Syntax-binding rules that change acceptance (UBL-SR / CII-SR style), read from the model. */
import type { Rule } from '../types.ts';
import { fail, rule, text } from './util.ts';

export const syntaxRules: Rule[] = [
  rule(
    'UBL-SR-37',
    ['BT-147'],
    "La remise sur le prix de l'article ne doit apparaître qu'une fois par ligne",
    'Item price discount shall occur maximum once',
    (inv) =>
      inv.lines
        .filter((l) => l.priceAllowanceCount > 1)
        .map((l) => fail(`${l.priceAllowanceCount} remises sur prix (ligne ${text(l.id)})`, l.loc)),
    { appliesTo: (ctx) => ctx.syntax === 'ubl-invoice' || ctx.syntax === 'ubl-creditnote' },
  ),
];
