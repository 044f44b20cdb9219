/**
 * The qualification kit of a matelas: UBL 2.1 invoices (EN 16931 core) addressed to each kind of
 * recipient with what it asks for, and one invoice per routing rule that must be rejected, with a
 * manifest of the expected outcome of each; and a zip of invoices integrated partly (96). Our answer to the platform's (unpublished) test catalogue.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DirectoryData, DirectoryStructure, StructureKind } from '../store/directory.ts';
import { SUPPLIER_KINDS } from '../store/directory.ts';
import { writeZip } from '../formats/zip.ts';
import { fictitiousSiret, partnerNumber } from './matelas.ts';

export interface KitInvoice {
  fileName: string;
  invoiceNumber: string;
  /** What the case is about: the recipient kind, or the routing rule it breaks. */
  purpose: string;
  recipientKind?: StructureKind;
  expected: 'integree' | 'rejetee';
  /** Finding codes of the REGLE stage the rejection must carry (empty when integrated). */
  codes: string[];
  xml: string;
}
/**
 * A flow of several invoices (a zip of UBL invoices) integrated partly: the good ones are integrated, the
 * flow is IN_INTEGRE_PARTIEL and its compte-rendu (96) carries one line per rejected invoice.
 */
interface KitLot {
  fileName: string;
  purpose: string;
  expected: 'integree_partiellement';
  /** The compte-rendu's status code: 96. */
  statusCode: '96';
  /** Codes of the compte-rendu's lines: the first fatal code of each rejected invoice. */
  codes: string[];
  invoices: Array<Omit<KitInvoice, 'xml' | 'fileName'> & { entry: string }>;
}

export interface KitManifest {
  partner: string;
  set: number;
  syntaxeFlux: 'IN_DP_E1_UBL_INVOICE';
  interfaceCode: 'FSO1100A';
  /** One file per invoice: 90 when `integree`, 93 when `rejetee`. */
  invoices: Array<Omit<KitInvoice, 'xml'>>;
  /** Multi-invoice flows (zip): 96. */
  lots: KitLot[];
}

