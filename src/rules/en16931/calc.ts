/** EN 16931 BR-CO rules: conditions and the calculations of the totals, with the norm's rounding (2 decimals). */
import type { Invoice, Num } from '../../formats/invoice.ts';
import { abs, add, cmp, eq, percentOf, round0, round2, sign, str, sub, sum, type Dec } from '../decimal.ts';
import { COUNTRIES } from '../codelists/iso3166.ts';
import type { Rule, Violation } from '../types.ts';
import { ciiVatTotalOk, totalWithVatOk } from './binding.ts';
import { blank, ciiCategoryTakesBreakdown, d, fail, isVat, isVatStrict, rule, show, text } from './util.ts';

function total(
  inv: Invoice,
  k: 'lineNet' | 'allowances' | 'charges' | 'taxExclusive' | 'taxInclusive' | 'prepaid' | 'rounding' | 'payable',
): Num | undefined {
  return inv.totals?.[k];
}

function mismatch(term: string, v: Num, expected: Dec): Violation {
  return fail(`${term} = ${show(v)}, attendu ${str(expected)}`, v.loc);
}

/** VAT id prefixes allowed by BR-CO-09: ISO 3166-1 alpha-2 plus EL (Greece), XI (Northern Ireland) and 1A (Kosovo). */
const VAT_PREFIXES = new Set([...COUNTRIES, 'EL', 'XI', '1A']);

