/**
 * One invoice model for every syntax, following the EN 16931 semantic model (BT-n business terms,
 * BG-n groups). Readers (src/formats/read/) fill it; rules (src/rules/) read only this.
 *
 * Every value carries where it came from (`loc`: XPath and line) so a finding can point at it.
 * Amounts, quantities and rates stay decimal strings exactly as written: the norm's rounding and
 * the BR-DEC decimal counts need the written digits, never a float.
 */

import type { XNode } from './read/tree.ts';

/** Where a value sits in the source XML. */
export interface Loc {
  xpath: string;
  line: number;
}

/** A text or code value. `attrs` keeps the qualifying attributes (schemeID, listID, unitCode, currencyID…). */
export interface Val {
  value: string;
  loc: Loc;
  attrs?: Record<string, string>;
}

/** A decimal value (amount, quantity, percentage) as written, e.g. `"1250.00"`. */
export interface Num extends Val {
  /** currencyID for amounts, when given. */
  currency?: string;
  /** The text as written when it had surrounding whitespace (the BR-DEC rules count the characters after '.'). */
  written?: string;
}

/** An identifier with its optional scheme (schemeID / listID). */
export interface Id extends Val {
  scheme?: string;
}

/** BG-5, BG-8, BG-12, BG-15 postal address. */
export interface Address {
  line1?: Val; // BT-35 / BT-50 / BT-64 / BT-75
  line2?: Val;
  line3?: Val;
  city?: Val;
  postcode?: Val;
  subdivision?: Val;
  country?: Val; // BT-40 / BT-55 / BT-69 / BT-80
  loc: Loc;
}

/** BG-4 seller, BG-7 buyer, BG-10 payee, BG-11 tax representative. */
export interface Party {
  name?: Val; // BT-27 / BT-44 / BT-59 / BT-62 (legal or registration name)
  tradingName?: Val; // BT-28 / BT-45
  /** BT-29 / BT-46 / BT-60: party identifiers (with scheme). */
  ids: Id[];
  /** BT-30 / BT-47 / BT-61: legal registration identifier. */
  legalId?: Id;
  /** BT-31 / BT-48 / BT-63: VAT identifier. */
  vatId?: Id;
  /** BT-32: seller tax registration identifier (not VAT). */
  taxRegId?: Id;
  legalInfo?: Val; // BT-33
  endpoint?: Id; // BT-34 / BT-49 electronic address, scheme = EAS code
  address?: Address;
  contact?: { name?: Val; phone?: Val; email?: Val; loc: Loc }; // BG-6 / BG-9
  loc: Loc;
}

/** A VAT category as it appears on a line (BT-151/152), an allowance/charge (BT-95/96, BT-102/103) or a breakdown (BT-118/119). */
export interface VatCategory {
  code?: Val;
  rate?: Num;
  exemptionReason?: Val; // BT-120
  exemptionCode?: Val; // BT-121
  /** Tax scheme id (UBL `TaxScheme/ID`, CII `TypeCode`): the rules consider only `VAT` categories. */
  scheme?: Val;
  loc: Loc;
}

/** BG-20 / BG-21 document level, BG-27 / BG-28 line level allowance or charge. */
export interface AllowanceCharge {
  charge: boolean;
  amount?: Num; // BT-92 / BT-99 / BT-136 / BT-141
  base?: Num; // BT-93 / BT-100 / BT-137 / BT-142
  percent?: Num; // BT-94 / BT-101 / BT-138 / BT-143
  vat?: VatCategory; // document level only
  reason?: Val; // BT-97 / BT-104 / BT-139 / BT-144
  reasonCode?: Val; // BT-98 / BT-105 / BT-140 / BT-145
  loc: Loc;
}

/** BG-23 VAT breakdown. */
interface VatBreakdown {
  taxable?: Num; // BT-116
  tax?: Num; // BT-117
  category: VatCategory; // BT-118 … BT-121
  loc: Loc;
}

export interface Period {
  start?: Val;
  end?: Val;
  /** BT-8 value date code (UNCL 2005 in UBL DescriptionCode / 2475 in CII). */
  descriptionCode?: Val;
  loc: Loc;
}

