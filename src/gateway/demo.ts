/**
 * `passerelle start --demo`: a demo partner (DEMO01) with a matelas de données, and five sample flows
 * dropped into its mailboxes, so a fresh clone shows true answers end to end. The invoices are built from
 * the matelas the way `passerelle samples` builds the qualification kit (src/platform/samples.ts): the
 * matelas' supplier, a recipient with a service that requires a commitment, that service and one of its
 * commitments, so the routing rules accept them; each is a valid EN 16931 invoice.
 */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { matelasData } from '../platform/matelas-service.ts';
import { partnerNumber } from '../platform/matelas.ts';
import type { UblInput } from '../platform/samples.ts';
import { ciiInvoice, facturxPdf, fictitiousIban, ublInvoice } from '../platform/samples.ts';
import type { DirectoryData } from '../store/directory.ts';
import { getMatelas } from '../store/directory.ts';
import { ensureMailbox } from '../store/mailboxes.ts';
import { getPartner, upsertPartner } from '../store/partners.ts';
import type { Daemon } from './daemon.ts';
import { hashPassword } from './sftp/password.ts';

const DEMO_PARTNER = 'DEMO01';
const DEMO_PASSWORD = 'Demo-Passerelle-2026!';

/** Who the demo invoices are from and to: structures, service and commitment of the demo partner's matelas. */
export interface DemoParties {
  supplierSiret: string;
  supplierName: string;
  recipientSiret: string;
  recipientName: string;
  serviceCode: string;
  commitmentNumber: string;
  iban: string;
}

/** The recipient kind that shows the most routing: its service requires a commitment (EJ). */
const RECIPIENT_KIND = 'Destinataire avec services avec et sans EJ obligatoire';

