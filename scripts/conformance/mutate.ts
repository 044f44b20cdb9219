/**
 * Mutation generator for the conformance run (dev/CI only): from each valid base invoice (UBL and CII),
 * deterministic mutants aimed at one fatal rule each (a mandatory term removed, a calculation broken at and
 * around its rounding boundary, an invalid code, whitespace, a wrong tax scheme, a tax category's conditions,
 * a bad date format, an empty or duplicated element…). Generated at run time, never committed.
 *
 * The XML is edited as text through a light element-span scanner, so everything else (namespaces, comments,
 * formatting) stays byte for byte.
 */
import type { DetectedFlow } from '../../src/formats/types.ts';
import {
  duplicate,
  first,
  insertAfter,
  insertBefore,
  insertFirst,
  pad,
  remove,
  removeAll,
  scan,
  setAll,
  setAttr,
  setText,
  shift,
  type El,
} from './xml-edit.ts';
import { moreMutations } from './mutate-more.ts';

const CAC = 'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"';
const CBC = 'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"';

type Mutation = [target: string, label: string, f: (xml: string) => string | undefined];

// ---------- UBL ----------
const UL = '*Line'; // InvoiceLine or CreditNoteLine
const ublMutations: Mutation[] = [
  ['BR-01', 'no CustomizationID', (x) => remove(x, '*/CustomizationID')],
  ['BR-02', 'no invoice number', (x) => remove(x, '*/ID')],
  ['BR-03', 'no issue date', (x) => remove(x, '*/IssueDate')],
  ['BR-04', 'no type code', (x) => remove(x, '*/InvoiceTypeCode') ?? remove(x, '*/CreditNoteTypeCode')],
  ['BR-05', 'no currency', (x) => remove(x, '*/DocumentCurrencyCode')],
  ['BR-06', 'no seller name', (x) => remove(x, '*/AccountingSupplierParty/Party/PartyLegalEntity/RegistrationName')],
  ['BR-07', 'no buyer name', (x) => remove(x, '*/AccountingCustomerParty/Party/PartyLegalEntity/RegistrationName')],
  ['BR-08', 'no seller address', (x) => remove(x, '*/AccountingSupplierParty/Party/PostalAddress')],
  ['BR-09', 'no seller country', (x) => remove(x, '*/AccountingSupplierParty/Party/PostalAddress/Country')],
  ['BR-10', 'no buyer address', (x) => remove(x, '*/AccountingCustomerParty/Party/PostalAddress')],
  ['BR-11', 'no buyer country', (x) => remove(x, '*/AccountingCustomerParty/Party/PostalAddress/Country')],
  ['BR-12', 'no line net total', (x) => remove(x, '*/LegalMonetaryTotal/LineExtensionAmount')],
  ['BR-13', 'no total without VAT', (x) => remove(x, '*/LegalMonetaryTotal/TaxExclusiveAmount')],
  ['BR-14', 'no total with VAT', (x) => remove(x, '*/LegalMonetaryTotal/TaxInclusiveAmount')],
  ['BR-15', 'no amount due', (x) => remove(x, '*/LegalMonetaryTotal/PayableAmount')],
  ['BR-16', 'no lines', (x) => removeAll(x, `*/${'InvoiceLine'}`) ?? removeAll(x, '*/CreditNoteLine')],
  ['BR-21', 'no line id', (x) => remove(x, `*/${UL}/ID`)],
  [
    'BR-22',
    'no line quantity',
    (x) => remove(x, '*/InvoiceLine/InvoicedQuantity') ?? remove(x, '*/CreditNoteLine/CreditedQuantity'),
  ],
  ['BR-24', 'no line net amount', (x) => remove(x, `*/${UL}/LineExtensionAmount`)],
  ['BR-25', 'no item name', (x) => remove(x, `*/${UL}/Item/Name`)],
  ['BR-26', 'no net price', (x) => remove(x, `*/${UL}/Price/PriceAmount`)],
  ['BR-27', 'negative net price', (x) => setText(x, `*/${UL}/Price/PriceAmount`, (o) => `-${o.trim()}`)],
  [
    'BR-28',
    'negative gross price',
    (x) => setText(x, `*/${UL}/Price/AllowanceCharge/BaseAmount`, (o) => `-${o.trim()}`),
  ],
  ['BR-CO-10', 'line total off by 0.01', (x) => setText(x, '*/LegalMonetaryTotal/LineExtensionAmount', shift('0.01'))],
  [
    'BR-CO-13',
    'tax exclusive off by 0.01',
    (x) => setText(x, '*/LegalMonetaryTotal/TaxExclusiveAmount', shift('0.01')),
  ],
  [
    'BR-CO-13',
    'tax exclusive off by 0.005',
    (x) => setText(x, '*/LegalMonetaryTotal/TaxExclusiveAmount', shift('0.005')),
  ],
  ['BR-CO-14', 'VAT total off by 0.01', (x) => setText(x, '*/TaxTotal/TaxAmount', shift('0.01'))],
  [
    'BR-CO-15',
    'tax inclusive off by 0.01',
    (x) => setText(x, '*/LegalMonetaryTotal/TaxInclusiveAmount', shift('0.01')),
  ],
  ['BR-CO-16', 'amount due off by 0.01', (x) => setText(x, '*/LegalMonetaryTotal/PayableAmount', shift('0.01'))],
  ['BR-CO-17', 'breakdown tax off by 0.01', (x) => setText(x, '*/TaxTotal/TaxSubtotal/TaxAmount', shift('0.01'))],
  ['BR-CO-17', 'breakdown tax off by 0.005', (x) => setText(x, '*/TaxTotal/TaxSubtotal/TaxAmount', shift('0.005'))],
  ['BR-CO-18', 'no VAT breakdown', (x) => removeAll(x, '*/TaxTotal/TaxSubtotal')],
  ['BR-CO-15', 'two VAT totals', (x) => duplicate(x, '*/TaxTotal')],
  [
    'BR-DEC-09',
    'three decimals on line total',
    (x) =>
      setText(x, '*/LegalMonetaryTotal/LineExtensionAmount', (o) =>
        o.trim().includes('.') ? o.trim() + '0' : o.trim() + '.000',
      ),
  ],
  ['BR-DEC-18', 'spaces around amount due', (x) => setText(x, '*/LegalMonetaryTotal/PayableAmount', pad)],
  [
    'BR-DEC-23',
    'three decimals on line net',
    (x) =>
      setText(x, `*/${UL}/LineExtensionAmount`, (o) => (o.trim().includes('.') ? o.trim() + '1' : o.trim() + '.001')),
  ],
  [
    'BR-CL-01',
    'bad type code',
    (x) => setText(x, '*/InvoiceTypeCode', '999') ?? setText(x, '*/CreditNoteTypeCode', '999'),
  ],
  ['BR-CL-03', 'bad currency', (x) => setText(x, '*/DocumentCurrencyCode', 'XXY')],
  [
    'BR-CL-04',
    'bad currency with attribute',
    (x) => setAttr(x, '*/LegalMonetaryTotal/PayableAmount', 'currencyID', 'XXY'),
  ],
  [
    'BR-CL-06',
    'bad invoice period code',
    (x) =>
      setText(x, '*/InvoicePeriod/DescriptionCode', '99') ??
      insertAfter(
        x,
        '*/InvoicePeriod/*',
        '<cbc:DescriptionCode xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">99</cbc:DescriptionCode>',
      ),
  ],
  [
    'BR-CL-14',
    'bad seller country',
    (x) => setText(x, '*/AccountingSupplierParty/Party/PostalAddress/Country/IdentificationCode', 'XX'),
  ],
  ['BR-CL-16', 'bad payment means code', (x) => setText(x, '*/PaymentMeans/PaymentMeansCode', '999')],
  [
    'BR-CL-23',
    'bad unit code',
    (x) =>
      setAttr(x, `*/${UL}/InvoicedQuantity`, 'unitCode', 'XXX') ??
      setAttr(x, `*/${UL}/CreditedQuantity`, 'unitCode', 'XXX'),
  ],
  ['BR-CL-17', 'bad VAT category code', (x) => setText(x, '*/TaxTotal/TaxSubtotal/TaxCategory/ID', 'Q')],
  ['BR-CL-18', 'bad line VAT category code', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`, 'Q')],
  [
    'BR-CL-25',
    'bad endpoint scheme',
    (x) => setAttr(x, '*/AccountingSupplierParty/Party/EndpointID', 'schemeID', 'XX99'),
  ],
  [
    'BR-CL-21',
    'bad standard id scheme',
    (x) => setAttr(x, `*/${UL}/Item/StandardItemIdentification/ID`, 'schemeID', 'XX99'),
  ],
  [
    'BR-47',
    'wrong tax scheme VA in breakdown',
    (x) => setText(x, '*/TaxTotal/TaxSubtotal/TaxCategory/TaxScheme/ID', 'VA'),
  ],
  [
    'BR-S-02',
    'wrong tax scheme VA on seller',
    (x) => setText(x, '*/AccountingSupplierParty/Party/PartyTaxScheme/TaxScheme/ID', 'VA'),
  ],
  ['BR-48', 'no breakdown rate', (x) => remove(x, '*/TaxTotal/TaxSubtotal/TaxCategory/Percent')],
  ['BR-45', 'no taxable amount', (x) => remove(x, '*/TaxTotal/TaxSubtotal/TaxableAmount')],
  ['BR-S-05', 'line standard rate 0', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/Percent`, '0')],
  ['BR-S-08', 'standard taxable off', (x) => setText(x, '*/TaxTotal/TaxSubtotal/TaxableAmount', shift('1'))],
  ['BR-E-10', 'exempt without reason', (x) => (x.includes('>E<') ? removeAll(x, '**/TaxExemptionReason') : undefined)],
  ['BR-49', 'no payment means code', (x) => remove(x, '*/PaymentMeans/PaymentMeansCode')],
  ['BR-50', 'credit transfer without account id', (x) => remove(x, '*/PaymentMeans/PayeeFinancialAccount/ID')],
  ['BR-61', 'credit transfer code without account', (x) => remove(x, '*/PaymentMeans/PayeeFinancialAccount')],
  ['BR-52', 'document reference without id', (x) => setText(x, '*/AdditionalDocumentReference/ID', '')],
  ['BR-55', 'preceding invoice without id', (x) => setText(x, '*/BillingReference/InvoiceDocumentReference/ID', '')],
  [
    'BR-62',
    'seller endpoint without scheme',
    (x) => setAttr(x, '*/AccountingSupplierParty/Party/EndpointID', 'schemeID', null),
  ],
  [
    'BR-63',
    'buyer endpoint without scheme',
    (x) => setAttr(x, '*/AccountingCustomerParty/Party/EndpointID', 'schemeID', null),
  ],
  [
    'BR-CO-09',
    'VAT id without country prefix',
    (x) => setText(x, '*/AccountingSupplierParty/Party/PartyTaxScheme/CompanyID', (o) => `12${o.trim().slice(2)}`),
  ],
  [
    'BR-29',
    'period end before start',
    (x) => {
      const s = first(x, '*/InvoicePeriod/StartDate');
      return s ? setText(x, '*/InvoicePeriod/EndDate', '1990-01-01') : undefined;
    },
  ],
  [
    'UBL-SR-13',
    'two tax point dates',
    (x) =>
      duplicate(x, '*/TaxPointDate') ??
      insertAfter(
        x,
        '*/IssueDate',
        '<cbc:TaxPointDate xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">2017-01-01</cbc:TaxPointDate><cbc:TaxPointDate xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">2017-01-02</cbc:TaxPointDate>',
      ),
  ],
  ['UBL-SR-19', 'two seller legal entities', (x) => duplicate(x, '*/AccountingSupplierParty/Party/PartyLegalEntity')],
  ['UBL-SR-20', 'two seller names (trading)', (x) => duplicate(x, '*/AccountingSupplierParty/Party/PartyName')],
  ['UBL-SR-21', 'two buyer legal entities', (x) => duplicate(x, '*/AccountingCustomerParty/Party/PartyLegalEntity')],
  ['UBL-SR-46', 'two periods on a line', (x) => duplicate(x, `*/${UL}/InvoicePeriod`)],
  ['UBL-SR-47', 'two document level notes codes', (x) => duplicate(x, '*/PaymentMeans/PaymentMeansCode')],
  ['UBL-SR-48', 'two payment means per account', (x) => duplicate(x, '*/PaymentMeans/PayeeFinancialAccount')],
  [
    'UBL-DT-01',
    'three decimals and sign',
    (x) => setText(x, '*/LegalMonetaryTotal/PayableAmount', (o) => `+${o.trim()}`),
  ],
  ['UBL-DT-06', 'binary object without mime', (x) => setAttr(x, '**/EmbeddedDocumentBinaryObject', 'mimeCode', null)],
  [
    'UBL-DT-07',
    'binary object without filename',
    (x) => setAttr(x, '**/EmbeddedDocumentBinaryObject', 'filename', null),
  ],
  ['UBL-SR-37', 'two price discounts', (x) => duplicate(x, `*/${UL}/Price/AllowanceCharge`)],
  [
    'BR-CL-10',
    'bad scheme on seller id',
    (x) => setAttr(x, '*/AccountingSupplierParty/Party/PartyIdentification/ID', 'schemeID', 'XX99'),
  ],
  [
    'BR-CL-11',
    'bad legal id scheme',
    (x) => setAttr(x, '*/AccountingSupplierParty/Party/PartyLegalEntity/CompanyID', 'schemeID', 'XX99'),
  ],
  [
    'BR-CL-13',
    'bad classification scheme',
    (x) => setAttr(x, '**/CommodityClassification/ItemClassificationCode', 'listID', 'XX'),
  ],
  ['BR-CL-22', 'bad exemption code', (x) => setText(x, '**/TaxExemptionReasonCode', 'VATEX-XX-99')],
  ['BR-CL-24', 'bad mime code', (x) => setAttr(x, '**/EmbeddedDocumentBinaryObject', 'mimeCode', 'text/x-foo')],
  ['BR-CL-19', 'bad allowance reason code', (x) => setText(x, '*/AllowanceCharge/AllowanceChargeReasonCode', 'ZZX')],
  [
    'BR-33',
    'allowance without reason',
    (x) => {
      const r = removeAll(x, '*/AllowanceCharge/AllowanceChargeReason');
      return r && removeAll(r, '*/AllowanceCharge/AllowanceChargeReasonCode');
    },
  ],
  ['BR-31', 'allowance without amount', (x) => remove(x, '*/AllowanceCharge/Amount')],
  ['BR-CO-04', 'line without VAT category', (x) => remove(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`)],
  [
    'BR-CO-03',
    'tax point date and period code',
    (x) =>
      first(x, '*/InvoicePeriod/DescriptionCode')
        ? insertAfter(
            x,
            '*/IssueDate',
            '<cbc:TaxPointDate xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">2017-01-01</cbc:TaxPointDate>',
          )
        : undefined,
  ],
  [
    'BR-CO-26',
    'no seller identifiers',
    (x) => {
      let r: string | undefined = x;
      for (const p of [
        '*/AccountingSupplierParty/Party/PartyIdentification',
        '*/AccountingSupplierParty/Party/PartyTaxScheme',
        '*/AccountingSupplierParty/Party/PartyLegalEntity/CompanyID',
      ])
        r = r && (removeAll(r, p) ?? r);
      return r === x ? undefined : r;
    },
  ],
  [
    'UBL-CR-001',
    'empty element',
    (x) =>
      insertFirst(
        x,
        `*/${UL}/Item`,
        '<cbc:Description xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"></cbc:Description>',
      ),
  ],
  [
    'BR-CL-05',
    'bad tax currency',
    (x) =>
      insertAfter(
        x,
        '*/DocumentCurrencyCode',
        '<cbc:TaxCurrencyCode xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">XXY</cbc:TaxCurrencyCode>',
      ),
  ],
  [
    'BR-53',
    'tax currency without tax total in it',
    (x) =>
      insertAfter(
        x,
        '*/DocumentCurrencyCode',
        '<cbc:TaxCurrencyCode xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">SEK</cbc:TaxCurrencyCode>',
      ),
  ],
  ['BR-CL-06', 'whitespace in currency code', (x) => setText(x, '*/DocumentCurrencyCode', pad)],
  [
    'BR-CL-14',
    'lower-case country',
    (x) =>
      setText(x, '*/AccountingSupplierParty/Party/PostalAddress/Country/IdentificationCode', (o) =>
        o.trim().toLowerCase(),
      ),
  ],
  ['BR-AE-01', 'reverse charge line only', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`, 'AE')],
  ['BR-Z-01', 'zero-rated line only', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`, 'Z')],
  ['BR-E-01', 'exempt line only', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`, 'E')],
  ['BR-O-01', 'not subject line only', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`, 'O')],
  ['BR-IC-01', 'intra-community line only', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`, 'K')],
  ['BR-G-01', 'export line only', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`, 'G')],
  ['BR-AF-01', 'IGIC line only', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`, 'L')],
  ['BR-AG-01', 'IPSI line only', (x) => setText(x, `*/${UL}/Item/ClassifiedTaxCategory/ID`, 'M')],
  ['BR-S-01', 'standard breakdown changed to Z', (x) => setText(x, '*/TaxTotal/TaxSubtotal/TaxCategory/ID', 'Z')],
  [
    'BR-DEC-01',
    'three decimals on allowance',
    (x) => setText(x, '*/AllowanceCharge/Amount', (o) => (o.trim().includes('.') ? o.trim() + '1' : o.trim() + '.001')),
  ],
  ['BR-CO-21', 'allowance reason only code empty', (x) => setText(x, '*/AllowanceCharge/AllowanceChargeReason', '')],
];

