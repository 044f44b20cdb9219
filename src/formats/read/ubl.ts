/** UBL 2.1 Invoice / CreditNote → invoice model (EN 16931 UBL binding). */
import type { Address, AllowanceCharge, Invoice, Line, Party, PaymentMeans, Period, VatCategory } from '../invoice.ts';
import { at, child, children, loc, type XNode } from './tree.ts';
import { ident, num, put, val } from './values.ts';

function address(n: XNode | undefined): Address | undefined {
  if (!n) return undefined;
  const a: Address = { loc: loc(n) };
  put(a, 'line1', val(child(n, 'StreetName')));
  put(a, 'line2', val(child(n, 'AdditionalStreetName')));
  put(a, 'line3', val(at(n, 'AddressLine', 'Line')));
  put(a, 'city', val(child(n, 'CityName')));
  put(a, 'postcode', val(child(n, 'PostalZone')));
  put(a, 'subdivision', val(child(n, 'CountrySubentity')));
  put(a, 'country', val(at(n, 'Country', 'IdentificationCode')));
  return a;
}

function party(n: XNode | undefined): Party | undefined {
  if (!n) return undefined;
  const p: Party = { ids: [], loc: loc(n) };
  put(p, 'endpoint', ident(child(n, 'EndpointID')));
  for (const pi of children(n, 'PartyIdentification')) {
    const id = ident(child(pi, 'ID'));
    if (id) p.ids.push(id);
  }
  put(p, 'tradingName', val(at(n, 'PartyName', 'Name')));
  put(p, 'address', address(child(n, 'PostalAddress')));
  for (const ts of children(n, 'PartyTaxScheme')) {
    const scheme = at(ts, 'TaxScheme', 'ID')?.text.trim().toUpperCase();
    if (scheme === 'VAT') put(p, 'vatId', ident(child(ts, 'CompanyID')));
    else put(p, 'taxRegId', ident(child(ts, 'CompanyID')));
  }
  const le = child(n, 'PartyLegalEntity');
  put(p, 'name', val(child(le, 'RegistrationName')));
  put(p, 'legalId', ident(child(le, 'CompanyID')));
  put(p, 'legalInfo', val(child(le, 'CompanyLegalForm')));
  const c = child(n, 'Contact');
  if (c) {
    const contact: NonNullable<Party['contact']> = { loc: loc(c) };
    put(contact, 'name', val(child(c, 'Name')));
    put(contact, 'phone', val(child(c, 'Telephone')));
    put(contact, 'email', val(child(c, 'ElectronicMail')));
    p.contact = contact;
  }
  return p;
}

function vatCategory(n: XNode | undefined, fallback: XNode): VatCategory {
  if (!n) return { loc: loc(fallback) };
  const v: VatCategory = { loc: loc(n) };
  put(v, 'code', val(child(n, 'ID')));
  put(v, 'rate', num(child(n, 'Percent')));
  put(v, 'exemptionReason', val(child(n, 'TaxExemptionReason')));
  put(v, 'exemptionCode', val(child(n, 'TaxExemptionReasonCode')));
  put(v, 'scheme', val(at(n, 'TaxScheme', 'ID')));
  return v;
}

function allowanceCharge(n: XNode, withVat: boolean): AllowanceCharge {
  const ac: AllowanceCharge = { charge: child(n, 'ChargeIndicator')?.text.trim() === 'true', loc: loc(n) };
  put(ac, 'amount', num(child(n, 'Amount')));
  put(ac, 'base', num(child(n, 'BaseAmount')));
  put(ac, 'percent', num(child(n, 'MultiplierFactorNumeric')));
  put(ac, 'reason', val(child(n, 'AllowanceChargeReason')));
  put(ac, 'reasonCode', val(child(n, 'AllowanceChargeReasonCode')));
  if (withVat) {
    const tc = child(n, 'TaxCategory');
    if (tc) ac.vat = vatCategory(tc, n);
  }
  return ac;
}