export function demoParties(data: DirectoryData): DemoParties {
  const supplier = data.structures.find((x) => x.kind === 'Fournisseur Partenaire');
  const recipient = data.structures.find((x) => x.kind === RECIPIENT_KIND);
  const service = recipient && data.services.find((x) => x.structureId === recipient.id && x.active && x.ejRequired);
  const commitment =
    service && data.commitments.find((c) => c.structureId === recipient.id && c.serviceCode === service.code);
  if (!supplier || !recipient || !service || !commitment)
    throw new Error(`the matelas of ${data.partner} has no supplier, or no ${RECIPIENT_KIND} with a service and EJ`);
  return {
    supplierSiret: supplier.siret,
    supplierName: supplier.name,
    recipientSiret: recipient.siret,
    recipientName: recipient.name,
    serviceCode: service.code,
    commitmentNumber: commitment.number,
    iban: fictitiousIban(partnerNumber(data.partner) * 100 + data.set),
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function demoCppFactureMixte(invoiceNumber: string, date: string, parties: DemoParties): string {
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
      <Fournisseur><TypeIdentifiant>1</TypeIdentifiant><Identifiant>${parties.supplierSiret}</Identifiant><RaisonSociale>${esc(parties.supplierName)}</RaisonSociale><CodePays>FR</CodePays><ReferenceBancaire Type="IBAN"><Compte>${parties.iban}</Compte></ReferenceBancaire></Fournisseur>
      <Debiteur><TypeIdentifiant>1</TypeIdentifiant><Identifiant>${parties.recipientSiret}</Identifiant><Nom>${esc(parties.recipientName)}</Nom><CodeService>${esc(parties.serviceCode)}</CodeService><NomService>Service</NomService></Debiteur>
      <DonneesFacture>
        <Id>${invoiceNumber}</Id><Type>380</Type><Cadre>A1</Cadre><DateEmissionFacture>${date}</DateEmissionFacture>
        <ModePaiement><Code>30</Code></ModePaiement><Devise>EUR</Devise>
        <Montants><MontantHT>100.00</MontantHT><MontantTTC>120.00</MontantTTC><MontantNetAPayer>120.00</MontantNetAPayer></Montants>
        <TVAS><TVA><Taux>20</Taux><BaseHt>100.00</BaseHt><MontantTVA>20.00</MontantTVA></TVA></TVAS>
        <Engagement><NumeroEngagement>${esc(parties.commitmentNumber)}</NumeroEngagement></Engagement>
      </DonneesFacture>
      <PJ NumOrdre="1"><Contenu>${pj}</Contenu><NomPJ>${invoiceNumber}.zip</NomPJ><TypePJ>01</TypePJ><MimeTypePJ>application/zip</MimeTypePJ></PJ>
    </CPPFactureMixteUnitaire>
  </CPPFactures>
</CPPFactureMixte>
`;
}

/** An EN 16931 invoice (UBL or CII) to the demo's routed recipient, with its service and commitment. */
function demoInvoice(number: string, date: string, p: DemoParties, netCents: number): UblInput {
  return {
    number,
    date,
    supplier: { siret: p.supplierSiret, name: p.supplierName },
    buyer: { siret: p.recipientSiret, name: p.recipientName },
    cadre: 'A1',
    serviceCode: p.serviceCode,
    commitmentNumber: p.commitmentNumber,
    paymentMeansCode: '30',
    iban: p.iban,
    netCents,
  };
}

/**
 * A UBL invoice cut short: the `cbc:Note` opened on line 5 is never closed, so the parser stops at the
 * `</Invoice>` end tag on line 6 (column 10, its end): the compte-rendu's FORMAT line says where.
 */
function demoBrokenXml(invoiceNumber: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>${invoiceNumber}</cbc:ID>
  <cbc:Note>balise jamais fermée
</Invoice>
`;
}

interface DemoFlow {
  box: 'depot' | 'analyse';
  name: string;
  bytes: Buffer;
}

/** The demo's flows, from the matelas: three accepted invoices (CPP, UBL, Factur-X), a broken file, an analysis. */
async function demoFlows(data: DirectoryData, stamp: string, date: string): Promise<DemoFlow[]> {
  const p = demoParties(data);
  const utf8 = (s: string) => Buffer.from(s, 'utf8');
  const fx = `DEMO-FX-${stamp}`;
  return [
    {
      box: 'depot',
      name: `FSO1113A_demo-cpp-${stamp}.xml`,
      bytes: utf8(demoCppFactureMixte(`DEMO-${stamp}`, date, p)),
    },
    {
      box: 'depot',
      name: `demo-ubl-${stamp}.xml`,
      bytes: utf8(ublInvoice(demoInvoice(`DEMO-UBL-${stamp}`, date, p, 25_000))),
    },
    {
      box: 'depot',
      name: `demo-facturx-${stamp}.pdf`,
      bytes: await facturxPdf(ciiInvoice(demoInvoice(fx, date, p, 40_000)), `Facture ${fx} (Factur-X, démonstration)`),
    },
    { box: 'depot', name: `demo-broken-${stamp}.xml`, bytes: utf8(demoBrokenXml(`DEMO-KO-${stamp}`)) },
    // Analysed only: full checks and a report, no flow number, nothing integrated.
    {
      box: 'analyse',
      name: `demo-analyse-${stamp}.xml`,
      bytes: utf8(ciiInvoice(demoInvoice(`DEMO-AN-${stamp}`, date, p, 12_500))),
    },
  ];
}

/** The demo partner's matelas, created on first run (a platform job of the daemon). */
async function demoMatelas(daemon: Daemon): Promise<DirectoryData | undefined> {
  let m = await getMatelas(daemon.store.db, DEMO_PARTNER);
  if (m.state === 'Pas de matelas') m = await daemon.platform.matelas(DEMO_PARTNER, 'create');
  for (let i = 0; i < 300 && m.state !== 'Terminé'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    m = await getMatelas(daemon.store.db, DEMO_PARTNER);
  }
  const set = m.sets.at(-1);
  if (m.state !== 'Terminé' || set === undefined) return undefined;
  return matelasData(daemon.config.platform.matelasSeed, DEMO_PARTNER, set).directory;
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
  const data = await demoMatelas(daemon);
  if (!data) {
    logger.error(
      { partner: DEMO_PARTNER },
      `demo: the matelas of ${DEMO_PARTNER} is not ready; no sample flow dropped`,
    );
    return;
  }
  const box = ensureMailbox(config.dataDir, DEMO_PARTNER);
  const stamp = Date.now().toString(36).toUpperCase();
  const flows = await demoFlows(data, stamp, new Date().toISOString().slice(0, 10));
  for (const f of flows) {
    // Written under a temporary name then renamed, as a well-behaved EDI client does.
    const dir = box[f.box];
    const tmp = path.join(dir, `${f.name}.tmp`);
    writeFileSync(tmp, f.bytes);
    renameSync(tmp, path.join(dir, f.name));
  }
  // The mailbox of a partner created just now is watched from the next periodic rescan: look now.
  daemon.rescanMailboxes();
  logger.info(
    { partner: DEMO_PARTNER, depot: box.depot, retour: box.retour, flows: flows.map((f) => `${f.box}/${f.name}`) },
    `demo: matelas ready and ${flows.length} sample flows dropped for ${DEMO_PARTNER}; comptes-rendus and lifecycle flows appear in ${box.retour} (npx passerelle flows list; npx passerelle invoices list); portal http://${config.http.host}:${config.http.port}/portail and SFTP port ${config.sftp.port}: login ${DEMO_PARTNER}, password ${DEMO_PASSWORD} unless you set another`,
  );
}
