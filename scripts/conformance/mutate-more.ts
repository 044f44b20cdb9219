/**
 * Mutations for the fatal rules that the first generator (mutate.ts) did not reach on an XSD-valid document:
 * each inserts what the rule looks at at the place the official XSD's sequence gives it (`put`), so the mutant
 * stays XSD-valid and the artefact judges it. Boundary cases beside (just inside / just outside the rule).
 */
import { duplicate, first, put, remove, removeAll, scan, select, setAttr, setText, textOf } from './xml-edit.ts';

type Mutation = [target: string, label: string, f: (xml: string) => string | undefined];
type ToCategory = (xml: string, ubl: boolean, code: string) => string | undefined;

const CAC = 'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"';
const CBC = 'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"';
const RAM = 'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"';
const UDT = 'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"';
const QDT = 'xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"';

/** A UBL aggregate (`cac:`) or basic (`cbc:`) element with its namespaces declared. */
const cac = (name: string, inner: string) => `<cac:${name} ${CAC} ${CBC}>${inner}</cac:${name}>`;
const cbc = (name: string, text: string, attrs = '') => `<cbc:${name} ${CBC}${attrs}>${text}</cbc:${name}>`;
/** A CII `ram:` element with its namespaces declared. */
const ram = (name: string, inner: string, attrs = '') => `<ram:${name} ${RAM} ${UDT}${attrs}>${inner}</ram:${name}>`;
const date102 = (d: string) => `<udt:DateTimeString format="102">${d}</udt:DateTimeString>`;
const indicator = (v: boolean) => `<udt:Indicator>${v}</udt:Indicator>`;

/** Applies the steps in turn; undefined as soon as one cannot apply. */
function chain(x: string, ...steps: ((x: string) => string | undefined)[]): string | undefined {
  let out: string | undefined = x;
  for (const s of steps) {
    out = out === undefined ? undefined : s(out);
    if (out === undefined) return undefined;
  }
  return out;
}

/** The mutation `f` applied to the invoice moved to the VAT category `code` (undefined if it cannot be). */
const inCategory =
  (toCategory: ToCategory, ubl: boolean) =>
  (code: string, f: (x: string) => string | undefined) =>
  (x: string): string | undefined => {
    const b = toCategory(x, ubl, code);
    return b && f(b);
  };

// ---------- UBL ----------
const UL = '*/*Line';
const currency = (x: string) => {
  const e = first(x, '*/DocumentCurrencyCode');
  return e ? textOf(x, e).trim() : 'EUR';
};
const amount = (x: string, name: string, v: string) => cbc(name, v, ` currencyID="${currency(x)}"`);

/** The UBL invoice with a line-level allowance (false) or charge (true) made of `inner`. */
const ublLineAc = (charge: boolean, inner: (x: string) => string) => (x: string) =>
  put(
    x,
    UL,
    'AllowanceCharge',
    cac('AllowanceCharge', `<cbc:ChargeIndicator>${charge}</cbc:ChargeIndicator>${inner(x)}`),
  );

/** Makes sure the document totals carry the allowance and charge totals (0.00 when absent), for a 0.00 allowance. */
function ublTotals(x: string): string | undefined {
  let out: string | undefined = x;
  for (const n of ['AllowanceTotalAmount', 'ChargeTotalAmount'])
    if (out && !first(out, `*/LegalMonetaryTotal/${n}`))
      out = put(out, '*/LegalMonetaryTotal', n, amount(x, n, '0.00'));
  return out;
}
/** A document-level allowance / charge of 0.00 in the category `cat` (its percent as given, none if undefined). */
const ublDocAc =
  (charge: boolean, cat: string, percent: string | undefined, scheme = 'VAT') =>
  (x: string) =>
    chain(
      x,
      (y) =>
        put(
          y,
          '*',
          'AllowanceCharge',
          cac(
            'AllowanceCharge',
            `<cbc:ChargeIndicator>${charge}</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Remise</cbc:AllowanceChargeReason>${amount(y, 'Amount', '0.00')}<cac:TaxCategory><cbc:ID>${cat}</cbc:ID>${percent === undefined ? '' : `<cbc:Percent>${percent}</cbc:Percent>`}<cac:TaxScheme><cbc:ID>${scheme}</cbc:ID></cac:TaxScheme></cac:TaxCategory>`,
          ),
        ),
      ublTotals,
    );
/** The delivery location replaced by `inner` (a new Delivery when the invoice has none). */
function ublDeliveryLocation(x: string, inner: string): string | undefined {
  const y = removeAll(x, '*/Delivery/DeliveryLocation') ?? x;
  const loc = cac('DeliveryLocation', inner);
  return first(y, '*/Delivery')
    ? put(y, '*/Delivery', 'DeliveryLocation', loc)
    : put(y, '*', 'Delivery', cac('Delivery', loc));
}
/** The payment means (a new one, code 30, when the invoice has none) with `child` added, then duplicated. */
function ublTwoPaymentMeans(x: string, child: string, snippet: string): string | undefined {
  const y = first(x, '*/PaymentMeans')
    ? x
    : put(x, '*', 'PaymentMeans', cac('PaymentMeans', '<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>'));
  return chain(
    y ?? x,
    (z) => put(z, '*/PaymentMeans', child, snippet),
    (z) => duplicate(z, '*/PaymentMeans'),
  );
}
/** Every S tax category of the document set to `code`, the rates kept. */
const ublAllS = (x: string, code: string) =>
  /<cbc:ID>S<\/cbc:ID>/.test(x)
    ? x.replace(/(<cac:(?:Classified)?TaxCategory>\s*<cbc:ID>)S(<\/cbc:ID>)/g, `$1${code}$2`)
    : undefined;
