import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';
import { finding } from '../src/finding.ts';
import type { Finding, FindingDetails } from '../src/finding.ts';
import {
  FLOW_STATUS_LABELS,
  INVOICE_STATUS_CODES,
  ReturnFlowInputError,
  analysisFileName,
  errorLineDescription,
  invoiceStatusCodeOf,
  lifecycleFileName,
  readInvoiceStatuses,
  returnFileName,
  writeFlowReport,
  writeInvoiceStatuses,
  WARNING_PREFIX,
} from '../src/formats/return/index.ts';
import type { FlowReport, InvoiceStatusReport, ReturnSyntax } from '../src/formats/return/index.ts';
import { parseDateTime, parisDate, parisDateTime, truncateChars } from '../src/formats/return/xml.ts';

// ---- XSD validation with libxml2-wasm, validators compiled once ----
const schemas: Partial<Record<ReturnSyntax, { xsd: XmlDocument; validator: XsdValidator }>> = {};

beforeAll(() => {
  for (const syntax of ['CPPStatut', 'AIFEStatut'] as const) {
    const xsd = XmlDocument.fromString(readFileSync(path.resolve('xsd', `${syntax}.xsd`), 'utf8'));
    schemas[syntax] = { xsd, validator: XsdValidator.fromDoc(xsd) };
  }
});

afterAll(() => {
  for (const s of Object.values(schemas)) {
    s.validator.dispose();
    s.xsd.dispose();
  }
});

/** undefined when valid, else the validator's message. */
function xsdError(syntax: ReturnSyntax, xml: string): string | undefined {
  const doc = XmlDocument.fromString(xml);
  try {
    schemas[syntax]!.validator.validate(doc);
    return undefined;
  } catch (e) {
    return (e as Error).message || 'invalid';
  } finally {
    doc.dispose();
  }
}

// ---- parse back ----
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (name) =>
    ['LigneErreurDetail', 'Erreur', 'CPPFactureStatutUnitaire', 'StatutFacture', 'ParametreIndiv'].includes(name),
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const parse = (xml: string): Any => parser.parse(xml);
const param = (doc: Any, code: string): string =>
  doc.CPPStatut.Enveloppe.EnveloppeUnitaire.Parametres.ParametreIndiv.find((p: Any) => p.Code === code).Valeurparametre;

// ---- fixtures ----
/** A finding with made-up code and labels (hostile characters), restated as `finding()` restates any finding. */
const made = (nature: Finding['nature'], code: string, labelFr: string, labelEn: string, details: FindingDetails) =>
  finding({ nature, code, severity: 'fatal', labelFr, labelEn }, details);
const nasty = `Montant « TTC » <> total & "net" l'écart ≠ 0 — ç, è, ü, 😀`;
const findings: Finding[] = [
  made('SCHEMA', 'SCH-XSD-INVALID', `L'élément <cbc:ID> est invalide & "incomplet"`, 'Element <cbc:ID> is invalid', {
    detail: `Element '{urn:x}ID': [facet 'pattern'] "A&B" <not> accepted`,
    location: { file: 'lot "A&B"\tfactur-x.xml', line: 12, xpath: `/rsm:Invoice/ram:ID[@a='1' and @b="<2>"]` },
  }),
  made('REGLE', 'BR-CO-10', nasty, 'Sum of line amounts mismatch', { invoice: 'FA-2026/001' }),
  made('REGLE', 'FX-WARN-1', 'Profil Factur-X déprécié', 'Deprecated Factur-X profile', {
    severity: 'warning',
    detail: 'profil BASIC WL\u0001',
  }),
];
const at = (iso: string): Date => new Date(iso);

function flowReport(status: FlowReport['status'], list: Finding[], extra: Partial<FlowReport> = {}): FlowReport {
  return {
    flowId: 'CPP0011100000000000000123',
    partnerCode: 'ABC123',
    producedAt: at('2026-01-15T09:30:05Z'),
    status,
    originalFileName: 'FSO1100A_facture été & co.xml',
    findings: list,
    ...extra,
  };
}

