/**
 * One XML decoder for the whole product (src/formats/decode.ts): the same invoice with accented names,
 * encoded by iconv (not by us) in every supported encoding and under the WHATWG aliases, goes through
 * detection, the reader, zip entries, a Factur-X attachment, the XSD stage and the analysis path, and
 * the names read into the invoice model are the original ones.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { buildConfig } from '../src/config.ts';
import type { Finding } from '../src/finding.ts';
import { decodeXml, encodingForLabel, xmlAsUtf8 } from '../src/formats/decode.ts';
import { readInvoice } from '../src/formats/read/index.ts';
import { detectDeposit, detectSyntax } from '../src/formats/registry.ts';
import { readInvoiceStatuses, writeInvoiceStatuses } from '../src/formats/return/index.ts';
import type { DetectedFlow, DetectionResult } from '../src/formats/types.ts';
import { writeZip } from '../src/formats/zip.ts';
import { analyzeBytes } from '../src/pipeline/analyze.ts';
import { ValidationPool } from '../src/schemas/pool.ts';
import { tempDir } from './helpers/env.ts';

const CORPUS = path.resolve('test/corpus');
const run = promisify(execFile);
const SELLER = 'Société Générale';
const BUYER = 'Müller';
const CONTACT = 'Ærø';

/** The corpus UBL invoice with our names and the given XML declaration (as text; encoded by the caller). */
function ublText(decl: string, contact = CONTACT): string {
  const text = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');
  return text
    .replace(/^\uFEFF?<\?xml[^>]*\?>/, decl)
    .replace(
      '<cbc:RegistrationName>De Koksmaat</cbc:RegistrationName>',
      `<cbc:RegistrationName>${SELLER}</cbc:RegistrationName>`,
    )
    .replace(
      '<cbc:RegistrationName>ODIN 59</cbc:RegistrationName>',
      `<cbc:RegistrationName>${BUYER}</cbc:RegistrationName>`,
    )
    .replace('<cbc:Name>Dhr. J BLOKKER</cbc:Name>', `<cbc:Name>${contact}</cbc:Name>`);
}

/** The corpus Factur-X CII with our seller and buyer names. */
function ciiText(decl: string): string {
  const text = readFileSync(path.join(CORPUS, 'valid/cii/akretion-factur-x-basic.xml'), 'utf8');
  return text
    .replace(/^\uFEFF?<\?xml[^>]*\?>/, decl)
    .replace('<ram:Name>LE FOURNISSEUR</ram:Name>', `<ram:Name>${SELLER}</ram:Name>`)
    .replace('<ram:Name>LE CLIENT</ram:Name>', `<ram:Name>${BUYER}</ram:Name>`)
    .replace(/[\u0100-\uffff]/g, '?'); // its comments have typographic quotes that Latin-1 cannot carry
}

/** Encoded by the system's iconv, independent of the decoder under test. */
function iconv(text: string, to: string): Buffer {
  return execFileSync('iconv', ['-f', 'UTF-8', '-t', to], { input: Buffer.from(text, 'utf8') });
}

const BOM8 = Buffer.from([0xef, 0xbb, 0xbf]);
const utf16le = (t: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]);
const utf16be = (t: string): Buffer => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()]);
const decl = (label: string): string => `<?xml version="1.0" encoding="${label}"?>`;

interface Case {
  name: string;
  bytes: (text: (decl: string) => string) => Buffer;
  /** The contact name used (the euro sign only where the encoding has it). */
  contact?: string;
}