function period(n: XNode | undefined): Period | undefined {
  if (!n) return undefined;
  const p: Period = { loc: loc(n) };
  put(p, 'start', val(child(n, 'StartDate')));
  put(p, 'end', val(child(n, 'EndDate')));
  put(p, 'descriptionCode', val(child(n, 'DescriptionCode')));
  return p;
}

function line(n: XNode): Line {
  const item = child(n, 'Item');
  const price = child(n, 'Price');
  const l: Line = {
    allowanceCharges: children(n, 'AllowanceCharge').map((a) => allowanceCharge(a, false)),
    priceAllowanceCount: children(price, 'AllowanceCharge').length,
    vat: vatCategory(child(item, 'ClassifiedTaxCategory'), item ?? n),
    classifications: [],
    attributes: [],
    loc: loc(n),
  };
  put(l, 'id', val(child(n, 'ID')));
  put(l, 'note', val(child(n, 'Note')));
  const q = child(n, 'InvoicedQuantity') ?? child(n, 'CreditedQuantity');
  put(l, 'quantity', num(q));
  if (q && q.attrs['unitCode'] !== undefined) l.unitCode = { value: q.attrs['unitCode'], loc: loc(q) };
  put(l, 'netAmount', num(child(n, 'LineExtensionAmount')));
  put(l, 'accountingRef', val(child(n, 'AccountingCost')));
  put(l, 'period', period(child(n, 'InvoicePeriod')));
  put(l, 'orderLineRef', val(at(n, 'OrderLineReference', 'LineID')));
  put(l, 'objectId', ident(at(n, 'DocumentReference', 'ID')));
  put(l, 'netPrice', num(child(price, 'PriceAmount')));
  put(l, 'baseQuantity', num(child(price, 'BaseQuantity')));
  const pac = child(price, 'AllowanceCharge');
  put(l, 'priceDiscount', num(child(pac, 'Amount')));
  put(l, 'grossPrice', num(child(pac, 'BaseAmount')));
  put(l, 'itemName', val(child(item, 'Name')));
  put(l, 'itemDescription', val(child(item, 'Description')));
  put(l, 'sellerItemId', val(at(item, 'SellersItemIdentification', 'ID')));
  put(l, 'buyerItemId', val(at(item, 'BuyersItemIdentification', 'ID')));
  put(l, 'standardItemId', ident(at(item, 'StandardItemIdentification', 'ID')));
  put(l, 'originCountry', val(at(item, 'OriginCountry', 'IdentificationCode')));
  for (const cc of children(item, 'CommodityClassification')) {
    const id = ident(child(cc, 'ItemClassificationCode'), 'listID');
    if (id) l.classifications.push(id);
  }
  for (const ap of children(item, 'AdditionalItemProperty')) {
    const a: Line['attributes'][number] = { loc: loc(ap) };
    put(a, 'name', val(child(ap, 'Name')));
    put(a, 'value', val(child(ap, 'Value')));
    l.attributes.push(a);
  }
  return l;
}

function paymentMeans(n: XNode): PaymentMeans {
  const pm: PaymentMeans = { accounts: [], loc: loc(n) };
  const code = child(n, 'PaymentMeansCode');
  put(pm, 'code', val(code));
  if (code?.attrs['name'] !== undefined) pm.text = { value: code.attrs['name'], loc: loc(code) };
  put(pm, 'remittance', val(child(n, 'PaymentID')));
  for (const fa of children(n, 'PayeeFinancialAccount')) {
    const a: PaymentMeans['accounts'][number] = { loc: loc(fa) };
    put(a, 'id', val(child(fa, 'ID')));
    put(a, 'name', val(child(fa, 'Name')));
    put(a, 'bic', val(at(fa, 'FinancialInstitutionBranch', 'ID')));
    pm.accounts.push(a);
  }
  const card = child(n, 'CardAccount');
  if (card) {
    pm.card = { loc: loc(card) };
    put(pm.card, 'pan', val(child(card, 'PrimaryAccountNumberID')));
    put(pm.card, 'holder', val(child(card, 'HolderName')));
  }
  const m = child(n, 'PaymentMandate');
  if (m) {
    pm.mandate = { loc: loc(m) };
    put(pm.mandate, 'id', val(child(m, 'ID')));
    put(pm.mandate, 'debitedAccount', val(at(m, 'PayerFinancialAccount', 'ID')));
  }
  return pm;
}