export const calcRules: Rule[] = [
  rule(
    'BR-CO-03',
    ['BT-7', 'BT-8'],
    "La date d'exigibilité de la TVA (BT-7) et son code (BT-8) sont mutuellement exclusifs",
    'Value added tax point date (BT-7) and Value added tax point date code (BT-8) are mutually exclusive',
    (inv) =>
      !blank(inv.taxPointDate) && inv.period?.descriptionCode
        ? [fail('BT-7 et BT-8 présents', inv.taxPointDate!.loc)]
        : [],
  ),
  rule(
    'BR-CO-04',
    ['BT-151'],
    'Chaque ligne doit être catégorisée par un code de catégorie de TVA (BT-151)',
    'Each Invoice line (BG-25) shall be categorized with an Invoiced item VAT category code (BT-151)',
    (inv) =>
      inv.lines
        .filter((l) => !isVat(l.vat) || blank(l.vat.code))
        .map((l) => fail(`BT-151 absent (ligne ${text(l.id)})`, l.loc)),
  ),
  rule(
    'BR-CO-09',
    ['BT-31', 'BT-48', 'BT-63'],
    'Les numéros de TVA doivent commencer par un code pays ISO 3166-1 alpha-2',
    'The VAT identifiers (BT-31, BT-48, BT-63) shall have a prefix in accordance with ISO code ISO 3166-1 alpha-2',
    (inv) =>
      [inv.seller?.vatId, inv.buyer?.vatId, inv.taxRepresentative?.vatId]
        .filter((v) => v !== undefined && !VAT_PREFIXES.has(text(v).slice(0, 2)))
        .map((v) => fail(`numéro de TVA ${show(v)}`, v!.loc)),
  ),
  rule(
    'BR-CO-10',
    ['BT-106', 'BT-131'],
    'La somme des montants nets des lignes (BT-106) doit être égale à la somme des montants nets de chaque ligne (BT-131)',
    'Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131)',
    (inv) => {
      const v = total(inv, 'lineNet');
      const x = d(v);
      const expected = round2(sum(inv.lines.map((l) => d(l.netAmount))));
      // The artefacts compare xs:decimal(BT-106) on the totals element: an absent BT-106 fails too.
      if (!v || !x) return inv.totals ? [fail(`BT-106 absent, attendu ${str(expected)}`, inv.totals.loc)] : [];
      return eq(x, expected) ? [] : [mismatch('BT-106', v, expected)];
    },
  ),
  rule(
    'BR-CO-11',
    ['BT-107', 'BT-92'],
    'La somme des remises au niveau document (BT-107) doit être égale à la somme des remises (BT-92)',
    'Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92)',
    (inv) => {
      const v = total(inv, 'allowances');
      const acs = inv.allowanceCharges.filter((a) => !a.charge);
      const expected = round2(sum(acs.map((a) => d(a.amount))));
      if (!v) return acs.length ? [fail(`BT-107 absent, attendu ${str(expected)}`, inv.totals?.loc ?? inv.loc)] : [];
      const x = d(v);
      return x && eq(x, expected) ? [] : [mismatch('BT-107', v, expected)];
    },
  ),
  rule(
    'BR-CO-12',
    ['BT-108', 'BT-99'],
    'La somme des charges au niveau document (BT-108) doit être égale à la somme des charges (BT-99)',
    'Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99)',
    (inv) => {
      const v = total(inv, 'charges');
      const acs = inv.allowanceCharges.filter((a) => a.charge);
      const expected = round2(sum(acs.map((a) => d(a.amount))));
      if (!v) return acs.length ? [fail(`BT-108 absent, attendu ${str(expected)}`, inv.totals?.loc ?? inv.loc)] : [];
      const x = d(v);
      return x && eq(x, expected) ? [] : [mismatch('BT-108', v, expected)];
    },
  ),
  rule(
    'BR-CO-13',
    ['BT-109', 'BT-106', 'BT-107', 'BT-108'],
    'Le total hors TVA (BT-109) doit être égal à BT-106 - BT-107 + BT-108',
    'Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-106) - Sum of allowances on document level (BT-107) + Sum of charges on document level (BT-108)',
    (inv) => {
      const v = total(inv, 'taxExclusive');
      const x = d(v);
      // As BR-CO-10: an absent BT-109 fails the artefacts' comparison.
      if (!v || !x) return inv.totals ? [fail('BT-109 absent', inv.totals.loc)] : [];
      const net = d(total(inv, 'lineNet'));
      if (!net) return [fail('BT-106 absent', inv.totals?.loc)];
      const sumNet = sub(
        add(net, d(total(inv, 'charges')) ?? { n: 0n, s: 0 }),
        d(total(inv, 'allowances')) ?? { n: 0n, s: 0 },
      );
      // UBL without allowance nor charge totals: BT-109 = BT-106 exactly (the artefact does not round that branch).
      const exact = inv.syntax === 'ubl' && !total(inv, 'charges') && !total(inv, 'allowances');
      const expected = exact ? sumNet : round2(sumNet);
      return eq(x, expected) ? [] : [mismatch('BT-109', v, expected)];
    },
  ),
  rule(
    'BR-CO-14',
    ['BT-110', 'BT-117'],
    'Le montant total de TVA (BT-110) doit être égal à la somme des montants de TVA par catégorie (BT-117)',
    'Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117)',
    (inv) => {
      // UBL: checked per cac:TaxTotal on the document (binding.ts), since a TaxTotal carries its own breakdown.
      if (inv.syntax === 'ubl' && inv.binding?.root) return [];
      if (inv.syntax === 'cii' && inv.binding?.root) {
        const bad = ciiVatTotalOk(inv.binding.root);
        return bad ? [fail(`BT-110 = '${bad.text}'`, { xpath: bad.xpath, line: bad.line })] : [];
      }
      const v = inv.totals?.vatTotals[0];
      const x = d(v);
      if (!v || !x || inv.vatBreakdown.length === 0) return [];
      const expected = round2(sum(inv.vatBreakdown.map((b) => d(b.tax))));
      return eq(x, expected) ? [] : [mismatch('BT-110', v, expected)];
    },
  ),
  rule(
    'BR-CO-15',
    ['BT-112', 'BT-109', 'BT-110'],
    'Le total TTC (BT-112) doit être égal à BT-109 + BT-110',
    'Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110)',
    (inv) => {
      const t = inv.totals;
      // On a UBL or CII document, exactly as the artefacts (binding.ts): currency as written, CII without VAT total.
      const root = inv.binding?.root;
      if (root && inv.syntax !== 'cpp') {
        if (totalWithVatOk(root, inv.syntax)) return [];
        return [fail(`BT-112 = ${show(t?.taxInclusive)}`, t?.taxInclusive?.loc ?? t?.loc ?? inv.loc)];
      }
      if (!t || blank(inv.currency)) return [];
      if (t.vatTotals.length !== 1)
        return [
          fail(
            `${t.vatTotals.length} montants de TVA totale (BT-110) dans la devise ${show(inv.currency)}, un attendu`,
            t.loc,
          ),
        ];
      const incl = d(t.taxInclusive);
      const expected = round2(add(d(t.taxExclusive) ?? { n: 0n, s: 0 }, d(t.vatTotals[0]) ?? { n: 0n, s: 0 }));
      if (!t.taxInclusive || !incl) return [fail(`BT-112 absent, attendu ${str(expected)}`, t.loc)];
      return eq(incl, expected) ? [] : [mismatch('BT-112', t.taxInclusive, expected)];
    },
  ),
  rule(
    'BR-CO-16',
    ['BT-115', 'BT-112', 'BT-113', 'BT-114'],
    'Le montant à payer (BT-115) doit être égal à BT-112 - BT-113 + BT-114',
    'Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - Paid amount (BT-113) + Rounding amount (BT-114)',
    (inv) => {
      const t = inv.totals;
      const payable = d(t?.payable);
      // CII: the artefact compares xs:decimal(DuePayableAmount) and GrandTotalAmount: either absent fails every branch.
      if (inv.syntax === 'cii' && t && (!t.payable || !t.taxInclusive))
        return [fail(`BT-115 = ${show(t.payable)}, BT-112 = ${show(t.taxInclusive)}`, t.loc ?? inv.loc)];
      if (!t?.payable || !payable) return [];
      const incl = d(t.taxInclusive) ?? { n: 0n, s: 0 };
      const prepaid = d(t.prepaid);
      const rounding = d(t.rounding);
      // CII: exact decimal arithmetic (the artefact does not round).
      const r2 = inv.syntax === 'cii' ? (x: Dec) => x : round2;
      const left = rounding ? r2(sub(payable, rounding)) : payable;
      const right = prepaid ? r2(sub(incl, prepaid)) : incl;
      return eq(left, right)
        ? []
        : [fail(`BT-115 = ${show(t.payable)}, attendu ${str(rounding ? add(right, rounding) : right)}`, t.payable.loc)];
    },
  ),
  rule(
    'BR-CO-17',
    ['BT-117', 'BT-116', 'BT-119'],
    'Le montant de TVA par catégorie (BT-117) doit être égal à la base (BT-116) × taux (BT-119) / 100, arrondi à 2 décimales',
    'VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category rate (BT-119) / 100), rounded to two decimals',
    (inv) => {
      const out: Violation[] = [];
      for (const b of inv.vatBreakdown) {
        if (ciiCategoryTakesBreakdown(inv, b.category)) continue;
        const tax = d(b.tax);
        // An absent BT-117 fails every branch of the artefacts' test.
        if (!b.tax || !tax) {
          out.push(fail('BT-117 absent', b.loc));
          continue;
        }
        // The artefacts read the rate of a VAT-scheme category only: another scheme (VA…) has no rate.
        const rate = isVatStrict(b.category) ? d(b.category.rate) : undefined;
        const taxable = d(b.taxable);
        // The CEN artefacts allow a deviation up to 1 (absolute values; CEN CII unit tests accept exactly 1), and a zero rate wants a tax rounding to 0.
        if (!rate || sign(round0(rate)) === 0) {
          if (sign(round0(tax)) !== 0) out.push(fail(`BT-117 = ${show(b.tax)} pour un taux nul ou absent`, b.tax.loc));
          continue;
        }
        if (!taxable) {
          out.push(fail('BT-116 absent', b.loc));
          continue;
        }
        const expected = round2(percentOf(abs(taxable), rate));
        const diff = abs(sub(abs(tax), expected));
        // UBL: strictly less than 1 apart; CII: up to 1 (the artefacts' < and <=).
        if (cmp(diff, { n: 1n, s: 0 }) >= (inv.syntax === 'ubl' ? 0 : 1))
          out.push(
            fail(
              `BT-117 = ${show(b.tax)}, attendu ${str(expected)} (${show(b.taxable)} × ${show(b.category.rate)} %)`,
              b.tax.loc,
            ),
          );
      }
      return out;
    },
  ),
  rule(
    'BR-CO-18',
    ['BG-23'],
    'La facture doit contenir au moins une ventilation de TVA (BG-23)',
    'An Invoice shall at least have one VAT breakdown group (BG-23)',
    (inv) => (inv.vatBreakdown.length ? [] : [fail('aucune ventilation de TVA', inv.loc)]),
  ),
  rule(
    'BR-CO-19',
    ['BG-14'],
    'Si la période de facturation (BG-14) est utilisée, la date de début ou de fin doit être renseignée',
    'If Invoicing period (BG-14) is used, the Invoicing period start date (BT-73) or the Invoicing period end date (BT-74) shall be filled, or both',
    (inv) =>
      inv.period && blank(inv.period.start) && blank(inv.period.end) && !inv.period.descriptionCode
        ? [fail('période sans dates', inv.period.loc)]
        : [],
  ),
  rule(
    'BR-CO-20',
    ['BG-26'],
    'Si la période de la ligne (BG-26) est utilisée, la date de début ou de fin doit être renseignée',
    'If Invoice line period (BG-26) is used, the Invoice line period start date (BT-134) or end date (BT-135) shall be filled, or both',
    (inv) =>
      inv.lines.flatMap((l) =>
        [l.period, ...(l.extraPeriods ?? [])]
          .filter((p) => p && blank(p.start) && blank(p.end))
          .map((p) => fail('période de ligne sans dates', p!.loc)),
      ),
  ),
  ...(
    [
      [
        'BR-CO-21',
        false,
        false,
        'BT-97',
        'Chaque remise au niveau document doit avoir un motif (BT-97) ou un code motif (BT-98)',
        'Each Document level allowance (BG-20) shall contain a reason (BT-97) or a reason code (BT-98), or both',
      ],
      [
        'BR-CO-22',
        true,
        false,
        'BT-104',
        'Chaque charge au niveau document doit avoir un motif (BT-104) ou un code motif (BT-105)',
        'Each Document level charge (BG-21) shall contain a reason (BT-104) or a reason code (BT-105), or both',
      ],
      [
        'BR-CO-23',
        false,
        true,
        'BT-139',
        'Chaque remise de ligne doit avoir un motif (BT-139) ou un code motif (BT-140)',
        'Each Invoice line allowance (BG-27) shall contain a reason (BT-139) or a reason code (BT-140), or both',
      ],
      [
        'BR-CO-24',
        true,
        true,
        'BT-144',
        'Chaque charge de ligne doit avoir un motif (BT-144) ou un code motif (BT-145)',
        'Each Invoice line charge (BG-28) shall contain a reason (BT-144) or a reason code (BT-145), or both',
      ],
    ] as const
  ).map(([id, charge, lineLevel, term, fr, en]) =>
    rule(id, [term], fr, en, (inv) =>
      (lineLevel ? inv.lines.flatMap((l) => l.allowanceCharges) : inv.allowanceCharges)
        .filter((a) => a.charge === charge && a.reason === undefined && a.reasonCode === undefined)
        .map((a) => fail('ni motif ni code motif', a.loc)),
    ),
  ),
  rule(
    'BR-CO-26',
    ['BT-29', 'BT-30', 'BT-31'],
    'Le vendeur doit être identifié par BT-29, BT-30 ou BT-31',
    'In order for the buyer to automatically identify a supplier, the Seller identifier (BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT identifier (BT-31) shall be present',
    (inv) =>
      inv.seller && !inv.seller.ids.some((i) => !blank(i)) && blank(inv.seller.legalId) && blank(inv.seller.vatId)
        ? [fail('aucun identifiant du vendeur', inv.seller.loc)]
        : [],
  ),
];
