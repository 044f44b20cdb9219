/**
 * A synthetic EXTENDED base for the Factur-X mutants (scripts/conformance/mutate-facturx.ts), built at run time by
 * scripts/conformance/run.ts: the corpus' valid EXTENDED invoice (test/corpus/valid/cii/akretion-factur-x-extended.xml)
 * with the optional EXTENDED elements no base of the corpus or the public set holds, each inserted at its place in
 * the XSD sequence (xml-edit.ts `put`) with realistic content that the CII D16B and Factur-X EXTENDED XSDs, the CEN
 * CII artefact and the EXTENDED artefact accept (the run judges the result as a document, source `synthetic`, with
 * zero tolerance, before any mutant is made of it). Without it, the EXTENDED artefact's assertions on those elements
 * (the other parties, the advance payments, the logistics charges, the referenced products…) have no context to fire
 * on. No amount of the base changes: the added elements carry no amount the totals sum, except the advance payment,
 * whose paid amount goes into the prepaid and due amounts.
 */
import { put, scan, select, splice } from './xml-edit.ts';

const T = 'CrossIndustryInvoice/SupplyChainTradeTransaction';
const AGREEMENT = `${T}/ApplicableHeaderTradeAgreement`;
const DELIVERY = `${T}/ApplicableHeaderTradeDelivery`;
const SETTLEMENT = `${T}/ApplicableHeaderTradeSettlement`;
const LINE = `${T}/IncludedSupplyChainTradeLineItem`;

/** A contact with a person, a telephone, a fax and an e-mail (TradeContactType, XSD order). */
const contact = (person: string, phone: string, mail: string) =>
  `<ram:DefinedTradeContact><ram:PersonName>${person}</ram:PersonName>` +
  `<ram:TelephoneUniversalCommunication><ram:CompleteNumber>${phone}</ram:CompleteNumber></ram:TelephoneUniversalCommunication>` +
  `<ram:FaxUniversalCommunication><ram:CompleteNumber>${phone.replace(/\d$/, '9')}</ram:CompleteNumber></ram:FaxUniversalCommunication>` +
  `<ram:EmailURIUniversalCommunication><ram:URIID>${mail}</ram:URIID></ram:EmailURIUniversalCommunication></ram:DefinedTradeContact>`;

/** An electronic address (BT-34 style; scheme EM, of the CEF EAS list). */
const uri = (mail: string) =>
  `<ram:URIUniversalCommunication><ram:URIID schemeID="EM">${mail}</ram:URIID></ram:URIUniversalCommunication>`;

/** A party with an ID, a name, a contact, a postal address, an electronic address and a VAT registration
 * (TradePartyType, XSD order). */
function party(tag: string, id: string, name: string, city: string, postcode: string, vat: string): string {
  const mail = `${id.toLowerCase()}@example.fr`;
  return (
    `<ram:${tag}><ram:ID>${id}</ram:ID><ram:Name>${name}</ram:Name>` +
    contact('Camille Durand', '+33 2 40 12 34 56', mail) +
    `<ram:PostalTradeAddress><ram:PostcodeCode>${postcode}</ram:PostcodeCode><ram:LineOne>12 rue des Lilas</ram:LineOne>` +
    `<ram:CityName>${city}</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>` +
    uri(mail) +
    `<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">${vat}</ram:ID></ram:SpecifiedTaxRegistration></ram:${tag}>`
  );
}

/** A text amount plus `delta`, written with two decimals. */
const plus = (v: string, delta: number) => (Number(v) + delta).toFixed(2);

/** The base with `f` applied to the text of the first element at `path` (undefined when absent). */
function retext(xml: string, path: string, f: (v: string) => string): string | undefined {
  const e = select(scan(xml), path)[0];
  if (!e || e.children.length) return undefined;
  return splice(xml, e.openEnd, e.closeStart, f(xml.slice(e.openEnd, e.closeStart).trim()));
}

/** Each insertion: parent path, child name, snippet. Applied in order; the first that fails voids the base. */
type Step = [string, string, string] | ((xml: string) => string | undefined);

const PAID = 20;

