/** Syntax-binding rules that change acceptance (UBL-SR / CII-DT style), read from the model. */
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
    { inScope: (ctx) => ctx.rules.includes('en16931-ubl') },
  ),
  rule(
    'CII-DT-031',
    ['BT-5'],
    "L'attribut currencyID ne doit pas être présent (seul TaxTotalAmount le porte en CII)",
    'currencyID should not be present (CII: only TaxTotalAmount carries it)',
    (inv) =>
      (inv.binding?.ciiAmountCurrencies ?? []).map((c) =>
        fail(`currencyID '${c.value}' sur ${c.loc.xpath.slice(c.loc.xpath.lastIndexOf('/') + 1)}`, c.loc),
      ),
    {
      // Fatal in the EN 16931 CII artefacts, which judge every profile but MINIMUM and BASIC WL (those answer to
      // their Factur-X artefact, which lets currencyID through); EXTENDED included (npm run conformance).
      inScope: (ctx) => ctx.rules.includes('en16931-cii'),
    },
  ),
];