// ---------- CII ----------
const TX = 'CrossIndustryInvoice/SupplyChainTradeTransaction';
const AG = `${TX}/ApplicableHeaderTradeAgreement`;
const ST = `${TX}/ApplicableHeaderTradeSettlement`;
const SUM = `${ST}/SpecifiedTradeSettlementHeaderMonetarySummation`;
const LI = `${TX}/IncludedSupplyChainTradeLineItem`;
const RAM = 'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"';
const UDT = 'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"';
const ciiMutations: Mutation[] = [
  ['BR-02', 'no invoice number', (x) => setText(x, 'CrossIndustryInvoice/ExchangedDocument/ID', '')],
  ['BR-04', 'empty type code', (x) => setText(x, 'CrossIndustryInvoice/ExchangedDocument/TypeCode', '')],
  ['BR-05', 'no currency', (x) => remove(x, `${ST}/InvoiceCurrencyCode`)],
  ['BR-06', 'no seller name', (x) => remove(x, `${AG}/SellerTradeParty/Name`)],
  ['BR-07', 'no buyer name', (x) => remove(x, `${AG}/BuyerTradeParty/Name`)],
  ['BR-08', 'no seller address', (x) => remove(x, `${AG}/SellerTradeParty/PostalTradeAddress`)],
  ['BR-09', 'empty seller country', (x) => setText(x, `${AG}/SellerTradeParty/PostalTradeAddress/CountryID`, '')],
  ['BR-10', 'no buyer address', (x) => remove(x, `${AG}/BuyerTradeParty/PostalTradeAddress`)],
  ['BR-12', 'no line total', (x) => remove(x, `${SUM}/LineTotalAmount`)],
  ['BR-13', 'no tax basis total', (x) => remove(x, `${SUM}/TaxBasisTotalAmount`)],
  ['BR-14', 'no grand total', (x) => remove(x, `${SUM}/GrandTotalAmount`)],
  ['BR-16', 'no lines', (x) => removeAll(x, LI)],
  ['BR-21', 'empty line id', (x) => setText(x, `${LI}/AssociatedDocumentLineDocument/LineID`, '')],
  ['BR-22', 'no line quantity', (x) => remove(x, `${LI}/SpecifiedLineTradeDelivery/BilledQuantity`)],
  [
    'BR-24',
    'no line net amount',
    (x) =>
      remove(x, `${LI}/SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount`),
  ],
  ['BR-25', 'no item name', (x) => remove(x, `${LI}/SpecifiedTradeProduct/Name`)],
  [
    'BR-26',
    'no net price',
    (x) => remove(x, `${LI}/SpecifiedLineTradeAgreement/NetPriceProductTradePrice/ChargeAmount`),
  ],
  [
    'BR-27',
    'negative net price',
    (x) =>
      setText(x, `${LI}/SpecifiedLineTradeAgreement/NetPriceProductTradePrice/ChargeAmount`, (o) => `-${o.trim()}`),
  ],
  ['BR-CO-10', 'line total off by 0.01', (x) => setText(x, `${SUM}/LineTotalAmount`, shift('0.01'))],
  ['BR-CO-13', 'tax basis off by 0.01', (x) => setText(x, `${SUM}/TaxBasisTotalAmount`, shift('0.01'))],
  ['BR-CO-13', 'tax basis off by 0.005', (x) => setText(x, `${SUM}/TaxBasisTotalAmount`, shift('0.005'))],
  ['BR-CO-14', 'tax total off by 0.01', (x) => setText(x, `${SUM}/TaxTotalAmount`, shift('0.01'))],
  ['BR-CO-15', 'grand total off by 0.01', (x) => setText(x, `${SUM}/GrandTotalAmount`, shift('0.01'))],
  ['BR-CO-15', 'no tax total', (x) => remove(x, `${SUM}/TaxTotalAmount`)],
  ['BR-CO-16', 'due off by 0.01', (x) => setText(x, `${SUM}/DuePayableAmount`, shift('0.01'))],
  [
    'BR-CO-17',
    'breakdown tax off by 0.01',
    (x) => setText(x, `${ST}/ApplicableTradeTax/CalculatedAmount`, shift('0.01')),
  ],
  [
    'BR-CO-17',
    'breakdown tax off by 0.005',
    (x) => setText(x, `${ST}/ApplicableTradeTax/CalculatedAmount`, shift('0.005')),
  ],
  ['BR-CO-18', 'no VAT breakdown', (x) => removeAll(x, `${ST}/ApplicableTradeTax`)],
  ['BR-DEC-18', 'spaces around due amount', (x) => setText(x, `${SUM}/DuePayableAmount`, pad)],
  [
    'BR-DEC-09',
    'three decimals on line total',
    (x) => setText(x, `${SUM}/LineTotalAmount`, (o) => (o.trim().includes('.') ? o.trim() + '1' : o.trim() + '.001')),
  ],
  ['BR-CL-01', 'bad type code', (x) => setText(x, 'CrossIndustryInvoice/ExchangedDocument/TypeCode', '999')],
  ['BR-CL-03', 'bad currency', (x) => setText(x, `${ST}/InvoiceCurrencyCode`, 'XXY')],
  ['BR-CL-14', 'bad seller country', (x) => setText(x, `${AG}/SellerTradeParty/PostalTradeAddress/CountryID`, 'XX')],
  ['BR-CL-16', 'bad payment means', (x) => setText(x, `${ST}/SpecifiedTradeSettlementPaymentMeans/TypeCode`, '999')],
  ['BR-CL-17', 'bad breakdown category', (x) => setText(x, `${ST}/ApplicableTradeTax/CategoryCode`, 'Q')],
  [
    'BR-CL-18',
    'bad line category',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`, 'Q'),
  ],
  [
    'BR-CL-23',
    'bad unit code',
    (x) => setAttr(x, `${LI}/SpecifiedLineTradeDelivery/BilledQuantity`, 'unitCode', 'XXX'),
  ],
  [
    'BR-CL-25',
    'bad endpoint scheme',
    (x) => setAttr(x, `${AG}/SellerTradeParty/URIUniversalCommunication/URIID`, 'schemeID', 'XX99'),
  ],
  [
    'BR-CL-06',
    'bad due date code',
    (x) =>
      setText(x, `${ST}/ApplicableTradeTax/DueDateTypeCode`, '99') ??
      insertAfter(x, `${ST}/ApplicableTradeTax/CategoryCode`, `<ram:DueDateTypeCode ${RAM}>99</ram:DueDateTypeCode>`),
  ],
  ['BR-47', 'tax type VA in breakdown', (x) => setText(x, `${ST}/ApplicableTradeTax/TypeCode`, 'VA')],
  ['BR-48', 'no breakdown rate', (x) => remove(x, `${ST}/ApplicableTradeTax/RateApplicablePercent`)],
  ['BR-45', 'no basis amount', (x) => remove(x, `${ST}/ApplicableTradeTax/BasisAmount`)],
  ['BR-46', 'no calculated amount', (x) => remove(x, `${ST}/ApplicableTradeTax/CalculatedAmount`)],
  ['BR-S-08', 'standard basis off', (x) => setText(x, `${ST}/ApplicableTradeTax/BasisAmount`, shift('1'))],
  [
    'BR-S-05',
    'line standard rate 0',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/RateApplicablePercent`, '0'),
  ],
  ['BR-S-01', 'standard breakdown changed to Z', (x) => setText(x, `${ST}/ApplicableTradeTax/CategoryCode`, 'Z')],
  [
    'BR-AE-01',
    'reverse charge line only',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`, 'AE'),
  ],
  [
    'BR-Z-01',
    'zero-rated line only',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`, 'Z'),
  ],
  [
    'BR-E-01',
    'exempt line only',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`, 'E'),
  ],
  [
    'BR-O-01',
    'not subject line only',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`, 'O'),
  ],
  [
    'BR-IC-01',
    'intra-community line only',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`, 'K'),
  ],
  [
    'BR-G-01',
    'export line only',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`, 'G'),
  ],
  [
    'BR-AF-01',
    'IGIC line only',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`, 'L'),
  ],
  [
    'BR-AG-01',
    'IPSI line only',
    (x) => setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode`, 'M'),
  ],
  ['BR-49', 'no payment means code', (x) => setText(x, `${ST}/SpecifiedTradeSettlementPaymentMeans/TypeCode`, '')],
  [
    'BR-61',
    'credit transfer without account',
    (x) => {
      const r = setText(x, `${ST}/SpecifiedTradeSettlementPaymentMeans/TypeCode`, '58');
      return r && (remove(r, `${ST}/SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount`) ?? r);
    },
  ],
  [
    'BR-50',
    'account without id',
    (x) => setText(x, `${ST}/SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/IBANID`, ''),
  ],
  [
    'BR-62',
    'endpoint without scheme',
    (x) => setAttr(x, `${AG}/SellerTradeParty/URIUniversalCommunication/URIID`, 'schemeID', null),
  ],
  [
    'BR-CO-09',
    'VAT id without prefix',
    (x) => setText(x, `${AG}/SellerTradeParty/SpecifiedTaxRegistration/ID`, (o) => `12${o.trim().slice(2)}`),
  ],
  [
    'BR-17',
    'payee equal to seller',
    (x) =>
      insertBefore(
        x,
        `${ST}/SpecifiedTradeSettlementPaymentMeans`,
        `<ram:PayeeTradeParty ${RAM}><ram:Name>Payee</ram:Name></ram:PayeeTradeParty>`,
      ) ??
      insertBefore(
        x,
        `${ST}/ApplicableTradeTax`,
        `<ram:PayeeTradeParty ${RAM}><ram:Name>Payee</ram:Name></ram:PayeeTradeParty>`,
      ),
  ],
  [
    'BR-17',
    'payee without name',
    (x) =>
      insertBefore(
        x,
        `${ST}/SpecifiedTradeSettlementPaymentMeans`,
        `<ram:PayeeTradeParty ${RAM}><ram:ID>P1</ram:ID></ram:PayeeTradeParty>`,
      ),
  ],
  [
    'CII-SR-461',
    'empty element',
    (x) => insertAfter(x, `${LI}/SpecifiedTradeProduct/Name`, `<ram:Description ${RAM}></ram:Description>`),
  ],
  ['CII-SR-439', 'two breakdown rates', (x) => duplicate(x, `${ST}/ApplicableTradeTax/RateApplicablePercent`)],
  [
    'CII-DT-021',
    'date format 103',
    (x) => setAttr(x, 'CrossIndustryInvoice/ExchangedDocument/IssueDateTime/DateTimeString', 'format', '103'),
  ],
  [
    'CII-DT-024',
    'bad date',
    (x) => setText(x, 'CrossIndustryInvoice/ExchangedDocument/IssueDateTime/DateTimeString', '2017-01-01'),
  ],
  ['CII-DT-031', 'currency on amount', (x) => setAttr(x, `${SUM}/GrandTotalAmount`, 'currencyID', 'EUR')],
  [
    'CII-DT-097',
    'due date format',
    (x) => setAttr(x, `${ST}/SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString`, 'format', '203'),
  ],
  ['CII-SR-460', 'two buyer references', (x) => duplicate(x, `${AG}/BuyerReference`)],
  [
    'BR-DEC-23',
    'three decimals on line net',
    (x) =>
      setText(
        x,
        `${LI}/SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount`,
        (o) => (o.trim().includes('.') ? o.trim() + '1' : o.trim() + '.001'),
      ),
  ],
  [
    'BR-CO-26',
    'no seller identifiers',
    (x) => {
      let r: string | undefined = x;
      for (const p of [
        `${AG}/SellerTradeParty/ID`,
        `${AG}/SellerTradeParty/GlobalID`,
        `${AG}/SellerTradeParty/SpecifiedTaxRegistration`,
        `${AG}/SellerTradeParty/SpecifiedLegalOrganization`,
      ])
        r = r && (removeAll(r, p) ?? r);
      return r === x ? undefined : r;
    },
  ],
  [
    'BR-52',
    'document reference without id',
    (x) => setText(x, `${AG}/AdditionalReferencedDocument/IssuerAssignedID`, ''),
  ],
  [
    'BR-CL-24',
    'bad mime code',
    (x) => setAttr(x, `${AG}/AdditionalReferencedDocument/AttachmentBinaryObject`, 'mimeCode', 'text/x-foo'),
  ],
  [
    'BR-29',
    'period end before start',
    (x) =>
      first(x, `${ST}/BillingSpecifiedPeriod/StartDateTime`)
        ? setText(x, `${ST}/BillingSpecifiedPeriod/EndDateTime/DateTimeString`, '19900101')
        : undefined,
  ],
  [
    'BR-DEC-01',
    'three decimals on allowance',
    (x) =>
      setText(x, `${ST}/SpecifiedTradeAllowanceCharge/ActualAmount`, (o) =>
        o.trim().includes('.') ? o.trim() + '1' : o.trim() + '.001',
      ),
  ],
  ['BR-31', 'allowance without amount', (x) => remove(x, `${ST}/SpecifiedTradeAllowanceCharge/ActualAmount`)],
  [
    'BR-CL-05',
    'bad tax currency',
    (x) => insertAfter(x, `${ST}/InvoiceCurrencyCode`, `<ram:TaxCurrencyCode ${RAM}>XXY</ram:TaxCurrencyCode>`),
  ],
  [
    'CII-DT-037',
    'bad date in period',
    (x) => setAttr(x, `${ST}/BillingSpecifiedPeriod/StartDateTime/DateTimeString`, 'format', '203'),
  ],
  ['BR-CL-14', 'whitespace in country', (x) => setText(x, `${AG}/SellerTradeParty/PostalTradeAddress/CountryID`, pad)],
];
void UDT;