const ublFirstLineCategory = (x: string, code: string) => setText(x, `${UL}/Item/ClassifiedTaxCategory/ID`, code);

function ublMore(toCategory: ToCategory): Mutation[] {
  const onCategory = inCategory(toCategory, true);
  return [
    // Gross price (BR-28) at and around 0.
    ...(['-10.00', '-0.01', '0.00'] as const).map((v): Mutation => [
      'BR-28',
      `gross price ${v}`,
      (x) =>
        first(x, `${UL}/Price/AllowanceCharge`)
          ? setText(x, `${UL}/Price/AllowanceCharge/BaseAmount`, v)
          : put(
              x,
              `${UL}/Price`,
              'AllowanceCharge',
              cac(
                'AllowanceCharge',
                `<cbc:ChargeIndicator>false</cbc:ChargeIndicator>${amount(x, 'Amount', '0.00')}${amount(x, 'BaseAmount', v)}`,
              ),
            ),
    ]),
    [
      'BR-CO-04',
      'line category in another tax scheme',
      (x) => setText(x, `${UL}/Item/ClassifiedTaxCategory/TaxScheme/ID`, 'GST'),
    ],
    ['UBL-SR-48', 'line without tax category', (x) => remove(x, `${UL}/Item/ClassifiedTaxCategory`)],
    // Line allowances and charges (BR-42/44, BR-CO-23/24, BR-DEC-24/27/28).
    ['BR-42', 'line allowance without reason', ublLineAc(false, (x) => amount(x, 'Amount', '0.00'))],
    ['BR-44', 'line charge without reason', ublLineAc(true, (x) => amount(x, 'Amount', '0.00'))],
    [
      'BR-42',
      'line allowance with a reason code only',
      ublLineAc(
        false,
        (x) => `<cbc:AllowanceChargeReasonCode>95</cbc:AllowanceChargeReasonCode>${amount(x, 'Amount', '0.00')}`,
      ),
    ],
    ...(
      [
        ['BR-DEC-24', false, 'Amount', '0.001'],
        ['BR-DEC-24', false, 'Amount', '0.100'],
        ['BR-DEC-24', false, 'Amount', '0.10'],
        ['BR-DEC-27', true, 'Amount', '0.001'],
        ['BR-DEC-27', true, 'Amount', '0.10'],
        ['BR-DEC-28', true, 'BaseAmount', '10.001'],
        ['BR-DEC-28', true, 'BaseAmount', '10.00'],
      ] as const
    ).map(([id, charge, el, v]): Mutation => [
      id,
      `line ${charge ? 'charge' : 'allowance'} ${el} ${v}`,
      ublLineAc(
        charge,
        (x) =>
          `<cbc:AllowanceChargeReason>x</cbc:AllowanceChargeReason>${el === 'Amount' ? amount(x, 'Amount', v) : `<cbc:MultiplierFactorNumeric>0</cbc:MultiplierFactorNumeric>${amount(x, 'Amount', '0.00')}${amount(x, 'BaseAmount', v)}`}`,
      ),
    ]),
    // Line period (BR-30, BR-CO-20, UBL-SR-36), at the XSD's place.
    ...(
      [
        [
          'BR-30',
          'line period end before start',
          '<cbc:StartDate>2020-02-01</cbc:StartDate><cbc:EndDate>2020-01-31</cbc:EndDate>',
        ],
        [
          'BR-30',
          'line period of one day',
          '<cbc:StartDate>2020-02-01</cbc:StartDate><cbc:EndDate>2020-02-01</cbc:EndDate>',
        ],
        ['BR-CO-20', 'line period without dates', '<cbc:DescriptionCode>35</cbc:DescriptionCode>'],
      ] as const
    ).map(([id, label, inner]): Mutation => [
      id,
      label,
      (x) => put(x, UL, 'InvoicePeriod', cac('InvoicePeriod', inner)),
    ]),
    [
      'UBL-SR-36',
      'two line periods',
      (x) =>
        put(
          x,
          UL,
          'InvoicePeriod',
          cac('InvoicePeriod', '<cbc:StartDate>2020-01-01</cbc:StartDate>') +
            cac('InvoicePeriod', '<cbc:StartDate>2020-01-02</cbc:StartDate>'),
        ),
    ],
    ['UBL-SR-34', 'two line notes', (x) => put(x, UL, 'Note', cbc('Note', 'a') + cbc('Note', 'b'))],
    [
      'UBL-SR-35',
      'two order line references',
      (x) =>
        put(
          x,
          UL,
          'OrderLineReference',
          cac('OrderLineReference', '<cbc:LineID>1</cbc:LineID>') +
            cac('OrderLineReference', '<cbc:LineID>2</cbc:LineID>'),
        ),
    ],
    [
      'UBL-SR-52',
      'two line document references',
      (x) =>
        put(
          x,
          UL,
          'DocumentReference',
          cac('DocumentReference', '<cbc:ID>D1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>') +
            cac('DocumentReference', '<cbc:ID>D2</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>'),
        ),
    ],
    [
      'UBL-SR-50',
      'two item descriptions',
      (x) => put(x, `${UL}/Item`, 'Description', cbc('Description', 'a') + cbc('Description', 'b')),
    ],
    // Item classification without scheme (BR-65), origin country (BR-CL-15).
    [
      'BR-65',
      'item classification without scheme',
      (x) =>
        first(x, `${UL}/Item/CommodityClassification/ItemClassificationCode`)
          ? setAttr(x, `${UL}/Item/CommodityClassification/ItemClassificationCode`, 'listID', null)
          : put(
              x,
              `${UL}/Item`,
              'CommodityClassification',
              cac('CommodityClassification', '<cbc:ItemClassificationCode>12345</cbc:ItemClassificationCode>'),
            ),
    ],
    ...(['XX', 'fr', '1A'] as const).map((c): Mutation => [
      'BR-CL-15',
      `origin country ${c}`,
      (x) =>
        first(x, `${UL}/Item/OriginCountry`)
          ? setText(x, `${UL}/Item/OriginCountry/IdentificationCode`, c)
          : put(
              x,
              `${UL}/Item`,
              'OriginCountry',
              cac('OriginCountry', `<cbc:IdentificationCode>${c}</cbc:IdentificationCode>`),
            ),
    ]),
    // Delivery location: identifier scheme (BR-CL-26), address without country (BR-57).
    ...(['9999', '0088'] as const).map((s): Mutation => [
      'BR-CL-26',
      `delivery location scheme ${s}`,
      (x) => ublDeliveryLocation(x, `<cbc:ID schemeID="${s}">5790000435975</cbc:ID>`),
    ]),
    [
      'BR-57',
      'delivery address without country',
      (x) => ublDeliveryLocation(x, cac('Address', '<cbc:CityName>Paris</cbc:CityName>')),
    ],
    // Note subject codes (BR-CL-08), at and around the code list.
    ...(['#QQQ#Texte', '#ZZZ#Texte', '#QQ#Texte', '#AAIX#Texte'] as const).map((n): Mutation => [
      'BR-CL-08',
      `note ${n}`,
      (x) => put(x, '*', 'Note', cbc('Note', n)),
    ]),
    // Tax point date beside a period description code (BR-CO-03).
    [
      'BR-CO-03',
      'tax point date and period code',
      (x) =>
        chain(
          x,
          (y) => (first(y, '*/TaxPointDate') ? y : put(y, '*', 'TaxPointDate', cbc('TaxPointDate', '2020-01-01'))),
          (y) =>
            first(y, '*/InvoicePeriod')
              ? put(y, '*/InvoicePeriod', 'DescriptionCode', cbc('DescriptionCode', '35'))
              : put(y, '*', 'InvoicePeriod', cac('InvoicePeriod', '<cbc:DescriptionCode>35</cbc:DescriptionCode>')),
        ),
    ],
    // Split payment (BR-B-01, BR-B-02).
    ['BR-B-01', 'split payment outside Italy', (x) => ublAllS(x, 'B')],
    [
      'BR-B-02',
      'split payment beside standard rate, in Italy',
      (x) =>
        chain(
          x,
          (y) => y.replace(/(<cbc:IdentificationCode[^>]*>)[^<]*(<\/cbc:IdentificationCode>)/g, '$1IT$2'),
          (y) => ublFirstLineCategory(y, 'B'),
        ),
    ],
    [
      'BR-B-01',
      'split payment in Italy (boundary)',
      (x) =>
        chain(
          x,
          (y) => ublAllS(y, 'B'),
          (y) => y.replace(/(<cbc:IdentificationCode[^>]*>)[^<]*(<\/cbc:IdentificationCode>)/g, '$1IT$2'),
        ),
    ],
    // Document-level allowance / charge categories.
    ['BR-S-06', 'standard-rated allowance at 0 %', ublDocAc(false, 'S', '0')],
    ['BR-S-07', 'standard-rated charge at 0 %', ublDocAc(true, 'S', '0')],
    ['BR-S-06', 'standard-rated allowance without rate', ublDocAc(false, 'S', undefined)],
    ['BR-32', 'allowance category in another tax scheme', ublDocAc(false, 'S', '20', 'GST')],
    ['BR-37', 'charge category in another tax scheme', ublDocAc(true, 'S', '20', 'GST')],
    [
      'BR-S-10',
      'standard-rated breakdown with an exemption reason',
      (x) => {
        const s = select(scan(x), '*/TaxTotal/TaxSubtotal/TaxCategory').find((e) =>
          /<cbc:ID>\s*S\s*</.test(textOf(x, e)),
        );
        if (!s) return undefined;
        const id = s.children.find((c) => c.local === 'Percent') ?? s.children.find((c) => c.local === 'ID');
        return id && x.slice(0, id.end) + cbc('TaxExemptionReason', 'Exonération') + x.slice(id.end);
      },
    ],
    ['BR-O-06', 'out-of-scope allowance with a rate', onCategory('O', ublDocAc(false, 'O', '0'))],
    ['BR-O-07', 'out-of-scope charge with a rate', onCategory('O', ublDocAc(true, 'O', '0'))],
    ['BR-AF-06', 'IGIC allowance without rate', onCategory('L', ublDocAc(false, 'L', undefined))],
    ['BR-AF-07', 'IGIC charge without rate', onCategory('L', ublDocAc(true, 'L', undefined))],
    ['BR-AF-06', 'IGIC allowance at -1 %', onCategory('L', ublDocAc(false, 'L', '-1'))],
    ['BR-AG-06', 'IPSI allowance without rate', onCategory('M', ublDocAc(false, 'M', undefined))],
    ['BR-AG-07', 'IPSI charge without rate', onCategory('M', ublDocAc(true, 'M', undefined))],
    ['BR-AG-06', 'IPSI allowance at 0 % (boundary)', onCategory('M', (x) => ublDocAc(false, 'M', '0')(x))],
    [
      'BR-AG-05',
      'IPSI line without rate',
      onCategory('M', (x) => remove(x, `${UL}/Item/ClassifiedTaxCategory/Percent`)),
    ],
    // Syntax binding: parts at most once.
    ...(
      [
        ['UBL-SR-09', 'AccountingSupplierParty', 'RegistrationName'],
        ['UBL-SR-11', 'AccountingSupplierParty', 'CompanyID'],
        ['UBL-SR-14', 'AccountingSupplierParty', 'CompanyLegalForm'],
        ['UBL-SR-15', 'AccountingCustomerParty', 'RegistrationName'],
        ['UBL-SR-17', 'AccountingCustomerParty', 'CompanyID'],
      ] as const
    ).map(([id, party, el]): Mutation => [
      id,
      `a second legal entity with only ${el}`,
      // Only the element at stake repeated: a repeated RegistrationName makes the artefact's BR-06/BR-07 fail
      // (normalize-space of two items), so UBL-SR-09/15 stay unreachable (unreachable-rules.tsv).
      (x) =>
        first(x, `*/${party}/Party/PartyLegalEntity/${el}`)
          ? put(x, `*/${party}/Party`, 'PartyLegalEntity', cac('PartyLegalEntity', cbc(el, 'X')))
          : undefined,
    ]),
    [
      'UBL-SR-29',
      'two SEPA creditor ids',
      (x) =>
        put(
          x,
          '*/AccountingSupplierParty/Party',
          'PartyIdentification',
          cac('PartyIdentification', '<cbc:ID schemeID="SEPA">FR12ZZZ123456</cbc:ID>') +
            cac('PartyIdentification', '<cbc:ID schemeID="SEPA">FR12ZZZ654321</cbc:ID>'),
        ),
    ],
    [
      'UBL-SR-45',
      'two payment due dates',
      (x) => ublTwoPaymentMeans(x, 'PaymentDueDate', cbc('PaymentDueDate', '2020-01-31')),
    ],
    [
      'UBL-SR-54',
      'two cards',
      (x) =>
        ublTwoPaymentMeans(
          x,
          'CardAccount',
          cac(
            'CardAccount',
            '<cbc:PrimaryAccountNumberID>1234</cbc:PrimaryAccountNumberID><cbc:NetworkID>VISA</cbc:NetworkID>',
          ),
        ),
    ],
    [
      'BR-55',
      'billing reference to a credit note only',
      (x) =>
        put(
          x,
          '*',
          'BillingReference',
          cac('BillingReference', cac('CreditNoteDocumentReference', '<cbc:ID>CN-1</cbc:ID>')),
        ),
    ],
  ];
}

