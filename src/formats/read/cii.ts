/** UN/CEFACT CII D16B (and so the Factur-X / ZUGFeRD XML) → invoice model (EN 16931 CII binding). */
import type {
  Address,
  AllowanceCharge,
  Invoice,
  Line,
  Party,
  PaymentMeans,
  Period,
  Val,
  VatCategory,
} from '../invoice.ts';
import { at, child, children, loc, type XNode } from './tree.ts';
import { emptyInvoice, ident, num, put, val } from './values.ts';

/** A date: the `udt:DateTimeString` / `udt:DateString` child (format 102 = YYYYMMDD) or the element itself. */
function date(n: XNode | undefined) {
  if (!n) return undefined;
  return val(child(n, 'DateTimeString') ?? child(n, 'DateString') ?? n);
}

function address(n: XNode | undefined): Address | undefined {
  if (!n) return undefined;
  const a: Address = { loc: loc(n) };
  put(a, 'line1', val(child(n, 'LineOne')));
  put(a, 'line2', val(child(n, 'LineTwo')));
  put(a, 'line3', val(child(n, 'LineThree')));
  put(a, 'city', val(child(n, 'CityName')));
  put(a, 'postcode', val(child(n, 'PostcodeCode')));
  put(a, 'subdivision', val(child(n, 'CountrySubDivisionName')));
  put(a, 'country', val(child(n, 'CountryID')));
  return a;
}

function party(n: XNode | undefined): Party | undefined {
  if (!n) return undefined;
  const p: Party = { ids: [], loc: loc(n) };
  for (const c of n.children) {
    if (c.name === 'ID' || c.name === 'GlobalID') p.ids.push(ident(c)!);
  }
  put(p, 'name', val(child(n, 'Name')));
  put(p, 'legalInfo', val(child(n, 'Description')));
  const lo = child(n, 'SpecifiedLegalOrganization');
  put(p, 'legalId', ident(child(lo, 'ID')));
  put(p, 'tradingName', val(child(lo, 'TradingBusinessName')));
  const c = child(n, 'DefinedTradeContact');
  if (c) {
    const contact: NonNullable<Party['contact']> = { loc: loc(c) };
    put(contact, 'name', val(child(c, 'PersonName') ?? child(c, 'DepartmentName')));
    put(contact, 'phone', val(at(c, 'TelephoneUniversalCommunication', 'CompleteNumber')));
    put(contact, 'email', val(at(c, 'EmailURIUniversalCommunication', 'URIID')));
    p.contact = contact;
  }
  put(p, 'address', address(child(n, 'PostalTradeAddress')));
  put(p, 'endpoint', ident(at(n, 'URIUniversalCommunication', 'URIID')));
  for (const tr of children(n, 'SpecifiedTaxRegistration')) {
    const id = child(tr, 'ID');
    if (id?.attrs['schemeID'] === 'VA') put(p, 'vatId', ident(id));
    else if (id?.attrs['schemeID'] === 'FC') put(p, 'taxRegId', ident(id));
  }
  return p;
}

function vatCategory(n: XNode | undefined, fallback: XNode): VatCategory {
  if (!n) return { loc: loc(fallback) };
  const v: VatCategory = { loc: loc(n) };
  put(v, 'code', val(child(n, 'CategoryCode')));
  put(v, 'rate', num(child(n, 'RateApplicablePercent')));
  put(v, 'exemptionReason', val(child(n, 'ExemptionReason')));
  put(v, 'exemptionCode', val(child(n, 'ExemptionReasonCode')));
  put(v, 'scheme', val(child(n, 'TypeCode')));
  return v;
}

function allowanceCharge(n: XNode, withVat: boolean): AllowanceCharge {
  const ind = at(n, 'ChargeIndicator', 'Indicator')?.text.trim();
  const ac: AllowanceCharge = { charge: ind === 'true' || ind === '1', loc: loc(n) };
  put(ac, 'amount', num(child(n, 'ActualAmount')));
  put(ac, 'base', num(child(n, 'BasisAmount')));
  put(ac, 'percent', num(child(n, 'CalculationPercent')));
  put(ac, 'reason', val(child(n, 'Reason')));
  put(ac, 'reasonCode', val(child(n, 'ReasonCode')));
  if (withVat) {
    const tc = child(n, 'CategoryTradeTax');
    if (tc) ac.vat = vatCategory(tc, n);
  }
  return ac;
}

function period(n: XNode | undefined): Period | undefined {
  if (!n) return undefined;
  const p: Period = { loc: loc(n) };
  put(p, 'start', date(child(n, 'StartDateTime')));
  put(p, 'end', date(child(n, 'EndDateTime')));
  return p;
}