const LATIN1_ALIASES = ['ISO-8859-1', 'ISO8859-1', 'ISO_8859-1', 'CP819', 'L1', 'latin1', 'iso-ir-100', 'IBM819'];
const CASES: Case[] = [
  { name: 'UTF-8 without BOM', bytes: (t) => Buffer.from(t(decl('UTF-8')), 'utf8') },
  { name: 'UTF-8 without declaration', bytes: (t) => Buffer.from(t(''), 'utf8') },
  { name: 'UTF-8 with BOM', bytes: (t) => Buffer.concat([BOM8, Buffer.from(t(decl('UTF-8')), 'utf8')]) },
  { name: 'UTF-8 under the alias utf8', bytes: (t) => Buffer.from(t(decl('utf8')), 'utf8') },
  { name: 'UTF-16 LE with BOM', bytes: (t) => utf16le(t(decl('UTF-16'))) },
  { name: 'UTF-16 BE with BOM', bytes: (t) => utf16be(t(decl('UTF-16'))) },
  { name: 'UTF-16BE declared, BE BOM', bytes: (t) => utf16be(t(decl('UTF-16BE'))) },
  ...LATIN1_ALIASES.map((label) => ({
    name: `ISO-8859-1 as ${label}`,
    bytes: (t: (d: string) => string) => iconv(t(decl(label)), 'ISO-8859-1'),
  })),
  {
    name: 'windows-1252 (with €)',
    bytes: (t) => iconv(t(decl('windows-1252')), 'WINDOWS-1252'),
    contact: `${CONTACT} €`,
  },
  {
    name: 'ISO-8859-15 (with €)',
    bytes: (t) => iconv(t(decl('ISO-8859-15')), 'ISO-8859-15'),
    contact: `${CONTACT} €`,
  },
];

function flowOf(r: DetectionResult): DetectedFlow {
  if (!r.ok) throw new Error(JSON.stringify(r.findings));
  return r.flow;
}

const names = (xml: Buffer, syntax: DetectedFlow['syntax']) => {
  const { invoices, findings } = readInvoice(xml, syntax);
  expect(findings).toEqual([]);
  const inv = invoices[0]!;
  return { seller: inv.seller?.name?.value, buyer: inv.buyer?.name?.value, contact: inv.buyer?.contact?.name?.value };
};

const pool = new ValidationPool({ schemaDir: path.join(tempDir(), 'schemas'), shipped: true, threads: 0 });
afterAll(() => pool.close());

describe('one XML decoder: every supported encoding, detection then the reader', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const contact = c.contact ?? CONTACT;
      const bytes = c.bytes((d) => ublText(d, contact));
      if (c.name.startsWith('ISO') || c.name.startsWith('windows')) expect(bytes.includes(0xe9)).toBe(true); // é, one byte
      const flow = flowOf(await detectSyntax(bytes, { fileName: 'f.xml' }));
      expect(flow.syntax).toBe('ubl-invoice');
      expect(names(flow.xml, flow.syntax)).toEqual({ seller: SELLER, buyer: BUYER, contact });
      // The XSD stage reads the same characters (libxml2 gets the UTF-8 the decoder produced).
      expect(await pool.validate(flow.xml, flow.schemas, 'f.xml')).toEqual({ ok: true });
    });
  }

  it('decodes the euro sign by each table: 0x80 in windows-1252, 0xA4 in ISO-8859-15', () => {
    const cp1252 = decodeXml(Buffer.from(`${decl('cp1252')}<a>\x80</a>`, 'latin1'));
    const l9 = decodeXml(Buffer.from(`${decl('L9')}<a>\xa4</a>`, 'latin1'));
    expect(cp1252).toMatchObject({ ok: true, encoding: 'windows-1252' });
    expect(l9).toMatchObject({ ok: true, encoding: 'iso-8859-15' });
    expect(cp1252.ok && cp1252.text.endsWith('<a>€</a>')).toBe(true);
    expect(l9.ok && l9.text.endsWith('<a>€</a>')).toBe(true);
  });

  it('gives libxml2 UTF-8 with a UTF-8 declaration, and a UTF-8 document untouched', () => {
    const latin = iconv(ublText(decl('L1')), 'ISO-8859-1');
    const out = xmlAsUtf8(latin);
    expect(out.toString('utf8')).toBe(ublText(decl('UTF-8')));
    const utf8 = Buffer.from(ublText(decl('UTF-8')));
    expect(xmlAsUtf8(utf8)).toBe(utf8);
  });
});