// ---------- CII ----------
const TX = 'CrossIndustryInvoice/SupplyChainTradeTransaction';
const AG = `${TX}/ApplicableHeaderTradeAgreement`;
const DL = `${TX}/ApplicableHeaderTradeDelivery`;
const ST = `${TX}/ApplicableHeaderTradeSettlement`;
const SUM = `${ST}/SpecifiedTradeSettlementHeaderMonetarySummation`;
const LI = `${TX}/IncludedSupplyChainTradeLineItem`;
const LS = `${LI}/SpecifiedLineTradeSettlement`;
const PERIOD = `${ST}/BillingSpecifiedPeriod`;

const ciiAc = (charge: boolean, inner: string) =>
  ram('SpecifiedTradeAllowanceCharge', `<ram:ChargeIndicator>${indicator(charge)}</ram:ChargeIndicator>${inner}`);
const ciiTax = (cat: string, rate: string | undefined, scheme = 'VAT') =>
  `<ram:CategoryTradeTax><ram:TypeCode>${scheme}</ram:TypeCode><ram:CategoryCode>${cat}</ram:CategoryCode>${rate === undefined ? '' : `<ram:RateApplicablePercent>${rate}</ram:RateApplicablePercent>`}</ram:CategoryTradeTax>`;
function ciiTotals(x: string): string | undefined {
  let out: string | undefined = x;
  for (const n of ['ChargeTotalAmount', 'AllowanceTotalAmount'])
    if (out && !first(out, `${SUM}/${n}`)) out = put(out, SUM, n, ram(n, '0.00'));
  return out;
}
const ciiDocAc =
  (charge: boolean, cat: string, rate: string | undefined, scheme = 'VAT') =>
  (x: string) =>
    chain(
      x,
      (y) =>
        put(
          y,
          ST,
          'SpecifiedTradeAllowanceCharge',
          ciiAc(
            charge,
            `<ram:ActualAmount>0.00</ram:ActualAmount><ram:Reason>Remise</ram:Reason>${ciiTax(cat, rate, scheme)}`,
          ),
        ),
      ciiTotals,
    );