/** Duplicates the element at a path (the "at most once" syntax-binding rules). */
const dup = (id: string, p: string): Mutation => [id, `two ${p.split('/').pop()}`, (x) => duplicate(x, p)];
const UBL_DUPS: Mutation[] = [
  dup('UBL-SR-01', '*/ContractDocumentReference'),
  dup('UBL-SR-02', '*/ReceiptDocumentReference'),
  dup('UBL-SR-03', '*/DespatchDocumentReference'),
  dup('UBL-SR-05', '*/PaymentTerms/Note'),
  dup('UBL-SR-05', '*/PaymentTerms'),
  dup('UBL-SR-08', '*/InvoicePeriod'),
  dup('UBL-SR-09', '*/AccountingSupplierParty/Party/PartyLegalEntity/RegistrationName'),
  dup('UBL-SR-11', '*/AccountingSupplierParty/Party/PartyLegalEntity/CompanyID'),
  dup('UBL-SR-12', '*/AccountingSupplierParty/Party/PartyTaxScheme'),
  dup('UBL-SR-14', '*/AccountingSupplierParty/Party/PartyLegalEntity/CompanyLegalForm'),
  dup('UBL-SR-15', '*/AccountingCustomerParty/Party/PartyLegalEntity/RegistrationName'),
  dup('UBL-SR-16', '*/AccountingCustomerParty/Party/PartyIdentification'),
  dup('UBL-SR-17', '*/AccountingCustomerParty/Party/PartyLegalEntity/CompanyID'),
  dup('UBL-SR-18', '*/AccountingCustomerParty/Party/PartyTaxScheme'),
  dup('UBL-SR-22', '*/TaxRepresentativeParty/PartyName'),
  dup('UBL-SR-23', '*/TaxRepresentativeParty/PartyTaxScheme'),
  dup('UBL-SR-24', '*/Delivery'),
  dup('UBL-SR-25', '*/Delivery/DeliveryParty/PartyName'),
  dup('UBL-SR-26', '*/PaymentMeans/PaymentID'),
  dup('UBL-SR-27', '*/PaymentMeans/PaymentMeansCode'),
  dup('UBL-SR-28', '*/PaymentMeans/PaymentMandate/ID'),
  dup('UBL-SR-30', '*/AllowanceCharge/AllowanceChargeReason'),
  dup('UBL-SR-32', '*/TaxTotal/TaxSubtotal/TaxCategory/TaxExemptionReason'),
  dup('UBL-SR-33', '*/AdditionalDocumentReference/DocumentDescription'),
  dup('UBL-SR-34', `*/${UL}/Note`),
  dup('UBL-SR-35', `*/${UL}/OrderLineReference`),
  dup('UBL-SR-39', '*/ProjectReference'),
  dup('UBL-SR-40', '*/AccountingCustomerParty/Party/PartyName'),
  dup('UBL-SR-42', '*/AccountingSupplierParty/Party/PartyTaxScheme'),
  dup('UBL-SR-45', '*/PaymentMeans/PaymentDueDate'),
  dup('UBL-SR-45', '*/PaymentMeans'),
  dup('UBL-SR-44', '*/PaymentMeans'),
  dup('UBL-SR-49', '*/InvoicePeriod/DescriptionCode'),
  dup('UBL-SR-50', `*/${UL}/Item/Description`),
  dup('UBL-SR-51', '*/AccountingSupplierParty/Party/PostalAddress/AddressLine'),
  dup('UBL-SR-52', `*/${UL}/DocumentReference`),
  dup('UBL-SR-54', '*/PaymentMeans/CardAccount'),
  dup('UBL-SR-55', '*/PaymentMeans/PaymentMandate'),
  dup('UBL-SR-56', '*/OriginatorDocumentReference'),
  dup('UBL-SR-48', `*/${UL}/Item/ClassifiedTaxCategory`),
  dup('UBL-SR-06', '*/BillingReference/InvoiceDocumentReference'),
  [
    'UBL-SR-44',
    'two different payment ids',
    (x) => {
      const r = duplicate(x, '*/PaymentMeans');
      return r && setText(r, '*/PaymentMeans/PaymentID', 'OTHER-REF');
    },
  ],
  [
    'UBL-SR-47',
    'two different payment means codes',
    (x) => {
      const r = duplicate(x, '*/PaymentMeans');
      return r && setText(r, '*/PaymentMeans/PaymentMeansCode', '31');
    },
  ],
  [
    'UBL-SR-46',
    'payment means code with two names',
    (x) => {
      const r = duplicate(x, '*/PaymentMeans');
      return r && setAttr(r, '*/PaymentMeans/PaymentMeansCode', 'name', 'A');
    },
  ],
  [
    'UBL-SR-43',
    'document reference with scheme, no type',
    (x) => setAttr(x, '*/AdditionalDocumentReference/ID', 'schemeID', 'AAA'),
  ],
  [
    'UBL-CR-673',
    'invoiced object with description',
    (x) =>
      insertAfter(x, '*/DocumentCurrencyCode', '') === undefined
        ? undefined
        : insertBefore(
            x,
            '*/AccountingSupplierParty',
            '<cac:AdditionalDocumentReference xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID schemeID="AAA">OBJ-1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode><cbc:DocumentDescription>x</cbc:DocumentDescription></cac:AdditionalDocumentReference>',
          ),
  ],
  [
    'UBL-CR-666',
    'invoiced object with attachment',
    (x) =>
      insertBefore(
        x,
        '*/AccountingSupplierParty',
        '<cac:AdditionalDocumentReference xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID schemeID="AAA">OBJ-1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode><cac:Attachment><cac:ExternalReference><cbc:URI>http://x</cbc:URI></cac:ExternalReference></cac:Attachment></cac:AdditionalDocumentReference>',
      ),
  ],
  ['UBL-SR-07', 'billing reference without id', (x) => remove(x, '*/BillingReference/InvoiceDocumentReference/ID')],
  ['UBL-DT-06', 'binary object without mime', (x) => setAttr(x, '**/EmbeddedDocumentBinaryObject', 'mimeCode', null)],
  [
    'UBL-SR-53',
    'party tax scheme without company id',
    (x) => remove(x, '*/AccountingSupplierParty/Party/PartyTaxScheme/CompanyID'),
  ],
  ...(
    [
      [
        'BR-18',
        '<cac:PartyTaxScheme><cbc:CompanyID>FR12345678901</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>',
        'tax representative without name',
      ],
      [
        'BR-19',
        '<cac:PartyName><cbc:Name>Rep</cbc:Name></cac:PartyName><cac:PartyTaxScheme><cbc:CompanyID>FR12345678901</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>',
        'tax representative without address',
      ],
      [
        'BR-20',
        '<cac:PartyName><cbc:Name>Rep</cbc:Name></cac:PartyName><cac:PostalAddress><cbc:CityName>Paris</cbc:CityName></cac:PostalAddress><cac:PartyTaxScheme><cbc:CompanyID>FR12345678901</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>',
        'tax representative address without country',
      ],
      [
        'BR-56',
        '<cac:PartyName><cbc:Name>Rep</cbc:Name></cac:PartyName><cac:PostalAddress><cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country></cac:PostalAddress>',
        'tax representative without VAT id',
      ],
      [
        'UBL-SR-22',
        '<cac:PartyName><cbc:Name>A</cbc:Name></cac:PartyName><cac:PartyName><cbc:Name>B</cbc:Name></cac:PartyName><cac:PostalAddress><cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country></cac:PostalAddress><cac:PartyTaxScheme><cbc:CompanyID>FR12345678901</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>',
        'tax representative with two names',
      ],
    ] as const
  ).map(([id, inner, label]): Mutation => [
    id,
    label,
    (x) =>
      first(x, '*/TaxRepresentativeParty')
        ? undefined
        : insertBefore(
            x,
            first(x, '*/Delivery') ? '*/Delivery' : first(x, '*/PaymentMeans') ? '*/PaymentMeans' : '*/TaxTotal',
            `<cac:TaxRepresentativeParty ${CAC} ${CBC}>${inner}</cac:TaxRepresentativeParty>`,
          ),
  ]),
  // Line periods, notes, item descriptions and line allowances / charges: mutate-more.ts puts them where the XSD wants.
  [
    'BR-CO-19',
    'invoice period without dates',
    (x) =>
      first(x, '*/InvoicePeriod')
        ? undefined
        : insertBefore(
            x,
            first(x, '*/OrderReference') ? '*/OrderReference' : '*/AccountingSupplierParty',
            `<cac:InvoicePeriod ${CAC}></cac:InvoicePeriod>`,
          ),
  ],
];
/** BR-DEC: three decimals on each amount element the document has (one mutant per element name). */
function decMutations(xml: string): Mutation[] {
  const names = new Set<string>();
  const rec = (e: El) => {
    if (e.local.endsWith('Amount') && e.children.length === 0) names.add(e.qname);
    e.children.forEach(rec);
  };
  rec(scan(xml));
  return [...names].map((q): Mutation => [
    'BR-DEC-*',
    `three decimals on ${q}`,
    (x) => {
      const m = new RegExp(`(<${q}(?:\\s[^>]*)?>)\\s*([+-]?\\d+)(?:\\.(\\d*))?\\s*(</${q}>)`).exec(x);
      if (!m) return undefined;
      return (
        x.slice(0, m.index) +
        `${m[1]}${m[2]}.${((m[3] ?? '') + '000').slice(0, 2)}1${m[4]}` +
        x.slice(m.index + m[0].length)
      );
    },
  ]);
}
const CII_DUPS: Mutation[] = [
  dup('CII-SR-441', `${LI}/SpecifiedLineTradeAgreement/NetPriceProductTradePrice/ChargeAmount`),
  dup(
    'CII-SR-440',
    `${LI}/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice/AppliedTradeAllowanceCharge/ActualAmount`,
  ),
  dup('CII-SR-455', `${AG}/SellerTradeParty/DefinedTradeContact`),
  dup('CII-SR-456', `${AG}/BuyerTradeParty/DefinedTradeContact`),
  dup('CII-SR-459', `${AG}/SellerTradeParty/URIUniversalCommunication`),
  dup('CII-SR-460', `${AG}/BuyerTradeParty/URIUniversalCommunication`),
  dup('CII-SR-461', `${ST}/ApplicableTradeTax/TaxPointDate`),
  dup('CII-SR-469', `${ST}/PaymentReference`),
  dup('CII-SR-471', `${ST}/SpecifiedTradeAllowanceCharge/CategoryTradeTax/RateApplicablePercent`),
  dup('CII-SR-472', `${ST}/SpecifiedTradeAllowanceCharge/CategoryTradeTax`),
  dup('CII-SR-473', `${ST}/SpecifiedTradeAllowanceCharge/ActualAmount`),
  dup('CII-SR-090', `${LI}/SpecifiedTradeProduct/OriginTradeCountry/ID`),
  ...[
    'LineTotalAmount',
    'ChargeTotalAmount',
    'AllowanceTotalAmount',
    'TaxBasisTotalAmount',
    'RoundingAmount',
    'GrandTotalAmount',
    'TotalPrepaidAmount',
    'DuePayableAmount',
  ].map((n, i) => dup(`CII-SR-${[477, 478, 479, 480, 481, 482, 484, 487][i]}`, `${SUM}/${n}`)),
  dup('CII-SR-010', 'CrossIndustryInvoice/ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID'),
  dup('CII-SR-009', 'CrossIndustryInvoice/ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter'),
  dup('CII-SR-014', 'CrossIndustryInvoice/ExchangedDocument/TypeCode'),
  [
    'CII-SR-462',
    'two tax point date codes',
    (x) => {
      const r = duplicate(x, `${ST}/ApplicableTradeTax`);
      return (
        r &&
        (setText(r, `${ST}/ApplicableTradeTax/DueDateTypeCode`, '29') ??
          insertAfter(
            r,
            `${ST}/ApplicableTradeTax/CategoryCode`,
            `<ram:DueDateTypeCode ${RAM}>5</ram:DueDateTypeCode>`,
          ))
      );
    },
  ],
  [
    'CII-SR-467',
    'two different payment means codes',
    (x) => {
      const r = duplicate(x, `${ST}/SpecifiedTradeSettlementPaymentMeans`);
      return r && setText(r, `${ST}/SpecifiedTradeSettlementPaymentMeans/TypeCode`, '31');
    },
  ],
  [
    'CII-SR-468',
    'two different payment means texts',
    (x) => {
      const r = duplicate(x, `${ST}/SpecifiedTradeSettlementPaymentMeans`);
      return (
        r &&
        insertAfter(
          r,
          `${ST}/SpecifiedTradeSettlementPaymentMeans/TypeCode`,
          `<ram:Information ${RAM}>autre</ram:Information>`,
        )
      );
    },
  ],
  [
    'CII-SR-463',
    'allowance without charge indicator',
    (x) => remove(x, `${ST}/SpecifiedTradeAllowanceCharge/ChargeIndicator`),
  ],
  [
    'CII-SR-046',
    'global id without scheme',
    (x) => setAttr(x, `${LI}/SpecifiedTradeProduct/GlobalID`, 'schemeID', null),
  ],
  [
    'CII-SR-069',
    'product characteristic without description',
    (x) => remove(x, `${LI}/SpecifiedTradeProduct/ApplicableProductCharacteristic/Description`),
  ],
  [
    'CII-SR-072',
    'product characteristic without value',
    (x) => remove(x, `${LI}/SpecifiedTradeProduct/ApplicableProductCharacteristic/Value`),
  ],
  [
    'CII-SR-439',
    'line without net price',
    (x) => remove(x, `${LI}/SpecifiedLineTradeAgreement/NetPriceProductTradePrice`),
  ],
];
/** The CII-DT "attribute should not be present" rules: the attribute added where the rule looks. */
const attr = (id: string, p: string, a: string, v = 'X'): Mutation => [
  id,
  `@${a} on ${p.split('/').pop()}`,
  (x) => setAttr(x, p, a, v),
];
const CII_ATTRS: Mutation[] = [
  ...[
    'schemeName',
    'schemeAgencyName',
    'schemeDataURI',
    'schemeURI',
    'schemeID',
    'schemeAgencyID',
    'schemeVersionID',
  ].map((a, i) => attr(`CII-DT-00${i + 1}`, 'CrossIndustryInvoice/ExchangedDocument/ID', a)),
  ...['schemeName', 'schemeAgencyName', 'schemeDataURI', 'schemeURI'].map((a, i) =>
    attr(`CII-DT-10${i + 1}`, `${AG}/SellerTradeParty/SpecifiedTaxRegistration/ID`, a),
  ),
  attr('CII-DT-008', 'CrossIndustryInvoice/ExchangedDocument/TypeCode', 'name'),
  attr('CII-DT-009', 'CrossIndustryInvoice/ExchangedDocument/TypeCode', 'listURI'),
  attr('CII-DT-010', 'CrossIndustryInvoice/ExchangedDocument/TypeCode', 'listID'),
  attr('CII-DT-011', 'CrossIndustryInvoice/ExchangedDocument/TypeCode', 'listAgencyID'),
  attr('CII-DT-012', 'CrossIndustryInvoice/ExchangedDocument/TypeCode', 'listVersionID'),
  attr('CII-DT-013', 'CrossIndustryInvoice', 'languageID', 'fr'),
  attr('CII-DT-014', 'CrossIndustryInvoice', 'languageLocaleID', 'fr'),
  attr('CII-DT-032', `${SUM}/GrandTotalAmount`, 'currencyCodeListVersionID'),
  attr('CII-DT-034', `${LI}/SpecifiedLineTradeDelivery/BilledQuantity`, 'unitCodeListID'),
  attr('CII-DT-035', `${LI}/SpecifiedLineTradeDelivery/BilledQuantity`, 'unitCodeListAgencyID'),
  attr('CII-DT-036', `${LI}/SpecifiedLineTradeDelivery/BilledQuantity`, 'unitCodeListAgencyName'),
  [
    'CII-DT-033',
    'unit code on a basis quantity without billed one',
    (x) => {
      const r = setAttr(x, `${LI}/SpecifiedLineTradeDelivery/BilledQuantity`, 'unitCode', null);
      return r;
    },
  ],
  // Seller address and billing period parts (CII-DT-069 to 096): mutate-more.ts puts them where the XSD wants.
  ...(
    [
      'URIID',
      'StatusCode',
      'CopyIndicator',
      'TypeCode',
      'GlobalID',
      'RevisionID',
      'Name',
      'AttachmentBinaryObject',
      'Information',
      'ReferenceTypeCode',
      'SectionName',
      'PreviousRevisionID',
      'FormattedIssueDateTime',
      'EffectiveSpecifiedPeriod',
      'IssuerTradeParty',
      'AttachedSpecifiedBinaryFile',
    ] as const
  ).map((el, i): Mutation => [
    `CII-DT-0${[15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30][i]}`,
    `${el} in order reference`,
    (x) =>
      insertAfter(x, `${AG}/BuyerOrderReferencedDocument/IssuerAssignedID`, `<ram:${el} ${RAM}>X</ram:${el}>`) ??
      insertAfter(x, `${AG}/ContractReferencedDocument/IssuerAssignedID`, `<ram:${el} ${RAM}>X</ram:${el}>`),
  ]),
];