describe('one XML decoder: the other doors', () => {
  it('zip entries', async () => {
    const zip = writeZip([
      { name: 'a-latin1.xml', bytes: iconv(ublText(decl('ISO8859-1')), 'ISO-8859-1') },
      { name: 'b-utf16.xml', bytes: utf16be(ublText(decl('UTF-16'))) },
      { name: 'c-1252.xml', bytes: iconv(ublText(decl('windows-1252'), `${CONTACT} €`), 'WINDOWS-1252') },
    ]);
    const r = await detectDeposit(zip, { fileName: 'lot.zip' });
    if (!r.ok) throw new Error(JSON.stringify(r.findings));
    const read = r.documents!.map((d) => names(d.detected!.xml, d.detected!.syntax));
    expect(read).toEqual([
      { seller: SELLER, buyer: BUYER, contact: CONTACT },
      { seller: SELLER, buyer: BUYER, contact: CONTACT },
      { seller: SELLER, buyer: BUYER, contact: `${CONTACT} €` },
    ]);
  });

  it('the CII attached to a Factur-X PDF', async () => {
    for (const [label, to] of [
      ['CP819', 'ISO-8859-1'],
      ['windows-1252', 'WINDOWS-1252'],
    ] as const) {
      const doc = await PDFDocument.create();
      doc.addPage();
      await doc.attach(iconv(ciiText(decl(label)), to), 'factur-x.xml', { mimeType: 'text/xml' });
      const flow = flowOf(await detectSyntax(Buffer.from(await doc.save()), { fileName: 'f.pdf' }));
      expect(flow.syntax).toBe('facturx-pdf');
      const { seller, buyer } = names(flow.xml, flow.syntax);
      expect({ label, seller, buyer }).toEqual({ label, seller: SELLER, buyer: BUYER });
    }
  });

  it('a "Cycle de vie" deposit read from its bytes', () => {
    const text = writeInvoiceStatuses('CPPStatut', {
      flowId: 'CPP0011200000000000000042',
      partnerCode: 'SEI001',
      emitter: 'CPP002',
      producedAt: new Date('2026-03-29T22:30:00Z'),
      statuses: [
        {
          supplier: { typeIdentifiant: '1', identifiant: '12345678900017', raisonSociale: SELLER, codePays: 'FR' },
          debtor: { identifiant: '11000201100044', nom: BUYER },
          statusCode: '01',
          at: new Date('2026-03-29T08:00:00Z'),
          invoiceNumber: 'FA-2026/001',
          comment: CONTACT,
        },
      ],
    });
    const latin = iconv(text.replace(/^<\?xml[^>]*\?>/, decl('ISO_8859-1')), 'ISO-8859-1');
    const r = readInvoiceStatuses(latin);
    if (!r.ok) throw new Error(JSON.stringify(r.findings));
    const s = r.report.statuses[0]!;
    expect([s.supplier.raisonSociale, s.debtor.nom, s.comment]).toEqual([SELLER, BUYER, CONTACT]);
    const bad = readInvoiceStatuses(Buffer.from(text.replace(/^<\?xml[^>]*\?>/, decl('EBCDIC-FR'))));
    expect(bad.ok ? [] : bad.findings.map((f) => f.code)).toEqual(['FMT-XML-ENCODING-UNSUPPORTED']);
  });

  it('the analysis path gives each encoding the verdict and findings of the UTF-8 original', async () => {
    const config = buildConfig({ dataDir: tempDir(), schemas: { fetchOnStart: false } }, {});
    const analyse = async (bytes: Buffer) => {
      const r = await analyzeBytes(bytes, 'f.xml', { config, validation: pool });
      return { verdict: r.verdict, syntax: r.syntax, codes: r.findings.map((f: Finding) => f.code).sort() };
    };
    const original = await analyse(Buffer.from(ublText(decl('UTF-8')), 'utf8'));
    expect(original.syntax).toBe('ubl-invoice');
    for (const c of CASES.filter((k) => k.contact === undefined)) {
      expect({ c: c.name, ...(await analyse(c.bytes((d) => ublText(d)))) }).toEqual({ c: c.name, ...original });
    }
  });
});

