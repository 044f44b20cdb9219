/**
 * The syntax-binding rules of the CEN artefacts 1.3.16 (UBL-SR, UBL-DT, CII-SR, CII-DT) and the few EN 16931 rules
 * the artefacts bind to elements rather than terms: they read the parsed document itself (`inv.binding.root`),
 * each as the artefact's assertion says (context elements, then a test on each), since the invoice model keeps one
 * value per term and these rules are about repeated, misplaced or misformatted elements. Most counts the XSD
 * allows (maxOccurs unbounded in UBL 2.1 and CII D16B) while EN 16931 allows one.
 */
import type { Invoice, Loc } from '../../formats/invoice.ts';
import type { XNode } from '../../formats/read/tree.ts';
import { add, dec, eq, round2, ZERO, type Dec } from '../decimal.ts';
import { facturxRuleSet } from '../sets.ts';
import type { Rule, RuleContext, Violation } from '../types.ts';

type Syntax = 'ubl' | 'cii';

/** Children of n along a path of local names (`*` any name); the nodes reached. */
function path(n: XNode | undefined, p: string): XNode[] {
  if (!n) return [];
  let cur = [n];
  for (const step of p.split('/')) {
    const next: XNode[] = [];
    for (const c of cur) for (const k of c.children) if (step === '*' || k.name === step) next.push(k);
    cur = next;
  }
  return cur;
}
const count = (n: XNode | undefined, p: string) => path(n, p).length;
const has = (n: XNode | undefined, p: string) => path(n, p).length > 0;

