/**
 * EN 16931 VAT category families, one set of rules per category: BR-S (standard rate), BR-Z (zero
 * rated), BR-E (exempt), BR-AE (reverse charge), BR-IC (intra-community, code K), BR-G (export),
 * BR-O (not subject to VAT), BR-AF (IGIC, Canary Islands, code L), BR-AG (IPSI, Ceuta and Melilla, code M): the
 * ids of the CEN artefacts 1.3.16.
 * The rules of a family differ only in a few parameters, so they are declared from one table.
 */
import type { AllowanceCharge, Invoice, Line, Num, VatCategory } from '../../formats/invoice.ts';
import { abs, add, cmp, eq, fromDouble, percentOf, round2, sign, str, sub, sum, type Dec } from '../decimal.ts';
import type { Rule, Violation } from '../types.ts';
import { categoryBreakdownOk } from './binding.ts';
import { blank, catCode, d, fail, isVat, rule, show } from './util.ts';

type RateRule = 'positive' | 'zero' | 'none' | 'nonNegative';
type PartyRule = 'sellerVat' | 'sellerVatOrTaxReg' | 'reverseCharge' | 'intraCommunity' | 'noVatIds';

interface Family {
  prefix: string;
  code: string;
  fr: string;
  en: string;
  parties: PartyRule;
  rate: RateRule;
  /** -08: taxable amount per rate (S, L, M) or per category; S allows a deviation below 1. */
  perRate: boolean;
  tolerance: boolean;
  /** -09: tax computed from the rate (S, L, M) or zero. */
  taxComputed: boolean;
  /** -10: exemption reason required (true) or forbidden (false). */
  exemption: boolean;
  /** -01 wants at least one (S) or exactly one breakdown. */
  exactlyOne: boolean;
}

const FAMILIES: Family[] = [
  {
    prefix: 'S',
    code: 'S',
    fr: 'taux normal (S)',
    en: 'Standard rated',
    parties: 'sellerVatOrTaxReg',
    rate: 'positive',
    perRate: true,
    tolerance: true,
    taxComputed: true,
    exemption: false,
    exactlyOne: false,
  },
  {
    prefix: 'Z',
    code: 'Z',
    fr: 'taux zéro (Z)',
    en: 'Zero rated',
    parties: 'sellerVatOrTaxReg',
    rate: 'zero',
    perRate: false,
    tolerance: false,
    taxComputed: false,
    exemption: false,
    exactlyOne: true,
  },
  {
    prefix: 'E',
    code: 'E',
    fr: 'exonérée (E)',
    en: 'Exempt from VAT',
    parties: 'sellerVatOrTaxReg',
    rate: 'zero',
    perRate: false,
    tolerance: false,
    taxComputed: false,
    exemption: true,
    exactlyOne: true,
  },
  {
    prefix: 'AE',
    code: 'AE',
    fr: 'autoliquidation (AE)',
    en: 'Reverse charge',
    parties: 'reverseCharge',
    rate: 'zero',
    perRate: false,
    tolerance: false,
    taxComputed: false,
    exemption: true,
    exactlyOne: true,
  },
  {
    prefix: 'IC',
    code: 'K',
    fr: 'livraison intracommunautaire (K)',
    en: 'Intra-community supply',
    parties: 'intraCommunity',
    rate: 'zero',
    perRate: false,
    tolerance: false,
    taxComputed: false,
    exemption: true,
    exactlyOne: true,
  },
  {
    prefix: 'G',
    code: 'G',
    fr: 'exportation hors UE (G)',
    en: 'Export outside the EU',
    parties: 'sellerVat',
    rate: 'zero',
    perRate: false,
    tolerance: false,
    taxComputed: false,
    exemption: true,
    exactlyOne: true,
  },
  {
    prefix: 'O',
    code: 'O',
    fr: 'non soumise à la TVA (O)',
    en: 'Not subject to VAT',
    parties: 'noVatIds',
    rate: 'none',
    perRate: false,
    tolerance: false,
    taxComputed: false,
    exemption: true,
    exactlyOne: true,
  },
  {
    prefix: 'AF',
    code: 'L',
    fr: 'IGIC Canaries (L)',
    en: 'IGIC (Canary Islands)',
    parties: 'sellerVatOrTaxReg',
    rate: 'nonNegative',
    perRate: true,
    tolerance: false,
    taxComputed: true,
    exemption: false,
    exactlyOne: false,
  },
  {
    prefix: 'AG',
    code: 'M',
    fr: 'IPSI Ceuta et Melilla (M)',
    en: 'IPSI (Ceuta and Melilla)',
    parties: 'sellerVatOrTaxReg',
    rate: 'nonNegative',
    perRate: true,
    tolerance: false,
    taxComputed: true,
    exemption: false,
    exactlyOne: false,
  },
];

