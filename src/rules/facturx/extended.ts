/**
 * The Factur-X 1.09.2 EXTENDED artefact's own business rules that are neither code-list nor structure assertions
 * (the tables of codelists.ts): written here after the artefact's XPath, on the document tree.
 */
import type { Invoice, Loc } from '../../formats/invoice.ts';
import type { XNode } from '../../formats/read/tree.ts';
import { abs, add, cmp, dec, eq, percentOf, round2, str, sub, sum, type Dec } from '../decimal.ts';
import { facturxRuleSet } from '../sets.ts';
import type { Rule, RuleContext } from '../types.ts';

/** Every element named `name` under `n` (`//ram:name`). */
function descendants(n: XNode, name: string, out: XNode[] = []): XNode[] {
  for (const k of n.children) {
    if (k.name === name) out.push(k);
    descendants(k, name, out);
  }
  return out;
}

/** XPath number() of a text: NaN unless the whole trimmed text is a decimal. */
const xpathNumber = (s: string) => (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s.trim()) ? Number(s.trim()) : NaN);

const loc = (n: XNode): Loc => ({
  get xpath() {
    return n.xpath;
  },
  get line() {
    return n.line;
  },
});

const extendedScope = (ctx: RuleContext) => ctx.rules.includes(facturxRuleSet('EXTENDED'));
const bound = (_ctx: RuleContext, inv: Invoice) => inv.binding?.root !== undefined;

/** The children of `n` named `name` (`ram:name`). */
const kids = (n: XNode | undefined, name: string) => (n ? n.children.filter((k) => k.name === name) : []);

/** The elements at a relative path of local names (`a/b/c`) under every node of `from`. */
const at = (from: XNode | XNode[] | undefined, ...names: string[]) =>
  names.reduce<XNode[]>((ns, name) => ns.flatMap((x) => kids(x, name)), from === undefined ? [] : [from].flat());

/** The string value as written (XPath compares it untrimmed). */
const value = (n: XNode) => n.raw ?? n.text;

/** XPath normalize-space() of the first node (the artefact's tests take a single one), '' when absent. */
const normalized = (ns: XNode[]) => (ns[0] ? value(ns[0]).replace(/\s+/g, ' ').trim() : '');

/** XPath xs:decimal() of the first node: undefined when absent (an empty sequence) or not a decimal. */
const decimalOf = (ns: XNode[]) => (ns[0] ? dec(value(ns[0])) : undefined);

/** XPath `xs:boolean` cast of an indicator (`udt:Indicator = false()`): undefined when it is no boolean. */
function booleanOf(n: XNode): boolean | undefined {
  const v = n.text.trim();
  return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : undefined;
}

const CENT = dec('0.01')!;
/** The artefact's tolerance: 0.01 per line, allowance or charge counted. */
const tolerance = (count: number) => ({ n: CENT.n * BigInt(count), s: CENT.s });
const total = (values: (Dec | undefined)[]) => round2(sum(values));

/** The document's parts the EXTENDED artefact's VAT and total rules read. */
function parts(inv: Invoice) {
  const root = inv.binding!.root!;
  const tx = kids(root, 'SupplyChainTradeTransaction')[0];
  const header = kids(tx, 'ApplicableHeaderTradeSettlement');
  const lines = kids(tx, 'IncludedSupplyChainTradeLineItem');
  // `[not(ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode) or ... = 'DETAIL']`: detail lines only.
  const detail = lines.filter((l) => {
    const status = at(l, 'AssociatedDocumentLineDocument', 'LineStatusReasonCode');
    return status.length === 0 || status.some((c) => value(c) === 'DETAIL');
  });
  return {
    root,
    header,
    lines,
    detail,
    charges: at(header, 'SpecifiedTradeAllowanceCharge'),
    logistics: at(header, 'SpecifiedLogisticsServiceCharge'),
  };
}

/**
 * The artefact's predicate on a tax of a line, allowance/charge or logistics charge: category `code`, rate
 * `rate` (each tested on any of the taxes, as XPath's general comparisons) and, unless `exemption` is undefined
 * (the `ini` variant), the same exemption reason code and text.
 */
function taxed(taxes: XNode[], code: string, rate: Dec, exemption?: { code: string; text: string }): boolean {
  return (
    at(taxes, 'CategoryCode').some((c) => value(c) === code) &&
    at(taxes, 'RateApplicablePercent').some((r) => {
      const v = dec(value(r));
      return v !== undefined && eq(v, rate);
    }) &&
    (exemption === undefined ||
      (normalized(at(taxes, 'ExemptionReasonCode')) === exemption.code &&
        normalized(at(taxes, 'ExemptionReason')) === exemption.text))
  );
}