describe('one XML decoder: `passerelle analyze`, a real process', () => {
  it('accepts the invoice in windows-1252 and under the L1 alias, as the UTF-8 original', async () => {
    const dir = tempDir();
    const configFile = path.join(dir, 'passerelle.yaml');
    writeFileSync(configFile, `dataDir: ${JSON.stringify(path.join(dir, 'var'))}\nschemas:\n  fetchOnStart: false\n`);
    const files = {
      'utf8.xml': Buffer.from(ublText(decl('UTF-8')), 'utf8'),
      'cp1252.xml': iconv(ublText(decl('windows-1252'), `${CONTACT} €`), 'WINDOWS-1252'),
      'l1.xml': iconv(ublText(decl('L1')), 'ISO-8859-1'),
    };
    const verdicts: Record<string, unknown> = {};
    for (const [name, bytes] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), bytes);
      const out = await run(process.execPath, [
        'bin/passerelle.js',
        '--config',
        configFile,
        'analyze',
        '--json',
        path.join(dir, name),
      ]);
      const report = JSON.parse(out.stdout) as { verdict: string; syntax: string; findings: Finding[] };
      verdicts[name] = { verdict: report.verdict, syntax: report.syntax, codes: report.findings.map((f) => f.code) };
    }
    expect(verdicts['cp1252.xml']).toEqual(verdicts['utf8.xml']);
    expect(verdicts['l1.xml']).toEqual(verdicts['utf8.xml']);
    expect(verdicts['utf8.xml']).toMatchObject({ verdict: 'accepted', syntax: 'ubl-invoice' });
  });
});

describe('one XML decoder: refusals with a FORMAT finding', () => {
  const codeOf = async (bytes: Buffer) => {
    const r = await detectSyntax(bytes, { fileName: 'f.xml' });
    return r.ok ? 'accepted' : r.findings[0]!.code;
  };
  const readCode = (bytes: Buffer) => readInvoice(bytes, 'ubl-invoice').findings.map((f) => f.code);

  it('an encoding label the WHATWG Encoding Standard does not know', async () => {
    for (const label of ['EBCDIC-FR', 'latin-1', 'UTF-8_W/O_BOM', 'x-bogus', 'iso-2022-kr']) {
      const bytes = Buffer.from(ublText(decl(label)), 'utf8');
      expect({ label, code: await codeOf(bytes) }).toEqual({ label, code: 'FMT-XML-ENCODING-UNSUPPORTED' });
      expect(readCode(bytes)).toEqual(['FMT-XML-ENCODING-UNSUPPORTED']);
      expect(encodingForLabel(label)).toBeUndefined();
    }
  });

  it('bytes invalid in the declared encoding, located', async () => {
    const badUtf8 = iconv(ublText(decl('UTF-8')), 'ISO-8859-1'); // é as one byte under UTF-8
    expect(await codeOf(badUtf8)).toBe('FMT-XML-ENCODING-INVALID');
    expect(readCode(badUtf8)).toEqual(['FMT-XML-ENCODING-INVALID']);
    const sjis = Buffer.concat([
      Buffer.from(`${decl('Shift_JIS')}\n<Invoice>`),
      Buffer.from([0x85, 0x40]),
      Buffer.from('</Invoice>'),
    ]);
    const r = await detectSyntax(sjis, { fileName: 'f.xml' });
    expect(r.ok ? undefined : r.findings[0]).toMatchObject({
      code: 'FMT-XML-ENCODING-INVALID',
      location: { file: 'f.xml', line: 2, column: 10 },
    });
    // A lone surrogate in UTF-16.
    const lone = Buffer.concat([
      utf16le(`${decl('UTF-16')}<a>`),
      Buffer.from([0x00, 0xd8]),
      Buffer.from('</a>', 'utf16le'),
    ]);
    expect(await codeOf(lone)).toBe('FMT-XML-ENCODING-INVALID');
    // Non-ASCII under US-ASCII (WHATWG would read windows-1252; XML processors refuse).
    expect(await codeOf(iconv(ublText(decl('US-ASCII')), 'ISO-8859-1'))).toBe('FMT-XML-ENCODING-INVALID');
  });

  it('a declaration that contradicts the byte-order mark', async () => {
    expect(await codeOf(utf16le(ublText(decl('UTF-16BE'))))).toBe('FMT-XML-ENCODING-INVALID');
    expect(await codeOf(utf16le(ublText(decl('windows-1252'))))).toBe('FMT-XML-ENCODING-INVALID');
    expect(await codeOf(Buffer.concat([BOM8, Buffer.from(ublText(decl('L1')))]))).toBe('FMT-XML-ENCODING-INVALID');
  });
});