const FAMILIES = ['Z', 'E', 'AE', 'K', 'G', 'O', 'L', 'M'] as const;
const FAMILY_ID: Record<string, string> = { Z: 'Z', E: 'E', AE: 'AE', K: 'IC', G: 'G', O: 'O', L: 'AF', M: 'AG' };

/**
 * The invoice moved from the standard rate to another VAT category: every S category becomes `code`, the rates 0
 * (none for O; kept for L and M), the VAT amounts 0 and the totals with VAT equal to those without, an exemption
 * reason where the category wants one. A base for the category's own rules (-02 to -10), not always valid itself.
 */
function toCategory(xml: string, ubl: boolean, code: string): string | undefined {
  const keepRate = code === 'L' || code === 'M';
  const exempt = ['E', 'AE', 'K', 'G', 'O'].includes(code);
  let x = xml;
  if (ubl) {
    if (!/<cbc:ID>S<\/cbc:ID>/.test(x)) return undefined;
    x = x.replace(/(<cac:(?:Classified)?TaxCategory>\s*<cbc:ID>)S(<\/cbc:ID>)/g, `$1${code}$2`);
    if (code === 'O') x = x.replace(/\s*<cbc:Percent>[^<]*<\/cbc:Percent>/g, '');
    else if (!keepRate) x = x.replace(/(<cbc:Percent>)[^<]*(<\/cbc:Percent>)/g, '$10$2');
    if (!keepRate) {
      x = setAll(x, '*/TaxTotal/TaxAmount', () => '0.00');
      x = setAll(x, '*/TaxTotal/TaxSubtotal/TaxAmount', () => '0.00');
      const excl = first(x, '*/LegalMonetaryTotal/TaxExclusiveAmount');
      if (!excl) return undefined;
      const v = x.slice(excl.openEnd, excl.closeStart);
      x = setAll(x, '*/LegalMonetaryTotal/TaxInclusiveAmount', () => v);
      if (!first(x, '*/LegalMonetaryTotal/PrepaidAmount') && !first(x, '*/LegalMonetaryTotal/PayableRoundingAmount'))
        x = setAll(x, '*/LegalMonetaryTotal/PayableAmount', () => v);
    }
    if (exempt)
      x = x.replace(
        /(<cac:TaxSubtotal>[\s\S]*?<cac:TaxCategory>\s*<cbc:ID>[A-Z]+<\/cbc:ID>(?:\s*<cbc:Percent>[^<]*<\/cbc:Percent>)?)/g,
        '$1<cbc:TaxExemptionReason>Exonération</cbc:TaxExemptionReason>',
      );
    return x;
  }
  if (!/<ram:CategoryCode>S<\/ram:CategoryCode>/.test(x)) return undefined;
  x = x.replace(/(<ram:CategoryCode>)S(<\/ram:CategoryCode>)/g, `$1${code}$2`);
  if (code === 'O') x = x.replace(/\s*<ram:RateApplicablePercent>[^<]*<\/ram:RateApplicablePercent>/g, '');
  else if (!keepRate) x = x.replace(/(<ram:RateApplicablePercent>)[^<]*(<\/ram:RateApplicablePercent>)/g, '$10$2');
  if (!keepRate) {
    x = setAll(x, `${ST}/ApplicableTradeTax/CalculatedAmount`, () => '0.00');
    x = setAll(x, `${SUM}/TaxTotalAmount`, () => '0.00');
    const basis = first(x, `${SUM}/TaxBasisTotalAmount`);
    if (!basis) return undefined;
    const v = x.slice(basis.openEnd, basis.closeStart);
    x = setAll(x, `${SUM}/GrandTotalAmount`, () => v);
    if (!first(x, `${SUM}/TotalPrepaidAmount`) && !first(x, `${SUM}/RoundingAmount`))
      x = setAll(x, `${SUM}/DuePayableAmount`, () => v);
  }
  if (exempt)
    x = x.replace(/(<ram:ApplicableHeaderTradeSettlement>[\s\S]*?)$/, (all) =>
      all.replace(
        /(<ram:ApplicableTradeTax>\s*<ram:CalculatedAmount>[^<]*<\/ram:CalculatedAmount>\s*<ram:TypeCode>VAT<\/ram:TypeCode>)/g,
        '$1<ram:ExemptionReason>Exonération</ram:ExemptionReason>',
      ),
    );
  return x;
}