/**
 * BR-FXEXT-x-08b: on each header VAT breakdown of category `code` (TypeCode VAT, any case), its taxable amount
 * (BT-116) is the sum of the detail lines' net amounts minus the allowances plus the charges and logistics
 * charges of its category and rate, within 0.01 per element summed, matched with the same exemption reason or
 * (the `ini` variant) whatever it is. An absent rate or taxable amount fails (the artefact's `for` is empty).
 */
function breakdownBasis(id: string, code: string, labelCategory: string): Rule {
  return {
    id,
    terms: ['BT-116', 'BT-131', 'BT-92', 'BT-99'],
    severity: 'fatal',
    labelFr: `Catégorie ${labelCategory} : la base imposable (BT-116) doit égaler les montants nets des lignes moins les remises plus les frais de sa catégorie et de son taux`,
    labelEn: `Category ${labelCategory}: the VAT category taxable amount (BT-116) shall equal the line net amounts minus the allowances plus the charges of its category and rate`,
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) => {
      const p = parts(inv);
      const out: { detail: string; loc: Loc }[] = [];
      for (const b of at(p.header, 'ApplicableTradeTax')) {
        if (!kids(b, 'CategoryCode').some((c) => value(c) === code)) continue;
        if (!kids(b, 'TypeCode').some((t) => value(t).toUpperCase() === 'VAT')) continue;
        const rate = decimalOf(kids(b, 'RateApplicablePercent'));
        const basis = decimalOf(kids(b, 'BasisAmount'));
        if (rate === undefined || basis === undefined) {
          out.push({ detail: `BT-116 ou BT-119 absent (catégorie ${code})`, loc: loc(b) });
          continue;
        }
        const exemption = {
          code: normalized(kids(b, 'ExemptionReasonCode')),
          text: normalized(kids(b, 'ExemptionReason')),
        };
        const within = (ex?: typeof exemption) => {
          const lines = p.detail.filter((l) =>
            at(l, 'SpecifiedLineTradeSettlement').some((st) => taxed(kids(st, 'ApplicableTradeTax'), code, rate, ex)),
          );
          const acs = p.charges.filter((a) => taxed(kids(a, 'CategoryTradeTax'), code, rate, ex));
          const indicated = (flag: boolean) =>
            acs.filter((a) => at(a, 'ChargeIndicator', 'Indicator').some((i) => booleanOf(i) === flag));
          const logistics = p.logistics.filter((c) => taxed(kids(c, 'AppliedTradeTax'), code, rate, ex));
          const lineSum = total(
            at(lines, 'SpecifiedLineTradeSettlement', 'SpecifiedTradeSettlementLineMonetarySummation').map((m) =>
              decimalOf(kids(m, 'LineTotalAmount')),
            ),
          );
          const allowances = total(indicated(false).map((a) => decimalOf(kids(a, 'ActualAmount'))));
          const charges = total(indicated(true).map((a) => decimalOf(kids(a, 'ActualAmount'))));
          const logistic = total(logistics.map((c) => decimalOf(kids(c, 'AppliedAmount'))));
          const expected = add(sub(lineSum, allowances), add(charges, logistic));
          const ok = cmp(abs(sub(basis, expected)), tolerance(lines.length + acs.length + logistics.length)) <= 0;
          return { ok, expected };
        };
        const exact = within(exemption);
        if (!exact.ok && !within().ok)
          out.push({
            detail: `BT-116 = ${str(basis)}, attendu ${str(exact.expected)} (catégorie ${code}, taux ${str(rate)})`,
            loc: loc(b),
          });
      }
      return out;
    },
  };
}

/**
 * BR-FXEXT-x-01: a category `code` in a header VAT breakdown, on a line, an allowance/charge or a logistics charge
 * needs both a header breakdown of that category and at least one of the others.
 */
function categoryBreakdown(id: string, code: string, labelCategory: string): Rule {
  return {
    id,
    terms: ['BG-23', 'BT-118', 'BT-151', 'BT-95', 'BT-102'],
    severity: 'fatal',
    labelFr: `Catégorie ${labelCategory} : une ligne, remise ou frais de cette catégorie et une ventilation de TVA (BG-23) de cette catégorie vont ensemble`,
    labelEn: `Category ${labelCategory}: a line, allowance or charge of this category and a VAT breakdown (BG-23) of this category go together`,
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) => {
      const p = parts(inv);
      const of = (taxes: XNode[]) => taxes.filter((t) => kids(t, 'CategoryCode').some((c) => value(c) === code)).length;
      // `//ram:SpecifiedLineTradeSettlement[not(ram:AssociatedDocumentLineDocument/...)]`: that element has no such
      // child, so the artefact counts every line settlement's taxes.
      const header = of(at(p.header, 'ApplicableTradeTax'));
      const others =
        of(at(descendants(p.root, 'SpecifiedLineTradeSettlement'), 'ApplicableTradeTax')) +
        of(descendants(p.root, 'CategoryTradeTax')) +
        of(descendants(p.root, 'AppliedTradeTax'));
      if ((header === 0 && others === 0) || (header >= 1 && others >= 1)) return [];
      return [
        {
          detail: header
            ? `ventilation de catégorie ${code} sans ligne, remise ni frais de cette catégorie`
            : `catégorie ${code} sans ventilation de TVA de cette catégorie`,
          loc: loc(p.root),
        },
      ];
    },
  };
}