const of = (code: string) => (c: VatCategory | undefined) => isVat(c) && catCode(c) === code;

function partiesOk(inv: Invoice, p: PartyRule): boolean {
  const s = inv.seller;
  const sellerVat = !blank(s?.vatId);
  const repVat = !blank(inv.taxRepresentative?.vatId);
  const buyerVat = !blank(inv.buyer?.vatId);
  switch (p) {
    case 'sellerVat':
      return sellerVat || repVat;
    case 'sellerVatOrTaxReg':
      return sellerVat || !blank(s?.taxRegId) || repVat;
    case 'reverseCharge':
      return (sellerVat || !blank(s?.taxRegId) || repVat) && (buyerVat || !blank(inv.buyer?.legalId));
    case 'intraCommunity':
      return (sellerVat || repVat) && buyerVat;
    case 'noVatIds':
      return !sellerVat && !repVat && !buyerVat;
  }
}

function rateOk(rate: Num | undefined, r: RateRule): boolean {
  if (r === 'none') return rate === undefined;
  const x = d(rate);
  if (!x) return false;
  if (r === 'positive') return sign(x) > 0;
  if (r === 'zero') return sign(x) === 0;
  return sign(x) >= 0;
}

function sameRate(c: VatCategory, rate: Dec | undefined): boolean {
  const x = d(c.rate);
  return rate === undefined ? x === undefined : x !== undefined && eq(x, rate);
}

