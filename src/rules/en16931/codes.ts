/** EN 16931 BR-CL rules: coded values must come from the lists the norm names (data in src/rules/codelists/). */
import type { XNode } from '../../formats/read/tree.ts';
import type { Invoice, Num, Val } from '../../formats/invoice.ts';
import { EN16931_COUNTRIES } from '../codelists/iso3166.ts';
import { CURRENCIES } from '../codelists/iso4217.ts';
import { UNIT_CODES } from '../codelists/rec20.ts';
import {
  EAS,
  isIcd,
  isUncl7161,
  MIME,
  UNCL1001_INVOICE,
  UNCL1153,
  UNCL4461,
  UNCL5189,
  UNCL4451,
  UNCL5305,
  UNCL7143,
  VATEX,
} from '../codelists/uncl.ts';
import type { Rule, Violation } from '../types.ts';
import { fail, rule, show, text } from './util.ts';

/** The elements of a CII document that a predicate selects (the artefacts bind some code lists to elements). */
function ciiNodes(inv: Invoice, pick: (e: XNode) => boolean): XNode[] {
  const out: XNode[] = [];
  const walk = (n: XNode) => {
    if (pick(n)) out.push(n);
    for (const c of n.children) walk(c);
  };
  walk(inv.binding!.root!);
  return out;
}
const under = (e: XNode, name: string) => {
  for (let p = e.parent; p; p = p.parent) if (p.name === name) return true;
  return false;
};
const nodeVal = (e: XNode, value: string): Val => ({
  value,
  loc: {
    get xpath() {
      return e.xpath;
    },
    get line() {
      return e.line;
    },
  },
});

function codeRule(
  id: string,
  terms: string[],
  fr: string,
  en: string,
  pick: (inv: Invoice) => (Val | undefined)[],
  ok: (code: string) => boolean,
): Rule {
  return rule(id, terms, fr, en, (inv) => {
    const out: Violation[] = [];
    for (const v of pick(inv)) if (v !== undefined && !ok(text(v))) out.push(fail(`code ${show(v)}`, v.loc));
    return out;
  });
}

function allAmounts(inv: Invoice): Num[] {
  const out: Num[] = [];
  const t = inv.totals;
  if (t) {
    for (const k of [
      'lineNet',
      'allowances',
      'charges',
      'taxExclusive',
      'taxInclusive',
      'prepaid',
      'rounding',
      'payable',
    ] as const) {
      const v = t[k];
      if (v) out.push(v);
    }
    out.push(...t.vatTotals, ...t.otherVatTotals);
    if (t.vatTotalAccounting) out.push(t.vatTotalAccounting);
  }
  for (const b of inv.vatBreakdown) {
    if (b.taxable) out.push(b.taxable);
    if (b.tax) out.push(b.tax);
  }
  for (const a of inv.allowanceCharges) for (const v of [a.amount, a.base]) if (v) out.push(v);
  for (const l of inv.lines) {
    for (const v of [l.netAmount, l.netPrice, l.grossPrice, l.priceDiscount]) if (v) out.push(v);
    for (const a of l.allowanceCharges) for (const v of [a.amount, a.base]) if (v) out.push(v);
  }
  return out;
}

const UNCL4451_TEXT = ` ${[...UNCL4451].join(' ')} `;