/** The EXTENDED artefact's VAT categories: code, the id infix of its rules, the label. */
const CATEGORIES: [code: string, infix: string, label: string][] = [
  ['S', 'S', 'S (taux normal)'],
  ['Z', 'Z', 'Z (taux zéro)'],
  ['E', 'E', 'E (exonéré)'],
  ['AE', 'AE', 'AE (autoliquidation)'],
  ['K', 'IC', 'K (intracommunautaire)'],
  ['G', 'G', 'G (exportation)'],
  ['O', 'O', 'O (hors champ)'],
  ['L', 'AF', 'L (IGIC)'],
  ['M', 'AG', 'M (IPSI)'],
];

/** The header monetary summations (`//ram:SpecifiedTradeSettlementHeaderMonetarySummation`) with their parts. */
function summations(inv: Invoice) {
  const p = parts(inv);
  return descendants(p.root, 'SpecifiedTradeSettlementHeaderMonetarySummation').map((m) => {
    const settlement = m.parent;
    const items = kids(settlement?.parent, 'IncludedSupplyChainTradeLineItem');
    const detail = items.filter((l) => p.detail.includes(l));
    const lineSum = total(
      at(
        detail,
        'SpecifiedLineTradeSettlement',
        'SpecifiedTradeSettlementLineMonetarySummation',
        'LineTotalAmount',
      ).map((n) => dec(value(n))),
    );
    // `ram:ChargeIndicator/udt:Indicator='true'`: a string comparison ('1' is neither).
    const acs = (flag: 'true' | 'false', under: XNode[]) =>
      at(under, 'SpecifiedTradeAllowanceCharge').filter((a) =>
        at(a, 'ChargeIndicator', 'Indicator').some((i) => value(i) === flag),
      );
    const allowances = total(at(acs('false', p.header), 'ActualAmount').map((n) => dec(value(n))));
    const charges = add(
      total(at(acs('true', p.header), 'ActualAmount').map((n) => dec(value(n)))),
      total(at(p.logistics, 'AppliedAmount').map((n) => dec(value(n)))),
    );
    const local = settlement ? [settlement] : [];
    const counts = {
      items: items.length,
      detail: detail.length,
      allowances: acs('false', local).length,
      charges: acs('true', local).length + at(local, 'SpecifiedLogisticsServiceCharge').length,
    };
    const any = { allowances: acs('false', p.header).length > 0, charges: acs('true', p.header).length > 0 };
    return { m, settlement, lineSum, allowances, charges, counts, any };
  });
}

/** A rule of the EXTENDED artefact that a child must be present (`(a) or (b)`) on each node `contexts` gives. */
function presence(
  id: string,
  terms: string[],
  labelFr: string,
  labelEn: string,
  contexts: (inv: Invoice) => XNode[],
  holds: (n: XNode) => boolean,
  missing: string,
): Rule {
  return {
    id,
    terms,
    severity: 'fatal',
    labelFr,
    labelEn,
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) =>
      contexts(inv)
        .filter((n) => !holds(n))
        .map((n) => ({ detail: missing, loc: loc(n) })),
  };
}

const has = (n: XNode, ...names: string[]) => names.some((name) => kids(n, name).length > 0);

/** The detail lines' ram:AssociatedDocumentLineDocument (the context of BR-FXEXT-BR-22 to 26 and CO-04). */
const detailLineDocuments = (inv: Invoice) => at(parts(inv).detail, 'AssociatedDocumentLineDocument');

/** The ram:ChargeIndicator of the charges (`[udt:Indicator='true']`) of the allowance/charge elements given. */
const chargeIndicators = (acs: XNode[]) =>
  at(acs, 'ChargeIndicator').filter((c) => kids(c, 'Indicator').some((i) => value(i) === 'true'));

/** The lines' `normalize-space(ram:AssociatedDocumentLineDocument/<name>)`. */
const lineRef = (l: XNode, name: string) => normalized(at(l, 'AssociatedDocumentLineDocument', name));