const lifecycle: InvoiceStatusReport = {
  flowId: 'CPP0011200000000000000042',
  partnerCode: 'SEI001',
  emitter: 'CPP002',
  producedAt: at('2026-03-29T22:30:00Z'), // Paris day after: 2026-03-30 (DST already on)
  statuses: [
    {
      supplier: {
        typeIdentifiant: '1',
        identifiant: '12345678900017',
        raisonSociale: 'Société Générale des Eaux & Fils',
        codePays: 'FR',
      },
      debtor: {
        identifiant: '11000201100044',
        nom: 'Ministère "des" Tests',
        codeService: 'SERV<01>',
        nomService: "Service d'achats",
      },
      statusCode: '01',
      at: at('2026-03-29T08:00:00Z'),
      producer: 'CPP001',
      invoiceNumber: 'FA-2026/001',
      invoiceDate: '2026-03-28',
      comment: nasty,
    },
    {
      supplier: { typeIdentifiant: '2', identifiant: 'DE123456789', raisonSociale: 'Müller GmbH' },
      debtor: { identifiant: '11000201100044' },
      statusCode: '08',
      at: at('2026-07-01T12:00:00Z'),
      invoiceNumber: 'R-77',
    },
    {
      supplier: { typeIdentifiant: '1', identifiant: '12345678900017', raisonSociale: 'ACME' },
      debtor: { identifiant: '11000201100044', codeService: 'FACTURES' },
      statusCode: '04',
      at: at('2026-10-25T01:30:00Z'), // the repeated autumn hour in Paris (02:30 CET)
      invoiceNumber: 'FA-3',
      comment: 'Code service inconnu',
    },
  ],
};