const ciiLineAc = (charge: boolean, inner: string) => (x: string) =>
  put(x, LS, 'SpecifiedTradeAllowanceCharge', ciiAc(charge, inner));
/** The header billing period (a new one from 2020-01-01 when the invoice has none). */
const ciiPeriod = (x: string) =>
  first(x, PERIOD)
    ? x
    : put(
        x,
        ST,
        'BillingSpecifiedPeriod',
        ram('BillingSpecifiedPeriod', `<ram:StartDateTime>${date102('20200101')}</ram:StartDateTime>`),
      );
/** The buyer's order reference (a new one when the invoice has none). */
const ciiOrderRef = (x: string) =>
  first(x, `${AG}/BuyerOrderReferencedDocument`)
    ? x
    : put(
        x,
        AG,
        'BuyerOrderReferencedDocument',
        ram('BuyerOrderReferencedDocument', '<ram:IssuerAssignedID>PO-1</ram:IssuerAssignedID>'),
      );
const ciiShipTo = (x: string) =>
  first(x, `${DL}/ShipToTradeParty`)
    ? x
    : put(x, DL, 'ShipToTradeParty', ram('ShipToTradeParty', '<ram:Name>Livraison</ram:Name>'));
const ciiAllS = (x: string, code: string) =>
  /<ram:CategoryCode>S<\/ram:CategoryCode>/.test(x)
    ? x.replace(/(<ram:CategoryCode>)S(<\/ram:CategoryCode>)/g, `$1${code}$2`)
    : undefined;