function familyRules(f: Family): Rule[] {
  const is = of(f.code);
  const P = `BR-${f.prefix}`;
  const lines = (inv: Invoice): Line[] => inv.lines.filter((l) => is(l.vat));
  const acs = (inv: Invoice, charge: boolean): AllowanceCharge[] =>
    inv.allowanceCharges.filter((a) => a.charge === charge && is(a.vat));
  const breakdowns = (inv: Invoice) => inv.vatBreakdown.filter((b) => is(b.category));
  const anyScheme = (c: VatCategory | undefined) => c !== undefined && catCode(c) === f.code;
  const partiesFr = {
    sellerVat: 'le numéro de TVA du vendeur ou du représentant fiscal',
    sellerVatOrTaxReg:
      "le numéro de TVA ou d'enregistrement fiscal du vendeur, ou le numéro de TVA du représentant fiscal",
    reverseCharge:
      "le numéro de TVA du vendeur (ou du représentant fiscal) et le numéro de TVA ou l'identifiant légal de l'acheteur",
    intraCommunity: "les numéros de TVA du vendeur (ou du représentant fiscal) et de l'acheteur",
    noVatIds: "ni numéro de TVA du vendeur, ni du représentant fiscal, ni de l'acheteur",
  }[f.parties];
  const rateFr = { positive: 'supérieur à zéro', zero: 'égal à zéro', none: 'absent', nonNegative: 'positif ou nul' }[
    f.rate
  ];
  const out: Rule[] = [];

  out.push(
    rule(
      `${P}-01`,
      ['BT-118', 'BT-151', 'BT-95', 'BT-102'],
      `Une facture avec la catégorie de TVA ${f.fr} doit contenir ${f.exactlyOne ? 'exactement une' : 'au moins une'} ventilation de TVA de cette catégorie`,
      `An Invoice that contains an item, an allowance or a charge where the VAT category code is "${f.en}" shall contain ${f.exactlyOne ? 'exactly one' : 'one or more'} VAT breakdown (BG-23) with that category code`,
      (inv) => {
        // On a UBL or CII document, as the artefacts write it (binding.ts); the model's count otherwise.
        const root = inv.binding?.root;
        if (root && inv.syntax !== 'cpp')
          return categoryBreakdownOk(root, inv.syntax, f.code) ? [] : [fail(`catégorie ${f.code}`, inv.loc)];
        const used = lines(inv).length + acs(inv, true).length + acs(inv, false).length;
        const n = breakdowns(inv).length;
        if (f.exactlyOne)
          return (used > 0 || n > 0) && n !== 1 ? [fail(`${n} ventilation(s) de catégorie ${f.code}`, inv.loc)] : [];
        return used > 0 !== n > 0
          ? [fail(`${used} ligne(s)/remise(s)/charge(s) et ${n} ventilation(s) de catégorie ${f.code}`, inv.loc)]
          : [];
      },
    ),
  );
  const partyRule = (
    n: string,
    term: string,
    what: string,
    whatEn: string,
    pick: (inv: Invoice) => { loc: Violation['loc'] }[],
    /** Fails whatever the parties (the artefact's first branch cannot hold). */
    regardless: (inv: Invoice) => boolean = () => false,
  ) =>
    rule(
      `${P}-${n}`,
      [term, 'BT-31', 'BT-63'],
      `${what} de catégorie ${f.fr} exige ${partiesFr}`,
      `${whatEn} with VAT category "${f.en}": party VAT identifiers do not meet the category's requirement`,
      (inv) => {
        const items = pick(inv);
        return items.length && (regardless(inv) || !partiesOk(inv, f.parties))
          ? [fail(`${items.length} élément(s) de catégorie ${f.code}`, items[0]!.loc)]
          : [];
      },
    );
  // UBL: the artefact's "no such line" branch reads the category code whatever the tax scheme, so lines of the
  // category only in another scheme fail -02 whatever the parties.
  out.push(
    partyRule(
      '02',
      'BT-151',
      'Une ligne',
      'An Invoice line',
      (inv) => (inv.syntax === 'ubl' ? inv.lines.filter((l) => anyScheme(l.vat)) : lines(inv)),
      (inv) => inv.syntax === 'ubl' && lines(inv).length === 0,
    ),
  );
  out.push(
    partyRule('03', 'BT-95', 'Une remise au niveau document', 'A Document level allowance', (inv) => acs(inv, false)),
  );
  out.push(
    partyRule('04', 'BT-102', 'Une charge au niveau document', 'A Document level charge', (inv) => acs(inv, true)),
  );

  const rateRule = (
    n: string,
    term: string,
    what: string,
    whatEn: string,
    pick: (inv: Invoice) => { cat: VatCategory }[],
  ) =>
    rule(
      `${P}-${n}`,
      [term],
      `${what} de catégorie ${f.fr} doit avoir un taux de TVA ${rateFr}`,
      `${whatEn} where the VAT category code is "${f.en}": the VAT rate shall be ${f.rate}`,
      (inv) =>
        pick(inv)
          // The CII artefact wants a positive IGIC rate (RateApplicablePercent > 0), UBL >= 0.
          .filter(({ cat }) => !rateOk(cat.rate, f.code === 'L' && inv.syntax === 'cii' ? 'positive' : f.rate))
          .map(({ cat }) => fail(`taux ${show(cat.rate)}`, cat.rate?.loc ?? cat.loc)),
    );
  out.push(
    rule(
      `${P}-05`,
      ['BT-152'],
      `Une ligne de catégorie ${f.fr} doit avoir un taux de TVA ${rateFr}`,
      `An Invoice line where the VAT category code is "${f.en}": the VAT rate shall be ${f.rate}`,
      (inv) =>
        lines(inv)
          // The CII artefact wants a positive IGIC rate on lines (BR-AF-05: RateApplicablePercent > 0), UBL >= 0.
          .filter((l) => !rateOk(l.vat.rate, f.code === 'L' && inv.syntax === 'cii' ? 'positive' : f.rate))
          .map((l) => fail(`taux ${show(l.vat.rate)}`, l.vat.rate?.loc ?? l.vat.loc)),
    ),
  );
  out.push(
    rateRule('06', 'BT-96', 'Une remise au niveau document', 'A Document level allowance', (inv) =>
      acs(inv, false).map((a) => ({ cat: a.vat! })),
    ),
  );
  out.push(
    rateRule('07', 'BT-103', 'Une charge au niveau document', 'A Document level charge', (inv) =>
      acs(inv, true).map((a) => ({ cat: a.vat! })),
    ),
  );

  out.push(
    rule(
      `${P}-08`,
      ['BT-116', 'BT-131', 'BT-92', 'BT-99'],
      `La base imposable de la catégorie ${f.fr} (BT-116) doit être égale à la somme des montants nets des lignes plus les charges moins les remises de cette catégorie${f.perRate ? ' et de ce taux' : ''}`,
      `For each different value of VAT category rate (BT-119) where the VAT category code is "${f.en}", the VAT category taxable amount (BT-116) shall equal the sum of Invoice line net amounts plus document level charges minus document level allowances of that category`,
      (inv) => {
        const out: Violation[] = [];
        // CII: the IGIC / IPSI assertion reads ../ram:RateApplicablePercent from the breakdown (no such element):
        // it never fails.
        if (inv.syntax === 'cii' && (f.code === 'L' || f.code === 'M')) return [];
        for (const b of breakdowns(inv)) {
          const taxable = d(b.taxable);
          const rate = f.perRate ? d(b.category.rate) : undefined;
          // Per rate, the artefacts iterate over the rates written: no rate, nothing to check.
          if (f.perRate && rate === undefined) continue;
          // An absent BT-116 fails the artefacts' comparison.
          if (!taxable) {
            out.push(fail('BT-116 absent', b.loc));
            continue;
          }
          // The artefacts' sums pick lines, allowances and charges by category code alone (any tax scheme).
          const match = (c: VatCategory | undefined) => anyScheme(c) && (!f.perRate || sameRate(c!, rate));
          const ls = inv.lines.filter((l) => match(l.vat));
          const charges = inv.allowanceCharges.filter((a) => a.charge && match(a.vat));
          const allowances = inv.allowanceCharges.filter((a) => !a.charge && match(a.vat));
          // As the artefacts compute it, per syntax: CII rounds each sum to 2 decimals and compares in xs:double,
          // within 1 for Z/E/AE/K/G, exactly for S/O/L/M; UBL sums exactly, and compares within 1 for S/L/M with
          // BT-116 ± 1 computed in xs:double, exactly otherwise.
          const cii = inv.syntax === 'cii';
          const [sl, sc, sa] = [ls.map((l) => d(l.netAmount)), charges, allowances].map((xs, i) =>
            i === 0 ? sum(xs as (Dec | undefined)[]) : sum((xs as AllowanceCharge[]).map((a) => d(a.amount))),
          ) as [Dec, Dec, Dec];
          const expected = cii ? sub(add(round2(sl), round2(sc)), round2(sa)) : sub(add(sl, sc), sa);
          const tolerant = cii ? !['S', 'O', 'L', 'M'].includes(f.code) : ['S', 'L', 'M'].includes(f.code);
          const t = Number(b.taxable!.value.trim());
          const e = Number(str(expected));
          let ok: boolean;
          if (tolerant && cii) ok = t - 1 < e && t + 1 > e;
          else if (tolerant) {
            // UBL: xs:decimal(BT-116 - 1), the subtraction done in xs:double, then compared as decimals.
            const lo = fromDouble(t - 1);
            const hi = fromDouble(t + 1);
            ok =
              (f.code !== 'S' || ls.length + charges.length + allowances.length > 0) &&
              lo !== undefined &&
              hi !== undefined &&
              cmp(lo, expected) < 0 &&
              cmp(hi, expected) > 0;
          } else ok = cii ? t === e : eq(taxable, expected);
          if (!ok)
            out.push(
              fail(
                `BT-116 = ${show(b.taxable)}, attendu ${str(expected)}${rate ? ` (taux ${str(rate)})` : ''}`,
                b.taxable!.loc,
              ),
            );
        }
        return out;
      },
    ),
  );
  out.push(
    rule(
      `${P}-09`,
      ['BT-117'],
      f.taxComputed
        ? `Le montant de TVA de la catégorie ${f.fr} (BT-117) doit être égal à la base × taux`
        : `Le montant de TVA de la catégorie ${f.fr} (BT-117) doit être égal à zéro`,
      f.taxComputed
        ? `The VAT category tax amount (BT-117) where the category code is "${f.en}" shall equal the taxable amount multiplied by the rate`
        : `The VAT category tax amount (BT-117) where the category code is "${f.en}" shall be 0 (zero)`,
      (inv) => {
        const out: Violation[] = [];
        // CII: BR-AF-09 / BR-AG-09 are true() in the artefact.
        if (inv.syntax === 'cii' && (f.code === 'L' || f.code === 'M')) return [];
        for (const b of breakdowns(inv)) {
          const tax = d(b.tax);
          // Absent values fail the artefacts' comparisons.
          if (!b.tax || !tax) {
            out.push(fail('BT-117 absent', b.loc));
            continue;
          }
          if (!f.taxComputed) {
            if (sign(tax) !== 0) out.push(fail(`BT-117 = ${show(b.tax)}`, b.tax.loc));
            continue;
          }
          const taxable = d(b.taxable);
          const rate = d(b.category.rate);
          if (!taxable || !rate) {
            out.push(fail(taxable ? 'BT-119 absent' : 'BT-116 absent', b.loc));
            continue;
          }
          // UBL IGIC / IPSI: within 1 of the rounded product, as S (the artefact's test).
          if (f.tolerance || (inv.syntax === 'ubl' && (f.code === 'L' || f.code === 'M'))) {
            const expected = round2(percentOf(abs(taxable), rate));
            if (cmp(abs(sub(abs(tax), expected)), { n: 1n, s: 0 }) >= 0)
              out.push(fail(`BT-117 = ${show(b.tax)}, attendu ${str(expected)}`, b.tax.loc));
          } else {
            const expected = round2(percentOf(taxable, rate));
            if (!eq(tax, expected)) out.push(fail(`BT-117 = ${show(b.tax)}, attendu ${str(expected)}`, b.tax.loc));
          }
        }
        return out;
      },
    ),
  );
  out.push(
    rule(
      `${P}-10`,
      ['BT-120', 'BT-121'],
      f.exemption
        ? `Une ventilation de catégorie ${f.fr} doit avoir un motif d'exonération (BT-120) ou son code (BT-121)`
        : `Une ventilation de catégorie ${f.fr} ne doit pas avoir de motif d'exonération (BT-120, BT-121)`,
      f.exemption
        ? `A VAT breakdown (BG-23) with VAT category code "${f.en}" shall have a VAT exemption reason code (BT-121) or a VAT exemption reason text (BT-120)`
        : `A VAT breakdown (BG-23) with VAT category code "${f.en}" shall not have a VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120)`,
      (inv) =>
        breakdowns(inv)
          .filter((b) => (blank(b.category.exemptionReason) && blank(b.category.exemptionCode)) === f.exemption)
          .map((b) =>
            fail(
              f.exemption ? 'motif absent' : `motif ${show(b.category.exemptionCode ?? b.category.exemptionReason)}`,
              b.category.loc,
            ),
          ),
    ),
  );
  return out;
}