/** BG-25 invoice line with BG-26 period, BG-29 price, BG-31 item, BG-32 attributes. */
export interface Line {
  id?: Val; // BT-126
  note?: Val; // BT-127
  objectId?: Id; // BT-128
  quantity?: Num; // BT-129, unitCode = BT-130 in attrs.unitCode
  unitCode?: Val; // BT-130
  netAmount?: Num; // BT-131
  orderLineRef?: Val; // BT-132
  accountingRef?: Val; // BT-133
  period?: Period; // BG-26
  /** Further BG-26 periods a UBL line repeats (UBL-SR-36 forbids them; the artefacts still judge each one). */
  extraPeriods?: Period[];
  allowanceCharges: AllowanceCharge[]; // BG-27 / BG-28
  netPrice?: Num; // BT-146
  priceDiscount?: Num; // BT-147
  grossPrice?: Num; // BT-148
  baseQuantity?: Num; // BT-149 (unitCode = BT-150)
  /** Count of price-level allowances/charges (UBL `Price/AllowanceCharge`): UBL-SR-37 allows one. */
  priceAllowanceCount: number;
  vat: VatCategory; // BT-151 / BT-152
  itemName?: Val; // BT-153
  itemDescription?: Val; // BT-154
  sellerItemId?: Val; // BT-155
  buyerItemId?: Val; // BT-156
  standardItemId?: Id; // BT-157
  classifications: Id[]; // BT-158 (scheme = listID)
  originCountry?: Val; // BT-159
  attributes: { name?: Val; value?: Val; loc: Loc }[]; // BG-32
  loc: Loc;
}

/** BG-16 payment instructions (one per means in UBL). */
export interface PaymentMeans {
  code?: Val; // BT-81
  text?: Val; // BT-82
  remittance?: Val; // BT-83
  accounts: { id?: Val; name?: Val; bic?: Val; loc: Loc }[]; // BG-17
  card?: { pan?: Val; holder?: Val; loc: Loc }; // BG-18
  mandate?: { id?: Val; creditorId?: Val; debitedAccount?: Val; loc: Loc }; // BG-19
  loc: Loc;
}

export interface Invoice {
  /**
   * The syntax binding whose conventions the values follow (date formats, where a currency is written…), for the
   * rules the artefacts compute differently per binding. Not the syntax id: a UBL CreditNote reads as `ubl`, a
   * Factur-X PDF's XML as `cii`, and a new syntax reads into one of these (a new binding is a rules change).
   */
  syntax: 'ubl' | 'cii' | 'cpp';
  /** True for a UBL CreditNote (lines are CreditNoteLine, BT-3 is CreditNoteTypeCode). */
  creditNote: boolean;
  /** Root element, for locations. */
  loc: Loc;
  number?: Val; // BT-1
  issueDate?: Val; // BT-2
  typeCode?: Val; // BT-3
  currency?: Val; // BT-5
  taxCurrency?: Val; // BT-6
  taxPointDate?: Val; // BT-7
  dueDate?: Val; // BT-9
  buyerReference?: Val; // BT-10
  projectRef?: Val; // BT-11
  contractRef?: Val; // BT-12
  orderRef?: Val; // BT-13
  salesOrderRef?: Val; // BT-14
  receivingAdviceRef?: Val; // BT-15
  despatchAdviceRef?: Val; // BT-16
  tenderRef?: Val; // BT-17
  objectId?: Id; // BT-18
  accountingRef?: Val; // BT-19
  paymentTerms?: Val; // BT-20
  notes: { subjectCode?: Val; text?: Val; loc: Loc }[]; // BG-1
  processId?: Val; // BT-23
  specificationId?: Val; // BT-24
  precedingInvoices: { id?: Val; date?: Val; loc: Loc }[]; // BG-3
  seller?: Party; // BG-4
  buyer?: Party; // BG-7
  payee?: Party; // BG-10
  taxRepresentative?: Party; // BG-11
  delivery?: {
    name?: Val; // BT-70
    locationId?: Id; // BT-71
    date?: Val; // BT-72
    address?: Address; // BG-15
    loc: Loc;
  }; // BG-13
  period?: Period; // BG-14
  paymentMeans: PaymentMeans[]; // BG-16
  allowanceCharges: AllowanceCharge[]; // BG-20 / BG-21
  totals?: {
    lineNet?: Num; // BT-106
    allowances?: Num; // BT-107
    charges?: Num; // BT-108
    taxExclusive?: Num; // BT-109
    /** BT-110: every tax total in the document currency (UBL may repeat TaxTotal: BR-CO-15 wants one). */
    vatTotals: Num[];
    /** BT-111: tax total in the tax accounting currency. */
    vatTotalAccounting?: Num;
    /** Tax totals in neither currency (UBL `TaxTotal/TaxAmount` with another currencyID). */
    otherVatTotals: Num[];
    taxInclusive?: Num; // BT-112
    prepaid?: Num; // BT-113
    rounding?: Num; // BT-114
    payable?: Num; // BT-115
    loc: Loc;
  }; // BG-22
  vatBreakdown: VatBreakdown[]; // BG-23
  attachments: { id?: Val; description?: Val; mime?: Val; filename?: Val; loc: Loc }[]; // BG-24
  lines: Line[]; // BG-25
  /** Syntax-binding facts that are no business term but decide CII-DT / UBL-SR rules. */
  binding?: {
    /** CII amounts other than `TaxTotalAmount` written with a `currencyID` (CII-DT-031). */
    ciiAmountCurrencies?: Val[];
    /** The parsed document, for the syntax-binding rules (UBL-SR, UBL-DT, CII-SR, CII-DT) that read the XML itself. */
    root?: XNode;
  };
}