/** Per category: the converted invoice, then each of the category's rules broken on it. */
function categoryMutations(ubl: boolean): Mutation[] {
  const out: Mutation[] = [];
  for (const code of FAMILIES) {
    const P = `BR-${FAMILY_ID[code]}`;
    const base = (x: string) => toCategory(x, ubl, code);
    const then = (target: string, label: string, f: (x: string) => string | undefined): Mutation => [
      target,
      `category ${code}: ${label}`,
      (x) => {
        const b = base(x);
        return b && f(b);
      },
    ];
    out.push([`${P}-01`, `category ${code}: whole invoice`, base]);
    if (ubl) {
      out.push(
        then(`${P}-02`, 'no seller VAT id', (x) => removeAll(x, '*/AccountingSupplierParty/Party/PartyTaxScheme')),
      );
      out.push(
        then(`${P}-03`, 'no VAT ids at all', (x) => {
          const r = removeAll(x, '*/AccountingSupplierParty/Party/PartyTaxScheme');
          return r && (removeAll(r, '*/AccountingCustomerParty/Party/PartyTaxScheme') ?? r);
        }),
      );
      out.push(
        then(
          `${P}-05`,
          'line rate 7',
          (x) =>
            setText(x, `*/${UL}/Item/ClassifiedTaxCategory/Percent`, '7') ??
            insertAfter(
              x,
              `*/${UL}/Item/ClassifiedTaxCategory/ID`,
              '<cbc:Percent xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">7</cbc:Percent>',
            ),
        ),
      );
      out.push(then(`${P}-06`, 'allowance rate 7', (x) => setText(x, '*/AllowanceCharge/TaxCategory/Percent', '7')));
      out.push(then(`${P}-08`, 'taxable off', (x) => setText(x, '*/TaxTotal/TaxSubtotal/TaxableAmount', shift('10'))));
      out.push(then(`${P}-09`, 'tax not zero', (x) => setText(x, '*/TaxTotal/TaxSubtotal/TaxAmount', '5.00')));
      out.push(
        then(
          `${P}-10`,
          'exemption reason toggled',
          (x) =>
            removeAll(x, '**/TaxExemptionReason') ??
            insertAfter(
              x,
              '*/TaxTotal/TaxSubtotal/TaxCategory/ID',
              '<cbc:TaxExemptionReason xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">X</cbc:TaxExemptionReason>',
            ),
        ),
      );
      out.push(then(`${P}-11`, 'no delivery', (x) => removeAll(x, '*/Delivery') ?? x));
    } else {
      out.push(
        then(`${P}-02`, 'no seller VAT id', (x) => removeAll(x, `${AG}/SellerTradeParty/SpecifiedTaxRegistration`)),
      );
      out.push(
        then(`${P}-03`, 'no VAT ids at all', (x) => {
          const r = removeAll(x, `${AG}/SellerTradeParty/SpecifiedTaxRegistration`);
          return r && (removeAll(r, `${AG}/BuyerTradeParty/SpecifiedTaxRegistration`) ?? r);
        }),
      );
      out.push(
        then(`${P}-05`, 'line rate 7', (x) =>
          setText(x, `${LI}/SpecifiedLineTradeSettlement/ApplicableTradeTax/RateApplicablePercent`, '7'),
        ),
      );
      out.push(
        then(`${P}-06`, 'allowance rate 7', (x) =>
          setText(x, `${ST}/SpecifiedTradeAllowanceCharge/CategoryTradeTax/RateApplicablePercent`, '7'),
        ),
      );
      out.push(then(`${P}-08`, 'basis off', (x) => setText(x, `${ST}/ApplicableTradeTax/BasisAmount`, shift('10'))));
      out.push(then(`${P}-09`, 'tax not zero', (x) => setText(x, `${ST}/ApplicableTradeTax/CalculatedAmount`, '5.00')));
      out.push(
        then(
          `${P}-10`,
          'exemption reason toggled',
          (x) =>
            removeAll(x, `${ST}/ApplicableTradeTax/ExemptionReason`) ??
            insertAfter(x, `${ST}/ApplicableTradeTax/TypeCode`, `<ram:ExemptionReason ${RAM}>X</ram:ExemptionReason>`),
        ),
      );
      out.push(
        then(
          `${P}-11`,
          'no delivery date',
          (x) => removeAll(x, `${TX}/ApplicableHeaderTradeDelivery/ActualDeliverySupplyChainEvent`) ?? x,
        ),
      );
    }
  }
  return out;
}