const icRules: Rule[] = [
  rule(
    'BR-IC-11',
    ['BT-72', 'BG-14'],
    'Pour une livraison intracommunautaire (K), la date de livraison (BT-72) ou la période de facturation (BG-14) doit être renseignée',
    'In an Invoice with a VAT breakdown (BG-23) where the VAT category code is "Intra-community supply" the Actual delivery date (BT-72) or the Invoicing period (BG-14) shall not be blank',
    (inv) =>
      inv.vatBreakdown.some((b) => of('K')(b.category)) &&
      blank(inv.delivery?.date) &&
      (!inv.period || (blank(inv.period.start) && blank(inv.period.end)))
        ? [fail('ni BT-72 ni BG-14', inv.loc)]
        : [],
  ),
  rule(
    'BR-IC-12',
    ['BT-80'],
    'Pour une livraison intracommunautaire (K), le code pays de livraison (BT-80) doit être renseigné',
    'In an Invoice with a VAT breakdown (BG-23) where the VAT category code is "Intra-community supply" the Deliver to country code (BT-80) shall not be blank',
    (inv) =>
      inv.vatBreakdown.some((b) => of('K')(b.category)) && blank(inv.delivery?.address?.country)
        ? [fail('BT-80 absent', inv.delivery?.loc ?? inv.loc)]
        : [],
  ),
];

