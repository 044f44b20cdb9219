/** UBL 2.1 Invoice / CreditNote → invoice model (EN 16931 UBL binding). */
import type { Address, AllowanceCharge, Invoice, Line, Party, PaymentMeans, Period, VatCategory } from '../invoice.ts';
import { at, child, children, loc, type XNode } from './tree.ts';
import { emptyInvoice, ident, num, put, val } from './values.ts';

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
  // xs:boolean: 'true' or '1' (the artefacts compare it with true()).
  const ind = child(n, 'ChargeIndicator')?.text.trim();
  const ac: AllowanceCharge = { charge: ind === 'true' || ind === '1', loc: loc(n) };
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

/**
 * One invoice line. Lines are the bulk of a large invoice, so each element's children are visited once (first
 * match per name, as `child` gives) instead of searched once per field.
 */
function line(n: XNode): Line {
  let id, note, quantity, credited, netAmount, accountingRef, invoicePeriod, orderLineRef, docRef, item, price;
  let morePeriods: XNode[] | undefined;
  const acs: XNode[] = [];
  for (const c of n.children) {
    switch (c.name) {
      case 'ID':
        id ??= c;
        break;
      case 'Note':
        note ??= c;
        break;
      case 'InvoicedQuantity':
        quantity ??= c;
        break;
      case 'CreditedQuantity':
        credited ??= c;
        break;
      case 'LineExtensionAmount':
        netAmount ??= c;
        break;
      case 'AccountingCost':
        accountingRef ??= c;
        break;
      case 'InvoicePeriod':
        if (invoicePeriod) (morePeriods ??= []).push(c);
        else invoicePeriod = c;
        break;
      case 'OrderLineReference':
        orderLineRef ??= c;
        break;
      case 'DocumentReference':
        docRef ??= c;
        break;
      case 'Item':
        item ??= c;
        break;
      case 'Price':
        price ??= c;
        break;
      case 'AllowanceCharge':
        acs.push(c);
        break;
    }
  }
  let name, description, sellerId, buyerId, standardId, origin, taxCategory;
  const classifications: XNode[] = [];
  const properties: XNode[] = [];
  if (item) {
    for (const c of item.children) {
      switch (c.name) {
        case 'Name':
          name ??= c;
          break;
        case 'Description':
          description ??= c;
          break;
        case 'SellersItemIdentification':
          sellerId ??= c;
          break;
        case 'BuyersItemIdentification':
          buyerId ??= c;
          break;
        case 'StandardItemIdentification':
          standardId ??= c;
          break;
        case 'OriginCountry':
          origin ??= c;
          break;
        case 'ClassifiedTaxCategory':
          taxCategory ??= c;
          break;
        case 'CommodityClassification':
          classifications.push(c);
          break;
        case 'AdditionalItemProperty':
          properties.push(c);
          break;
      }
    }
  }
  let priceAmount, baseQuantity, priceAc;
  let priceAllowanceCount = 0;
  if (price) {
    for (const c of price.children) {
      switch (c.name) {
        case 'PriceAmount':
          priceAmount ??= c;
          break;
        case 'BaseQuantity':
          baseQuantity ??= c;
          break;
        case 'AllowanceCharge':
          priceAc ??= c;
          priceAllowanceCount++;
          break;
      }
    }
  }
  const l: Line = {
    allowanceCharges: acs.map((a) => allowanceCharge(a, false)),
    priceAllowanceCount,
    vat: vatCategory(taxCategory, item ?? n),
    classifications: [],
    attributes: [],
    loc: loc(n),
  };
  put(l, 'id', val(id));
  put(l, 'note', val(note));
  const q = quantity ?? credited;
  put(l, 'quantity', num(q));
  if (q && q.attrs['unitCode'] !== undefined) l.unitCode = { value: q.attrs['unitCode'], loc: loc(q) };
  put(l, 'netAmount', num(netAmount));
  put(l, 'accountingRef', val(accountingRef));
  put(l, 'period', period(invoicePeriod));
  if (morePeriods) l.extraPeriods = morePeriods.map((p) => period(p)!);
  put(l, 'orderLineRef', val(child(orderLineRef, 'LineID')));
  put(l, 'objectId', ident(child(docRef, 'ID')));
  put(l, 'netPrice', num(priceAmount));
  put(l, 'baseQuantity', num(baseQuantity));
  put(l, 'priceDiscount', num(child(priceAc, 'Amount')));
  put(l, 'grossPrice', num(child(priceAc, 'BaseAmount')));
  put(l, 'itemName', val(name));
  put(l, 'itemDescription', val(description));
  put(l, 'sellerItemId', val(child(sellerId, 'ID')));
  put(l, 'buyerItemId', val(child(buyerId, 'ID')));
  put(l, 'standardItemId', ident(child(standardId, 'ID')));
  put(l, 'originCountry', val(child(origin, 'IdentificationCode')));
  for (const cc of classifications) {
    const cid = ident(child(cc, 'ItemClassificationCode'), 'listID');
    if (cid) l.classifications.push(cid);
  }
  for (const ap of properties) {
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
  const inv: Invoice = emptyInvoice('ubl', loc(root), creditNote);
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
  inv.binding = { root };
  return inv;
}