function line(n: XNode): Line {
  const doc = child(n, 'AssociatedDocumentLineDocument');
  const product = child(n, 'SpecifiedTradeProduct');
  const agreement = child(n, 'SpecifiedLineTradeAgreement');
  const settlement = child(n, 'SpecifiedLineTradeSettlement');
  const gross = child(agreement, 'GrossPriceProductTradePrice');
  const grossAc = children(gross, 'AppliedTradeAllowanceCharge');
  const l: Line = {
    allowanceCharges: children(settlement, 'SpecifiedTradeAllowanceCharge').map((a) => allowanceCharge(a, false)),
    priceAllowanceCount: grossAc.length,
    vat: vatCategory(child(settlement, 'ApplicableTradeTax'), settlement ?? n),
    classifications: [],
    attributes: [],
    loc: loc(n),
  };
  put(l, 'id', val(child(doc, 'LineID')));
  put(l, 'note', val(at(doc, 'IncludedNote', 'Content')));
  const q = at(n, 'SpecifiedLineTradeDelivery', 'BilledQuantity');
  put(l, 'quantity', num(q));
  if (q && q.attrs['unitCode'] !== undefined) l.unitCode = { value: q.attrs['unitCode'], loc: loc(q) };
  put(l, 'netAmount', num(at(settlement, 'SpecifiedTradeSettlementLineMonetarySummation', 'LineTotalAmount')));
  put(l, 'accountingRef', val(at(settlement, 'ReceivableSpecifiedTradeAccountingAccount', 'ID')));
  put(l, 'period', period(child(settlement, 'BillingSpecifiedPeriod')));
  put(l, 'orderLineRef', val(at(agreement, 'BuyerOrderReferencedDocument', 'LineID')));
  for (const ad of children(settlement, 'AdditionalReferencedDocument')) {
    if (child(ad, 'TypeCode')?.text.trim() === '130') {
      const id = ident(child(ad, 'IssuerAssignedID'));
      const ref = child(ad, 'ReferenceTypeCode');
      if (id && ref) id.scheme = ref.text;
      put(l, 'objectId', id);
    }
  }
  put(l, 'netPrice', num(at(agreement, 'NetPriceProductTradePrice', 'ChargeAmount')));
  put(l, 'baseQuantity', num(at(agreement, 'NetPriceProductTradePrice', 'BasisQuantity')));
  put(l, 'grossPrice', num(child(gross, 'ChargeAmount')));
  put(l, 'priceDiscount', num(child(grossAc[0], 'ActualAmount')));
  put(l, 'itemName', val(child(product, 'Name')));
  put(l, 'itemDescription', val(child(product, 'Description')));
  put(l, 'sellerItemId', val(child(product, 'SellerAssignedID')));
  put(l, 'buyerItemId', val(child(product, 'BuyerAssignedID')));
  put(l, 'standardItemId', ident(child(product, 'GlobalID')));
  put(l, 'originCountry', val(at(product, 'OriginTradeCountry', 'ID')));
  for (const cc of children(product, 'DesignatedProductClassification')) {
    const id = ident(child(cc, 'ClassCode'), 'listID');
    if (id) l.classifications.push(id);
  }
  for (const ap of children(product, 'ApplicableProductCharacteristic')) {
    const a: Line['attributes'][number] = { loc: loc(ap) };
    put(a, 'name', val(child(ap, 'Description')));
    put(a, 'value', val(child(ap, 'Value')));
    l.attributes.push(a);
  }
  return l;
}

function paymentMeans(n: XNode, mandateId: XNode | undefined): PaymentMeans {
  const pm: PaymentMeans = { accounts: [], loc: loc(n) };
  put(pm, 'code', val(child(n, 'TypeCode')));
  put(pm, 'text', val(child(n, 'Information')));
  for (const fa of children(n, 'PayeePartyCreditorFinancialAccount')) {
    const a: PaymentMeans['accounts'][number] = { loc: loc(fa) };
    put(a, 'id', val(child(fa, 'IBANID') ?? child(fa, 'ProprietaryID')));
    put(a, 'name', val(child(fa, 'AccountName')));
    put(a, 'bic', val(at(n, 'PayeeSpecifiedCreditorFinancialInstitution', 'BICID')));
    pm.accounts.push(a);
  }
  const card = child(n, 'ApplicableTradeSettlementFinancialCard');
  if (card) {
    pm.card = { loc: loc(card) };
    put(pm.card, 'pan', val(child(card, 'ID')));
    put(pm.card, 'holder', val(child(card, 'CardholderName')));
  }
  const debtor = child(n, 'PayerPartyDebtorFinancialAccount');
  if (debtor || mandateId) {
    pm.mandate = { loc: loc(debtor ?? mandateId!) };
    put(pm.mandate, 'id', val(mandateId));
    put(pm.mandate, 'debitedAccount', val(child(debtor, 'IBANID')));
  }
  return pm;
}

