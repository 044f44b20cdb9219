/** EN 16931 BR-DEC rules: the allowed number of decimals of amounts (2 at most). */
import type { Invoice, Num } from '../../formats/invoice.ts';
import type { Rule } from '../types.ts';
import { ciiCategoryTakesBreakdown, fail, rule, show } from './util.ts';

function afterDot(s: string): number {
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

function decRule(id: string, term: string, fr: string, en: string, pick: (inv: Invoice) => (Num | undefined)[]): Rule {
  return rule(
    id,
    [term],
    `${fr} (${term}) ne doit pas avoir plus de 2 décimales`,
    `The allowed maximum number of decimals for the ${en} (${term}) is 2`,
    (inv) =>
      pick(inv)
        // XPath: string-length(substring-after(., '.')) on the text as written, trailing whitespace included.
        .filter((v): v is Num => v !== undefined && afterDot(v.written ?? v.value) > 2)
        .map((v) => fail(`${term} = ${show(v)}`, v.loc)),
  );
}

const docAc = (inv: Invoice, charge: boolean) => inv.allowanceCharges.filter((a) => a.charge === charge);
const lineAc = (inv: Invoice, charge: boolean) =>
  inv.lines.flatMap((l) => l.allowanceCharges.filter((a) => a.charge === charge));

export const decRules: Rule[] = [
  decRule('BR-DEC-01', 'BT-92', 'Le montant de remise au niveau document', 'Document level allowance amount', (inv) =>
    docAc(inv, false).map((a) => a.amount),
  ),
  decRule('BR-DEC-02', 'BT-93', 'La base de remise au niveau document', 'Document level allowance base amount', (inv) =>
    docAc(inv, false).map((a) => a.base),
  ),
  decRule('BR-DEC-05', 'BT-99', 'Le montant de charge au niveau document', 'Document level charge amount', (inv) =>
    docAc(inv, true).map((a) => a.amount),
  ),
  decRule('BR-DEC-06', 'BT-100', 'La base de charge au niveau document', 'Document level charge base amount', (inv) =>
    docAc(inv, true).map((a) => a.base),
  ),
  decRule('BR-DEC-09', 'BT-106', 'La somme des montants nets des lignes', 'Sum of Invoice line net amount', (inv) => [
    inv.totals?.lineNet,
  ]),
  decRule('BR-DEC-10', 'BT-107', 'La somme des remises', 'Sum of allowances on document level', (inv) => [
    inv.totals?.allowances,
  ]),
  decRule('BR-DEC-11', 'BT-108', 'La somme des charges', 'Sum of charges on document level', (inv) => [
    inv.totals?.charges,
  ]),
  decRule('BR-DEC-12', 'BT-109', 'Le total hors TVA', 'Invoice total amount without VAT', (inv) => [
    inv.totals?.taxExclusive,
  ]),
  // In the UBL artefact 1.3.16 the assertion cannot fail: its predicate [@currencyID = cbc:DocumentCurrencyCode] is
  // read from the TaxAmount element, which has no such child, so no tax amount is ever selected. Same verdict here.
  // The CII artefact passes when any TaxTotalAmount is in another currency or equals its value rounded to 2 decimals.
  rule(
    'BR-DEC-13',
    ['BT-110'],
    'Le total de TVA (BT-110) ne doit pas avoir plus de 2 décimales',
    'The allowed maximum number of decimals for the Invoice total VAT amount (BT-110) is 2',
    (inv) => {
      if (inv.syntax === 'ubl') return [];
      const totals = inv.totals?.vatTotals ?? [];
      if (inv.syntax === 'cii' && inv.binding?.root) {
        const all = [
          ...totals,
          ...(inv.totals?.vatTotalAccounting ? [inv.totals.vatTotalAccounting] : []),
          ...(inv.totals?.otherVatTotals ?? []),
        ];
        const cur = inv.currency?.value;
        const ok = all.some((t) => {
          if (t.currency !== cur) return true;
          const x = Number(t.value);
          return x === Math.floor(x * 100 + 0.5) / 100;
        });
        return all.length === 0 || ok ? [] : [fail(`BT-110 = ${show(totals[0])}`, totals[0]?.loc ?? inv.totals?.loc)];
      }
      return totals.filter((v) => afterDot(v.written ?? v.value) > 2).map((v) => fail(`BT-110 = ${show(v)}`, v.loc));
    },
  ),
  decRule('BR-DEC-14', 'BT-112', 'Le total TTC', 'Invoice total amount with VAT', (inv) => [inv.totals?.taxInclusive]),
  // As BR-DEC-13, the UBL artefact's predicate [@currencyID = cbc:TaxCurrencyCode] is read from the TaxAmount element:
  // it never fails. The CII artefact, once a tax currency (BT-6) is given, wants one TaxTotalAmount in that currency
  // whose value equals itself rounded to 2 decimals (a numeric test: 1.230 passes, and none in BT-6 fails).
  rule(
    'BR-DEC-15',
    ['BT-111'],
    'Le total de TVA en devise de comptabilisation (BT-111) ne doit pas avoir plus de 2 décimales',
    'The allowed maximum number of decimals for the Invoice total VAT amount in accounting currency (BT-111) is 2',
    (inv) => {
      if (inv.syntax === 'ubl') return [];
      const acc = inv.totals?.vatTotalAccounting;
      if (inv.syntax === 'cii' && inv.binding?.root) {
        const all = [...(inv.totals?.vatTotals ?? []), ...(acc ? [acc] : []), ...(inv.totals?.otherVatTotals ?? [])];
        const cur = inv.taxCurrency?.value;
        if (all.length === 0 || cur === undefined) return [];
        const ok = all.some((t) => {
          const x = Number(t.value);
          return t.currency === cur && x === Math.floor(x * 100 + 0.5) / 100;
        });
        return ok ? [] : [fail(`BT-111 = ${show(acc)}`, acc?.loc ?? inv.totals?.loc)];
      }
      return acc && afterDot(acc.written ?? acc.value) > 2 ? [fail(`BT-111 = ${show(acc)}`, acc.loc)] : [];
    },
  ),
  decRule('BR-DEC-16', 'BT-113', 'Le montant payé', 'Paid amount', (inv) => [inv.totals?.prepaid]),
  decRule('BR-DEC-17', 'BT-114', "Le montant d'arrondi", 'Rounding amount', (inv) => [inv.totals?.rounding]),
  decRule('BR-DEC-18', 'BT-115', 'Le montant à payer', 'Amount due for payment', (inv) => [inv.totals?.payable]),
  decRule('BR-DEC-19', 'BT-116', 'La base imposable par catégorie', 'VAT category taxable amount', (inv) =>
    inv.vatBreakdown.filter((b) => !ciiCategoryTakesBreakdown(inv, b.category)).map((b) => b.taxable),
  ),
  decRule('BR-DEC-20', 'BT-117', 'Le montant de TVA par catégorie', 'VAT category tax amount', (inv) =>
    inv.vatBreakdown.filter((b) => !ciiCategoryTakesBreakdown(inv, b.category)).map((b) => b.tax),
  ),
  decRule('BR-DEC-23', 'BT-131', 'Le montant net de ligne', 'Invoice line net amount', (inv) =>
    inv.lines.map((l) => l.netAmount),
  ),
  decRule('BR-DEC-24', 'BT-136', 'Le montant de remise de ligne', 'Invoice line allowance amount', (inv) =>
    lineAc(inv, false).map((a) => a.amount),
  ),
  decRule('BR-DEC-25', 'BT-137', 'La base de remise de ligne', 'Invoice line allowance base amount', (inv) =>
    lineAc(inv, false).map((a) => a.base),
  ),
  decRule('BR-DEC-27', 'BT-141', 'Le montant de charge de ligne', 'Invoice line charge amount', (inv) =>
    lineAc(inv, true).map((a) => a.amount),
  ),
  decRule('BR-DEC-28', 'BT-142', 'La base de charge de ligne', 'Invoice line charge base amount', (inv) =>
    lineAc(inv, true).map((a) => a.base),
  ),
];