/** One invoice of a kit or of the demo, whatever its syntax. */
export interface UblInput {
  number: string;
  date: string;
  supplier: { siret: string; name: string };
  buyer: { siret?: string; name: string };
  cadre?: string;
  serviceCode?: string;
  commitmentNumber?: string;
  paymentMeansCode: string;
  iban?: string;
  /** Net amount of the single line, in cents. */
  netCents: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const money = (cents: number) => (cents / 100).toFixed(2);

/** French VAT number from a SIREN: FR + key ((12 + 3 × (SIREN mod 97)) mod 97) + SIREN. */
export function frenchVatNumber(siret: string): string {
  const siren = siret.slice(0, 9);
  const key = (12 + 3 * (Number(siren) % 97)) % 97;
  return `FR${String(key).padStart(2, '0')}${siren}`;
}

/**
 * One EN 16931 invoice, one line at 20 % standard VAT. Chorus Pro data sit where spec §4.3 puts them:
 * cadre in ProfileID (BT-23), service in BuyerReference (BT-10), EJ in OrderReference (BT-13),
 * SIRETs in PartyLegalEntity/CompanyID with ICD 0009 (BT-30, BT-47).
 */
export function ublInvoice(i: UblInput): string {
  const vat = Math.round(i.netCents * 0.2);
  const ttc = i.netCents + vat;
  const due = new Date(Date.parse(i.date) + 30 * 86_400_000).toISOString().slice(0, 10);
  const eur = 'currencyID="EUR"';
  const address = (city: string) =>
    `<cac:PostalAddress><cbc:StreetName>1 rue de la Recette</cbc:StreetName><cbc:CityName>${city}</cbc:CityName><cbc:PostalZone>75001</cbc:PostalZone><cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country></cac:PostalAddress>`;
  const category = '<cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>';
  return `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
${i.cadre !== undefined ? `  <cbc:ProfileID>${esc(i.cadre)}</cbc:ProfileID>\n` : ''}  <cbc:ID>${esc(i.number)}</cbc:ID>
  <cbc:IssueDate>${i.date}</cbc:IssueDate>
  <cbc:DueDate>${due}</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
${i.serviceCode !== undefined ? `  <cbc:BuyerReference>${esc(i.serviceCode)}</cbc:BuyerReference>\n` : ''}${
    i.commitmentNumber !== undefined
      ? `  <cac:OrderReference><cbc:ID>${esc(i.commitmentNumber)}</cbc:ID></cac:OrderReference>\n`
      : ''
  }  <cac:AccountingSupplierParty><cac:Party>${address('Paris')}<cac:PartyTaxScheme><cbc:CompanyID>${frenchVatNumber(i.supplier.siret)}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme><cac:PartyLegalEntity><cbc:RegistrationName>${esc(i.supplier.name)}</cbc:RegistrationName><cbc:CompanyID schemeID="0009">${i.supplier.siret}</cbc:CompanyID></cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>${address('Lyon')}<cac:PartyLegalEntity><cbc:RegistrationName>${esc(i.buyer.name)}</cbc:RegistrationName>${
    i.buyer.siret !== undefined ? `<cbc:CompanyID schemeID="0009">${i.buyer.siret}</cbc:CompanyID>` : ''
  }</cac:PartyLegalEntity></cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>${i.paymentMeansCode}</cbc:PaymentMeansCode>${
    i.iban !== undefined ? `<cac:PayeeFinancialAccount><cbc:ID>${i.iban}</cbc:ID></cac:PayeeFinancialAccount>` : ''
  }</cac:PaymentMeans>
  <cac:TaxTotal><cbc:TaxAmount ${eur}>${money(vat)}</cbc:TaxAmount><cac:TaxSubtotal><cbc:TaxableAmount ${eur}>${money(i.netCents)}</cbc:TaxableAmount><cbc:TaxAmount ${eur}>${money(vat)}</cbc:TaxAmount><cac:TaxCategory>${category}</cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
  <cac:LegalMonetaryTotal><cbc:LineExtensionAmount ${eur}>${money(i.netCents)}</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount ${eur}>${money(i.netCents)}</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount ${eur}>${money(ttc)}</cbc:TaxInclusiveAmount><cbc:PayableAmount ${eur}>${money(ttc)}</cbc:PayableAmount></cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity><cbc:LineExtensionAmount ${eur}>${money(i.netCents)}</cbc:LineExtensionAmount><cac:Item><cbc:Name>Prestation de qualification</cbc:Name><cac:ClassifiedTaxCategory>${category}</cac:ClassifiedTaxCategory></cac:Item><cac:Price><cbc:PriceAmount ${eur}>${money(i.netCents)}</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
</Invoice>
`;
}

/**
 * The same invoice as `ublInvoice` in UN/CEFACT CII D16B (Factur-X EN 16931 profile): cadre in
 * BusinessProcessSpecifiedDocumentContextParameter (BT-23), service in BuyerReference (BT-10), EJ in
 * BuyerOrderReferencedDocument (BT-13), SIRETs in SpecifiedLegalOrganization with ICD 0009 (BT-30, BT-47).
 */
export function ciiInvoice(i: UblInput): string {
  const vat = Math.round(i.netCents * 0.2);
  const ttc = i.netCents + vat;
  const day = (iso: string) => `<udt:DateTimeString format="102">${iso.replace(/-/g, '')}</udt:DateTimeString>`;
  const due = new Date(Date.parse(i.date) + 30 * 86_400_000).toISOString().slice(0, 10);
  const address = (city: string) =>
    `<ram:PostalTradeAddress><ram:PostcodeCode>75001</ram:PostcodeCode><ram:LineOne>1 rue de la Recette</ram:LineOne><ram:CityName>${city}</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>`;
  const tax =
    '<ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent>';
  return `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
${i.cadre !== undefined ? `    <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>${esc(i.cadre)}</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>\n` : ''}    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>${esc(i.number)}</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime>${day(i.date)}</ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Prestation de qualification</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>${money(i.netCents)}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax>${tax}</ram:ApplicableTradeTax><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>${money(i.netCents)}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
${i.serviceCode !== undefined ? `      <ram:BuyerReference>${esc(i.serviceCode)}</ram:BuyerReference>\n` : ''}      <ram:SellerTradeParty><ram:Name>${esc(i.supplier.name)}</ram:Name><ram:SpecifiedLegalOrganization><ram:ID schemeID="0009">${i.supplier.siret}</ram:ID></ram:SpecifiedLegalOrganization>${address('Paris')}<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">${frenchVatNumber(i.supplier.siret)}</ram:ID></ram:SpecifiedTaxRegistration></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>${esc(i.buyer.name)}</ram:Name>${
        i.buyer.siret !== undefined
          ? `<ram:SpecifiedLegalOrganization><ram:ID schemeID="0009">${i.buyer.siret}</ram:ID></ram:SpecifiedLegalOrganization>`
          : ''
      }${address('Lyon')}</ram:BuyerTradeParty>
${
  i.commitmentNumber !== undefined
    ? `      <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>${esc(i.commitmentNumber)}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>\n`
    : ''
}    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>${i.paymentMeansCode}</ram:TypeCode>${
        i.iban !== undefined
          ? `<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>${i.iban}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>`
          : ''
      }</ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax><ram:CalculatedAmount>${money(vat)}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>${money(i.netCents)}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>${day(due)}</ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>${money(i.netCents)}</ram:LineTotalAmount><ram:TaxBasisTotalAmount>${money(i.netCents)}</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID="EUR">${money(vat)}</ram:TaxTotalAmount><ram:GrandTotalAmount>${money(ttc)}</ram:GrandTotalAmount><ram:DuePayableAmount>${money(ttc)}</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
`;
}

/**
 * A Factur-X PDF: one page saying what it is, and the CII invoice embedded as `factur-x.xml` (in the
 * EmbeddedFiles name tree and the catalog's /AF, relationship Data), as Factur-X 1.0 places it. It is
 * not a PDF/A-3 (no embedded fonts, no output intent, no XMP): enough for the flow's checks, which read
 * the embedded XML.
 */
export async function facturxPdf(ciiXml: string, title: string): Promise<Buffer> {
  // Loaded here, not when the daemon starts: only the demo and the qualification kit make PDFs.
  const { AFRelationship, PDFDocument, StandardFonts } = await import('pdf-lib');
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setProducer('Passerelle');
  const page = doc.addPage([595, 842]);
  page.drawText(title, { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  await doc.attach(Buffer.from(ciiXml, 'utf8'), 'factur-x.xml', {
    mimeType: 'text/xml',
    description: 'Factur-X invoice',
    afRelationship: AFRelationship.Data,
  });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** A well-formed IBAN (ISO 13616 check digits) for a fictitious French account. */
export function fictitiousIban(seed: number): string {
  const bban = `30006000${String(seed % 1e11).padStart(11, '0')}${String(seed % 97).padStart(2, '0')}`;
  // Check digits: 98 − (BBAN + "FR00" as digits) mod 97; F=15, R=27.
  const digits = `${bban}152700`;
  let rem = 0;
  for (const c of digits) rem = (rem * 10 + Number(c)) % 97;
  return `FR${String(98 - rem).padStart(2, '0')}${bban}`;
}

interface KitOptions {
  /** Distinguishes invoice numbers between kits (a kit deposited twice is all duplicates). ≤ 6 characters. */
  tag?: string;
  /** Issue date `YYYY-MM-DD`. */
  date?: string;
}

/** What every case of a kit shares: its tag, date, the supplier, the structures by kind, the IBAN. */
function kitContext(data: DirectoryData, opts: KitOptions) {
  const tag = opts.tag ?? `K${data.set}`;
  if (!/^[A-Z0-9]{1,6}$/.test(tag)) throw new Error(`kit tag must be 1–6 capital letters or digits: ${tag}`);
  const byKind = (k: StructureKind): DirectoryStructure => {
    const s = data.structures.find((x) => x.kind === k);
    if (!s) throw new Error(`matelas has no ${k}`);
    return s;
  };
  const supplier = byKind('Fournisseur Partenaire');
  return {
    tag,
    date: opts.date ?? '2026-01-15',
    byKind,
    supplier: { siret: supplier.siret, name: supplier.name },
    iban: fictitiousIban(partnerNumber(data.partner) * 100 + data.set),
  };
}

export function buildQualificationKit(data: DirectoryData, opts: KitOptions = {}): KitInvoice[] {
  const { tag, date, byKind, iban } = kitContext(data, opts);
  const supplier = byKind('Fournisseur Partenaire');
  const services = (s: DirectoryStructure) => data.services.filter((x) => x.structureId === s.id);
  const activeService = (s: DirectoryStructure, ej?: boolean) =>
    services(s).find((x) => x.active && (ej === undefined || x.ejRequired === ej))!;
  const commitmentOf = (s: DirectoryStructure, serviceCode?: string) =>
    data.commitments.find(
      (c) => c.structureId === s.id && (serviceCode === undefined || c.serviceCode === serviceCode),
    )!.number;
  const out: KitInvoice[] = [];
  let n = 0;
  const add = (
    purpose: string,
    codes: string[],
    over: Partial<UblInput> & { buyerStructure?: DirectoryStructure },
    recipientKind?: StructureKind,
  ) => {
    n++;
    const number = over.number ?? `Q${tag}-${String(n).padStart(3, '0')}`;
    const buyer = over.buyerStructure ?? byKind('Destinataire sans paramètre');
    const input: UblInput = {
      number,
      date,
      supplier: { siret: supplier.siret, name: supplier.name },
      buyer: { siret: buyer.siret, name: buyer.name },
      cadre: 'A1',
      paymentMeansCode: '30',
      iban,
      netCents: 10_000 + n * 137,
      ...over,
    };
    const fileName = `${String(n).padStart(3, '0')}_${codes.length ? 'rejet' : 'ok'}_${purpose.replace(/[^A-Za-z0-9]+/g, '_')}.xml`;
    const inv: KitInvoice = {
      fileName,
      invoiceNumber: number,
      purpose,
      expected: codes.length ? 'rejetee' : 'integree',
      codes,
      xml: ublInvoice(input),
    };
    if (recipientKind) inv.recipientKind = recipientKind;
    out.push(inv);
  };

  // Accepted: each kind of recipient with what it asks for.
  for (const s of data.structures) {
    if ((SUPPLIER_KINDS as readonly string[]).includes(s.kind)) continue;
    const over: Partial<UblInput> & { buyerStructure: DirectoryStructure } = { buyerStructure: s };
    if (s.kind === 'Destinataire avec services avec et sans EJ obligatoire') {
      const svc = activeService(s, true);
      over.serviceCode = svc.code;
      over.commitmentNumber = commitmentOf(s, svc.code);
    } else {
      if (s.codeServiceDoitEtreRenseigne || s.gestionNumeroEjOuCodeService) over.serviceCode = activeService(s).code;
      if (s.numeroEjDoitEtreRenseigne) over.commitmentNumber = commitmentOf(s);
    }
    add(s.kind, [], over, s.kind);
  }
  const mixed = byKind('Destinataire avec services avec et sans EJ obligatoire');
  add('service sans EJ', [], { buyerStructure: mixed, serviceCode: activeService(mixed, false).code }, mixed.kind);
  add('cadre absent vaut A1', [], { cadre: undefined });
  add('paiement par cheque sans IBAN', [], { paymentMeansCode: '20', iban: undefined });

  // Rejected: one routing rule each.
  const pn = partnerNumber(data.partner);
  add('destinataire absent', ['CPP-DEST-ABSENT'], { buyer: { name: 'Sans SIRET' } });
  add('destinataire inconnu', ['CPP-DEST-INCONNU'], {
    buyer: { siret: fictitiousSiret(pn, data.set, 89), name: 'Inconnu' },
  });
  add('fournisseur non autorise', ['CPP-FOURN-NON-AUTORISE'], {
    supplier: { siret: byKind('Destinataire Partenaire').siret, name: 'Pas un fournisseur' },
  });
  const svcOblig = byKind('Destinataire avec service obligatoire');
  add('code service absent', ['CPP-SERVICE-ABSENT'], { buyerStructure: svcOblig });
  add('code service FACTURES_PUBLIQUES', ['CPP-SERVICE-RESERVE'], {
    buyerStructure: svcOblig,
    serviceCode: 'FACTURES_PUBLIQUES',
  });
  add('code service inconnu', ['CPP-SERVICE-INCONNU'], { buyerStructure: svcOblig, serviceCode: 'SERVICE_99' });
  add('code service inactif', ['CPP-SERVICE-INACTIF'], { buyerStructure: svcOblig, serviceCode: 'SERVICE_INACTIF' });
  const ejOblig = byKind('Destinataire avec EJ obligatoire');
  add('EJ absent', ['CPP-EJ-ABSENT'], { buyerStructure: ejOblig });
  add('EJ absent pour le service', ['CPP-EJ-ABSENT'], {
    buyerStructure: mixed,
    serviceCode: activeService(mixed, true).code,
  });
  add('EJ inconnu', ['CPP-EJ-INCONNU'], { buyerStructure: ejOblig, commitmentNumber: 'EJ0000000000000' });
  add('ni EJ ni service', ['CPP-EJ-OU-SERVICE-ABSENT'], {
    buyerStructure: byKind('Destinataire avec EJ ou service obligatoire'),
  });
  add('cadre A11', ['CPP-CADRE-INVALIDE'], { cadre: 'A11' });
  add('cadre de la reforme 2026', ['CPP-CADRE-INVALIDE'], { cadre: 'S1' });
  add('numero trop long', ['CPP-NUMERO-TROP-LONG'], { number: `Q${tag}-NUMERO-BIEN-TROP-LONG` });
  const existing = data.invoices.find((i) => i.supplierIdentifier === supplier.siret);
  if (existing) add('doublon', ['CPP-FACTURE-DOUBLON'], { number: existing.number });
  // 42 (payment to a bank account) needs the IBAN for us but not for EN 16931's BR-61 (30 and 58 only).
  add('IBAN manquant', ['CPP-IBAN-ABSENT'], { paymentMeansCode: '42', iban: undefined });
  return out;
}

/**
 * The partial-integration case: a zip of one valid invoice and one breaking a routing rule (a recipient
 * that requires a service code, without one). Its numbers (`Q<tag>-L01`, `-L02`) are the kit's own.
 */
function buildQualificationLots(data: DirectoryData, opts: KitOptions = {}): Array<KitLot & { zip: Buffer }> {
  const { tag, date, byKind, supplier, iban } = kitContext(data, opts);
  const base = byKind('Destinataire sans paramètre');
  const svcOblig = byKind('Destinataire avec service obligatoire');
  const cases = [
    { entry: '1_ok_destinataire_sans_parametre.xml', buyer: base, codes: [] as string[], purpose: base.kind },
    {
      entry: '2_rejet_code_service_absent.xml',
      buyer: svcOblig,
      codes: ['CPP-SERVICE-ABSENT'],
      purpose: 'code service absent',
    },
  ];
  const invoices = cases.map((c, i) => {
    const invoiceNumber = `Q${tag}-L${String(i + 1).padStart(2, '0')}`;
    const xml = ublInvoice({
      number: invoiceNumber,
      date,
      supplier,
      buyer: { siret: c.buyer.siret, name: c.buyer.name },
      cadre: 'A1',
      paymentMeansCode: '30',
      iban,
      netCents: 50_000 + i * 211,
    });
    const meta: KitLot['invoices'][number] = {
      entry: c.entry,
      invoiceNumber,
      purpose: c.purpose,
      expected: c.codes.length ? 'rejetee' : 'integree',
      codes: c.codes,
    };
    if (!c.codes.length) meta.recipientKind = c.buyer.kind;
    return { meta, xml };
  });
  return [
    {
      fileName: '900_partiel_zip_une_facture_rejetee.zip',
      purpose: 'integration partielle (zip de deux factures, une rejetee)',
      expected: 'integree_partiellement',
      statusCode: '96',
      codes: invoices.flatMap((i) => i.meta.codes.slice(0, 1)),
      invoices: invoices.map((i) => i.meta),
      zip: writeZip(invoices.map((i) => ({ name: i.meta.entry, bytes: Buffer.from(i.xml, 'utf8') }))),
    },
  ];
}

export async function writeQualificationKit(
  data: DirectoryData,
  folder: string,
  opts: KitOptions = {},
): Promise<KitManifest> {
  const kit = buildQualificationKit(data, opts);
  await mkdir(folder, { recursive: true });
  for (const k of kit) await writeFile(path.join(folder, k.fileName), k.xml, 'utf8');
  const lots = buildQualificationLots(data, opts);
  for (const l of lots) await writeFile(path.join(folder, l.fileName), l.zip);
  const manifest: KitManifest = {
    partner: data.partner,
    set: data.set,
    syntaxeFlux: 'IN_DP_E1_UBL_INVOICE',
    interfaceCode: 'FSO1100A',
    invoices: kit.map(({ xml: _xml, ...rest }) => rest),
    lots: lots.map(({ zip: _zip, ...rest }) => rest),
  };
  await writeFile(path.join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', 'utf8');
  return manifest;
}