export function readUbl(root: XNode): Invoice {
  const creditNote = root.name === 'CreditNote';
  const inv: Invoice = {
    syntax: 'ubl',
    creditNote,
    loc: loc(root),
    notes: [],
    precedingInvoices: [],
    paymentMeans: [],
    allowanceCharges: [],
    vatBreakdown: [],
    attachments: [],
    lines: [],
  };
  put(inv, 'specificationId', val(child(root, 'CustomizationID')));
  put(inv, 'processId', val(child(root, 'ProfileID')));
  put(inv, 'number', val(child(root, 'ID')));
  put(inv, 'issueDate', val(child(root, 'IssueDate')));
  put(inv, 'dueDate', val(child(root, 'DueDate')));
  put(inv, 'typeCode', val(child(root, creditNote ? 'CreditNoteTypeCode' : 'InvoiceTypeCode')));
  put(inv, 'taxPointDate', val(child(root, 'TaxPointDate')));
  put(inv, 'currency', val(child(root, 'DocumentCurrencyCode')));
  put(inv, 'taxCurrency', val(child(root, 'TaxCurrencyCode')));
  put(inv, 'accountingRef', val(child(root, 'AccountingCost')));
  put(inv, 'buyerReference', val(child(root, 'BuyerReference')));
  put(inv, 'period', period(child(root, 'InvoicePeriod')));
  put(inv, 'orderRef', val(at(root, 'OrderReference', 'ID')));
  put(inv, 'salesOrderRef', val(at(root, 'OrderReference', 'SalesOrderID')));
  put(inv, 'despatchAdviceRef', val(at(root, 'DespatchDocumentReference', 'ID')));
  put(inv, 'receivingAdviceRef', val(at(root, 'ReceiptDocumentReference', 'ID')));
  put(inv, 'tenderRef', val(at(root, 'OriginatorDocumentReference', 'ID')));
  put(inv, 'contractRef', val(at(root, 'ContractDocumentReference', 'ID')));
  put(inv, 'projectRef', val(at(root, 'ProjectReference', 'ID')));
  put(inv, 'paymentTerms', val(at(root, 'PaymentTerms', 'Note')));
  for (const n of children(root, 'Note')) inv.notes.push({ text: val(n)!, loc: loc(n) });
  for (const br of children(root, 'BillingReference')) {
    const d = child(br, 'InvoiceDocumentReference');
    const p: Invoice['precedingInvoices'][number] = { loc: loc(d ?? br) };
    put(p, 'id', val(child(d, 'ID')));
    put(p, 'date', val(child(d, 'IssueDate')));
    inv.precedingInvoices.push(p);
  }
  for (const ad of children(root, 'AdditionalDocumentReference')) {
    if (child(ad, 'DocumentTypeCode')?.text.trim() === '130') {
      put(inv, 'objectId', ident(child(ad, 'ID')));
      continue;
    }
    const bin = at(ad, 'Attachment', 'EmbeddedDocumentBinaryObject');
    const a: Invoice['attachments'][number] = { loc: loc(ad) };
    put(a, 'id', val(child(ad, 'ID')));
    put(a, 'description', val(child(ad, 'DocumentDescription')));
    if (bin?.attrs['mimeCode'] !== undefined) a.mime = { value: bin.attrs['mimeCode'], loc: loc(bin) };
    if (bin?.attrs['filename'] !== undefined) a.filename = { value: bin.attrs['filename'], loc: loc(bin) };
    inv.attachments.push(a);
  }
  put(inv, 'seller', party(at(root, 'AccountingSupplierParty', 'Party')));
  put(inv, 'buyer', party(at(root, 'AccountingCustomerParty', 'Party')));
  put(inv, 'payee', party(child(root, 'PayeeParty')));
  if (inv.payee) put(inv.payee, 'name', val(at(root, 'PayeeParty', 'PartyName', 'Name')));
  put(inv, 'taxRepresentative', party(child(root, 'TaxRepresentativeParty')));
  if (inv.taxRepresentative)
    put(inv.taxRepresentative, 'name', val(at(root, 'TaxRepresentativeParty', 'PartyName', 'Name')));
  const dl = child(root, 'Delivery');
  if (dl) {
    const d: NonNullable<Invoice['delivery']> = { loc: loc(dl) };
    put(d, 'date', val(child(dl, 'ActualDeliveryDate')));
    put(d, 'locationId', ident(at(dl, 'DeliveryLocation', 'ID')));
    put(d, 'address', address(at(dl, 'DeliveryLocation', 'Address')));
    put(d, 'name', val(at(dl, 'DeliveryParty', 'PartyName', 'Name')));
    inv.delivery = d;
  }
  for (const pm of children(root, 'PaymentMeans')) {
    inv.paymentMeans.push(paymentMeans(pm));
    if (creditNote && !inv.dueDate) put(inv, 'dueDate', val(child(pm, 'PaymentDueDate')));
  }
  for (const ac of children(root, 'AllowanceCharge')) inv.allowanceCharges.push(allowanceCharge(ac, true));
  const lmt = child(root, 'LegalMonetaryTotal');
  const totals: NonNullable<Invoice['totals']> = { vatTotals: [], otherVatTotals: [], loc: loc(lmt ?? root) };
  const doc = inv.currency?.value.trim();
  const taxCur = inv.taxCurrency?.value.trim();
  for (const tt of children(root, 'TaxTotal')) {
    const amount = num(child(tt, 'TaxAmount'));
    if (amount) {
      if (amount.currency === doc || (amount.currency === undefined && doc === undefined))
        totals.vatTotals.push(amount);
      else if (taxCur !== undefined && amount.currency === taxCur) totals.vatTotalAccounting = amount;
      else totals.otherVatTotals.push(amount);
    }
    for (const st of children(tt, 'TaxSubtotal')) {
      const b: Invoice['vatBreakdown'][number] = { category: vatCategory(child(st, 'TaxCategory'), st), loc: loc(st) };
      put(b, 'taxable', num(child(st, 'TaxableAmount')));
      put(b, 'tax', num(child(st, 'TaxAmount')));
      inv.vatBreakdown.push(b);
    }
  }
  put(totals, 'lineNet', num(child(lmt, 'LineExtensionAmount')));
  put(totals, 'taxExclusive', num(child(lmt, 'TaxExclusiveAmount')));
  put(totals, 'taxInclusive', num(child(lmt, 'TaxInclusiveAmount')));
  put(totals, 'allowances', num(child(lmt, 'AllowanceTotalAmount')));
  put(totals, 'charges', num(child(lmt, 'ChargeTotalAmount')));
  put(totals, 'prepaid', num(child(lmt, 'PrepaidAmount')));
  put(totals, 'rounding', num(child(lmt, 'PayableRoundingAmount')));
  put(totals, 'payable', num(child(lmt, 'PayableAmount')));
  if (lmt || totals.vatTotals.length || totals.otherVatTotals.length || totals.vatTotalAccounting) inv.totals = totals;
  for (const ln of children(root, creditNote ? 'CreditNoteLine' : 'InvoiceLine')) inv.lines.push(line(ln));
  return inv;
}