const STEPS: Step[] = [
  // The document's effective period (its completion date).
  [
    'CrossIndustryInvoice/ExchangedDocument',
    'EffectiveSpecifiedPeriod',
    '<ram:EffectiveSpecifiedPeriod><ram:CompleteDateTime><udt:DateTimeString format="102">20260131</udt:DateTimeString></ram:CompleteDateTime></ram:EffectiveSpecifiedPeriod>',
  ],
  // The base's parties without contact nor electronic address get them; the seller's contact gets a fax.
  [
    `${AGREEMENT}/SellerTaxRepresentativeTradeParty`,
    'DefinedTradeContact',
    contact('Louis Martin', '+33 1 44 55 66 77', 'fiscal@example.fr'),
  ],
  [`${AGREEMENT}/SellerTaxRepresentativeTradeParty`, 'URIUniversalCommunication', uri('fiscal@example.fr')],
  [
    `${DELIVERY}/ShipToTradeParty`,
    'DefinedTradeContact',
    contact('Nina Petit', '+33 4 91 22 33 44', 'livraison@example.fr'),
  ],
  [`${DELIVERY}/ShipToTradeParty`, 'URIUniversalCommunication', uri('livraison@example.fr')],
  [
    `${SETTLEMENT}/PayeeTradeParty`,
    'DefinedTradeContact',
    contact('Paul Bernard', '+33 1 53 00 11 22', 'encaissement@example.fr'),
  ],
  [`${SETTLEMENT}/PayeeTradeParty`, 'URIUniversalCommunication', uri('encaissement@example.fr')],
  [
    `${AGREEMENT}/SellerTradeParty/DefinedTradeContact`,
    'FaxUniversalCommunication',
    '<ram:FaxUniversalCommunication><ram:CompleteNumber>+33 2 38 00 00 99</ram:CompleteNumber></ram:FaxUniversalCommunication>',
  ],
  // Header agreement: the other parties, the delivery terms, a tender reference (50; without its date, which CEN
  // forbids, CII-DT-027), an attachment.
  [
    AGREEMENT,
    'SalesAgentTradeParty',
    party('SalesAgentTradeParty', 'SA-001', 'Agence Commerciale Ouest', 'Nantes', '44000', 'FR40303265045'),
  ],
  [
    AGREEMENT,
    'BuyerTaxRepresentativeTradeParty',
    party(
      'BuyerTaxRepresentativeTradeParty',
      'BTR-001',
      'Représentation Fiscale Acheteur',
      'Lyon',
      '69002',
      'FR23334175221',
    ),
  ],
  [
    AGREEMENT,
    'ProductEndUserTradeParty',
    party('ProductEndUserTradeParty', 'EU-001', 'Utilisateur Final SAS', 'Lille', '59000', 'FR83404833048'),
  ],
  [
    AGREEMENT,
    'ApplicableTradeDeliveryTerms',
    '<ram:ApplicableTradeDeliveryTerms><ram:DeliveryTypeCode>DAP</ram:DeliveryTypeCode><ram:RelevantTradeLocation><ram:CountryID>FR</ram:CountryID><ram:Name>Entrepôt de Rungis</ram:Name></ram:RelevantTradeLocation></ram:ApplicableTradeDeliveryTerms>',
  ],
  [
    AGREEMENT,
    'AdditionalReferencedDocument',
    '<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>AO-2026-017</ram:IssuerAssignedID><ram:TypeCode>50</ram:TypeCode></ram:AdditionalReferencedDocument>',
  ],
  [
    AGREEMENT,
    'AdditionalReferencedDocument',
    '<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>BL-2026-0042</ram:IssuerAssignedID><ram:TypeCode>916</ram:TypeCode><ram:Name>Bon de livraison signé</ram:Name><ram:AttachmentBinaryObject mimeCode="application/pdf" filename="bl-2026-0042.pdf">JVBERi0xLjQKJcOkw7zDtsOfCg==</ram:AttachmentBinaryObject></ram:AdditionalReferencedDocument>',
  ],
  [
    AGREEMENT,
    'BuyerAgentTradeParty',
    party('BuyerAgentTradeParty', 'BA-001', 'Centrale d’Achat Nord', 'Amiens', '80000', 'FR52328475119'),
  ],
  // Header delivery: the final delivery party and the party the goods leave from.
  [
    DELIVERY,
    'UltimateShipToTradeParty',
    party('UltimateShipToTradeParty', 'UST-001', 'Magasin de Rungis', 'Rungis', '94150', 'FR83404833048'),
  ],
  [
    DELIVERY,
    'ShipFromTradeParty',
    party('ShipFromTradeParty', 'SF-001', 'Entrepôt Fournisseur', 'Orléans', '45000', 'FR11123456782'),
  ],
  // Header settlement: invoicer, invoicee and payer, the exchange rate to a currency (informative), a logistics
  // service charge of 0.00 (no total moves), an advance payment.
  [
    SETTLEMENT,
    'InvoicerTradeParty',
    party('InvoicerTradeParty', 'INV-001', 'Service Facturation Fournisseur', 'Orléans', '45000', 'FR11123456782'),
  ],
  [
    SETTLEMENT,
    'InvoiceeTradeParty',
    party('InvoiceeTradeParty', 'IVE-001', 'Service Réception Factures', 'Paris', '75008', 'FR05987654321'),
  ],
  [
    SETTLEMENT,
    'PayerTradeParty',
    party('PayerTradeParty', 'PAY-001', 'Service Comptable Acheteur', 'Paris', '75008', 'FR05987654321'),
  ],
  [
    SETTLEMENT,
    'TaxApplicableTradeCurrencyExchange',
    '<ram:TaxApplicableTradeCurrencyExchange><ram:SourceCurrencyCode>EUR</ram:SourceCurrencyCode><ram:TargetCurrencyCode>CHF</ram:TargetCurrencyCode><ram:ConversionRate>0.9412</ram:ConversionRate><ram:ConversionRateDateTime><udt:DateTimeString format="102">20260130</udt:DateTimeString></ram:ConversionRateDateTime></ram:TaxApplicableTradeCurrencyExchange>',
  ],
  [
    SETTLEMENT,
    'SpecifiedLogisticsServiceCharge',
    '<ram:SpecifiedLogisticsServiceCharge><ram:Description>Transport offert</ram:Description><ram:AppliedAmount>0.00</ram:AppliedAmount><ram:AppliedTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:AppliedTradeTax></ram:SpecifiedLogisticsServiceCharge>',
  ],
  [
    `${SETTLEMENT}/SpecifiedTradePaymentTerms`,
    'PayeeTradeParty',
    party('PayeeTradeParty', 'PT-001', 'Affactureur Financement SA', 'Paris', '75009', 'FR61542107651'),
  ],
  [
    SETTLEMENT,
    'SpecifiedAdvancePayment',
    `<ram:SpecifiedAdvancePayment><ram:PaidAmount>${PAID.toFixed(2)}</ram:PaidAmount><ram:FormattedReceivedDateTime><qdt:DateTimeString format="102">20260115</qdt:DateTimeString></ram:FormattedReceivedDateTime><ram:IncludedTradeTax><ram:CalculatedAmount>3.33</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:IncludedTradeTax></ram:SpecifiedAdvancePayment>`,
  ],
  (x) =>
    retext(x, `${SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/TotalPrepaidAmount`, (v) => plus(v, PAID)),
  (x) =>
    retext(x, `${SETTLEMENT}/SpecifiedTradeSettlementHeaderMonetarySummation/DuePayableAmount`, (v) => plus(v, -PAID)),
  // A header charge with a basis quantity (its unit code).
  (x) => {
    const charge = select(scan(x), `${SETTLEMENT}/SpecifiedTradeAllowanceCharge`).find((c) =>
      /<udt:Indicator>\s*true\s*</.test(x.slice(c.start, c.end)),
    );
    const amount = charge?.children.find((k) => k.local === 'BasisAmount');
    return amount && splice(x, amount.end, amount.end, '<ram:BasisQuantity unitCode="KMT">12</ram:BasisQuantity>');
  },
  // Line 1: delivery terms at the line (no line attachment: CEN forbids its TypeCode, CII-DT-018, EXTENDED requires
  // it), the item's seller, the manufacturer, the referenced product, the delivery parties, the line's VAT total.
  [
    `${LINE}/SpecifiedLineTradeAgreement`,
    'ApplicableTradeDeliveryTerms',
    '<ram:ApplicableTradeDeliveryTerms><ram:DeliveryTypeCode>DAP</ram:DeliveryTypeCode><ram:RelevantTradeLocation><ram:CountryID>FR</ram:CountryID></ram:RelevantTradeLocation></ram:ApplicableTradeDeliveryTerms>',
  ],
  [
    `${LINE}/SpecifiedLineTradeAgreement`,
    'ItemSellerTradeParty',
    party('ItemSellerTradeParty', 'IS-001', 'Vendeur Article SARL', 'Tours', '37000', 'FR40303265045'),
  ],
  [
    `${LINE}/SpecifiedTradeProduct`,
    'ManufacturerTradeParty',
    party('ManufacturerTradeParty', 'MF-001', 'Fabricant Industriel SA', 'Grenoble', '38000', 'FR52328475119'),
  ],
  [
    `${LINE}/SpecifiedTradeProduct`,
    'IncludedReferencedProduct',
    '<ram:IncludedReferencedProduct><ram:GlobalID schemeID="0160">4012345000016</ram:GlobalID><ram:SellerAssignedID>ART_1254-K</ram:SellerAssignedID><ram:Name>Kit de fixation</ram:Name><ram:UnitQuantity unitCode="C62">2</ram:UnitQuantity></ram:IncludedReferencedProduct>',
  ],
  [
    `${LINE}/SpecifiedLineTradeDelivery`,
    'ShipToTradeParty',
    party('ShipToTradeParty', 'ST-001', 'Agence Sud', 'Marseille', '13002', 'FR05987654321'),
  ],
  [
    `${LINE}/SpecifiedLineTradeDelivery`,
    'UltimateShipToTradeParty',
    party('UltimateShipToTradeParty', 'UST-002', 'Chantier Prado', 'Marseille', '13008', 'FR05987654321'),
  ],
  [
    `${LINE}/SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation`,
    'TaxTotalAmount',
    '<ram:TaxTotalAmount currencyID="EUR">0.00</ram:TaxTotalAmount>',
  ],
];

/** The synthetic EXTENDED base made of an EXTENDED invoice, or undefined when an element has no place in it. */
export function richExtended(base: string): string | undefined {
  const root = scan(base).children[0];
  const open = root ? base.slice(root.start, root.openEnd) : '';
  // The snippets use the usual prefixes: the root must declare them.
  if (!['ram', 'qdt', 'udt'].every((p) => open.includes(`xmlns:${p}=`))) return undefined;
  let xml: string | undefined = base;
  for (const s of STEPS) {
    if (xml === undefined) return undefined;
    xml = typeof s === 'function' ? s(xml) : put(xml, s[0], s[1], s[2]);
  }
  return xml;
}