const isO = of('O');
// CII: any category code other than O, whatever the scheme (BR-O-11/12: ram:ApplicableTradeTax of lines and
// breakdown alike; BR-O-13/14: ram:CategoryTradeTax of allowances and charges alike).
const notO = (c: VatCategory | undefined, inv?: Invoice) =>
  inv?.syntax === 'cii'
    ? c?.code !== undefined && c.code.value !== 'O'
    : isVat(c) && !blank(c.code) && catCode(c) !== 'O';
const hasO = (inv: Invoice) => inv.vatBreakdown.some((b) => isO(b.category));
const oRules: Rule[] = [
  rule(
    'BR-O-11',
    ['BT-118'],
    "Une facture non soumise à la TVA (O) ne doit pas contenir d'autre ventilation de TVA",
    'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code "Not subject to VAT" shall not contain other VAT breakdown groups (BG-23)',
    (inv) =>
      hasO(inv)
        ? [
            ...inv.vatBreakdown.filter((b) => notO(b.category, inv)),
            ...(inv.syntax === 'cii' ? inv.lines.filter((l) => notO(l.vat, inv)) : []),
          ]
            .slice(0, 1)
            .map((b) => fail(`catégorie ${show('category' in b ? b.category.code : b.vat.code)}`, b.loc))
        : [],
  ),
  rule(
    'BR-O-12',
    ['BT-151'],
    "Une facture non soumise à la TVA (O) ne doit pas contenir de ligne d'une autre catégorie",
    'An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code "Not subject to VAT" shall not contain an Invoice line where the Invoiced item VAT category code (BT-151) is not "Not subject to VAT"',
    (inv) =>
      hasO(inv)
        ? [
            ...inv.lines.filter((l) => notO(l.vat, inv)),
            ...(inv.syntax === 'cii' ? inv.vatBreakdown.filter((b) => notO(b.category, inv)) : []),
          ]
            .slice(0, 1)
            .map((l) => fail(`catégorie ${show('vat' in l ? l.vat.code : l.category.code)}`, l.loc))
        : [],
  ),
  rule(
    'BR-O-13',
    ['BT-95'],
    "Une facture non soumise à la TVA (O) ne doit pas contenir de remise d'une autre catégorie",
    'An Invoice with VAT category "Not subject to VAT" shall not contain Document level allowances of another VAT category',
    (inv) =>
      hasO(inv)
        ? inv.allowanceCharges
            .filter((a) => (inv.syntax === 'cii' || !a.charge) && notO(a.vat, inv))
            .map((a) => fail(`catégorie ${show(a.vat?.code)}`, a.loc))
        : [],
  ),
  rule(
    'BR-O-14',
    ['BT-102'],
    "Une facture non soumise à la TVA (O) ne doit pas contenir de charge d'une autre catégorie",
    'An Invoice with VAT category "Not subject to VAT" shall not contain Document level charges of another VAT category',
    (inv) =>
      hasO(inv)
        ? inv.allowanceCharges
            .filter((a) => (inv.syntax === 'cii' || a.charge) && notO(a.vat, inv))
            .map((a) => fail(`catégorie ${show(a.vat?.code)}`, a.loc))
        : [],
  ),
];