export const codeRules: Rule[] = [
  codeRule(
    'BR-CL-01',
    ['BT-3'],
    'Le code de type de facture (BT-3) doit appartenir à la liste UNCL 1001 retenue par la norme',
    'The document type code (BT-3) MUST be coded by the invoice and credit note related code lists of UNTDID 1001',
    (inv) => [inv.typeCode],
    (c) => UNCL1001_INVOICE.has(c),
  ),
  rule(
    'BR-CL-03',
    ['BT-5'],
    "L'attribut currencyID doit être un code ISO 4217",
    'currencyID MUST be coded using ISO code list 4217 alpha-3',
    (inv) =>
      inv.syntax === 'cpp'
        ? []
        : inv.syntax === 'cii' && inv.binding?.root
          ? // CII: every ram:TaxTotalAmount with a currencyID (EXTENDED's line-level ones too), as the artefact's context.
            ciiNodes(inv, (e) => e.name === 'TaxTotalAmount' && e.attrs['currencyID'] !== undefined)
              .map((e) => nodeVal(e, e.attrs['currencyID']!))
              .filter((v) => !CURRENCIES.has(text(v)))
              .map((v) => fail(`currencyID '${v.value}'`, v.loc))
          : allAmounts(inv)
              .filter((a) => a.currency !== undefined && !CURRENCIES.has(a.currency))
              .map((a) => fail(`currencyID '${a.currency}'`, a.loc)),
  ),
  codeRule(
    'BR-CL-04',
    ['BT-5'],
    'Le code de devise de la facture (BT-5) doit être un code ISO 4217',
    'Invoice currency code (BT-5) MUST be coded using ISO code list 4217 alpha-3',
    (inv) => [inv.currency],
    (c) => CURRENCIES.has(c),
  ),
  codeRule(
    'BR-CL-05',
    ['BT-6'],
    'Le code de devise de comptabilisation de la TVA (BT-6) doit être un code ISO 4217',
    'Tax currency code (BT-6) MUST be coded using ISO code list 4217 alpha-3',
    (inv) => [inv.taxCurrency],
    (c) => CURRENCIES.has(c),
  ),
  codeRule(
    'BR-CL-07',
    ['BT-18', 'BT-128'],
    "Le schéma de l'identifiant d'objet facturé doit appartenir à la liste UNCL 1153",
    'Object identifier identification scheme identifier MUST be coded using a restriction of UNTDID 1153',
    (inv) =>
      // CII: every ram:ReferenceTypeCode, as the artefact's context.
      inv.syntax === 'cii' && inv.binding?.root
        ? ciiNodes(inv, (e) => e.name === 'ReferenceTypeCode').map((e) => nodeVal(e, e.text))
        : [inv.objectId, ...inv.lines.map((l) => l.objectId)].flatMap((o) =>
            o?.scheme !== undefined ? [{ value: o.scheme, loc: o.loc }] : [],
          ),
    (c) => UNCL1153.has(c),
  ),
  rule(
    'BR-CL-08',
    ['BT-21'],
    "Le code sujet d'une note (BT-21) doit appartenir à la liste UNCL 4451",
    'Invoiced note subject code shall be coded using UNCL4451',
    (inv) => {
      const out: Violation[] = [];
      // CII: every ram:SubjectCode (line notes too), as the artefact's context.
      if (inv.syntax === 'cii' && inv.binding?.root) {
        for (const e of ciiNodes(inv, (x) => x.name === 'SubjectCode'))
          if (!UNCL4451.has(e.text)) out.push(fail(`code '${e.text}'`, nodeVal(e, e.text).loc));
        return out;
      }
      for (const n of inv.notes) {
        if (n.subjectCode) {
          if (!UNCL4451.has(text(n.subjectCode))) out.push(fail(`code ${show(n.subjectCode)}`, n.subjectCode.loc));
        } else if (inv.syntax === 'ubl' && n.text) {
          // UBL has no subject element: the binding writes `#CODE#text`; the schematron judges only a 3-character
          // code between the first two `#` (any other length passes) and tests a substring of the list.
          const parts = n.text.value.split('#');
          if (parts.length >= 3 && parts[1]!.length === 3 && !UNCL4451_TEXT.includes(parts[1]!))
            out.push(fail(`code '${parts[1]}' (note ${show(n.text)})`, n.text.loc));
        }
      }
      return out;
    },
  ),
  codeRule(
    'BR-CL-10',
    ['BT-29', 'BT-46', 'BT-60'],
    "Le schéma d'un identifiant de partie doit être un code ISO 6523 ICD",
    'Any identifier scheme identifier MUST be coded using one of the ISO 6523 ICD list',
    (inv) =>
      inv.syntax === 'cpp'
        ? []
        : inv.syntax === 'cii' && inv.binding?.root
          ? // CII: ram:GlobalID with a scheme, but an item's or the deliver-to party's (BR-CL-21, BR-CL-26).
            ciiNodes(
              inv,
              (e) =>
                e.name === 'GlobalID' &&
                e.attrs['schemeID'] !== undefined &&
                !under(e, 'SpecifiedTradeProduct') &&
                !under(e, 'ShipToTradeParty'),
            ).map((e) => nodeVal(e, e.attrs['schemeID']!))
          : [inv.seller, inv.buyer, inv.payee].flatMap((p) =>
              (p?.ids ?? [])
                .filter((i) => i.scheme !== undefined && i.scheme !== 'SEPA')
                .map((i) => ({ value: i.scheme!, loc: i.loc })),
            ),
    isIcd,
  ),
  codeRule(
    'BR-CL-11',
    ['BT-30', 'BT-47', 'BT-61'],
    "Le schéma d'un identifiant d'enregistrement légal doit être un code ISO 6523 ICD",
    'Any registration identifier scheme identifier MUST be coded using one of the ISO 6523 ICD list',
    (inv) =>
      inv.syntax === 'cpp'
        ? []
        : inv.syntax === 'cii' && inv.binding?.root
          ? // CII: every ram:ID with a scheme (party identifiers included) but a tax registration's.
            ciiNodes(
              inv,
              (e) =>
                e.name === 'ID' &&
                e.qname.startsWith('ram:') &&
                e.attrs['schemeID'] !== undefined &&
                !under(e, 'SpecifiedTaxRegistration'),
            ).map((e) => nodeVal(e, e.attrs['schemeID']!))
          : [inv.seller, inv.buyer, inv.payee].flatMap((p) =>
              p?.legalId?.scheme !== undefined ? [{ value: p.legalId.scheme, loc: p.legalId.loc }] : [],
            ),
    isIcd,
  ),
  codeRule(
    'BR-CL-13',
    ['BT-158'],
    "Le schéma de l'identifiant de classification de l'article doit appartenir à la liste UNCL 7143",
    'Item classification identifier identification scheme identifier MUST be coded using one of the UNTDID 7143 list',
    (inv) =>
      inv.lines.flatMap((l) =>
        l.classifications.flatMap((c) => (c.scheme !== undefined ? [{ value: c.scheme, loc: c.loc }] : [])),
      ),
    (c) => UNCL7143.has(c),
  ),
  codeRule(
    'BR-CL-14',
    ['BT-40', 'BT-55', 'BT-69', 'BT-80'],
    'Les codes pays doivent être des codes ISO 3166-1 alpha-2',
    'Country codes in an invoice MUST be coded using ISO code list 3166-1',
    (inv) =>
      inv.syntax === 'cii' && inv.binding?.root
        ? // CII: every ram:CountryID (the EXTENDED profile's other parties too), as the artefact's context.
          ciiNodes(inv, (e) => e.name === 'CountryID').map((e) => nodeVal(e, e.raw ?? e.text))
        : [inv.seller, inv.buyer, inv.taxRepresentative, inv.payee]
            .map((p) => p?.address?.country)
            .concat(inv.delivery?.address?.country),
    (c) => EN16931_COUNTRIES.has(c),
  ),
  codeRule(
    'BR-CL-15',
    ['BT-159'],
    "Le pays d'origine de l'article (BT-159) doit être un code ISO 3166-1 alpha-2",
    'Country codes in an invoice MUST be coded using ISO code list 3166-1',
    (inv) => inv.lines.map((l) => l.originCountry),
    (c) => EN16931_COUNTRIES.has(c),
  ),
  codeRule(
    'BR-CL-16',
    ['BT-81'],
    'Le code de moyen de paiement (BT-81) doit appartenir à la liste UNCL 4461',
    'Payment means in an invoice MUST be coded using UNCL4461 code list',
    (inv) => (inv.syntax === 'cpp' ? [] : inv.paymentMeans.map((p) => p.code)),
    (c) => UNCL4461.has(c),
  ),
  // The artefacts bind BR-CL-17 and BR-CL-18 to elements, not to terms: UBL cac:TaxCategory (breakdown and document
  // allowances/charges) vs cac:ClassifiedTaxCategory (lines); CII ram:CategoryTradeTax (document allowances/charges)
  // vs ram:ApplicableTradeTax (lines and breakdown). Neither looks at the tax scheme.
  codeRule(
    'BR-CL-17',
    ['BT-95', 'BT-102', 'BT-118'],
    'Le code de catégorie de TVA doit appartenir à la liste UNCL 5305 retenue par la norme',
    'Invoice tax categories MUST be coded using UNCL5305 code list',
    (inv) => [
      ...inv.allowanceCharges.map((a) => a.vat?.code),
      ...(inv.syntax === 'ubl' ? inv.vatBreakdown.map((b) => b.category.code) : []),
    ],
    (c) => UNCL5305.has(c),
  ),
  codeRule(
    'BR-CL-18',
    ['BT-151', 'BT-118'],
    'Le code de catégorie de TVA doit appartenir à la liste UNCL 5305 retenue par la norme',
    'Invoice tax categories MUST be coded using UNCL5305 code list',
    (inv) => [
      ...inv.lines.map((l) => l.vat.code),
      ...(inv.syntax === 'cii' ? inv.vatBreakdown.map((b) => b.category.code) : []),
    ],
    (c) => UNCL5305.has(c),
  ),
  codeRule(
    'BR-CL-19',
    ['BT-98', 'BT-140'],
    'Le code motif de remise doit appartenir à la liste UNCL 5189',
    'Coded allowance reasons MUST belong to the UNCL 5189 code list',
    (inv) =>
      [...inv.allowanceCharges, ...inv.lines.flatMap((l) => l.allowanceCharges)]
        .filter((a) => !a.charge)
        .map((a) => a.reasonCode),
    (c) => UNCL5189.has(c),
  ),
  codeRule(
    'BR-CL-20',
    ['BT-105', 'BT-145'],
    'Le code motif de charge doit appartenir à la liste UNCL 7161',
    'Coded charge reasons MUST belong to the UNCL 7161 code list',
    (inv) =>
      [...inv.allowanceCharges, ...inv.lines.flatMap((l) => l.allowanceCharges)]
        .filter((a) => a.charge)
        .map((a) => a.reasonCode),
    isUncl7161,
  ),
  codeRule(
    'BR-CL-21',
    ['BT-157'],
    "Le schéma de l'identifiant standard de l'article doit être un code ISO 6523 ICD",
    'Item standard identifier scheme identifier MUST belong to the ISO 6523 ICD code list',
    (inv) =>
      inv.lines.flatMap((l) =>
        l.standardItemId?.scheme !== undefined ? [{ value: l.standardItemId.scheme, loc: l.standardItemId.loc }] : [],
      ),
    isIcd,
  ),
  codeRule(
    'BR-CL-22',
    ['BT-121'],
    "Le code motif d'exonération (BT-121) doit appartenir à la liste VATEX",
    'Tax exemption reason code identifier scheme identifier MUST belong to the CEF VATEX code list',
    (inv) =>
      inv.syntax === 'cii' && inv.binding?.root
        ? // CII: every ram:ExemptionReasonCode (line-level ones too), as the artefact's context.
          ciiNodes(inv, (e) => e.name === 'ExemptionReasonCode').map((e) => nodeVal(e, e.raw ?? e.text))
        : inv.vatBreakdown.map((b) => b.category.exemptionCode),
    (c) => VATEX.has(c.toUpperCase()),
  ),
  codeRule(
    'BR-CL-23',
    ['BT-130', 'BT-150'],
    "Le code d'unité de mesure doit appartenir aux listes UN/ECE Rec 20 et Rec 21",
    'Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec 21 extension',
    (inv) =>
      inv.syntax === 'cii' && inv.binding?.root
        ? // CII: every ram:BasisQuantity / ram:BilledQuantity with a unitCode, as the artefact's context.
          ciiNodes(
            inv,
            (e) => (e.name === 'BasisQuantity' || e.name === 'BilledQuantity') && e.attrs['unitCode'] !== undefined,
          ).map((e) => nodeVal(e, e.attrs['unitCode']!))
        : inv.lines.flatMap((l) => [
            l.unitCode,
            l.baseQuantity?.attrs?.['unitCode'] !== undefined
              ? { value: l.baseQuantity.attrs['unitCode'], loc: l.baseQuantity.loc }
              : undefined,
          ]),
    (c) => UNIT_CODES.has(c),
  ),
  codeRule(
    'BR-CL-24',
    ['BT-125'],
    'Le code MIME du document joint (BT-125) doit appartenir à la liste autorisée',
    'For Mime code in attribute use MIMEMediaType',
    (inv) =>
      inv.syntax === 'cpp'
        ? []
        : inv.syntax === 'cii' && inv.binding?.root
          ? // CII: every ram:AttachmentBinaryObject with a mimeCode, as the artefact's context (a line's too, EXTENDED).
            ciiNodes(inv, (e) => e.name === 'AttachmentBinaryObject' && e.attrs['mimeCode'] !== undefined).map((e) =>
              nodeVal(e, e.attrs['mimeCode']!),
            )
          : inv.attachments.map((a) => a.mime),
    (c) => MIME.has(c),
  ),
  codeRule(
    'BR-CL-25',
    ['BT-34', 'BT-49'],
    "Le schéma de l'adresse électronique doit appartenir à la liste CEF EAS",
    'Endpoint identifier scheme identifier MUST belong to the CEF EAS code list',
    (inv) =>
      inv.syntax === 'cii' && inv.binding?.root
        ? // CII: every ram:URIUniversalCommunication/ram:URIID with a schemeID, as the artefact's context.
          ciiNodes(
            inv,
            (e) =>
              e.name === 'URIID' && e.parent?.name === 'URIUniversalCommunication' && e.attrs['schemeID'] !== undefined,
          ).map((e) => nodeVal(e, e.attrs['schemeID']!))
        : [inv.seller?.endpoint, inv.buyer?.endpoint].flatMap((e) =>
            e?.scheme !== undefined ? [{ value: e.scheme, loc: e.loc }] : [],
          ),
    (c) => EAS.has(c),
  ),
  codeRule(
    'BR-CL-26',
    ['BT-71'],
    "Le schéma de l'identifiant du lieu de livraison doit être un code ISO 6523 ICD",
    'Delivery location identifier scheme identifier MUST belong to the ISO 6523 ICD code list',
    (inv) =>
      inv.delivery?.locationId?.scheme !== undefined
        ? [{ value: inv.delivery.locationId.scheme, loc: inv.delivery.locationId.loc }]
        : [],
    isIcd,
  ),
];