const allIT = (x: string) => x.replace(/(<ram:CountryID>)[^<]*(<\/ram:CountryID>)/g, '$1IT$2');

function ciiMore(toCategory: ToCategory): Mutation[] {
  const onCategory = inCategory(toCategory, false);
  const periodEl = (id: string, el: string, inner: string): Mutation => [
    id,
    `${el} in billing period`,
    (x) => chain(x, ciiPeriod, (y) => put(y, PERIOD, el, ram(el, inner))),
  ];
  const addressEl = (id: string, el: string): Mutation => [
    id,
    `${el} in seller address`,
    (x) => put(x, `${AG}/SellerTradeParty/PostalTradeAddress`, el, ram(el, 'X')),
  ];
  const refEl = (id: string, el: string, inner: string, attrs = ''): Mutation => [
    id,
    `${el} in order reference`,
    (x) => chain(x, ciiOrderRef, (y) => put(y, `${AG}/BuyerOrderReferencedDocument`, el, ram(el, inner, attrs))),
  ];
  return [
    ...(['-1.00', '-0.01', '0.00'] as const).map((v): Mutation => [
      'BR-28',
      `gross price ${v}`,
      (x) =>
        first(x, `${LI}/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice`)
          ? setText(x, `${LI}/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice/ChargeAmount`, v)
          : put(
              x,
              `${LI}/SpecifiedLineTradeAgreement`,
              'GrossPriceProductTradePrice',
              ram('GrossPriceProductTradePrice', `<ram:ChargeAmount>${v}</ram:ChargeAmount>`),
            ),
    ]),
    ['BR-CO-04', 'line tax in another scheme', (x) => setText(x, `${LS}/ApplicableTradeTax/TypeCode`, 'GST')],
    ['BR-CO-04', 'line tax without category', (x) => remove(x, `${LS}/ApplicableTradeTax/CategoryCode`)],
    // Line allowances and charges.
    ['BR-41', 'line allowance without amount', ciiLineAc(false, '<ram:Reason>x</ram:Reason>')],
    ['BR-43', 'line charge without amount', ciiLineAc(true, '<ram:Reason>x</ram:Reason>')],
    ['BR-42', 'line allowance without reason', ciiLineAc(false, '<ram:ActualAmount>0.00</ram:ActualAmount>')],
    ['BR-44', 'line charge without reason', ciiLineAc(true, '<ram:ActualAmount>0.00</ram:ActualAmount>')],
    ...(
      [
        ['BR-DEC-24', false, '<ram:ActualAmount>0.001</ram:ActualAmount>'],
        ['BR-DEC-24', false, '<ram:ActualAmount>0.100</ram:ActualAmount>'],
        ['BR-DEC-24', false, '<ram:ActualAmount>0.10</ram:ActualAmount>'],
        ['BR-DEC-27', true, '<ram:ActualAmount>0.001</ram:ActualAmount>'],
        ['BR-DEC-27', true, '<ram:ActualAmount>0.10</ram:ActualAmount>'],
        ['BR-DEC-28', true, '<ram:BasisAmount>10.001</ram:BasisAmount><ram:ActualAmount>0.00</ram:ActualAmount>'],
        ['BR-DEC-28', true, '<ram:BasisAmount>10.00</ram:BasisAmount><ram:ActualAmount>0.00</ram:ActualAmount>'],
      ] as const
    ).map(([id, charge, inner]): Mutation => [
      id,
      `line ${charge ? 'charge' : 'allowance'} ${inner.replace(/<[^>]*>/g, ' ').trim()}`,
      ciiLineAc(charge, `${inner}<ram:Reason>x</ram:Reason>`),
    ]),
    // Line period.
    ...(
      [
        ['BR-30', 'line period end before start', '20200201', '20200131'],
        ['BR-30', 'line period of one day', '20200201', '20200201'],
      ] as const
    ).map(([id, label, a, b]): Mutation => [
      id,
      label,
      (x) =>
        put(
          x,
          LS,
          'BillingSpecifiedPeriod',
          ram(
            'BillingSpecifiedPeriod',
            `<ram:StartDateTime>${date102(a)}</ram:StartDateTime><ram:EndDateTime>${date102(b)}</ram:EndDateTime>`,
          ),
        ),
    ]),
    [
      'BR-CO-20',
      'line period without dates',
      (x) => put(x, LS, 'BillingSpecifiedPeriod', ram('BillingSpecifiedPeriod', '')),
    ],
    // Header: due amount, payment means code, invoice reference, card, tax currency.
    ['BR-15', 'no amount due', (x) => remove(x, `${SUM}/DuePayableAmount`)],
    ['BR-49', 'payment means without code', (x) => remove(x, `${ST}/SpecifiedTradeSettlementPaymentMeans/TypeCode`)],
    ...(['', ' '] as const).map((v): Mutation => [
      'BR-55',
      `preceding invoice reference "${v}"`,
      (x) =>
        first(x, `${ST}/InvoiceReferencedDocument`)
          ? setText(x, `${ST}/InvoiceReferencedDocument/IssuerAssignedID`, v)
          : put(
              x,
              ST,
              'InvoiceReferencedDocument',
              ram('InvoiceReferencedDocument', `<ram:IssuerAssignedID>${v}</ram:IssuerAssignedID>`),
            ),
    ]),
    ...(['12345678901', '1234567890', ' 1234567890 '] as const).map((v): Mutation => [
      'BR-51',
      `card number "${v}"`,
      (x) =>
        put(
          x,
          `${ST}/SpecifiedTradeSettlementPaymentMeans`,
          'ApplicableTradeSettlementFinancialCard',
          ram('ApplicableTradeSettlementFinancialCard', `<ram:ID>${v}</ram:ID>`),
        ),
    ]),
    ...(['1.234', '1.230', '1.23'] as const).map((v): Mutation => [
      'BR-DEC-15',
      `VAT total in tax currency ${v}`,
      (x) =>
        chain(
          x,
          (y) =>
            first(y, `${ST}/TaxCurrencyCode`)
              ? undefined
              : put(y, ST, 'TaxCurrencyCode', ram('TaxCurrencyCode', 'USD')),
          (y) => put(y, SUM, 'TaxTotalAmount', ram('TaxTotalAmount', v, ' currencyID="USD"')),
        ),
    ]),
    [
      'BR-DEC-15',
      'tax currency without VAT total in it',
      (x) =>
        first(x, `${ST}/TaxCurrencyCode`) ? undefined : put(x, ST, 'TaxCurrencyCode', ram('TaxCurrencyCode', 'USD')),
    ],
    // Doc-level charge without amount, allowance / charge categories.
    [
      'BR-36',
      'charge without amount',
      (x) =>
        chain(
          x,
          (y) =>
            put(
              y,
              ST,
              'SpecifiedTradeAllowanceCharge',
              ciiAc(true, `<ram:Reason>Port</ram:Reason>${ciiTax('S', '20')}`),
            ),
          ciiTotals,
        ),
    ],
    ['BR-S-06', 'standard-rated allowance at 0 %', ciiDocAc(false, 'S', '0')],
    ['BR-S-07', 'standard-rated charge at 0 %', ciiDocAc(true, 'S', '0')],
    ['BR-32', 'allowance tax in another scheme', ciiDocAc(false, 'S', '20', 'GST')],
    ['BR-37', 'charge tax in another scheme', ciiDocAc(true, 'S', '20', 'GST')],
    [
      'BR-S-10',
      'standard-rated breakdown with an exemption reason',
      (x) =>
        /<ram:CategoryCode>S<\/ram:CategoryCode>/.test(textOf(x, first(x, `${ST}/ApplicableTradeTax`) ?? scan('')))
          ? put(x, `${ST}/ApplicableTradeTax`, 'ExemptionReason', ram('ExemptionReason', 'Exonération'))
          : undefined,
    ],
    ['BR-O-06', 'out-of-scope allowance with a rate', onCategory('O', ciiDocAc(false, 'O', '0'))],
    ['BR-O-07', 'out-of-scope charge with a rate', onCategory('O', ciiDocAc(true, 'O', '0'))],
    ['BR-AF-06', 'IGIC allowance at 0 %', onCategory('L', ciiDocAc(false, 'L', '0'))],
    ['BR-AF-07', 'IGIC charge at 0 %', onCategory('L', ciiDocAc(true, 'L', '0'))],
    ['BR-AG-06', 'IPSI allowance without rate', onCategory('M', ciiDocAc(false, 'M', undefined))],
    ['BR-AG-07', 'IPSI charge without rate', onCategory('M', ciiDocAc(true, 'M', undefined))],
    ['BR-AG-06', 'IPSI allowance at 0 % (boundary)', onCategory('M', ciiDocAc(false, 'M', '0'))],
    [
      'BR-AG-05',
      'IPSI line without rate',
      onCategory('M', (x) => remove(x, `${LS}/ApplicableTradeTax/RateApplicablePercent`)),
    ],
    // Split payment.
    ['BR-B-01', 'split payment outside Italy', (x) => ciiAllS(x, 'B')],
    [
      'BR-B-02',
      'split payment beside standard rate, in Italy',
      (x) => chain(x, allIT, (y) => setText(y, `${LS}/ApplicableTradeTax/CategoryCode`, 'B')),
    ],
    ['BR-B-01', 'split payment in Italy (boundary)', (x) => chain(x, (y) => ciiAllS(y, 'B'), allIT)],
    // Delivery party.
    ...(['9999', '0088'] as const).map((s): Mutation => [
      'BR-CL-26',
      `ship-to global id scheme ${s}`,
      (x) =>
        chain(x, ciiShipTo, (y) =>
          first(y, `${DL}/ShipToTradeParty/GlobalID`)
            ? setAttr(y, `${DL}/ShipToTradeParty/GlobalID`, 'schemeID', s)
            : put(y, `${DL}/ShipToTradeParty`, 'GlobalID', ram('GlobalID', '5790000435975', ` schemeID="${s}"`)),
        ),
    ]),
    [
      'BR-57',
      'ship-to address without country',
      (x) =>
        chain(x, ciiShipTo, (y) =>
          first(y, `${DL}/ShipToTradeParty/PostalTradeAddress/CountryID`)
            ? remove(y, `${DL}/ShipToTradeParty/PostalTradeAddress/CountryID`)
            : first(y, `${DL}/ShipToTradeParty/PostalTradeAddress`)
              ? y
              : put(
                  y,
                  `${DL}/ShipToTradeParty`,
                  'PostalTradeAddress',
                  ram('PostalTradeAddress', '<ram:CityName>Paris</ram:CityName>'),
                ),
        ),
    ],
    // Product: classification scheme, origin country.
    ...(['', ' ', undefined] as const).map((l): Mutation => [
      'BR-65',
      `classification ${l === undefined ? 'without' : `with "${l}"`} scheme`,
      (x) =>
        put(
          x,
          `${LI}/SpecifiedTradeProduct`,
          'DesignatedProductClassification',
          ram(
            'DesignatedProductClassification',
            `<ram:ClassCode${l === undefined ? '' : ` listID="${l}"`}>12345</ram:ClassCode>`,
          ),
        ),
    ]),
    ...(['XX', 'fr', '1A'] as const).map((c): Mutation => [
      'BR-CL-15',
      `origin country ${c}`,
      (x) =>
        put(x, `${LI}/SpecifiedTradeProduct`, 'OriginTradeCountry', ram('OriginTradeCountry', `<ram:ID>${c}</ram:ID>`)),
    ]),
    [
      'CII-SR-090',
      'origin country without id',
      (x) =>
        put(
          x,
          `${LI}/SpecifiedTradeProduct`,
          'OriginTradeCountry',
          ram('OriginTradeCountry', '<ram:Name>France</ram:Name>'),
        ),
    ],
    // Notes, tax point date.
    ...(['QQQ', 'ZZZ', 'ZZ'] as const).map((c): Mutation => [
      'BR-CL-08',
      `note subject ${c}`,
      (x) =>
        put(
          x,
          'CrossIndustryInvoice/ExchangedDocument',
          'IncludedNote',
          ram('IncludedNote', `<ram:Content>Texte</ram:Content><ram:SubjectCode>${c}</ram:SubjectCode>`),
        ),
    ]),
    [
      'BR-CO-03',
      'tax point date and due date code',
      (x) =>
        chain(
          x,
          (y) =>
            put(
              y,
              `${ST}/ApplicableTradeTax`,
              'TaxPointDate',
              ram('TaxPointDate', '<udt:DateString format="102">20200101</udt:DateString>'),
            ),
          (y) =>
            first(y, `${ST}/ApplicableTradeTax/DueDateTypeCode`)
              ? y
              : put(y, `${ST}/ApplicableTradeTax`, 'DueDateTypeCode', ram('DueDateTypeCode', '5')),
        ),
    ],
    [
      'CII-SR-461',
      'a tax point date in two breakdowns',
      (x) =>
        select(scan(x), `${ST}/ApplicableTradeTax`).length < 2
          ? undefined
          : put(
              x,
              `${ST}/ApplicableTradeTax`,
              'TaxPointDate',
              ram('TaxPointDate', '<udt:DateString format="102">20200101</udt:DateString>'),
              true,
            ),
    ],
    // Document context and header.
    [
      'CII-SR-009',
      'a second guideline without id',
      (x) =>
        put(
          x,
          'CrossIndustryInvoice/ExchangedDocumentContext',
          'GuidelineSpecifiedDocumentContextParameter',
          ram('GuidelineSpecifiedDocumentContextParameter', '<ram:Value>x</ram:Value>'),
        ),
    ],
    [
      'CII-SR-010',
      'guideline without id',
      (x) =>
        chain(
          x,
          (y) =>
            remove(y, 'CrossIndustryInvoice/ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID'),
          (y) =>
            put(
              y,
              'CrossIndustryInvoice/ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter',
              'Value',
              ram('Value', 'x'),
            ),
        ),
    ],
    ['CII-SR-014', 'no type code', (x) => remove(x, 'CrossIndustryInvoice/ExchangedDocument/TypeCode')],
    // The shadowed TypeCode rule (unreachable-rules.tsv): the attributes at the XSD's fixed values where it has one.
    ...(
      [
        ['CII-DT-010', 'listID', '1001'],
        ['CII-DT-011', 'listAgencyID', '6'],
        ['CII-DT-012', 'listVersionID', 'D16B'],
      ] as const
    ).map(([id, a, v]): Mutation => [
      id,
      `@${a} on TypeCode`,
      (x) => setAttr(x, 'CrossIndustryInvoice/ExchangedDocument/TypeCode', a, v),
    ]),
    // Summation amounts at most once (those no other rule of the artefact reads).
    ...(
      [
        [483, 'InformationAmount'],
        [485, 'TotalDiscountAmount'],
        [486, 'TotalAllowanceChargeAmount'],
        [488, 'RetailValueExcludingTaxInformationAmount'],
        [489, 'TotalDepositFeeInformationAmount'],
        [490, 'ProductValueExcludingTobaccoTaxInformationAmount'],
        [491, 'TotalRetailValueInformationAmount'],
        [492, 'GrossLineTotalAmount'],
        [493, 'NetLineTotalAmount'],
        [494, 'NetIncludingTaxesLineTotalAmount'],
      ] as const
    ).map(([n, el]): Mutation => [
      `CII-SR-${n}`,
      `two ${el}`,
      (x) => put(x, SUM, el, ram(el, '0.00') + ram(el, '0.00')),
    ]),
    // Parts EN 16931 does not use.
    refEl('CII-DT-017', 'CopyIndicator', indicator(false)),
    refEl('CII-DT-022', 'AttachmentBinaryObject', 'QUJD', ' mimeCode="application/pdf" filename="a.pdf"'),
    refEl(
      'CII-DT-027',
      'FormattedIssueDateTime',
      `<qdt:DateTimeString ${QDT} format="102">20200101</qdt:DateTimeString>`,
    ),
    refEl('CII-DT-028', 'EffectiveSpecifiedPeriod', `<ram:StartDateTime>${date102('20200101')}</ram:StartDateTime>`),
    refEl('CII-DT-029', 'IssuerTradeParty', '<ram:Name>X</ram:Name>'),
    refEl('CII-DT-030', 'AttachedSpecifiedBinaryFile', '<ram:ID>1</ram:ID>'),
    [
      'CII-DT-068',
      'period start as DateTime',
      (x) =>
        chain(x, ciiPeriod, (y) =>
          put(
            removeAll(y, `${PERIOD}/StartDateTime`) ?? y,
            PERIOD,
            'StartDateTime',
            ram('StartDateTime', '<udt:DateTime>2020-01-01T00:00:00</udt:DateTime>'),
          ),
        ),
    ],
    [
      'CII-DT-072',
      'period end as DateTime',
      (x) =>
        chain(x, ciiPeriod, (y) =>
          put(
            removeAll(y, `${PERIOD}/EndDateTime`) ?? y,
            PERIOD,
            'EndDateTime',
            ram('EndDateTime', '<udt:DateTime>2030-01-01T00:00:00</udt:DateTime>'),
          ),
        ),
    ],
    periodEl('CII-DT-069', 'DurationMeasure', '1'),
    periodEl('CII-DT-070', 'InclusiveIndicator', indicator(true)),
    periodEl('CII-DT-071', 'Description', 'X'),
    periodEl('CII-DT-073', 'CompleteDateTime', date102('20200131')),
    periodEl('CII-DT-074', 'OpenIndicator', indicator(false)),
    periodEl('CII-DT-075', 'SeasonCode', 'X'),
    periodEl('CII-DT-076', 'ID', 'X'),
    periodEl('CII-DT-077', 'Name', 'X'),
    periodEl('CII-DT-078', 'SequenceNumeric', '1'),
    periodEl('CII-DT-079', 'StartDateFlexibilityCode', 'X'),
    periodEl('CII-DT-080', 'ContinuousIndicator', indicator(true)),
    periodEl('CII-DT-081', 'PurposeCode', 'X'),
    ...(
      [
        [82, 'ID'],
        [83, 'PostOfficeBox'],
        [84, 'BuildingName'],
        [86, 'LineFour'],
        [87, 'LineFive'],
        [88, 'StreetName'],
        [89, 'CitySubDivisionName'],
        [90, 'CountryName'],
        [91, 'CountrySubDivisionID'],
        [92, 'AttentionOf'],
        [93, 'CareOf'],
        [94, 'BuildingNumber'],
        [95, 'DepartmentName'],
        [96, 'AdditionalStreetName'],
      ] as const
    ).map(([n, el]) => addressEl(`CII-DT-0${n}`, el)),
  ];
}

/** The extra mutations for a UBL (true) or CII base; `toCategory` moves an invoice to another VAT category. */
export function moreMutations(ubl: boolean, toCategory: ToCategory): Mutation[] {
  return ubl ? ublMore(toCategory) : ciiMore(toCategory);
}