/** Every element of the document, in document order. */
function all(root: XNode): XNode[] {
  const out: XNode[] = [];
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

/** The written text (untrimmed when it had surrounding whitespace), as XPath's string value of a leaf. */
const raw = (n: XNode) => n.raw ?? n.text;
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
/** An xs:boolean value compared with true() / false(): 'true' or '1', 'false' or '0'. */
const isBool = (n: XNode, v: boolean) => (v ? ['true', '1'] : ['false', '0']).includes(n.text);
const loc = (n: XNode): Loc => ({
  get xpath() {
    return n.xpath;
  },
  get line() {
    return n.line;
  },
});

interface BindingRule {
  id: string;
  syntax: Syntax;
  fr: string;
  en: string;
  /** The context elements (the artefact's rule context). */
  ctx: (root: XNode, els: () => XNode[]) => XNode[];
  /** The assertion on one context element. */
  ok: (n: XNode, root: XNode, ctx: RuleContext) => boolean;
  /**
   * The Factur-X profile artefacts (BASIC WL to EXTENDED) repeat some CII-SR rules, fatal there: 'also' = the rule
   * binds documents judged by those too, 'only' = it binds only them (CEN has it as a warning).
   */
  fx?: 'also' | 'only';
}

/** Judged by the CEN artefact of the syntax (MINIMUM and BASIC WL documents are not: their validation sets say so). */
function cenBound(ctx: RuleContext, syntax: Syntax): boolean {
  return ctx.rules.includes(syntax === 'ubl' ? 'en16931-ubl' : 'en16931-cii');
}
/** The Factur-X profile artefacts that carry CII-SR rules (all but MINIMUM). */
const FX_WITH_CII_SR = (['BASICWL', 'BASIC', 'EN16931', 'EXTENDED'] as const).map(facturxRuleSet);
/** Judged by a Factur-X profile artefact that carries CII-SR rules. */
function fxBound(ctx: RuleContext): boolean {
  return FX_WITH_CII_SR.some((s) => ctx.rules.includes(s));
}

const rootCtx = (root: XNode) => [root];
/** Elements reached from the root by an absolute path of local names (root name first). */
const abs = (p: string) => (root: XNode) => {
  const [first, ...rest] = p.split('/');
  if (first !== '*' && root.name !== first) return [];
  return rest.length ? path(root, rest.join('/')) : [root];
};
/** Every element with one of these local names (XPath `//name` or a relative context matched anywhere). */
const named =
  (...names: string[]) =>
  (_root: XNode, els: () => XNode[]) =>
    els().filter((e) => names.includes(e.name));
const parentIs = (n: XNode, name: string) => n.parent?.name === name;

const atMostOne = (
  id: string,
  syntax: Syntax,
  ctx: BindingRule['ctx'],
  p: string,
  what: string,
  filter?: (n: XNode) => boolean,
): BindingRule => ({
  id,
  syntax,
  fr: `${what} : au plus une occurrence`,
  en: `${what} shall occur at most once`,
  ctx,
  ok: (n) => (filter ? path(n, p).filter(filter).length : count(n, p)) <= 1,
});
const absent = (id: string, syntax: Syntax, ctx: BindingRule['ctx'], p: string, what: string): BindingRule => ({
  id,
  syntax,
  fr: `${what} ne doit pas être présent`,
  en: `${what} should not be present`,
  ctx,
  ok: (n) => !has(n, p),
});
const noAttr = (id: string, ctx: BindingRule['ctx'], attr: string, what: string): BindingRule => ({
  id,
  syntax: 'cii',
  fr: `L'attribut ${attr} ne doit pas être présent (${what})`,
  en: `Attribute @${attr}' should not be present (${what})`,
  ctx,
  ok: (n) => n.attrs[attr] === undefined,
});

const vatScheme = (pts: XNode) => path(pts, 'TaxScheme/ID').some((i) => i.text.toUpperCase() === 'VAT');
const UBL_ROOT = rootCtx;
const SUPPLIER = 'AccountingSupplierParty/Party';
const CUSTOMER = 'AccountingCustomerParty/Party';

const UBL_RULES: BindingRule[] = [
  {
    id: 'UBL-SR-51',
    syntax: 'ubl',
    fr: "Une adresse ne doit avoir qu'une ligne d'adresse complémentaire",
    en: 'An address can only have one third line',
    ctx: named('PostalAddress', 'Address'),
    ok: (n) => count(n, 'AddressLine') <= 1,
  },
  {
    id: 'UBL-SR-42',
    syntax: 'ubl',
    fr: 'Le vendeur a au plus deux régimes fiscaux (TVA et autre)',
    en: 'Party tax scheme shall occur maximum twice in accounting supplier party',
    ctx: abs(`*/${SUPPLIER}`),
    ok: (n) => count(n, 'PartyTaxScheme') <= 2,
  },
  {
    id: 'BR-CO-14',
    syntax: 'ubl',
    fr: 'Le montant total de TVA (BT-110) doit être égal à la somme des montants de TVA par catégorie (BT-117)',
    en: 'Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117)',
    ctx: abs('*/TaxTotal'),
    ok: (n) => {
      const subs = path(n, 'TaxSubtotal');
      if (subs.length === 0) return true;
      const t = path(n, 'TaxAmount');
      if (t.length !== 1) return false;
      let s = ZERO;
      for (const x of subs.flatMap((st) => path(st, 'TaxAmount'))) {
        const v = dec(x.text);
        if (!v) return false;
        s = add(s, v);
      }
      const total = dec(t[0]!.text);
      return total !== undefined && eq(total, round2(s));
    },
  },
  atMostOne(
    'UBL-SR-33',
    'ubl',
    named('AdditionalDocumentReference'),
    'DocumentDescription',
    'Supporting document description',
  ),
  {
    id: 'UBL-SR-43',
    syntax: 'ubl',
    fr: "Le schéma de l'identifiant d'objet facturé n'est admis qu'avec le code de type de document 130",
    en: 'Scheme identifier shall only be used for invoiced object (document type code with value 130 or 50 for credit note)',
    ctx: named('AdditionalDocumentReference'),
    ok: (n, root) => {
      const code = path(n, 'DocumentTypeCode').map((c) => c.text);
      return (
        code.includes('130') ||
        (root.name === 'CreditNote' && code.includes('50')) ||
        (!path(n, 'ID').some((i) => i.attrs['schemeID'] !== undefined) && code.length === 0)
      );
    },
  },
  {
    id: 'UBL-DT-01',
    syntax: 'ubl',
    fr: 'Un montant ne doit pas avoir plus de 2 décimales',
    en: 'Amounts shall be decimal up to two fraction digits',
    ctx: (_r, els) =>
      els().filter((e) => {
        if (!e.name.endsWith('Amount') || e.name.endsWith('PriceAmount')) return false;
        for (let p = e.parent; p; p = p.parent) if (p.name === 'AllowanceCharge' && parentIs(p, 'Price')) return false;
        return true;
      }),
    ok: (n) => {
      // XPath: string-length(substring-after(., '.')) <= 2, on the string value (whitespace included).
      const s = n.children.length ? '' : raw(n);
      const i = s.indexOf('.');
      return i < 0 || s.length - i - 1 <= 2;
    },
  },
  {
    id: 'UBL-DT-06',
    syntax: 'ubl',
    fr: "Un objet binaire doit avoir l'attribut mimeCode",
    en: 'Binary object elements shall contain the mime code attribute',
    ctx: (_r, els) => els().filter((e) => e.name.endsWith('BinaryObject')),
    ok: (n) => n.attrs['mimeCode'] !== undefined,
  },
  {
    id: 'UBL-DT-07',
    syntax: 'ubl',
    fr: "Un objet binaire doit avoir l'attribut filename",
    en: 'Binary object elements shall contain the file name attribute',
    ctx: (_r, els) => els().filter((e) => e.name.endsWith('BinaryObject')),
    ok: (n) => n.attrs['filename'] !== undefined,
  },
  atMostOne('UBL-SR-25', 'ubl', named('Delivery'), 'DeliveryParty/PartyName/Name', 'Deliver to party name'),
  {
    id: 'UBL-SR-30',
    syntax: 'ubl',
    fr: 'Un motif de remise au plus',
    en: 'Document level allowance reason shall occur maximum once',
    ctx: named('AllowanceCharge'),
    ok: (n) => !path(n, 'ChargeIndicator').some((c) => isBool(c, false)) || count(n, 'AllowanceChargeReason') <= 1,
  },
  {
    id: 'UBL-SR-31',
    syntax: 'ubl',
    fr: 'Un motif de charge au plus',
    en: 'Document level charge reason shall occur maximum once',
    ctx: named('AllowanceCharge'),
    ok: (n) => !path(n, 'ChargeIndicator').some((c) => isBool(c, true)) || count(n, 'AllowanceChargeReason') <= 1,
  },
  {
    id: 'UBL-SR-53',
    syntax: 'ubl',
    fr: 'Un régime fiscal de partie doit avoir un identifiant et un schéma',
    en: 'Party tax scheme shall have both an identifier and a tax scheme',
    ctx: named('PartyTaxScheme'),
    ok: (n) => has(n, 'TaxScheme/ID') && has(n, 'CompanyID'),
  },
  atMostOne('UBL-SR-01', 'ubl', UBL_ROOT, 'ContractDocumentReference/ID', 'Contract identifier'),
  atMostOne('UBL-SR-02', 'ubl', UBL_ROOT, 'ReceiptDocumentReference/ID', 'Receive advice identifier'),
  atMostOne('UBL-SR-03', 'ubl', UBL_ROOT, 'DespatchDocumentReference/ID', 'Despatch advice identifier'),
  {
    id: 'UBL-SR-04',
    syntax: 'ubl',
    fr: "Un identifiant d'objet facturé au plus",
    en: 'Invoice object identifier shall occur maximum once',
    ctx: UBL_ROOT,
    ok: (n) =>
      path(n, 'AdditionalDocumentReference')
        .filter((r) => path(r, 'DocumentTypeCode').some((c) => c.text === '130'))
        .flatMap((r) => path(r, 'ID')).length <= 1,
  },
  atMostOne('UBL-SR-05', 'ubl', UBL_ROOT, 'PaymentTerms/Note', 'Payment terms'),
  atMostOne('UBL-SR-08', 'ubl', UBL_ROOT, 'InvoicePeriod', 'Invoice period'),
  atMostOne('UBL-SR-09', 'ubl', UBL_ROOT, `${SUPPLIER}/PartyLegalEntity/RegistrationName`, 'Seller name'),
  atMostOne('UBL-SR-10', 'ubl', UBL_ROOT, `${SUPPLIER}/PartyName/Name`, 'Seller trading name'),
  atMostOne(
    'UBL-SR-11',
    'ubl',
    UBL_ROOT,
    `${SUPPLIER}/PartyLegalEntity/CompanyID`,
    'Seller legal registration identifier',
  ),
  {
    id: 'UBL-SR-12',
    syntax: 'ubl',
    fr: 'Un numéro de TVA du vendeur au plus',
    en: 'Seller VAT identifier shall occur maximum once',
    ctx: UBL_ROOT,
    ok: (n) =>
      path(n, `${SUPPLIER}/PartyTaxScheme`)
        .filter(vatScheme)
        .flatMap((p) => path(p, 'CompanyID')).length <= 1,
  },
  {
    id: 'UBL-SR-13',
    syntax: 'ubl',
    fr: "Un numéro d'enregistrement fiscal du vendeur au plus",
    en: 'Seller tax registration shall occur maximum once',
    ctx: UBL_ROOT,
    ok: (n) =>
      path(n, `${SUPPLIER}/PartyTaxScheme`)
        .filter((p) => path(p, 'TaxScheme/ID').some((i) => i.text.toUpperCase() !== 'VAT'))
        .flatMap((p) => path(p, 'CompanyID')).length <= 1,
  },
  atMostOne(
    'UBL-SR-14',
    'ubl',
    UBL_ROOT,
    `${SUPPLIER}/PartyLegalEntity/CompanyLegalForm`,
    'Seller additional legal information',
  ),
  atMostOne('UBL-SR-15', 'ubl', UBL_ROOT, `${CUSTOMER}/PartyLegalEntity/RegistrationName`, 'Buyer name'),
  atMostOne('UBL-SR-16', 'ubl', UBL_ROOT, `${CUSTOMER}/PartyIdentification/ID`, 'Buyer identifiers'),
  atMostOne(
    'UBL-SR-17',
    'ubl',
    UBL_ROOT,
    `${CUSTOMER}/PartyLegalEntity/CompanyID`,
    'Buyer legal registration identifier',
  ),
  {
    id: 'UBL-SR-18',
    syntax: 'ubl',
    fr: "Un numéro de TVA de l'acheteur au plus",
    en: 'Buyer VAT identifier shall occur maximum once',
    ctx: UBL_ROOT,
    ok: (n) =>
      path(n, `${CUSTOMER}/PartyTaxScheme`)
        .filter(vatScheme)
        .flatMap((p) => path(p, 'CompanyID')).length <= 1,
  },
  atMostOne('UBL-SR-24', 'ubl', UBL_ROOT, 'Delivery', 'Deliver to information'),
  {
    id: 'UBL-SR-29',
    syntax: 'ubl',
    fr: 'Un identifiant de créancier bancaire (SEPA) au plus',
    en: 'Bank creditor reference shall occur maximum once',
    ctx: UBL_ROOT,
    ok: (_n, root) =>
      elementsOfRoot(root).filter(
        (e) => e.name === 'ID' && parentIs(e, 'PartyIdentification') && e.attrs['schemeID']?.toUpperCase() === 'SEPA',
      ).length <= 1,
  },
  atMostOne('UBL-SR-39', 'ubl', UBL_ROOT, 'ProjectReference/ID', 'Project reference'),
  atMostOne('UBL-SR-40', 'ubl', UBL_ROOT, `${CUSTOMER}/PartyName/Name`, 'Buyer trade name'),
  {
    id: 'UBL-SR-44',
    syntax: 'ubl',
    fr: 'Une seule référence de paiement (valeurs distinctes)',
    en: 'An Invoice may only have one unique PaymentID',
    ctx: UBL_ROOT,
    ok: (_n, root) =>
      new Set(
        elementsOfRoot(root)
          .filter((e) => e.name === 'PaymentID')
          .map(raw),
      ).size <= 1,
  },
  atMostOne('UBL-SR-45', 'ubl', UBL_ROOT, 'PaymentMeans/PaymentDueDate', 'Due Date'),
  {
    id: 'UBL-SR-46',
    syntax: 'ubl',
    fr: 'Un libellé de moyen de paiement au plus',
    en: 'Payment means text shall occur maximum once',
    ctx: UBL_ROOT,
    ok: (n) => path(n, 'PaymentMeans/PaymentMeansCode').filter((c) => c.attrs['name'] !== undefined).length <= 1,
  },
  {
    id: 'UBL-SR-47',
    syntax: 'ubl',
    fr: 'Un seul code de moyen de paiement (valeurs distinctes)',
    en: 'When there are more than one payment means code, they shall be equal',
    ctx: UBL_ROOT,
    ok: (_n, root) =>
      new Set(
        elementsOfRoot(root)
          .filter((e) => e.name === 'PaymentMeansCode')
          .map(raw),
      ).size <= 1,
  },
  atMostOne('UBL-SR-49', 'ubl', UBL_ROOT, 'InvoicePeriod/DescriptionCode', 'Value tax point date'),
  atMostOne('UBL-SR-54', 'ubl', UBL_ROOT, 'PaymentMeans/CardAccount', 'Card account'),
  atMostOne('UBL-SR-55', 'ubl', UBL_ROOT, 'PaymentMeans/PaymentMandate', 'Payment mandate'),
  atMostOne('UBL-SR-56', 'ubl', UBL_ROOT, 'OriginatorDocumentReference/ID', 'Tender or lot reference'),
  atMostOne('UBL-SR-34', 'ubl', named('InvoiceLine', 'CreditNoteLine'), 'Note', 'Invoice line note'),
  atMostOne(
    'UBL-SR-35',
    'ubl',
    named('InvoiceLine', 'CreditNoteLine'),
    'OrderLineReference/LineID',
    'Referenced purchase order line identifier',
  ),
  atMostOne('UBL-SR-36', 'ubl', named('InvoiceLine', 'CreditNoteLine'), 'InvoicePeriod', 'Invoice line period'),
  {
    id: 'UBL-SR-48',
    syntax: 'ubl',
    fr: "Une ligne doit avoir exactement une catégorie de TVA de l'article",
    en: 'Invoice lines shall have one and only one classified tax category',
    ctx: named('InvoiceLine', 'CreditNoteLine'),
    ok: (n) => count(n, 'Item/ClassifiedTaxCategory') === 1,
  },
  atMostOne('UBL-SR-50', 'ubl', named('InvoiceLine', 'CreditNoteLine'), 'Item/Description', 'Item description'),
  atMostOne('UBL-SR-52', 'ubl', named('InvoiceLine', 'CreditNoteLine'), 'DocumentReference', 'Document reference'),
  ...(['UBL-SR-19', 'UBL-SR-20', 'UBL-SR-21'] as const).map((id): BindingRule => ({
    id,
    syntax: 'ubl',
    fr: 'Le bénéficiaire ne doit pas être le vendeur, et ses éléments au plus une fois',
    en: 'Payee shall not be the seller, and its elements occur at most once',
    ctx: abs('*/PayeeParty'),
    ok: (n, root) => {
      const counted =
        id === 'UBL-SR-19'
          ? count(n, 'PartyName/Name')
          : id === 'UBL-SR-20'
            ? path(n, 'PartyIdentification/ID').filter((i) => i.attrs['schemeID']?.toUpperCase() !== 'SEPA').length
            : count(n, 'PartyLegalEntity/CompanyID');
      // XPath general comparison: some pair of payee name and seller name differs.
      const names = path(n, 'PartyName/Name').map(raw);
      const seller = path(root, `${SUPPLIER}/PartyLegalEntity/RegistrationName`).map(raw);
      return counted <= 1 && names.some((a) => seller.some((b) => a !== b));
    },
  })),
  atMostOne('UBL-SR-26', 'ubl', named('PaymentMeans'), 'PaymentID', 'Payment reference'),
  atMostOne('UBL-SR-27', 'ubl', named('PaymentMeans'), 'PaymentMeansCode', 'Payment means code'),
  atMostOne('UBL-SR-28', 'ubl', named('PaymentMeans'), 'PaymentMandate/ID', 'Mandate reference identifier'),
  atMostOne('UBL-SR-06', 'ubl', named('BillingReference'), 'InvoiceDocumentReference', 'Preceding invoice reference'),
  {
    id: 'UBL-SR-07',
    syntax: 'ubl',
    fr: 'Une référence de facturation doit désigner une facture antérieure',
    en: 'If there is a preceding invoice reference, the preceding invoice number shall be present',
    ctx: named('BillingReference'),
    ok: (n) => has(n, 'InvoiceDocumentReference/ID'),
  },
  atMostOne('UBL-SR-22', 'ubl', named('TaxRepresentativeParty'), 'PartyName/Name', 'Seller tax representative name'),
  atMostOne(
    'UBL-SR-23',
    'ubl',
    named('TaxRepresentativeParty'),
    'PartyTaxScheme/CompanyID',
    'Seller tax representative VAT identifier',
  ),
  atMostOne('UBL-SR-32', 'ubl', named('TaxSubtotal'), 'TaxCategory/TaxExemptionReason', 'VAT exemption reason text'),
  {
    id: 'UBL-CR-666',
    syntax: 'ubl',
    fr: 'Un objet facturé (document de type 130) ne doit pas porter de pièce jointe',
    en: 'An invoiced object (document type code 130) shall not have an attachment',
    ctx: UBL_ROOT,
    ok: (_n, root) =>
      !elementsOfRoot(root).some(
        (e) =>
          e.name === 'AdditionalDocumentReference' &&
          path(e, 'DocumentTypeCode').some((c) => raw(c) === '130') &&
          has(e, 'Attachment'),
      ),
  },
  {
    id: 'UBL-CR-673',
    syntax: 'ubl',
    fr: 'Un objet facturé (document de type 130) ne doit pas porter de description',
    en: 'An invoiced object (document type code 130) shall not have a document description',
    ctx: UBL_ROOT,
    ok: (_n, root) =>
      !elementsOfRoot(root).some(
        (e) =>
          e.name === 'AdditionalDocumentReference' &&
          path(e, 'DocumentTypeCode').some((c) => raw(c) === '130') &&
          has(e, 'DocumentDescription'),
      ),
  },
  {
    id: 'BR-CL-06',
    syntax: 'ubl',
    fr: "Le code de date d'exigibilité de la TVA (BT-8) doit appartenir à la liste UNCL 2005 (3, 35, 432)",
    en: 'Value added tax point date code (BT-8) MUST be coded using a restriction of UNTDID 2005',
    ctx: (_r, els) => els().filter((e) => e.name === 'DescriptionCode' && parentIs(e, 'InvoicePeriod')),
    ok: (n) => ['3', '35', '432'].includes(norm(raw(n))),
  },
];

const CII = 'CrossIndustryInvoice';
const TX = `${CII}/SupplyChainTradeTransaction`;
const LINE = `${TX}/IncludedSupplyChainTradeLineItem`;
const SUM = `${TX}/ApplicableHeaderTradeSettlement/SpecifiedTradeSettlementHeaderMonetarySummation`;
const CII_IDS = [
  `${CII}/ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID`,
  `${CII}/ExchangedDocument/ID`,
  `${LINE}/AssociatedDocumentLineDocument/LineID`,
  `${LINE}/SpecifiedTradeProduct/SellerAssignedID`,
];
const descendants = (n: XNode, name: string) => all(n).filter((e) => e !== n && e.name === name);
const ramEnds = (suffix: string) => (_r: XNode, els: () => XNode[]) =>
  els().filter((e) => e.qname.startsWith('ram:') && e.name.endsWith(suffix));
const refDocs = ramEnds('ReferencedDocument');

const CII_RULES: BindingRule[] = [
  {
    id: 'CII-SR-009',
    syntax: 'cii',
    fr: 'Le contexte doit avoir exactement un paramètre de spécification',
    en: 'Specification identifier MUST be present',
    ctx: abs(`${CII}/ExchangedDocumentContext`),
    ok: (n) => count(n, 'GuidelineSpecifiedDocumentContextParameter') === 1,
  },
  {
    id: 'CII-SR-010',
    syntax: 'cii',
    fr: 'Un seul identifiant de spécification',
    en: 'Only one specification identifier shall be present',
    ctx: abs(`${CII}/ExchangedDocumentContext`),
    ok: (n) => count(n, 'GuidelineSpecifiedDocumentContextParameter/ID') === 1,
  },
  {
    id: 'CII-SR-014',
    syntax: 'cii',
    fr: 'Un seul code de type de document',
    en: 'Only one invoice type code shall be present',
    ctx: abs(`${CII}/ExchangedDocument`),
    ok: (n) => count(n, 'TypeCode') === 1,
  },
  {
    id: 'CII-SR-046',
    syntax: 'cii',
    fr: "L'identifiant standard de l'article doit avoir un schéma",
    en: 'Item standard identifier scheme identifier shall be present',
    ctx: abs(`${LINE}/SpecifiedTradeProduct`),
    ok: (n) => path(n, 'GlobalID').every((g) => g.attrs['schemeID'] !== undefined) || !has(n, 'GlobalID'),
  },
  {
    id: 'CII-SR-090',
    syntax: 'cii',
    fr: "Un seul pays d'origine de l'article",
    en: 'Only one Item country of origin shall be present',
    ctx: abs(`${LINE}/SpecifiedTradeProduct`),
    ok: (n) => !has(n, 'OriginTradeCountry') || count(n, 'OriginTradeCountry/ID') === 1,
  },
  {
    id: 'CII-SR-069',
    syntax: 'cii',
    fr: "Un attribut d'article doit avoir exactement un nom",
    en: 'Item attribute name shall occur exactly once',
    ctx: abs(`${LINE}/SpecifiedTradeProduct/ApplicableProductCharacteristic`),
    ok: (n) => count(n, 'Description') === 1,
  },
  {
    id: 'CII-SR-072',
    syntax: 'cii',
    fr: "Un attribut d'article doit avoir exactement une valeur",
    en: 'Item attribute value shall occur exactly once',
    ctx: abs(`${LINE}/SpecifiedTradeProduct/ApplicableProductCharacteristic`),
    ok: (n) => count(n, 'Value') === 1,
  },
  {
    id: 'CII-SR-439',
    syntax: 'cii',
    fr: 'Un prix net de ligne doit être présent exactement une fois',
    en: 'Item net price shall occur exactly once',
    ctx: abs(`${LINE}/SpecifiedLineTradeAgreement`),
    ok: (n) => count(n, 'NetPriceProductTradePrice/ChargeAmount') === 1,
  },
  atMostOne(
    'CII-SR-441',
    'cii',
    abs(`${LINE}/SpecifiedLineTradeAgreement`),
    'NetPriceProductTradePrice/ChargeAmount',
    'Item net price',
  ),
  {
    id: 'CII-SR-463',
    syntax: 'cii',
    fx: 'also',
    fr: 'Une remise ou charge doit avoir un indicateur de charge',
    en: 'Charge indicator shall be present',
    ctx: named('SpecifiedTradeAllowanceCharge'),
    ok: (n) => has(n, 'ChargeIndicator'),
  },
  {
    ...atMostOne(
      'CII-SR-471',
      'cii',
      named('SpecifiedTradeAllowanceCharge'),
      'RateApplicablePercent',
      'Allowance/charge VAT rate',
    ),
    fx: 'also',
  },
  {
    ...atMostOne(
      'CII-SR-472',
      'cii',
      named('SpecifiedTradeAllowanceCharge'),
      'CategoryTradeTax',
      'Allowance/charge VAT category',
    ),
    fx: 'also',
  },
  {
    ...atMostOne(
      'CII-SR-473',
      'cii',
      named('SpecifiedTradeAllowanceCharge'),
      'ActualAmount',
      'Allowance/charge amount',
    ),
    fx: 'also',
  },
  atMostOne(
    'CII-SR-440',
    'cii',
    (_r, els) =>
      els().filter((e) => e.name === 'AppliedTradeAllowanceCharge' && parentIs(e, 'GrossPriceProductTradePrice')),
    'ActualAmount',
    'Item price discount',
  ),
  atMostOne(
    'CII-SR-455',
    'cii',
    abs(`${TX}/ApplicableHeaderTradeAgreement`),
    'SellerTradeParty/DefinedTradeContact',
    'Seller contact',
  ),
  atMostOne(
    'CII-SR-456',
    'cii',
    abs(`${TX}/ApplicableHeaderTradeAgreement`),
    'BuyerTradeParty/DefinedTradeContact',
    'Buyer contact',
  ),
  atMostOne(
    'CII-SR-459',
    'cii',
    abs(`${TX}/ApplicableHeaderTradeAgreement`),
    'SellerTradeParty/URIUniversalCommunication',
    'Seller electronic address',
  ),
  atMostOne(
    'CII-SR-460',
    'cii',
    abs(`${TX}/ApplicableHeaderTradeAgreement`),
    'BuyerTradeParty/URIUniversalCommunication',
    'Buyer electronic address',
  ),
  atMostOne(
    'CII-SR-461',
    'cii',
    abs(`${TX}/ApplicableHeaderTradeSettlement`),
    'ApplicableTradeTax/TaxPointDate',
    'Value added tax point date',
  ),
  {
    id: 'CII-SR-462',
    syntax: 'cii',
    fr: "Un seul code de date d'exigibilité de la TVA (valeurs distinctes)",
    en: 'Value added tax point date code shall be the same in every VAT breakdown',
    ctx: abs(`${TX}/ApplicableHeaderTradeSettlement`),
    ok: (_n, root) =>
      new Set(
        elementsOfRoot(root)
          .filter((e) => e.name === 'DueDateTypeCode' && parentIs(e, 'ApplicableTradeTax'))
          .map(raw),
      ).size <= 1,
  },
  {
    id: 'CII-SR-470',
    syntax: 'cii',
    fx: 'also',
    fr: 'Un virement (codes 30 et 58) doit désigner le compte du bénéficiaire (IBANID ou ProprietaryID)',
    en: 'Credit transfer (codes 30 and 58) needs the payee account (IBANID or ProprietaryID)',
    ctx: abs(`${TX}/ApplicableHeaderTradeSettlement`),
    ok: (n, _root, ctx) =>
      path(n, 'SpecifiedTradeSettlementPaymentMeans').every((pm) => {
        const codes = path(pm, 'TypeCode').map((c) => norm(raw(c)));
        if (!codes.includes('30') && !codes.includes('58')) return true;
        const iban = has(pm, 'PayeePartyCreditorFinancialAccount/IBANID');
        const proprietary = has(pm, 'PayeePartyCreditorFinancialAccount/ProprietaryID');
        // The Factur-X artefacts also refuse both identifiers at once.
        return (iban || proprietary) && !(fxBound(ctx) && iban && proprietary);
      }),
  },
  ...(
    [
      ['477', 'LineTotalAmount'],
      ['478', 'ChargeTotalAmount'],
      ['479', 'AllowanceTotalAmount'],
      ['480', 'TaxBasisTotalAmount'],
      ['481', 'RoundingAmount'],
      ['482', 'GrandTotalAmount'],
      ['483', 'InformationAmount'],
      ['484', 'TotalPrepaidAmount'],
      ['485', 'TotalDiscountAmount'],
      ['486', 'TotalAllowanceChargeAmount'],
      ['487', 'DuePayableAmount'],
      ['488', 'RetailValueExcludingTaxInformationAmount'],
      ['489', 'TotalDepositFeeInformationAmount'],
      ['490', 'ProductValueExcludingTobaccoTaxInformationAmount'],
      ['491', 'TotalRetailValueInformationAmount'],
      ['492', 'GrossLineTotalAmount'],
      ['493', 'NetLineTotalAmount'],
      ['494', 'NetIncludingTaxesLineTotalAmount'],
    ] as const
  ).map(([n, el]) => atMostOne(`CII-SR-${n}`, 'cii', abs(SUM), el, el)),
  ...(['Seller', 'Buyer'] as const).map((who, i): BindingRule => ({
    id: i === 0 ? 'CII-SR-465' : 'CII-SR-466',
    syntax: 'cii',
    fx: 'only',
    fr: `Le contact ${who === 'Seller' ? 'du vendeur' : "de l'acheteur"} ne doit pas avoir à la fois un nom de personne et de service`,
    en: `${who} contact shall not have both a person name and a department name`,
    ctx: abs(`${TX}/ApplicableHeaderTradeAgreement`),
    ok: (n) =>
      !(
        has(n, `${who}TradeParty/DefinedTradeContact/PersonName`) &&
        has(n, `${who}TradeParty/DefinedTradeContact/DepartmentName`)
      ),
  })),
  noAttr('CII-DT-013', abs(CII), 'languageID', 'CrossIndustryInvoice'),
  noAttr('CII-DT-014', abs(CII), 'languageLocaleID', 'CrossIndustryInvoice'),
  {
    id: 'CII-SR-467',
    syntax: 'cii',
    fx: 'also',
    fr: 'Les codes de moyen de paiement doivent être identiques',
    en: 'Payment means type codes shall all be equal',
    ctx: rootCtx,
    ok: (_n, root) => {
      const codes = elementsOfRoot(root)
        .filter((e) => e.name === 'TypeCode' && parentIs(e, 'SpecifiedTradeSettlementPaymentMeans'))
        .map((c) => norm(raw(c)));
      return codes.every((c) => c === codes[0]);
    },
  },
  {
    id: 'CII-SR-468',
    syntax: 'cii',
    fx: 'also',
    fr: 'Les libellés de moyen de paiement doivent être identiques',
    en: 'Payment means text shall all be equal',
    ctx: rootCtx,
    ok: (_n, root) => {
      const t = elementsOfRoot(root)
        .filter((e) => e.name === 'Information' && parentIs(e, 'SpecifiedTradeSettlementPaymentMeans'))
        .map((c) => norm(raw(c)));
      return t.every((c) => c === t[0]);
    },
  },
  {
    id: 'CII-SR-469',
    syntax: 'cii',
    fx: 'also',
    fr: 'Une référence de paiement au plus',
    en: 'Remittance information shall occur maximum once',
    ctx: rootCtx,
    ok: (_n, root) =>
      elementsOfRoot(root).filter(
        (e) => e.name === 'PaymentReference' && parentIs(e, 'ApplicableHeaderTradeSettlement'),
      ).length <= 1,
  },
  ...(
    [
      ['001', 'schemeName'],
      ['002', 'schemeAgencyName'],
      ['003', 'schemeDataURI'],
      ['004', 'schemeURI'],
      ['005', 'schemeID'],
      ['006', 'schemeAgencyID'],
      ['007', 'schemeVersionID'],
    ] as const
  ).map(([n, a]) => noAttr(`CII-DT-${n}`, (root) => CII_IDS.flatMap((p) => abs(p)(root)), a, 'ID')),
  ...(
    [
      ['101', 'schemeName'],
      ['102', 'schemeAgencyName'],
      ['103', 'schemeDataURI'],
      ['104', 'schemeURI'],
    ] as const
  ).map(([n, a]) =>
    noAttr(
      `CII-DT-${n}`,
      // The artefact's rule for the IDs of CII-DT-001 to 007 comes first in the same pattern: those are not seen here.
      (root, els) => {
        const first = new Set(CII_IDS.flatMap((p) => abs(p)(root)));
        return ramEnds('ID')(root, els).filter((e) => !first.has(e));
      },
      a,
      'ID',
    ),
  ),
  noAttr(
    'CII-DT-008',
    (_r, els) => els().filter((e) => e.qname.startsWith('ram:') && e.name === 'TypeCode'),
    'name',
    'TypeCode',
  ),
  noAttr(
    'CII-DT-009',
    (_r, els) => els().filter((e) => e.qname.startsWith('ram:') && e.name === 'TypeCode'),
    'listURI',
    'TypeCode',
  ),
  {
    id: 'CII-DT-015',
    syntax: 'cii',
    fr: 'URIID ne doit pas être présent',
    en: 'URIID should not be present',
    ctx: refDocs,
    ok: (n) =>
      !has(n, 'URIID') ||
      (n.name === 'AdditionalReferencedDocument' && path(n, 'TypeCode').some((c) => c.text === '916')),
  },
  absent('CII-DT-016', 'cii', refDocs, 'StatusCode', 'StatusCode'),
  absent('CII-DT-017', 'cii', refDocs, 'CopyIndicator', 'CopyIndicator'),
  {
    id: 'CII-DT-018',
    syntax: 'cii',
    fr: 'TypeCode ne doit être présent que sur un document joint (50, 130, 916)',
    en: 'TypeCode should only be present on an additional referenced document (50, 130, 916)',
    ctx: refDocs,
    ok: (n) =>
      !has(n, 'TypeCode') ||
      (n.name === 'AdditionalReferencedDocument' &&
        path(n, 'TypeCode').some((c) => ['50', '130', '916'].includes(c.text))),
  },
  absent('CII-DT-019', 'cii', refDocs, 'GlobalID', 'GlobalID'),
  absent('CII-DT-020', 'cii', refDocs, 'RevisionID', 'RevisionID'),
  {
    id: 'CII-DT-021',
    syntax: 'cii',
    fr: 'Name ne doit pas être présent',
    en: 'Name should not be present',
    ctx: refDocs,
    ok: (n) =>
      !has(n, 'Name') ||
      (n.name === 'AdditionalReferencedDocument' && path(n, 'TypeCode').some((c) => c.text === '916')),
  },
  {
    id: 'CII-DT-022',
    syntax: 'cii',
    fr: 'AttachmentBinaryObject ne doit pas être présent',
    en: 'AttachmentBinaryObject should not be present',
    ctx: refDocs,
    ok: (n) =>
      !has(n, 'AttachmentBinaryObject') ||
      (n.name === 'AdditionalReferencedDocument' && path(n, 'TypeCode').some((c) => c.text === '916')),
  },
  absent('CII-DT-023', 'cii', refDocs, 'Information', 'Information'),
  {
    id: 'CII-DT-024',
    syntax: 'cii',
    fr: 'ReferenceTypeCode ne doit pas être présent',
    en: 'ReferenceTypeCode should not be present',
    ctx: refDocs,
    ok: (n) =>
      !has(n, 'ReferenceTypeCode') ||
      (n.name === 'AdditionalReferencedDocument' && path(n, 'TypeCode').some((c) => c.text === '130')),
  },
  absent('CII-DT-025', 'cii', refDocs, 'SectionName', 'SectionName'),
  absent('CII-DT-026', 'cii', refDocs, 'PreviousRevisionID', 'PreviousRevisionID'),
  {
    id: 'CII-DT-027',
    syntax: 'cii',
    fr: 'FormattedIssueDateTime ne doit pas être présent',
    en: 'FormattedIssueDateTime should not be present',
    ctx: refDocs,
    ok: (n) => !has(n, 'FormattedIssueDateTime') || n.name === 'InvoiceReferencedDocument',
  },
  absent('CII-DT-028', 'cii', refDocs, 'EffectiveSpecifiedPeriod', 'EffectiveSpecifiedPeriod'),
  absent('CII-DT-029', 'cii', refDocs, 'IssuerTradeParty', 'IssuerTradeParty'),
  absent('CII-DT-030', 'cii', refDocs, 'AttachedSpecifiedBinaryFile', 'AttachedSpecifiedBinaryFile'),
  noAttr(
    'CII-DT-032',
    (_r, els) =>
      els().filter((e) => e.qname.startsWith('ram:') && e.name.endsWith('Amount') && e.name !== 'TaxTotalAmount'),
    'currencyCodeListVersionID',
    'Amount',
  ),
  {
    id: 'CII-DT-033',
    syntax: 'cii',
    fr: "L'attribut unitCode ne doit pas être présent",
    en: "Attribute @unitCode' should not be present",
    ctx: ramEnds('Quantity'),
    ok: (n, root) =>
      n.attrs['unitCode'] === undefined ||
      path(
        root,
        'SupplyChainTradeTransaction/IncludedSupplyChainTradeLineItem/SpecifiedLineTradeDelivery/BilledQuantity',
      ).some((q) => q.attrs['unitCode'] !== undefined),
  },
  noAttr('CII-DT-034', ramEnds('Quantity'), 'unitCodeListID', 'Quantity'),
  noAttr('CII-DT-035', ramEnds('Quantity'), 'unitCodeListAgencyID', 'Quantity'),
  noAttr('CII-DT-036', ramEnds('Quantity'), 'unitCodeListAgencyName', 'Quantity'),
  {
    id: 'CII-DT-037',
    syntax: 'cii',
    fr: 'Le type de taxe doit être VAT',
    en: 'TypeCode shall be VAT',
    ctx: ramEnds('TradeTax'),
    // XPath general comparison: some TypeCode child equals 'VAT'.
    ok: (n) => !has(n, 'TypeCode') || path(n, 'TypeCode').some((c) => raw(c) === 'VAT'),
  },
  ...(
    [
      ['068', 'StartDateTime/DateTime'],
      ['069', 'DurationMeasure'],
      ['070', 'InclusiveIndicator'],
      ['071', 'Description'],
      ['072', 'EndDateTime/DateTime'],
      ['073', 'CompleteDateTime'],
      ['074', 'OpenIndicator'],
      ['075', 'SeasonCode'],
      ['076', 'ID'],
      ['077', 'Name'],
      ['078', 'SequenceNumeric'],
      ['079', 'StartDateFlexibilityCode'],
      ['080', 'ContinuousIndicator'],
      ['081', 'PurposeCode'],
    ] as const
  ).map(([n, p]) => absent(`CII-DT-${n}`, 'cii', named('BillingSpecifiedPeriod'), p, p)),
  ...(
    [
      ['082', 'ID'],
      ['083', 'PostOfficeBox'],
      ['084', 'BuildingName'],
      ['086', 'LineFour'],
      ['087', 'LineFive'],
      ['088', 'StreetName'],
      ['089', 'CitySubDivisionName'],
      ['090', 'CountryName'],
      ['091', 'CountrySubDivisionID'],
      ['092', 'AttentionOf'],
      ['093', 'CareOf'],
      ['094', 'BuildingNumber'],
      ['095', 'DepartmentName'],
      ['096', 'AdditionalStreetName'],
    ] as const
  ).map(([n, p]) => absent(`CII-DT-${n}`, 'cii', named('PostalTradeAddress'), p, p)),
  {
    id: 'CII-DT-097',
    syntax: 'cii',
    fr: 'Une date au format 102 doit être de la forme AAAAMMJJ',
    en: 'Date time string with format attribute 102 shall be YYYYMMDD',
    ctx: (_r, els) => els().filter((e) => e.name === 'DateTimeString' && e.attrs['format'] === '102'),
    ok: (n) => /^\s*(\d{4})(1[0-2]|0[1-9])(3[01]|[12][0-9]|0[1-9])\s*$/.test(raw(n)),
  },
  {
    id: 'BR-CL-06',
    syntax: 'cii',
    fr: "Le code de date d'exigibilité de la TVA (BT-8) doit appartenir à la liste UNCL 2475 (5, 29, 72)",
    en: 'Value added tax point date code (BT-8) MUST be coded using a restriction of UNTDID 2475',
    ctx: named('DueDateTypeCode'),
    ok: (n) => ['5', '29', '72'].includes(norm(raw(n))),
  },
];
void descendants;

/** The rules as engine rules; each reads the tree once through a shared element list. */
function toRule(b: BindingRule): Rule {
  return {
    id: b.id,
    terms: [],
    severity: 'fatal',
    labelFr: b.fr,
    labelEn: b.en,
    inScope: (ctx: RuleContext) =>
      b.fx === 'only'
        ? fxBound(ctx)
        : b.fx === 'also'
          ? cenBound(ctx, b.syntax) || fxBound(ctx)
          : cenBound(ctx, b.syntax),
    appliesTo: (_ctx: RuleContext, inv: Invoice) => inv.binding?.root !== undefined,
    check: (inv: Invoice, ctx: RuleContext): Violation[] => {
      const root = inv.binding!.root!;
      const out: Violation[] = [];
      for (const n of b.ctx(root, () => elementsOf(inv, root))) {
        if (!b.ok(n, root, ctx)) out.push({ detail: `${n.qname}`, loc: loc(n) });
      }
      return out;
    },
  };
}

/** Document-order element list, computed once per invoice. */
const ELEMENTS = new WeakMap<XNode, XNode[]>();
function elementsOf(_inv: Invoice, root: XNode): XNode[] {
  return elementsOfRoot(root);
}

export const bindingRules: Rule[] = [...UBL_RULES, ...CII_RULES].map(toRule);

/**
 * The -01 rules of the VAT categories (a category used ⇔ its breakdown), as each artefact writes them: UBL S
 * ignores the tax scheme; UBL L/M count by scheme; the other UBL ones accept a breakdown that is its own use (the
 * `//cac:TaxCategory` it finds is the breakdown's); CII S/L/M want two occurrences (use + breakdown), the other
 * CII ones exactly one breakdown with a use, O a use only when there is a breakdown. CII compares codes as written.
 */
export function categoryBreakdownOk(root: XNode, syntax: Syntax, code: string): boolean {
  const c = categoriesOf(root, syntax);
  if (syntax === 'ubl') {
    const idIs = (x: UblCat) => x.ids.includes(code);
    if (code === 'S' || code === 'L' || code === 'M') {
      const vatOnly = code !== 'S';
      const uses = c.ubl.filter((x) => (x.kind === 'ac' || x.kind === 'line') && idIs(x) && (!vatOnly || x.vat)).length;
      const breakdown = c.ubl.filter((x) => x.kind === 'breakdown');
      const withUse = breakdown.filter((x) => (vatOnly ? x.rawIds.includes(code) : idIs(x))).length;
      const without = breakdown.filter((x) => idIs(x) && (!vatOnly || x.vat)).length;
      return (uses > 0 && withUse > 0) || (uses === 0 && without === 0);
    }
    const anyCat = c.ubl.some((x) => x.kind !== 'line' && x.vat && idIs(x));
    const anyLine = c.ubl.some((x) => x.kind === 'line' && x.vat && idIs(x));
    const n = c.ubl.filter((x) => x.kind === 'breakdown' && x.vat && idIs(x)).length;
    return ((anyCat || anyLine) && n === 1) || (!anyCat && !anyLine);
  }
  const count = (kind: CiiCat['kind']) => c.cii.filter((x) => x.kind === kind && x.codes.includes(code)).length;
  const line = count('line');
  const header = count('header');
  const ac = count('ac');
  if (code === 'S' || code === 'L' || code === 'M')
    return (line + header >= 2 || line === 0) && (ac + header >= 2 || ac === 0);
  if (code === 'O') return header === 0 || (header === 1 && (line > 0 || ac > 0));
  return (header === 0 && line === 0 && ac === 0) || (header === 1 && (line > 0 || ac > 0));
}

interface UblCat {
  /** cac:TaxCategory of a breakdown, of another parent (allowance/charge…), or cac:ClassifiedTaxCategory. */
  kind: 'breakdown' | 'ac' | 'other' | 'line';
  /** normalize-space(cbc:ID) values, and the IDs as written. */
  ids: string[];
  rawIds: string[];
  vat: boolean;
}
interface CiiCat {
  kind: 'line' | 'header' | 'ac' | 'other';
  codes: string[];
}
const CATEGORIES = new WeakMap<XNode, { ubl: UblCat[]; cii: CiiCat[] }>();

/** The tax categories of a document, found in one pass (the -01 rules of nine categories read them). */
function categoriesOf(root: XNode, syntax: Syntax): { ubl: UblCat[]; cii: CiiCat[] } {
  let c = CATEGORIES.get(root);
  if (c) return c;
  c = { ubl: [], cii: [] };
  // A large invoice's lines repeat the same category (`S`, VAT): one frozen entry shared by every line that has
  // it (the rules count entries, never compare them), not 50,000 copies of it.
  const seen = new Map<string, UblCat | CiiCat>();
  const shared = <T extends UblCat | CiiCat>(cat: T): T => {
    const key = JSON.stringify(cat);
    const same = seen.get(key) as T | undefined;
    if (same) return same;
    seen.set(key, cat);
    Object.freeze(cat);
    return cat;
  };
  for (const e of elementsOfRoot(root)) {
    if (syntax === 'ubl' && (e.name === 'TaxCategory' || e.name === 'ClassifiedTaxCategory')) {
      const ids = path(e, 'ID');
      c.ubl.push(
        shared({
          kind:
            e.name === 'ClassifiedTaxCategory'
              ? 'line'
              : e.parent?.name === 'TaxSubtotal' &&
                  e.parent.parent?.name === 'TaxTotal' &&
                  e.parent.parent.parent === root
                ? 'breakdown'
                : e.parent?.name === 'AllowanceCharge'
                  ? 'ac'
                  : 'other',
          ids: ids.map((i) => norm(raw(i))),
          rawIds: ids.map(raw),
          vat: path(e, 'TaxScheme/ID').some((i) => norm(raw(i)).toUpperCase() === 'VAT'),
        }),
      );
    } else if (syntax === 'cii' && (e.name === 'ApplicableTradeTax' || e.name === 'CategoryTradeTax')) {
      c.cii.push(
        shared({
          kind:
            e.name === 'CategoryTradeTax'
              ? 'ac'
              : parentIs(e, 'SpecifiedLineTradeSettlement')
                ? 'line'
                : parentIs(e, 'ApplicableHeaderTradeSettlement')
                  ? 'header'
                  : 'other',
          codes: path(e, 'CategoryCode').map(raw),
        }),
      );
    }
  }
  CATEGORIES.set(root, c);
  return c;
}

function elementsOfRoot(root: XNode): XNode[] {
  let e = ELEMENTS.get(root);
  if (!e) {
    e = all(root);
    ELEMENTS.set(root, e);
  }
  return e;
}

/** xs:decimal() of an element's text (whitespace allowed around it), undefined when absent or not a decimal. */
function decOf(n: XNode | undefined): Dec | undefined {
  return n === undefined || n.children.length ? undefined : dec(n.text);
}

/**
 * BR-CO-15 as the artefacts write it: for the document currency code as written, exactly one tax total in that
 * currencyID and BT-112 = BT-109 + BT-110 rounded; CII also accepts BT-112 = BT-109 (no VAT total at all).
 */
export function totalWithVatOk(root: XNode, syntax: Syntax): boolean {
  if (syntax === 'ubl') {
    const lmt = path(root, 'LegalMonetaryTotal')[0];
    return path(root, 'DocumentCurrencyCode').every((c) => {
      const taxes = path(root, 'TaxTotal/TaxAmount').filter((t) => t.attrs['currencyID'] === raw(c));
      if (taxes.length !== 1) return false;
      const incl = decOf(path(lmt, 'TaxInclusiveAmount')[0]);
      const excl = decOf(path(lmt, 'TaxExclusiveAmount')[0]);
      const tax = decOf(taxes[0]);
      return incl !== undefined && excl !== undefined && tax !== undefined && eq(incl, round2(add(excl, tax)));
    });
  }
  const settlement = path(root, 'SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement')[0];
  const sum = path(settlement, 'SpecifiedTradeSettlementHeaderMonetarySummation');
  const grand = decOf(sum.flatMap((s) => path(s, 'GrandTotalAmount'))[0]);
  const basis = decOf(sum.flatMap((s) => path(s, 'TaxBasisTotalAmount'))[0]);
  return path(settlement, 'InvoiceCurrencyCode').every((c) => {
    const taxes = sum.flatMap((s) => path(s, 'TaxTotalAmount')).filter((t) => t.attrs['currencyID'] === raw(c));
    const tax = decOf(taxes[0]);
    const withVat =
      taxes.length === 1 &&
      grand !== undefined &&
      basis !== undefined &&
      tax !== undefined &&
      eq(grand, round2(add(basis, tax)));
    return withVat || (grand !== undefined && basis !== undefined && eq(grand, basis));
  });
}

/**
 * CII BR-CO-14: each TaxTotalAmount in the invoice currency (as written) = round(Σ CalculatedAmount × 100) ÷ 100,
 * computed as the artefact does, in xs:double (XPath `sum` of untyped values) with `round` half up. Returns the
 * offending element, if any.
 */
export function ciiVatTotalOk(root: XNode): XNode | undefined {
  const settlement = path(root, 'SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement')[0];
  const currencies = path(settlement, 'InvoiceCurrencyCode').map(raw);
  let s = 0;
  for (const c of path(settlement, 'ApplicableTradeTax/CalculatedAmount')) s += Number(c.text);
  const expected = Math.floor(s * 10 * 10 + 0.5) / 100;
  for (const t of path(settlement, 'SpecifiedTradeSettlementHeaderMonetarySummation/TaxTotalAmount')) {
    if (!currencies.includes(t.attrs['currencyID'] ?? '\u0000')) continue;
    if (Number(t.text) !== expected) return t;
  }
  return undefined;
}