/** Every VAT category of the invoice: lines, document allowances/charges, breakdown (the CII schematron's //CategoryCode). */
function allCategories(inv: Invoice): VatCategory[] {
  const out: VatCategory[] = [];
  for (const l of inv.lines) out.push(l.vat);
  for (const a of inv.allowanceCharges) if (a.vat) out.push(a.vat);
  for (const b of inv.vatBreakdown) out.push(b.category);
  return out.filter(isVat);
}

/** BR-B: Italian split payment (category B). */
const splitRules: Rule[] = [
  rule(
    'BR-B-01',
    ['BT-151', 'BT-95', 'BT-102', 'BT-40', 'BT-55'],
    'Une facture en TVA « paiement scindé » (B) doit être une facture domestique italienne',
    'An Invoice where the VAT category code is "Split payment" shall be a domestic Italian invoice',
    (inv) => {
      const b = allCategories(inv).find((c) => catCode(c) === 'B');
      if (!b) return [];
      const countries = [inv.seller, inv.buyer, inv.payee, inv.taxRepresentative]
        .map((p) => p?.address?.country)
        .concat(inv.delivery?.address?.country);
      return countries
        .filter((c) => c !== undefined && c.value.trim() !== 'IT')
        .map((c) => fail(`catégorie B avec le pays ${show(c)}`, c!.loc));
    },
  ),
  rule(
    'BR-B-02',
    ['BT-151', 'BT-95', 'BT-102'],
    'Une facture en TVA « paiement scindé » (B) ne doit pas contenir de TVA au taux normal (S)',
    'An Invoice with the VAT category "Split payment" shall not contain the VAT category "Standard rated"',
    (inv) => {
      const cats = allCategories(inv);
      if (!cats.some((c) => catCode(c) === 'B')) return [];
      return cats.filter((c) => catCode(c) === 'S').map((c) => fail("catégorie 'S' avec la catégorie 'B'", c.loc));
    },
  ),
];

export const vatRules: Rule[] = [...FAMILIES.flatMap(familyRules), ...icRules, ...oRules, ...splitRules];