export interface Mutant {
  name: string;
  target: string;
  xml: Buffer;
}

/**
 * The targeted mutations of mutate-more.ts are applied to this many bases (the first ones they apply to): enough to
 * aim at each rule from more than one invoice, few enough to keep the run within CI's time.
 */
const MORE_BASES = 3;

/** Every mutant of every base, in a fixed order (same bases → same mutants). */
export function* mutants(bases: { name: string; flow: DetectedFlow }[]): Generator<Mutant> {
  const used = new Map<string, number>();
  for (const b of bases) {
    const xml = b.flow.xml.toString('utf8');
    const ubl = b.flow.syntax === 'ubl-invoice' || b.flow.syntax === 'ubl-creditnote';
    const cii = b.flow.syntax === 'cii' && (b.flow.profile === 'EN16931' || b.flow.profile === undefined);
    const list = ubl
      ? [...ublMutations, ...UBL_DUPS, ...decMutations(xml), ...categoryMutations(true)]
      : cii
        ? [...ciiMutations, ...CII_DUPS, ...CII_ATTRS, ...decMutations(xml), ...categoryMutations(false)]
        : [];
    const more = ubl || cii ? moreMutations(ubl, toCategory).map((m) => ({ m, key: `${ubl}:${m[0]}:${m[1]}` })) : [];
    for (const { m, key } of [...list.map((m) => ({ m, key: undefined })), ...more]) {
      const [target, label, f] = m;
      if (key !== undefined && (used.get(key) ?? 0) >= MORE_BASES) continue;
      let out: string | undefined;
      try {
        out = f(xml);
      } catch {
        out = undefined;
      }
      if (out === undefined || out === xml) continue;
      if (key !== undefined) used.set(key, (used.get(key) ?? 0) + 1);
      yield { name: `${b.name} ${target} (${label})`, target, xml: Buffer.from(out) };
    }
  }
}