describe('CPPStatut comptes-rendus', () => {
  it('90 (integrated, no error): valid against the XSD, fields as given', () => {
    const xml = writeFlowReport('CPPStatut', flowReport('90', [], { comment: 'IN_INTEGRE' }));
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<CPPStatut Version="V1_19">')).toBe(true);
    expect(xsdError('CPPStatut', xml)).toBeUndefined();
    const doc = parse(xml);
    expect(param(doc, 'IdFlx')).toBe('CPP0011100000000000000123');
    expect(param(doc, 'DtPrd')).toBe('2026-01-15');
    const p = doc.CPPStatut.Enveloppe.EnveloppeUnitaire.Partenaires;
    expect([p.Recepteur.Id, p.Emetteur.Id]).toEqual(['ABC123', 'CPP001']);
    const d = doc.CPPStatut.CPPFluxStatuts.CPPFluxStatutUnitaire.DonneesStatut;
    expect(d.IdStatut).toBe('90');
    expect(d.ComplementStatut).toBe(FLOW_STATUS_LABELS['90']);
    expect(d.Commentaire).toBe('IN_INTEGRE');
    expect(d.Horodatage).toBe('2026-01-15T10:30:05+01:00');
    expect(d.IdFlux).toBe('FSO1100A_facture été & co.xml');
    expect(d.Details).toBeUndefined();
  });

  it('93 with several findings needing escaping: valid, one error line each, warnings marked', () => {
    const xml = writeFlowReport('CPPStatut', flowReport('93', findings, { comment: 'IN_REJETE' }));
    expect(xsdError('CPPStatut', xml)).toBeUndefined();
    const d = parse(xml).CPPStatut.CPPFluxStatuts.CPPFluxStatutUnitaire.DonneesStatut;
    expect(d.IdStatut).toBe('93');
    expect(d.Details['@_NbLignesErreur']).toBe('3');
    const lines = d.Details.LigneErreurDetail;
    expect(lines).toHaveLength(3);
    lines.forEach((l: Any, i: number) => {
      const f = findings[i]!;
      expect(l['@_IdLigne']).toBe(String(i + 1));
      expect([l.NatureErreur, l.CodeErreur, l.LibelleErreur, l.DescriptionErreur]).toEqual([
        f.nature,
        f.code,
        f.labelFr,
        errorLineDescription(f).replace('\u0001', '\uFFFD'),
      ]);
    });
    expect(lines[0].DescriptionErreur).toContain(
      `(fichier lot "A&B"\tfactur-x.xml, ligne 12, /rsm:Invoice/ram:ID[@a='1' and @b="<2>"])`,
    );
    // a control character XML cannot carry is replaced, not allowed to break the document
    expect(lines[2].DescriptionErreur).toContain('WL\uFFFD');
    expect(lines[1].LibelleErreur).toBe(nasty);
    expect(lines[1].DescriptionErreur).toContain('facture FA-2026/001');
    expect(lines[2].DescriptionErreur.startsWith(WARNING_PREFIX)).toBe(true);
    expect(lines[0].DescriptionErreur.startsWith(WARNING_PREFIX)).toBe(false);
  });

  it('96 with hundreds of findings stays valid', () => {
    const many = Array.from({ length: 600 }, (_, i) =>
      made('REGLE', `BR-${i}`, `Règle ${i} <non> respectée`, `Rule ${i}`, {
        invoice: `F${i % 7}`,
        severity: i % 5 ? 'fatal' : 'warning',
      }),
    );
    const xml = writeFlowReport('CPPStatut', flowReport('96', many));
    expect(xsdError('CPPStatut', xml)).toBeUndefined();
    const d = parse(xml).CPPStatut.CPPFluxStatuts.CPPFluxStatutUnitaire.DonneesStatut;
    expect(d.IdStatut).toBe('96');
    expect(d.Details['@_NbLignesErreur']).toBe('600');
    expect(d.Details.LigneErreurDetail[599].CodeErreur).toBe('BR-599');
  });

  it('analysis report: valid, IdFlx ANALYSE-<id>, note in Commentaire', () => {
    const xml = writeFlowReport(
      'CPPStatut',
      flowReport('93', findings.slice(0, 1), { flowId: 'ANALYSE-42', comment: 'Analyse seule : flux non intégré' }),
    );
    expect(xsdError('CPPStatut', xml)).toBeUndefined();
    const doc = parse(xml);
    expect(param(doc, 'IdFlx')).toBe('ANALYSE-42');
    expect(doc.CPPStatut.CPPFluxStatuts.CPPFluxStatutUnitaire.DonneesStatut.Commentaire).toBe(
      'Analyse seule : flux non intégré',
    );
  });

  it('is deterministic and independent of the host time zone', () => {
    const r = flowReport('93', findings);
    const first = writeFlowReport('CPPStatut', r);
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(writeFlowReport('CPPStatut', r)).toBe(first);
      expect(writeFlowReport('AIFEStatut', r)).toBe(writeFlowReport('AIFEStatut', structuredClone(r)));
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('refuses identifiers the structure cannot hold instead of cutting them', () => {
    for (const syntax of ['CPPStatut', 'AIFEStatut'] as const) {
      expect(() => writeFlowReport(syntax, flowReport('90', [], { partnerCode: 'ABCDEFGHI' }))).toThrow(
        ReturnFlowInputError,
      );
      expect(() => writeFlowReport(syntax, flowReport('90', [], { emitter: 'X1' }))).toThrow(/emitter/);
      const bad = structuredClone(lifecycle);
      bad.statuses[1]!.debtor.identifiant = '1100020110004';
      bad.statuses[2]!.statusCode = '42';
      expect(() => writeInvoiceStatuses(syntax, bad)).toThrow(
        /statuses\[1\]\.debtor\.identifiant.*statuses\[2\]\.statusCode/,
      );
    }
  });
});

describe('CPPStatut lifecycle (CPPFactureStatuts)', () => {
  const xml = writeInvoiceStatuses('CPPStatut', lifecycle);

  it('is valid and carries each status', () => {
    expect(xsdError('CPPStatut', xml)).toBeUndefined();
    const doc = parse(xml);
    expect(param(doc, 'DtPrd')).toBe('2026-03-30');
    expect(doc.CPPStatut.CPPFactureStatuts['@_compteur']).toBe('3');
    const units = doc.CPPStatut.CPPFactureStatuts.CPPFactureStatutUnitaire;
    expect(units.map((u: Any) => u.DonneesStatut.IdStatut)).toEqual(['01', '08', '04']);
    expect(units.map((u: Any) => u.DonneesStatut.ComplementStatut)).toEqual(['DEPOSEE', 'MANDATEE', 'A_RECYCLER']);
    expect(units.map((u: Any) => u.DonneesStatut.Horodatage)).toEqual([
      '2026-03-29T10:00:00+02:00',
      '2026-07-01T14:00:00+02:00',
      '2026-10-25T02:30:00+01:00',
    ]);
    const first = units[0];
    expect(first.Fournisseur.RaisonSociale).toBe('Société Générale des Eaux & Fils');
    expect(first.Debiteur.CodeService).toBe('SERV<01>');
    expect(first.Debiteur.Nom).toBe('Ministère "des" Tests');
    expect(first.DonneesStatut.Commentaire).toBe(nasty);
    expect(first.DonneesStatut.Producteur['@_Id']).toBe('CPP001');
    expect(first.DonneesStatut.IdFacture).toBe('FA-2026/001');
    expect(first.DonneesStatut.DateFacture).toBe('2026-03-28');
    expect(units[1].Fournisseur.CodePays).toBeUndefined();
  });

  it('reads back into the same report (producedAt at DtPrd day precision)', () => {
    const back = readInvoiceStatuses(xml);
    if (!back.ok) throw new Error(JSON.stringify(back.findings));
    const { producedAt, ...rest } = back.report;
    const { producedAt: original, ...expected } = lifecycle;
    expect(rest).toEqual(expected);
    expect(parisDate(producedAt)).toBe(parisDate(original));
    expect(parisDateTime(producedAt)).toBe('2026-03-30T00:00:00+02:00');
    // and what was read writes back to the same document but for DtPrd's time
    expect(writeInvoiceStatuses('CPPStatut', back.report)).toBe(xml);
  });
});

describe('AIFEStatut (our non-normative rendering)', () => {
  it.each([
    ['90', [] as Finding[]],
    ['93', findings],
    ['96', findings.slice(1)],
  ] as const)('compte-rendu %s is valid and carries the findings with severity and location', (status, list) => {
    const xml = writeFlowReport('AIFEStatut', flowReport(status, [...list], { comment: 'note & <x>' }));
    expect(xsdError('AIFEStatut', xml)).toBeUndefined();
    const root = parse(xml).AIFEStatut;
    expect(root['@_xmlns']).toBe('urn:passerelle:aifestatut:1');
    expect(root['@_normatif']).toBe('false');
    expect(root.Entete.IdentifiantFlux).toBe('CPP0011100000000000000123');
    expect(root.Entete.Destinataire).toBe('ABC123');
    expect(root.StatutFlux.Code).toBe(status);
    expect(root.StatutFlux.Commentaire).toBe('note & <x>');
    expect(root.StatutFlux.NomFichier).toBe('FSO1100A_facture été & co.xml');
    const errors = root.StatutFlux.Erreurs?.Erreur ?? [];
    expect(errors).toHaveLength(list.length);
    errors.forEach((e: Any, i: number) => {
      const f = list[i]!;
      expect([e.Nature, e.Code, e.Libelle, e.LibelleAnglais]).toEqual([f.nature, f.code, f.labelFr, f.labelEn]);
      expect(e['@_gravite']).toBe(f.severity === 'fatal' ? 'bloquante' : 'avertissement');
      expect(e.Facture).toBe(f.invoice);
      if (f.location?.line !== undefined) expect(e.Emplacement['@_ligne']).toBe(String(f.location.line));
      if (f.location?.xpath !== undefined)
        expect([e.Emplacement['@_xpath'], e.Emplacement['@_fichier']]).toEqual([f.location.xpath, f.location.file]);
    });
  });

  it('lifecycle is valid and carries code, label and API status', () => {
    const xml = writeInvoiceStatuses('AIFEStatut', lifecycle);
    expect(xsdError('AIFEStatut', xml)).toBeUndefined();
    const list = parse(xml).AIFEStatut.StatutsFactures.StatutFacture;
    expect(list).toHaveLength(3);
    expect(list.map((s: Any) => [s.Statut.Code, s.Statut.Libelle, s.Statut.StatutApi])).toEqual([
      ['01', 'Déposée', 'DEPOSEE'],
      ['08', 'Mandatée / DP validée', 'MANDATEE'],
      ['04', "Rejetée par l'ordonnateur pour erreur données acheminement", 'A_RECYCLER'],
    ]);
    expect(list[0].Facture.Numero).toBe('FA-2026/001');
    expect(list[0].Destinataire.CodeService).toBe('SERV<01>');
    expect(list[0].Statut.Commentaire).toBe(nasty);
  });
});

describe('the XSDs really constrain', () => {
  const cr = writeFlowReport('CPPStatut', flowReport('93', findings));
  const cdv = writeInvoiceStatuses('CPPStatut', lifecycle);
  const aife = writeFlowReport('AIFEStatut', flowReport('93', findings));

  it.each([
    ['a 9-character partner code', cr, '<Id>ABC123</Id>', '<Id>ABCDEFGHI</Id>', 'maxLength'],
    ['a 2-character emitter', cr, '<Id>CPP001</Id>', '<Id>CP</Id>', 'minLength'],
    ['flow status 97', cr, '<IdStatut>93</IdStatut>', '<IdStatut>97</IdStatut>', 'IdStatut'],
    ['a 6-character parameter code', cr, '<Code>DtPrd</Code>', '<Code>DtPrdX</Code>', 'Code'],
    ['a 3-digit NumOrdre', cr, 'NumOrdre="0001"', 'NumOrdre="001"', 'NumOrdre'],
    ['a single ParametreIndiv', cr, /<ParametreIndiv NumOrdre="0002">[\s\S]*?<\/ParametreIndiv>/, '', 'Parametres'],
    ['Details without NbLignesErreur', cr, 'NbLignesErreur="3"', '', 'NbLignesErreur'],
    [
      'a 41-character ComplementStatut',
      cr,
      `<ComplementStatut>${FLOW_STATUS_LABELS['93']}</ComplementStatut>`,
      `<ComplementStatut>${'x'.repeat(41)}</ComplementStatut>`,
      'ComplementStatut',
    ],
    [
      'a non-date Horodatage',
      cr,
      /<Horodatage>[^<]*<\/Horodatage>/,
      '<Horodatage>15/01/2026</Horodatage>',
      'Horodatage',
    ],
    [
      'a 13-character SIRET',
      cdv,
      '<Identifiant>11000201100044</Identifiant>',
      '<Identifiant>1100020110004</Identifiant>',
      'Identifiant',
    ],
    ['invoice status 42', cdv, '<IdStatut>08</IdStatut>', '<IdStatut>42</IdStatut>', 'IdStatut'],
    [
      'supplier type 8',
      cdv,
      '<TypeIdentifiant>2</TypeIdentifiant>',
      '<TypeIdentifiant>8</TypeIdentifiant>',
      'TypeIdentifiant',
    ],
    [
      'both status kinds',
      cr,
      '</CPPFluxStatuts>',
      `</CPPFluxStatuts>${cdv.slice(cdv.indexOf('<CPPFactureStatuts'), cdv.indexOf('</CPPStatut>'))}`,
      'CPPFactureStatuts',
    ],
  ] as const)('CPPStatut refuses %s', (_what, doc, from, to, element) => {
    const bad = doc.replace(from, to);
    expect(bad).not.toBe(doc);
    expect(xsdError('CPPStatut', bad)).toContain(element);
  });

  it.each([
    [
      'a 9-character partner code',
      '<Destinataire>ABC123</Destinataire>',
      '<Destinataire>ABCDEFGHI</Destinataire>',
      'Destinataire',
    ],
    ['normatif="true"', 'normatif="false"', 'normatif="true"', 'normatif'],
    ['no namespace', ' xmlns="urn:passerelle:aifestatut:1"', '', 'AIFEStatut'],
    ['an unknown severity', 'gravite="bloquante"', 'gravite="fatale"', 'gravite'],
    ['a wrong error count type', 'nombre="3"', 'nombre="trois"', 'nombre'],
  ] as const)('AIFEStatut refuses %s', (_what, from, to, element) => {
    const bad = aife.replace(from, to);
    expect(bad).not.toBe(aife);
    expect(xsdError('AIFEStatut', bad)).toContain(element);
  });

  it('accepts the lexical forms the official structure allows ("1", "+01") and a truncated 95 label', () => {
    expect(xsdError('CPPStatut', cdv.replace('<IdStatut>08</IdStatut>', '<IdStatut>8</IdStatut>'))).toBeUndefined();
    expect(xsdError('CPPStatut', cdv.replace('<IdStatut>01</IdStatut>', '<IdStatut>+01</IdStatut>'))).toBeUndefined();
    const label95 = FLOW_STATUS_LABELS['95'];
    expect(label95.length).toBeGreaterThan(40);
    const swap = (s: string): string =>
      cr.replace(
        `<ComplementStatut>${FLOW_STATUS_LABELS['93']}</ComplementStatut>`,
        `<ComplementStatut>${s}</ComplementStatut>`,
      );
    expect(xsdError('CPPStatut', swap(label95))).toBeDefined();
    expect(xsdError('CPPStatut', swap(truncateChars(label95, 40)))).toBeUndefined();
  });
});

describe('reading a "Cycle de vie" deposit', () => {
  const cdv = writeInvoiceStatuses('CPPStatut', lifecycle);
  const codes = (r: ReturnType<typeof readInvoiceStatuses>): string[] => (r.ok ? [] : r.findings.map((f) => f.code));

  it('normalises integer-style codes and reads an Horodatage without offset as Paris time', () => {
    const doc = cdv
      .replace('<IdStatut>08</IdStatut>', '<IdStatut>8</IdStatut>')
      .replace('<TypeIdentifiant>2</TypeIdentifiant>', '<TypeIdentifiant>02</TypeIdentifiant>')
      .replace('2026-07-01T14:00:00+02:00', '2026-07-01T14:00:00');
    const r = readInvoiceStatuses('\uFEFF' + doc);
    if (!r.ok) throw new Error(JSON.stringify(r.findings));
    expect(r.report.statuses[1]!.statusCode).toBe('08');
    expect(r.report.statuses[1]!.supplier.typeIdentifiant).toBe('2');
    expect(r.report.statuses[1]!.at.toISOString()).toBe('2026-07-01T12:00:00.000Z');
  });

  it('refuses a DOCTYPE, malformed XML and another root', () => {
    const withDoctype = cdv.replace('<CPPStatut', '<!DOCTYPE CPPStatut [<!ENTITY a "b">]>\n<CPPStatut');
    expect(codes(readInvoiceStatuses(withDoctype))).toEqual(['FMT-CDV-DOCTYPE']);
    const broken = readInvoiceStatuses(cdv.replace('</Fournisseur>', ''));
    expect(codes(broken)).toEqual(['FMT-CDV-MALFORMED']);
    expect(!broken.ok && broken.findings[0]!.location?.line).toBeGreaterThan(0);
    expect(codes(readInvoiceStatuses('<Invoice><ID>1</ID></Invoice>'))).toEqual(['FMT-CDV-ROOT']);
  });

  it('refuses a compte-rendu (CPPFluxStatuts) deposited as lifecycle', () => {
    expect(codes(readInvoiceStatuses(writeFlowReport('CPPStatut', flowReport('90', []))))).toEqual([
      'RG-CDV-FLUX-STATUTS',
    ]);
  });

  it('reports every problem with its XPath', () => {
    const doc = cdv
      .replace('<IdStatut>04</IdStatut>', '<IdStatut>37</IdStatut>')
      .replace('<IdFacture>R-77</IdFacture>', '')
      .replace('<Identifiant>11000201100044</Identifiant>', '<Identifiant>110002011</Identifiant>')
      .replace('<Id>SEI001</Id>', '<Id>TOOLONGID</Id>');
    const r = readInvoiceStatuses(doc);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byCode = r.findings.map((f) => [f.code, f.location?.xpath]);
    expect(byCode).toEqual(
      expect.arrayContaining([
        ['RG-CDV-STATUT-INCONNU', '/CPPStatut/CPPFactureStatuts/CPPFactureStatutUnitaire[3]/DonneesStatut/IdStatut'],
        ['SCH-CDV-ELEMENT-ABSENT', '/CPPStatut/CPPFactureStatuts/CPPFactureStatutUnitaire[2]/DonneesStatut/IdFacture'],
        ['SCH-CDV-VALEUR', '/CPPStatut/CPPFactureStatuts/CPPFactureStatutUnitaire[1]/Debiteur/Identifiant'],
        ['SCH-CDV-VALEUR', '/CPPStatut/Enveloppe/EnveloppeUnitaire/Partenaires/Recepteur/Id'],
      ]),
    );
    expect(r.findings).toHaveLength(4);
    for (const f of r.findings) expect(f.labelFr.length).toBeGreaterThan(0);
  });
});

describe('file names', () => {
  it('names comptes-rendus by interface code and flow number', () => {
    expect(returnFileName('CPPStatut', 'CPP0011100000000000000123')).toBe('FEN1200A_CPP0011100000000000000123.xml');
    expect(returnFileName('AIFEStatut', 'CPP0011100000000000000123')).toBe('FEN1201A_CPP0011100000000000000123.xml');
    expect(returnFileName('CPPStatut', '../x')).toBe('FEN1200A_.._x.xml');
  });

  it('names analysis reports after the original file, flattened to one path segment', () => {
    expect(analysisFileName('facture.xml')).toBe('ANALYSE_facture.xml.xml');
    const flattened = analysisFileName('../../etc/pass\\wd');
    expect(flattened).toBe('ANALYSE_.._.._etc_pass_wd.xml');
    expect(path.basename(flattened)).toBe(flattened);
    expect(path.win32.basename(flattened)).toBe(flattened);
  });

  it('names lifecycle flows so they differ from comptes-rendus and from each other', () => {
    const a = lifecycleFileName('CPPStatut', 'CPP0011100000000000000123', 'FA-2026/001', 1);
    const b = lifecycleFileName('CPPStatut', 'CPP0011100000000000000123', 'FA-2026/001', 2);
    expect(a).toBe('FEN1200A_CDV_CPP0011100000000000000123_FA-2026_001_001.xml');
    expect(b).not.toBe(a);
    expect(lifecycleFileName('AIFEStatut', 'N', 'F', 12)).toBe('FEN1201A_CDV_N_F_012.xml');
    expect(a).not.toBe(returnFileName('CPPStatut', 'CPP0011100000000000000123'));
    expect(a.startsWith('FEN1200A_CDV_')).toBe(true);
    expect(() => lifecycleFileName('CPPStatut', 'N', 'F', -1)).toThrow(RangeError);
  });
});

describe('status tables and dates', () => {
  it('maps 01..12 to labels and API statuses both ways', () => {
    expect(Object.keys(INVOICE_STATUS_CODES).sort()).toEqual([
      '01',
      '02',
      '03',
      '04',
      '05',
      '06',
      '07',
      '08',
      '09',
      '10',
      '11',
      '12',
    ]);
    for (const [k, v] of Object.entries(INVOICE_STATUS_CODES)) {
      expect(v.code).toBe(k);
      expect(invoiceStatusCodeOf(v.apiStatus)).toBe(k);
    }
    expect(invoiceStatusCodeOf('BROUILLON')).toBeUndefined();
    expect(Object.keys(FLOW_STATUS_LABELS)).toEqual(['90', '91', '92', '93', '94', '95', '96']);
  });

  it('truncates by characters, never splitting one', () => {
    const s = '😀'.repeat(50);
    const cut = truncateChars(s, 40);
    expect(Array.from(cut)).toHaveLength(40);
    expect(cut.endsWith('😀…')).toBe(true);
    expect(truncateChars('court', 40)).toBe('court');
  });

  it('writes and reads Paris time across DST changes', () => {
    expect(parisDateTime(at('2026-01-15T09:00:00Z'))).toBe('2026-01-15T10:00:00+01:00');
    expect(parisDateTime(at('2026-07-15T09:00:00Z'))).toBe('2026-07-15T11:00:00+02:00');
    expect(parseDateTime('2026-07-15T11:00:00')?.toISOString()).toBe('2026-07-15T09:00:00.000Z');
    expect(parseDateTime('2026-01-15T10:00:00')?.toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(parseDateTime('2026-01-15T10:00:00Z')?.toISOString()).toBe('2026-01-15T10:00:00.000Z');
    expect(parseDateTime('2026-02-30T10:00:00')).toBeUndefined();
  });
});