export function readCii(root: XNode): Invoice {
  const inv: Invoice = emptyInvoice('cii', loc(root));
  const ctx = child(root, 'ExchangedDocumentContext');
  put(inv, 'processId', val(at(ctx, 'BusinessProcessSpecifiedDocumentContextParameter', 'ID')));
  put(inv, 'specificationId', val(at(ctx, 'GuidelineSpecifiedDocumentContextParameter', 'ID')));
  const doc = child(root, 'ExchangedDocument');
  put(inv, 'number', val(child(doc, 'ID')));
  put(inv, 'typeCode', val(child(doc, 'TypeCode')));
  put(inv, 'issueDate', date(child(doc, 'IssueDateTime')));
  for (const n of children(doc, 'IncludedNote')) {
    const note: Invoice['notes'][number] = { loc: loc(n) };
    put(note, 'text', val(child(n, 'Content')));
    put(note, 'subjectCode', val(child(n, 'SubjectCode')));
    inv.notes.push(note);
  }
  const tx = child(root, 'SupplyChainTradeTransaction');
  const ag = child(tx, 'ApplicableHeaderTradeAgreement');
  const dl = child(tx, 'ApplicableHeaderTradeDelivery');
  const st = child(tx, 'ApplicableHeaderTradeSettlement');
  put(inv, 'buyerReference', val(child(ag, 'BuyerReference')));
  put(inv, 'seller', party(child(ag, 'SellerTradeParty')));
  put(inv, 'buyer', party(child(ag, 'BuyerTradeParty')));
  put(inv, 'taxRepresentative', party(child(ag, 'SellerTaxRepresentativeTradeParty')));
  put(inv, 'salesOrderRef', val(at(ag, 'SellerOrderReferencedDocument', 'IssuerAssignedID')));
  put(inv, 'orderRef', val(at(ag, 'BuyerOrderReferencedDocument', 'IssuerAssignedID')));
  put(inv, 'contractRef', val(at(ag, 'ContractReferencedDocument', 'IssuerAssignedID')));
  put(inv, 'projectRef', val(at(ag, 'SpecifiedProcuringProject', 'ID')));
  for (const ad of children(ag, 'AdditionalReferencedDocument')) {
    const type = child(ad, 'TypeCode')?.text.trim();
    if (type === '130') {
      const id = ident(child(ad, 'IssuerAssignedID'));
      const ref = child(ad, 'ReferenceTypeCode');
      if (id && ref) id.scheme = ref.text;
      put(inv, 'objectId', id);
    } else if (type === '50') {
      put(inv, 'tenderRef', val(child(ad, 'IssuerAssignedID')));
    } else {
      const bin = child(ad, 'AttachmentBinaryObject');
      const a: Invoice['attachments'][number] = { loc: loc(ad) };
      put(a, 'id', val(child(ad, 'IssuerAssignedID')));
      put(a, 'description', val(child(ad, 'Name')));
      if (bin?.attrs['mimeCode'] !== undefined) a.mime = { value: bin.attrs['mimeCode'], loc: loc(bin) };
      if (bin?.attrs['filename'] !== undefined) a.filename = { value: bin.attrs['filename'], loc: loc(bin) };
      inv.attachments.push(a);
    }
  }
  if (dl) {
    const ship = child(dl, 'ShipToTradeParty');
    const d: NonNullable<Invoice['delivery']> = { loc: loc(dl) };
    put(d, 'date', date(at(dl, 'ActualDeliverySupplyChainEvent', 'OccurrenceDateTime')));
    put(d, 'locationId', ident(child(ship, 'GlobalID') ?? child(ship, 'ID')));
    put(d, 'name', val(child(ship, 'Name')));
    put(d, 'address', address(child(ship, 'PostalTradeAddress')));
    put(inv, 'despatchAdviceRef', val(at(dl, 'DespatchAdviceReferencedDocument', 'IssuerAssignedID')));
    put(inv, 'receivingAdviceRef', val(at(dl, 'ReceivingAdviceReferencedDocument', 'IssuerAssignedID')));
    if (ship || d.date) inv.delivery = d;
  }
  put(inv, 'currency', val(child(st, 'InvoiceCurrencyCode')));
  put(inv, 'taxCurrency', val(child(st, 'TaxCurrencyCode')));
  put(inv, 'payee', party(child(st, 'PayeeTradeParty')));
  put(inv, 'period', period(child(st, 'BillingSpecifiedPeriod')));
  put(inv, 'accountingRef', val(at(st, 'ReceivableSpecifiedTradeAccountingAccount', 'ID')));
  const terms = child(st, 'SpecifiedTradePaymentTerms');
  put(inv, 'paymentTerms', val(child(terms, 'Description')));
  put(inv, 'dueDate', date(child(terms, 'DueDateDateTime')));
  const remittance = val(child(st, 'PaymentReference'));
  for (const pm of children(st, 'SpecifiedTradeSettlementPaymentMeans')) {
    const m = paymentMeans(pm, child(terms, 'DirectDebitMandateID'));
    put(m, 'remittance', remittance);
    inv.paymentMeans.push(m);
  }
  for (const ref of children(st, 'InvoiceReferencedDocument')) {
    const p: Invoice['precedingInvoices'][number] = { loc: loc(ref) };
    put(p, 'id', val(child(ref, 'IssuerAssignedID')));
    put(p, 'date', date(child(ref, 'FormattedIssueDateTime')));
    inv.precedingInvoices.push(p);
  }
  for (const tt of children(st, 'ApplicableTradeTax')) {
    const b: Invoice['vatBreakdown'][number] = { category: vatCategory(tt, tt), loc: loc(tt) };
    put(b, 'taxable', num(child(tt, 'BasisAmount')));
    put(b, 'tax', num(child(tt, 'CalculatedAmount')));
    inv.vatBreakdown.push(b);
    put(inv, 'taxPointDate', date(child(tt, 'TaxPointDate')));
    const code = val(child(tt, 'DueDateTypeCode'));
    if (code) {
      inv.period ??= { loc: loc(tt) };
      inv.period.descriptionCode = code;
    }
  }
  // Without a charge indicator it is neither an allowance nor a charge (the artefacts select them by indicator;
  // CII-SR-463 reports the missing indicator).
  for (const ac of children(st, 'SpecifiedTradeAllowanceCharge'))
    if (at(ac, 'ChargeIndicator', 'Indicator')) inv.allowanceCharges.push(allowanceCharge(ac, true));
  const sum = child(st, 'SpecifiedTradeSettlementHeaderMonetarySummation');
  if (sum) {
    const docCur = inv.currency?.value.trim();
    const taxCur = inv.taxCurrency?.value.trim();
    const totals: NonNullable<Invoice['totals']> = { vatTotals: [], otherVatTotals: [], loc: loc(sum) };
    put(totals, 'lineNet', num(child(sum, 'LineTotalAmount')));
    put(totals, 'charges', num(child(sum, 'ChargeTotalAmount')));
    put(totals, 'allowances', num(child(sum, 'AllowanceTotalAmount')));
    put(totals, 'taxExclusive', num(child(sum, 'TaxBasisTotalAmount')));
    for (const t of children(sum, 'TaxTotalAmount')) {
      const amount = num(t)!;
      // CII lets currencyID be omitted: such an amount is in the invoice currency.
      if (amount.currency === undefined || amount.currency === docCur) totals.vatTotals.push(amount);
      else if (taxCur !== undefined && amount.currency === taxCur) totals.vatTotalAccounting = amount;
      else totals.otherVatTotals.push(amount);
    }
    put(totals, 'rounding', num(child(sum, 'RoundingAmount')));
    put(totals, 'taxInclusive', num(child(sum, 'GrandTotalAmount')));
    put(totals, 'prepaid', num(child(sum, 'TotalPrepaidAmount')));
    put(totals, 'payable', num(child(sum, 'DuePayableAmount')));
    inv.totals = totals;
  }
  for (const ln of children(tx, 'IncludedSupplyChainTradeLineItem')) inv.lines.push(line(ln));
  const currencies: Val[] = [];
  amountCurrencies(tx, currencies);
  inv.binding = { root };
  if (currencies.length > 0) inv.binding.ciiAmountCurrencies = currencies;
  return inv;
}

/** CII binds the currency once (BT-5): only `TaxTotalAmount` may carry a currencyID (CII-DT-031). */
function amountCurrencies(n: XNode | undefined, out: Val[]): void {
  if (!n) return;
  for (const c of n.children) {
    const cur = c.attrs['currencyID'];
    if (cur !== undefined && c.name !== 'TaxTotalAmount' && c.name.endsWith('Amount'))
      out.push({ value: cur, loc: loc(c) });
    if (c.children.length > 0) amountCurrencies(c, out);
  }
}
