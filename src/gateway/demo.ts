/**
 * `passerelle start --demo`: a demo partner (DEMO01) with a matelas de données, and a few sample flows
 * dropped into its mailboxes, so a fresh clone shows a whole round trip. The samples are written here,
 * by this project: a CPP Facture mixte addressed to a matelas recipient (validated by our own schema,
 * always available: integrated, then lifecycle flows 01 and 03), a UBL 2.1 invoice (waits until the UBL
 * set is installed), a broken file (rejected with a FORMAT line), and an analysis of an invoice to an
 * unknown recipient (the routing rule that rejects it).
 */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { matelasData } from '../platform/matelas-service.ts';
import { getMatelas } from '../store/directory.ts';
import { getPartner, upsertPartner } from '../store/partners.ts';
import { hashPassword } from './sftp/password.ts';
import type { Daemon } from './daemon.ts';
import { ensureMailbox } from '../store/mailboxes.ts';

export const DEMO_PARTNER = 'DEMO01';
export const DEMO_PASSWORD = 'Demo-Passerelle-2026!';

export interface DemoParties {
  supplierSiret: string;
  supplierName: string;
  recipientSiret: string;
  recipientName: string;
  serviceCode: string;
}

const FICTITIOUS: DemoParties = {
  supplierSiret: '99999999900014',
  supplierName: 'DEMO FOURNISSEUR',
  recipientSiret: '99999999900022',
  recipientName: 'DEMO DESTINATAIRE',
  serviceCode: 'SERVICE-DEMO',
};

export function demoCppFactureMixte(invoiceNumber: string, date: string, parties: DemoParties = FICTITIOUS): string {
  // The attachment stands for the zipped invoice PDF the platform expects; its bytes are a placeholder.
  const pj = Buffer.from(`Passerelle demo attachment for ${invoiceNumber}`).toString('base64');
  return `<?xml version="1.0" encoding="UTF-8"?>
<CPPFactureMixte>
  <Enveloppe>
    <EnveloppeUnitaire NumOrdre="1">
      <Parametres>
        <ParametreIndiv NumOrdre="0001"><Code>DtPrd</Code><Valeurparametre>${date}</Valeurparametre></ParametreIndiv>
        <ParametreIndiv NumOrdre="0002"><Code>IdFlx</Code><Valeurparametre>DEMO-${invoiceNumber}</Valeurparametre></ParametreIndiv>
      </Parametres>
      <Partenaires><Recepteur><Id>CPP001</Id></Recepteur><Emetteur><Id>${DEMO_PARTNER}</Id></Emetteur></Partenaires>
    </EnveloppeUnitaire>
  </Enveloppe>
  <CPPFactures Compteur="1">
    <CPPFactureMixteUnitaire NumOrdre="1">
      <Fournisseur><TypeIdentifiant>1</TypeIdentifiant><Identifiant>${parties.supplierSiret}</Identifiant><RaisonSociale>${parties.supplierName}</RaisonSociale><CodePays>FR</CodePays><ReferenceBancaire Type="IBAN"><Compte>FR7630006000011234567890189</Compte></ReferenceBancaire></Fournisseur>
      <Debiteur><TypeIdentifiant>1</TypeIdentifiant><Identifiant>${parties.recipientSiret}</Identifiant><Nom>${parties.recipientName}</Nom><CodeService>${parties.serviceCode}</CodeService><NomService>Service</NomService></Debiteur>
      <DonneesFacture>
        <Id>${invoiceNumber}</Id><Type>380</Type><Cadre>A1</Cadre><DateEmissionFacture>${date}</DateEmissionFacture>
        <ModePaiement><Code>30</Code></ModePaiement><Devise>EUR</Devise>
        <Montants><MontantHT>100.00</MontantHT><MontantTTC>120.00</MontantTTC><MontantNetAPayer>120.00</MontantNetAPayer></Montants>
        <TVAS><TVA><Taux>20</Taux><BaseHt>100.00</BaseHt><MontantTVA>20.00</MontantTVA></TVA></TVAS>
        <Engagement><NumeroEngagement>EJDEMO0001</NumeroEngagement></Engagement>
      </DonneesFacture>
      <PJ NumOrdre="1"><Contenu>${pj}</Contenu><NomPJ>${invoiceNumber}.zip</NomPJ><TypePJ>01</TypePJ><MimeTypePJ>application/zip</MimeTypePJ></PJ>
    </CPPFactureMixteUnitaire>
  </CPPFactures>
</CPPFactureMixte>
`;
}