export const facturxExtendedRules: Rule[] = [
  {
    // Dropped from the CEN artefacts in 1.3.16, kept by the Factur-X EXTENDED artefact (context the root,
    // `number(//ram:DuePayableAmount) > 0` needs `//ram:SpecifiedTradePaymentTerms` with a due date or a description).
    id: 'BR-CO-25',
    terms: ['BT-115', 'BT-9', 'BT-20'],
    severity: 'fatal',
    labelFr: 'Montant à payer positif : la date d’échéance (BT-9) ou les conditions de paiement (BT-20) sont requises',
    labelEn:
      'Amount due for payment positive: the payment due date (BT-9) or the payment terms (BT-20) shall be present',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) => {
      const root = inv.binding!.root!;
      const due = descendants(root, 'DuePayableAmount')[0];
      if (!due || !(xpathNumber(due.raw ?? due.text) > 0)) return [];
      const terms = descendants(root, 'SpecifiedTradePaymentTerms');
      if (terms.some((t) => t.children.some((k) => k.name === 'DueDateDateTime' || k.name === 'Description')))
        return [];
      return [{ detail: `DuePayableAmount = ${due.text}, no payment due date nor payment terms`, loc: loc(due) }];
    },
  },
  {
    // Context //ram:SpecifiedTaxRegistration/ram:ID[not(ancestor::ram:SellerTradeParty)], test @schemeID='VA': but
    // the seller's, a party's tax registration is its VAT identifier.
    id: 'BR-FXEXT-03',
    terms: ['BT-48', 'BT-63'],
    severity: 'fatal',
    labelFr: 'Hors vendeur, un identifiant d’enregistrement fiscal doit être un numéro de TVA (schemeID VA)',
    labelEn: 'Outside the seller, a tax registration identifier shall be a VAT identifier (schemeID VA)',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) => {
      const out: { detail: string; loc: Loc }[] = [];
      const walk = (n: XNode, inSeller: boolean) => {
        const seller = inSeller || n.name === 'SellerTradeParty';
        if (!seller && n.name === 'ID' && n.parent?.name === 'SpecifiedTaxRegistration' && n.attrs['schemeID'] !== 'VA')
          out.push({ detail: `schemeID '${n.attrs['schemeID'] ?? ''}'`, loc: loc(n) });
        for (const k of n.children) walk(k, seller);
      };
      walk(inv.binding!.root!, false);
      return out;
    },
  },
  ...CATEGORIES.map(([code, infix, label]) =>
    breakdownBasis(code === 'S' ? 'BR-FXEXT-S08b' : `BR-FXEXT-${infix}-08b`, code, label),
  ),
  ...CATEGORIES.map(([code, infix, label]) => categoryBreakdown(`BR-FXEXT-${infix}-01`, code, label)),
  {
    // Context //ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax[ram:CategoryCode='S'] (any TypeCode).
    id: 'BR-FXEXT-S-09b',
    terms: ['BT-117', 'BT-116', 'BT-119'],
    severity: 'fatal',
    labelFr:
      'Catégorie S : le montant de TVA (BT-117) doit égaler la base imposable (BT-116) multipliée par le taux (BT-119), à 0,01 près par élément',
    labelEn:
      'Category S: the VAT category tax amount (BT-117) shall equal the taxable amount (BT-116) times the rate (BT-119), within 0.01 per element',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) => {
      const p = parts(inv);
      const out: { detail: string; loc: Loc }[] = [];
      for (const b of at(p.header, 'ApplicableTradeTax')) {
        if (!kids(b, 'CategoryCode').some((c) => value(c) === 'S')) continue;
        const rate = decimalOf(kids(b, 'RateApplicablePercent'));
        const basis = decimalOf(kids(b, 'BasisAmount'));
        const amount = decimalOf(kids(b, 'CalculatedAmount'));
        if (rate === undefined || basis === undefined || amount === undefined) {
          out.push({ detail: 'BT-116, BT-117 ou BT-119 absent (catégorie S)', loc: loc(b) });
          continue;
        }
        // The looser of the artefact's two tolerances: every element of category S and this rate.
        const count =
          p.detail.filter((l) =>
            at(l, 'SpecifiedLineTradeSettlement').some((st) => taxed(kids(st, 'ApplicableTradeTax'), 'S', rate)),
          ).length +
          p.charges.filter((a) => taxed(kids(a, 'CategoryTradeTax'), 'S', rate)).length +
          p.logistics.filter((c) => taxed(kids(c, 'AppliedTradeTax'), 'S', rate)).length;
        const expected = round2(percentOf(basis, rate));
        if (cmp(abs(sub(amount, expected)), tolerance(count)) > 0)
          out.push({ detail: `BT-117 = ${str(amount)}, attendu ${str(expected)}`, loc: loc(b) });
      }
      return out;
    },
  },
  {
    // Context each detail line's ram:AssociatedDocumentLineDocument.
    id: 'BR-FXEXT-CO-04',
    terms: ['BT-151'],
    severity: 'fatal',
    labelFr: 'Chaque ligne de détail doit avoir une TVA (TypeCode VAT) avec un code de catégorie (BT-151)',
    labelEn:
      'Each detail Invoice line shall have a VAT tax (TypeCode VAT) with an invoiced item VAT category code (BT-151)',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) =>
      parts(inv).detail.flatMap((l) => {
        const taxes = at(l, 'SpecifiedLineTradeSettlement', 'ApplicableTradeTax');
        const vat = at(taxes, 'TypeCode').some((t) => value(t) === 'VAT');
        const code = taxes.some(
          (t) =>
            kids(t, 'TypeCode').some((c) => value(c).toUpperCase() === 'VAT') && kids(t, 'CategoryCode').length > 0,
        );
        return vat && code
          ? []
          : at(l, 'AssociatedDocumentLineDocument').map((d) => ({ detail: 'BT-151 absent', loc: loc(d) }));
      }),
  },
  {
    id: 'BR-FXEXT-CO-10',
    terms: ['BT-106', 'BT-131'],
    severity: 'fatal',
    labelFr:
      'La somme des montants nets des lignes (BT-106) doit égaler la somme des montants nets des lignes de détail (BT-131), à 0,01 près par ligne',
    labelEn:
      'Sum of Invoice line net amount (BT-106) = Σ detail Invoice line net amount (BT-131), within 0.01 per line',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) =>
      summations(inv).flatMap(({ m, lineSum, counts }) => {
        const v = decimalOf(kids(m, 'LineTotalAmount'));
        // The tolerance counts every line, group lines included.
        return v !== undefined && cmp(abs(sub(v, lineSum)), tolerance(counts.items)) <= 0
          ? []
          : [{ detail: `BT-106 = ${v ? str(v) : 'absent'}, attendu ${str(lineSum)}`, loc: loc(m) }];
      }),
  },
  {
    id: 'BR-FXEXT-CO-13',
    terms: ['BT-109', 'BT-131', 'BT-92', 'BT-99'],
    severity: 'fatal',
    labelFr:
      'Le total hors TVA (BT-109) doit égaler Σ montants nets des lignes (BT-131) − remises (BT-92) + frais (BT-99), à 0,01 près par élément',
    labelEn: 'Invoice total amount without VAT (BT-109) = Σ BT-131 − Σ BT-92 + Σ BT-99, within 0.01 per element',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) =>
      summations(inv).flatMap(({ m, lineSum, allowances, charges, counts }) => {
        const v = decimalOf(kids(m, 'TaxBasisTotalAmount'));
        const expected = add(sub(lineSum, allowances), charges);
        return v !== undefined &&
          cmp(abs(sub(v, expected)), tolerance(counts.detail + counts.allowances + counts.charges)) <= 0
          ? []
          : [{ detail: `BT-109 = ${v ? str(v) : 'absent'}, attendu ${str(expected)}`, loc: loc(m) }];
      }),
  },
  {
    id: 'BR-FXEXT-CO-15',
    terms: ['BT-112', 'BT-109', 'BT-110'],
    severity: 'fatal',
    labelFr:
      'Le total TTC (BT-112) doit égaler le total hors TVA (BT-109) plus la TVA dans la devise de facture (BT-110), à 0,01 près par élément',
    labelEn:
      'Invoice total amount with VAT (BT-112) = BT-109 + BT-110 in the invoice currency, within 0.01 per element',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) =>
      summations(inv).flatMap(({ m, settlement, counts }) => {
        const currency = kids(settlement, 'InvoiceCurrencyCode')[0];
        const vats = currency ? kids(m, 'TaxTotalAmount').filter((t) => t.attrs['currencyID'] === value(currency)) : [];
        const basis = decimalOf(kids(m, 'TaxBasisTotalAmount'));
        const grand = decimalOf(kids(m, 'GrandTotalAmount'));
        const vat = decimalOf(vats);
        // Every term must be there (else the artefact's `for` is empty, false); the VAT total once in the currency.
        const ok =
          basis !== undefined &&
          grand !== undefined &&
          vat !== undefined &&
          vats.length === 1 &&
          cmp(abs(sub(sub(grand, vat), basis)), tolerance(counts.detail + counts.allowances + counts.charges)) <= 0;
        return ok
          ? []
          : [
              {
                detail: `BT-112 = ${grand ? str(grand) : 'absent'}, BT-109 = ${basis ? str(basis) : 'absent'}, BT-110 = ${vat ? str(vat) : 'absent'}`,
                loc: loc(m),
              },
            ];
      }),
  },
  presence(
    'BR-FXEXT-01',
    ['BT-21', 'BT-22'],
    'Une note de facture avec un sujet (BT-21) doit avoir un contenu ou un code de contenu (BT-22)',
    'An invoice note with a subject code (BT-21) shall have a content or a content code (BT-22)',
    (inv) => kids(kids(inv.binding!.root, 'ExchangedDocument')[0], 'IncludedNote').filter((n) => has(n, 'SubjectCode')),
    (n) => has(n, 'ContentCode', 'Content'),
    'ni Content ni ContentCode',
  ),
  presence(
    'BR-FXEXT-02',
    ['BT-127'],
    'Une note de ligne avec un sujet doit avoir un contenu ou un code de contenu (BT-127)',
    'An invoice line note with a subject code shall have a content or a content code (BT-127)',
    (inv) =>
      at(descendants(inv.binding!.root!, 'AssociatedDocumentLineDocument'), 'IncludedNote').filter((n) =>
        has(n, 'SubjectCode'),
      ),
    (n) => has(n, 'ContentCode', 'Content'),
    'ni Content ni ContentCode',
  ),
  presence(
    'BR-FXEXT-06',
    ['BT-126'],
    'Une ligne avec une ligne parente doit avoir un statut de ligne (LineStatusReasonCode)',
    'An invoice line with a parent line shall have a line status reason code',
    (inv) => parts(inv).lines,
    (l) =>
      lineRef(l, 'ParentLineID') === '' ||
      at(l, 'AssociatedDocumentLineDocument', 'LineStatusReasonCode').some((c) => value(c) !== ''),
    'ParentLineID sans LineStatusReasonCode',
  ),
  presence(
    'BR-FXEXT-11',
    ['BT-126'],
    'La ligne parente (ParentLineID) doit être l’identifiant d’une ligne de la facture',
    'The parent line (ParentLineID) shall be the identifier of an invoice line',
    (inv) => parts(inv).lines.filter((l) => lineRef(l, 'ParentLineID') !== ''),
    (l) => {
      const parent = lineRef(l, 'ParentLineID');
      return descendants(l.parent!, 'LineID').some(
        (id) =>
          id.parent?.name === 'AssociatedDocumentLineDocument' &&
          id.parent.parent?.name === 'IncludedSupplyChainTradeLineItem' &&
          normalized([id]) === parent,
      );
    },
    'ParentLineID sans ligne de cet identifiant',
  ),
  presence(
    'BR-FXEXT-BR-22',
    ['BT-129'],
    'Chaque ligne de détail doit avoir une quantité facturée (BT-129)',
    'Each detail Invoice line shall have an Invoiced quantity (BT-129)',
    detailLineDocuments,
    (d) => at(d.parent, 'SpecifiedLineTradeDelivery', 'BilledQuantity').length > 0,
    'BT-129 absent',
  ),
  presence(
    'BR-FXEXT-BR-23',
    ['BT-130'],
    'Chaque ligne de détail doit avoir une unité de mesure de la quantité facturée (BT-130)',
    'An Invoice detail line shall have an Invoiced quantity unit of measure code (BT-130)',
    detailLineDocuments,
    (d) => at(d.parent, 'SpecifiedLineTradeDelivery', 'BilledQuantity').some((q) => q.attrs['unitCode'] !== undefined),
    'BT-130 absent',
  ),
  presence(
    'BR-FXEXT-BR-24',
    ['BT-131'],
    'Chaque ligne de détail doit avoir un montant net (BT-131)',
    'Each detail Invoice line shall have an Invoice line net amount (BT-131)',
    detailLineDocuments,
    (d) =>
      at(d.parent, 'SpecifiedLineTradeSettlement', 'SpecifiedTradeSettlementLineMonetarySummation', 'LineTotalAmount')
        .length > 0,
    'BT-131 absent',
  ),
  presence(
    'BR-FXEXT-BR-26',
    ['BT-146'],
    'Chaque ligne de détail doit avoir un prix net de l’article (BT-146)',
    'Each detail Invoice line shall contain the Item net price (BT-146)',
    detailLineDocuments,
    (d) => at(d.parent, 'SpecifiedLineTradeAgreement', 'NetPriceProductTradePrice', 'ChargeAmount').length > 0,
    'BT-146 absent',
  ),
  presence(
    'BR-FXEXT-BR-38',
    ['BT-104', 'BT-105'],
    'Chaque frais au niveau document doit avoir un motif (BT-104) ou un code motif (BT-105)',
    'Each Document level charge shall have a Document level charge reason (BT-104) or reason code (BT-105)',
    (inv) => chargeIndicators(parts(inv).charges),
    (c) => has(c.parent!, 'Reason', 'ReasonCode'),
    'ni motif ni code motif',
  ),
  presence(
    'BR-FXEXT-BR-44',
    ['BT-144', 'BT-145'],
    'Chaque frais de ligne doit avoir un motif (BT-144) ou un code motif (BT-145)',
    'Each Invoice line charge shall have an Invoice line charge reason (BT-144) or reason code (BT-145)',
    (inv) =>
      chargeIndicators(
        at(descendants(inv.binding!.root!, 'SpecifiedLineTradeSettlement'), 'SpecifiedTradeAllowanceCharge'),
      ),
    (c) => has(c.parent!, 'Reason', 'ReasonCode'),
    'ni motif ni code motif',
  ),
  presence(
    'BR-FXEXT-BR-54-1',
    ['BT-160'],
    'Chaque attribut d’article doit avoir un nom (BT-160) ou un code de type',
    'Each Item attribute shall have an Item attribute name (BT-160) or a type code',
    (inv) => descendants(inv.binding!.root!, 'ApplicableProductCharacteristic'),
    (c) => has(c, 'Description', 'TypeCode'),
    'ni Description ni TypeCode',
  ),
  presence(
    'BR-FXEXT-BR-54-2',
    ['BT-161'],
    'Chaque attribut d’article doit avoir soit une valeur (BT-161), soit une mesure avec son unité',
    'Each Item attribute shall have either an Item attribute value (BT-161) or a measure with its unit',
    (inv) => descendants(inv.binding!.root!, 'ApplicableProductCharacteristic'),
    (c) =>
      (has(c, 'Value') && !has(c, 'ValueMeasure')) ||
      (!has(c, 'Value') && kids(c, 'ValueMeasure').some((m) => (m.attrs['unitCode'] ?? '') !== '')),
    'ni Value seule ni ValueMeasure avec unitCode',
  ),
  {
    id: 'BR-FXEXT-CO-11',
    terms: ['BT-107', 'BT-92'],
    severity: 'fatal',
    labelFr:
      'La somme des remises au niveau document (BT-107) doit égaler la somme des remises (BT-92), à 0,01 près par remise',
    labelEn:
      'Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92), within 0.01 per allowance',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) =>
      summations(inv).flatMap(({ m, allowances, counts, any }) => {
        const v = decimalOf(kids(m, 'AllowanceTotalAmount'));
        if (!any.allowances && !has(m, 'AllowanceTotalAmount')) return [];
        return v !== undefined && cmp(abs(sub(v, allowances)), tolerance(counts.allowances)) <= 0
          ? []
          : [{ detail: `BT-107 = ${v ? str(v) : 'absent'}, attendu ${str(allowances)}`, loc: loc(m) }];
      }),
  },
  {
    id: 'BR-FXEXT-CO-12',
    terms: ['BT-108', 'BT-99'],
    severity: 'fatal',
    labelFr:
      'La somme des frais au niveau document (BT-108) doit égaler la somme des frais (BT-99) et des frais logistiques, à 0,01 près par frais',
    labelEn:
      'Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99) and logistics charges, within 0.01 per charge',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) =>
      summations(inv).flatMap(({ m, charges, counts, any }) => {
        const v = decimalOf(kids(m, 'ChargeTotalAmount'));
        // The artefact's exemption: no charge element (logistics charges aside) and no BT-108.
        if (!any.charges && !has(m, 'ChargeTotalAmount')) return [];
        return v !== undefined && cmp(abs(sub(v, charges)), tolerance(counts.charges)) <= 0
          ? []
          : [{ detail: `BT-108 = ${v ? str(v) : 'absent'}, attendu ${str(charges)}`, loc: loc(m) }];
      }),
  },
  {
    id: 'BR-FXEXT-CO-16',
    terms: ['BT-115', 'BT-112', 'BT-113', 'BT-114'],
    severity: 'fatal',
    labelFr:
      'Le montant à payer (BT-115) doit égaler le total TTC (BT-112) − le montant payé (BT-113) + l’arrondi (BT-114) + les ajustements financiers',
    labelEn: 'Amount due for payment (BT-115) = BT-112 − BT-113 + BT-114 + the financial adjustments',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) =>
      summations(inv).flatMap(({ m, settlement }) => {
        const due = decimalOf(kids(m, 'DuePayableAmount'));
        const sumOf = (ns: XNode[]) => sum(ns.map((n) => dec(value(n))));
        const expected = add(
          sub(sumOf(kids(m, 'GrandTotalAmount')), sumOf(kids(m, 'TotalPrepaidAmount'))),
          add(sumOf(kids(m, 'RoundingAmount')), sumOf(at(settlement, 'SpecifiedFinancialAdjustment', 'ActualAmount'))),
        );
        return due !== undefined && eq(due, expected)
          ? []
          : [{ detail: `BT-115 = ${due ? str(due) : 'absent'}, attendu ${str(expected)}`, loc: loc(m) }];
      }),
  },
  presence(
    'BR-FXEXT-CII-DT-097a',
    ['BT-2'],
    'Une date-heure au format 205 doit s’écrire AAAAMMJJHHMM',
    'A date time of format 205 shall be written CCYYMMDDHHMM',
    // `//udt:DateTimeString[@format = '205']`: the tree keeps no namespace, and qdt:DateTimeString only appears
    // in the ram:Formatted* elements (qdt:FormattedDateTimeType), udt:DateTimeString everywhere else.
    (inv) =>
      descendants(inv.binding!.root!, 'DateTimeString').filter(
        (d) => d.attrs['format'] === '205' && !d.parent?.name.startsWith('Formatted'),
      ),
    (d) => /^\s*(\d{4})(1[0-2]|0[1-9])(3[01]|[12][0-9]|0[1-9])([01][0-9]|2[0-3])[0-5][0-9]\s*$/.test(value(d)),
    'date-heure hors du format AAAAMMJJHHMM',
  ),
  {
    // Context every line, test on every GROUP line with a net amount: the assertion is the same on each line.
    id: 'BR-FXEXT-08',
    terms: ['BT-131'],
    severity: 'fatal',
    labelFr: 'Le montant net d’une ligne de groupe (BT-131) doit égaler la somme de ceux de ses lignes enfants',
    labelEn: 'The net amount (BT-131) of a GROUP line shall equal the sum of those of its child lines',
    inScope: extendedScope,
    appliesTo: bound,
    check: (inv) => {
      const { lines } = parts(inv);
      const total = (l: XNode) =>
        at(l, 'SpecifiedLineTradeSettlement', 'SpecifiedTradeSettlementLineMonetarySummation', 'LineTotalAmount');
      // XPath number(): a double, NaN unless a number (NaN never equals).
      const number = (ns: XNode[]) => {
        const v = normalized(ns);
        return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v) ? Number(v) : NaN;
      };
      const status = (l: XNode) => at(l, 'AssociatedDocumentLineDocument', 'LineStatusReasonCode').map(value);
      const wrong = lines.filter((g) => {
        if (!status(g).includes('GROUP') || normalized(total(g)) === '') return false;
        const id = lineRef(g, 'LineID');
        const children = lines.filter(
          (c) => lineRef(c, 'ParentLineID') === id && status(c).some((s) => s === 'DETAIL' || s === 'GROUP'),
        );
        const sum = children.reduce((acc, c) => acc + number(total(c)), 0);
        return number(total(g)) !== Math.round(sum * 100) / 100;
      });
      if (!wrong.length) return [];
      const ids = wrong.map((g) => lineRef(g, 'LineID')).join(', ');
      return lines.map((l) => ({ detail: `lignes de groupe ${ids} : BT-131 ≠ Σ des lignes enfants`, loc: loc(l) }));
    },
  },
  presence(
    'BR-FXEXT-12',
    ['BT-131'],
    'Les lignes de groupe enfants d’une ligne de groupe avec montant net (BT-131) doivent en avoir un',
    'The GROUP child lines of a GROUP line with a net amount (BT-131) shall have one',
    (inv) =>
      parts(inv).lines.filter(
        (l) =>
          at(l, 'AssociatedDocumentLineDocument', 'LineStatusReasonCode').some((c) => value(c) === 'GROUP') &&
          at(l, 'SpecifiedLineTradeSettlement', 'SpecifiedTradeSettlementLineMonetarySummation', 'LineTotalAmount')
            .length > 0,
      ),
    (g) => {
      const lines = kids(g.parent, 'IncludedSupplyChainTradeLineItem');
      return at(g, 'AssociatedDocumentLineDocument', 'LineID').every((id) => {
        const children = lines.filter(
          (c) =>
            at(c, 'AssociatedDocumentLineDocument', 'ParentLineID').some((p) => value(p) === value(id)) &&
            at(c, 'AssociatedDocumentLineDocument', 'LineStatusReasonCode').some((s) => value(s) === 'GROUP'),
        );
        const totals = at(
          children,
          'SpecifiedLineTradeSettlement',
          'SpecifiedTradeSettlementLineMonetarySummation',
          'LineTotalAmount',
        );
        return children.length === totals.length;
      });
    },
    'ligne de groupe enfant sans BT-131',
  ),
];