export function demoUblInvoice(invoiceNumber: string, date: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ProfileID>A1</cbc:ProfileID>
  <cbc:ID>${invoiceNumber}</cbc:ID>
  <cbc:IssueDate>${date}</cbc:IssueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>SERVICE-DEMO</cbc:BuyerReference>
  <cac:OrderReference><cbc:ID>EJDEMO0001</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyIdentification><cbc:ID schemeID="0009">99999999900014</cbc:ID></cac:PartyIdentification>
    <cac:PostalAddress><cbc:StreetName>1 rue de la Démo</cbc:StreetName><cbc:CityName>Paris</cbc:CityName><cbc:PostalZone>75001</cbc:PostalZone><cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>FR32999999999</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>DEMO FOURNISSEUR</cbc:RegistrationName><cbc:CompanyID schemeID="0002">999999999</cbc:CompanyID></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyIdentification><cbc:ID schemeID="0009">99999999900022</cbc:ID></cac:PartyIdentification>
    <cac:PostalAddress><cbc:CityName>Lyon</cbc:CityName><cbc:PostalZone>69001</cbc:PostalZone><cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>DEMO DESTINATAIRE</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>FR7630006000011234567890189</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">20.00</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">100.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">20.00</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">120.00</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID="EUR">120.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Prestation de démonstration</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">100.00</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
`;
}

/** The demo partner's matelas (created on first run): the demo invoices are addressed with its structures. */
async function demoParties(daemon: Daemon): Promise<DemoParties | undefined> {
  let m = await getMatelas(daemon.store.db, DEMO_PARTNER);
  if (m.state === 'Pas de matelas') m = await daemon.platform.matelas(DEMO_PARTNER, 'create');
  for (let i = 0; i < 300 && m.state !== 'Terminé'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    m = await getMatelas(daemon.store.db, DEMO_PARTNER);
  }
  const set = m.sets.at(-1);
  if (m.state !== 'Terminé' || set === undefined) return undefined;
  const data = matelasData(daemon.config.platform.matelasSeed, DEMO_PARTNER, set).directory;
  const supplier = data.structures.find((x) => x.kind === 'Fournisseur Partenaire');
  const recipient = data.structures.find((x) => x.kind === 'Destinataire sans paramètre');
  const service = recipient && data.services.find((x) => x.structureId === recipient.id && x.active);
  if (!supplier || !recipient || !service) return undefined;
  return {
    supplierSiret: supplier.siret,
    supplierName: supplier.name,
    recipientSiret: recipient.siret,
    recipientName: recipient.name,
    serviceCode: service.code,
  };
}

export async function runDemo(daemon: Daemon): Promise<void> {
  const { config, logger } = daemon;
  const existing = await getPartner(daemon.store.db, DEMO_PARTNER);
  // A known password, for the demo only (services bind to loopback by default): portal, SFTP and API twin.
  const demoPassword = existing?.sftpPasswordHash ? undefined : await hashPassword(DEMO_PASSWORD);
  await upsertPartner(daemon.store.db, {
    code: DEMO_PARTNER,
    name: 'Partenaire de démonstration',
    returnSyntax: 'CPPStatut',
    ...(demoPassword ? { sftpPasswordHash: demoPassword } : {}),
  });
  await daemon.refreshPartners();
  const parties = (await demoParties(daemon)) ?? FICTITIOUS;
  const box = ensureMailbox(config.dataDir, DEMO_PARTNER);
  const stamp = Date.now().toString(36).toUpperCase();
  const date = new Date().toISOString().slice(0, 10);
  // Written under a temporary name then renamed, as a well-behaved EDI client does.
  const drop = (dir: string, name: string, content: string) => {
    const tmp = path.join(dir, `${name}.tmp`);
    writeFileSync(tmp, content);
    renameSync(tmp, path.join(dir, name));
  };
  drop(box.depot, `FSO1113A_demo-cpp-${stamp}.xml`, demoCppFactureMixte(`DEMO-${stamp}`, date, parties));
  drop(box.depot, `demo-ubl-${stamp}.xml`, demoUblInvoice(`DEMO-UBL-${stamp}`, date));
  drop(box.depot, `demo-broken-${stamp}.xml`, '<Invoice><cbc:ID>broken');
  drop(
    box.analyse,
    `demo-analyse-${stamp}.xml`,
    demoCppFactureMixte(`DEMO-AN-${stamp}`, date, { ...parties, recipientSiret: '99999999900022' }),
  );
  logger.info(
    { partner: DEMO_PARTNER, depot: box.depot, retour: box.retour },
    `demo: matelas ready and 4 sample flows dropped for ${DEMO_PARTNER}; comptes-rendus and lifecycle flows appear in ${box.retour} (npx passerelle flows list; npx passerelle invoices list); portal http://${config.http.host}:${config.http.port}/portail and SFTP port ${config.sftp.port}: login ${DEMO_PARTNER}, password ${DEMO_PASSWORD} unless you set another`,
  );
}
