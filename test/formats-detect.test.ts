/**
 * Syntax detection against the test corpus (expected.tsv for the syntax, the corpus README's "checked
 * here" column for the schema sets each file was validated with) and against small flows built here
 * for every FORMAT rejection.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';
import { PDFArray, PDFDict, PDFDocument, PDFName } from 'pdf-lib';
import type { Finding } from '../src/finding.ts';
import { INVOICE_XML_NAMES } from '../src/formats/pdf-invoice.ts';
import { FORMAT_CODES } from '../src/codes/format.ts';
import {
  INTERFACE_CODES,
  SYNTAXES,
  detectSyntax,
  sniffInterface,
  syntaxForInterface,
} from '../src/formats/registry.ts';
import type { DetectionResult, DetectedFlow } from '../src/formats/types.ts';

const CORPUS = path.resolve('test/corpus');
const corpus = (rel: string): Buffer => readFileSync(path.join(CORPUS, rel));

const rows = readFileSync(path.join(CORPUS, 'expected.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map(([file = '', syntax = '', expected = '']) => ({ file, syntax, expected }))
  .filter((r) => r.expected !== 'mixed' && r.expected !== 'reference');

/** The README's "checked here" cell per file: `root=cii xsd=[d16b:ok fx-en16931:ok] …`, `attachments=…`. */
const checked = new Map<string, string>();
for (const line of readFileSync(path.join(CORPUS, 'README.md'), 'utf8').split('\n')) {
  const m = /^\| `([^`]+)` \|.*\| ((?:attachments=|root=)[^|]*)\|\s*$/.exec(line);
  if (m?.[1] && m[2]) checked.set(m[1], m[2]);
}

function flowOf(r: DetectionResult): DetectedFlow {
  if (!r.ok) throw new Error(`rejected: ${r.findings.map((f) => `${f.code} ${f.detail ?? ''}`).join('; ')}`);
  return r.flow;
}

function findingOf(r: DetectionResult): Finding {
  if (r.ok) throw new Error(`accepted as ${r.flow.syntax}`);
  expect(r.findings).toHaveLength(1);
  const f = r.findings[0] as Finding;
  expect(f.nature).toBe('FORMAT');
  expect(f.severity).toBe('fatal');
  expect(f.labelFr.length).toBeGreaterThan(10);
  expect(f.labelEn.length).toBeGreaterThan(10);
  return f;
}

describe('corpus: detection of every deposit file', () => {
  const accepted = rows.filter((r) => ['valid', 'invalid-xsd', 'invalid-rules'].includes(r.expected));
  const rejected = rows.filter((r) => ['invalid-xml', 'invalid-syntax', 'invalid-pdf'].includes(r.expected));

  it('covers the corpus', () => {
    expect(accepted.length).toBeGreaterThan(50);
    expect(rejected.length).toBe(4);
    expect(new Set(accepted.map((r) => r.syntax))).toEqual(
      new Set(['ubl-invoice', 'ubl-creditnote', 'cii', 'facturx-pdf', 'cpp-facture-mixte']),
    );
  });

  it.each(accepted)('$file is detected with its syntax and schemas', async (row) => {
    const flow = flowOf(await detectSyntax(corpus(row.file), { fileName: path.basename(row.file) }));
    expect(flow.syntax).toBe(row.syntax);
    const mod = SYNTAXES.find((s) => s.id === row.syntax);
    expect(flow.interfaceCode).toBe(mod?.interfaceCode);
    expect(flow.syntaxeFlux).toBe(mod?.syntaxeFlux);
    const note = checked.get(row.file) ?? '';
    if (row.syntax === 'ubl-invoice')
      expect(flow.schemas).toEqual([{ set: 'ubl-2.1', entry: 'maindoc/UBL-Invoice-2.1.xsd' }]);
    if (row.syntax === 'ubl-creditnote')
      expect(flow.schemas).toEqual([{ set: 'ubl-2.1', entry: 'maindoc/UBL-CreditNote-2.1.xsd' }]);
    if (row.syntax === 'cpp-facture-mixte')
      expect(flow.schemas).toEqual([{ set: 'passerelle', entry: 'CPPFactureMixte.xsd' }]);
    if (row.syntax === 'cii' || row.syntax === 'facturx-pdf') {
      // The corpus was checked against D16B, plus the Factur-X profile XSD named by `fx-<profile>` when it applies.
      expect(note).toMatch(/xsd=\[d16b:/);
      const fx = /fx-(minimum|basicwl|basic|en16931|extended):/.exec(note)?.[1];
      const expected = [{ set: 'cii-d16b', entry: 'CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd' }];
      // A bare CII with the plain EN 16931 guideline is not a Factur-X invoice: D16B only (issue 11; the CEN
      // artefacts accept what the Factur-X EN16931 XSD would reject). Inside a PDF it is the Factur-X profile.
      const bareEn16931 = row.syntax === 'cii' && fx === 'en16931';
      if (fx && !bareEn16931) expected.push({ set: 'facturx-1.0.9', entry: `${fx}/Factur-X_${fx.toUpperCase()}.xsd` });
      expect(flow.schemas).toEqual(expected);
      if (fx) expect(flow.profile).toBe(fx.toUpperCase());
    }
    if (row.syntax === 'facturx-pdf') {
      const names = /attachments=(\S+)/.exec(note)?.[1]?.split(',') ?? [];
      expect(names).toContain(flow.xmlName);
      expect(INVOICE_XML_NAMES as readonly string[]).toContain(flow.xmlName);
      expect(flow.xml.toString('utf8')).toContain('CrossIndustryInvoice');
    } else {
      expect(flow.xmlName).toBeUndefined();
      expect(flow.xml.equals(corpus(row.file))).toBe(true);
    }
  });

  it.each(rejected)('$file is rejected with a FORMAT finding', async (row) => {
    const name = path.basename(row.file);
    const f = findingOf(await detectSyntax(corpus(row.file), { fileName: name }));
    if (row.expected === 'invalid-syntax') expect(f.code).toBe('FMT-SYNTAX-UNKNOWN');
    if (row.expected === 'invalid-pdf') expect(f.code).toMatch(/^FMT-PDF-/);
    if (row.expected === 'invalid-xml') expect(f.code).toMatch(/^FMT-XML-/);
    // Inside a PDF the finding names the embedded file, else the flow.
    const inner = /attachments=(\S+)/.exec(checked.get(row.file) ?? '')?.[1];
    expect(f.location?.file).toBe(row.expected === 'invalid-xml' && inner ? inner : name);
  });

  it('says which root was found for an unknown root', async () => {
    const f = findingOf(await detectSyntax(corpus('invalid/cii/mustang-invalidV2Root.xml')));
    expect(f.detail).toContain('rsm:myinvoice');
    expect(f.detail).toContain('urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100');
    expect(f.location?.line).toBeGreaterThan(0);
  });

  it('rejects a VEFA testSet (not an invoice) as an unknown root', async () => {
    const f = findingOf(await detectSyntax(corpus('rule-unit/cii/cen-BR-CO-17.xml')));
    expect(f.code).toBe('FMT-SYNTAX-UNKNOWN');
    expect(f.detail).toContain('testSet');
  });
});

const UBL_NS = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
const CBC_NS = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
const ubl = (decl: string, id = 'F-1'): string =>
  `${decl}\n<Invoice xmlns="${UBL_NS}" xmlns:cbc="${CBC_NS}">\n  <cbc:ID>${id}</cbc:ID>\n</Invoice>\n`;
const UTF8_DECL = '<?xml version="1.0" encoding="UTF-8"?>';

describe('encodings', () => {
  it('accepts UTF-8 with and without BOM, and without declaration', async () => {
    expect(flowOf(await detectSyntax(Buffer.from(ubl(UTF8_DECL, 'Façade')))).syntax).toBe('ubl-invoice');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ubl(UTF8_DECL, 'Façade'))]);
    expect(flowOf(await detectSyntax(bom)).syntax).toBe('ubl-invoice');
    expect(flowOf(await detectSyntax(Buffer.from(ubl('', 'x')))).syntax).toBe('ubl-invoice');
  });

  it('accepts UTF-16 LE and BE with a BOM', async () => {
    const text = ubl('<?xml version="1.0" encoding="UTF-16"?>', 'Façade €');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le).swap16();
    expect(flowOf(await detectSyntax(le)).syntax).toBe('ubl-invoice');
    expect(flowOf(await detectSyntax(be)).syntax).toBe('ubl-invoice');
    expect(sniffInterface(le)).toBe('FSO1100A');
    expect(sniffInterface(be)).toBe('FSO1100A');
  });

  it('rejects UTF-16 without BOM, and a BOM that contradicts the declaration', async () => {
    const noBom = Buffer.from(ubl('<?xml version="1.0" encoding="UTF-16"?>'), 'utf16le');
    expect(findingOf(await detectSyntax(noBom)).code).toBe('FMT-XML-ENCODING-UNSUPPORTED');
    const conflict = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(ubl('<?xml version="1.0" encoding="ISO-8859-1"?>')),
    ]);
    expect(findingOf(await detectSyntax(conflict)).code).toBe('FMT-XML-ENCODING-INVALID');
  });

  it('accepts declared ISO-8859-1 and US-ASCII', async () => {
    const latin1 = Buffer.from(ubl('<?xml version="1.0" encoding="ISO-8859-1"?>', 'Façade'), 'latin1');
    expect(latin1.includes(0xe7)).toBe(true);
    expect(flowOf(await detectSyntax(latin1)).syntax).toBe('ubl-invoice');
    expect(
      flowOf(await detectSyntax(Buffer.from(ubl('<?xml version="1.0" encoding="latin1"?>', 'é'), 'latin1'))).syntax,
    ).toBe('ubl-invoice');
    expect(flowOf(await detectSyntax(Buffer.from(ubl('<?xml version="1.0" encoding="US-ASCII"?>')))).syntax).toBe(
      'ubl-invoice',
    );
  });

  it('rejects declared encodings that the WHATWG Encoding Standard does not name', async () => {
    for (const enc of ['latin-1', 'UTF-8_W/O_BOM', 'ISO646-US', 'EBCDIC-FR']) {
      const f = findingOf(
        await detectSyntax(Buffer.from(ubl(`<?xml version="1.0" encoding="${enc}"?>`)), { fileName: 'f.xml' }),
      );
      expect(f.code).toBe('FMT-XML-ENCODING-UNSUPPORTED');
      expect(f.detail).toContain(enc);
      expect(f.location).toEqual({ file: 'f.xml', line: 1, column: 1 });
    }
  });

  it('rejects bytes that break the declared encoding, with their line', async () => {
    const latin1AsUtf8 = Buffer.from(ubl(UTF8_DECL, 'Façade'), 'latin1');
    const f = findingOf(await detectSyntax(latin1AsUtf8));
    expect(f.code).toBe('FMT-XML-ENCODING-INVALID');
    expect(f.location?.line).toBe(3);
    const nonAscii = Buffer.from(ubl('<?xml version="1.0" encoding="US-ASCII"?>', 'é'));
    expect(findingOf(await detectSyntax(nonAscii)).code).toBe('FMT-XML-ENCODING-INVALID');
  });
});

describe('XML rejections', () => {
  it('refuses any DOCTYPE, billion laughs included, before expanding anything', async () => {
    const lol = ['<!ENTITY lol0 "lol">'];
    for (let i = 1; i < 10; i++) lol.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    const bomb = `${UTF8_DECL}\n<!DOCTYPE Invoice [\n${lol.join('\n')}\n]>\n<Invoice xmlns="${UBL_NS}">&lol9;</Invoice>`;
    const t0 = performance.now();
    const f = findingOf(await detectSyntax(Buffer.from(bomb), { fileName: 'bomb.xml' }));
    expect(performance.now() - t0).toBeLessThan(200);
    expect(f.code).toBe('FMT-XML-DOCTYPE');
    expect(f.location?.file).toBe('bomb.xml');
    expect(f.location?.line).toBeGreaterThanOrEqual(2);
    const xxe = `${UTF8_DECL}<!DOCTYPE Invoice SYSTEM "file:///etc/passwd"><Invoice xmlns="${UBL_NS}"/>`;
    expect(findingOf(await detectSyntax(Buffer.from(xxe))).code).toBe('FMT-XML-DOCTYPE');
  });

  it('reports a truncated document with the line, column and parser message', async () => {
    const full = corpus('valid/ubl/cen-ubl-tc434-example1.xml');
    const f = findingOf(await detectSyntax(full.subarray(0, Math.floor(full.length / 2)), { fileName: 'cut.xml' }));
    expect(f.code).toBe('FMT-XML-MALFORMED');
    expect(f.location?.file).toBe('cut.xml');
    expect(f.location?.line).toBeGreaterThan(10);
    expect(f.location?.column).toBeDefined();
    expect(f.detail?.length).toBeGreaterThan(5);
  });

  it('reports mismatched tags, text after the root, unbound prefixes and undefined entities', async () => {
    const cases = [
      `<Invoice xmlns="${UBL_NS}"><a></b></Invoice>`,
      `<Invoice xmlns="${UBL_NS}"/>trailing`,
      `<Invoice xmlns="${UBL_NS}"><cbc:ID>1</cbc:ID></Invoice>`,
      `<Invoice xmlns="${UBL_NS}">&nbsp;</Invoice>`,
      `${UTF8_DECL}`,
    ];
    for (const c of cases) expect(findingOf(await detectSyntax(Buffer.from(c))).code).toBe('FMT-XML-MALFORMED');
    const f = findingOf(await detectSyntax(Buffer.from(`<Invoice xmlns="${UBL_NS}">\n  <a>\n</b></Invoice>`)));
    expect(f.location).toMatchObject({ line: 3 });
  });

  it('rejects an empty or blank flow', async () => {
    expect(findingOf(await detectSyntax(Buffer.alloc(0))).code).toBe('FMT-EMPTY');
    expect(findingOf(await detectSyntax(Buffer.from(' \r\n\t'))).code).toBe('FMT-EMPTY');
  });

  it('rejects what is neither XML nor PDF, and says what it looks like', async () => {
    // An empty zip archive (end-of-central-directory record only), then a local file header.
    const emptyZip = Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);
    const zipEntry = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x00\x00', 'latin1'), Buffer.alloc(40)]);
    for (const z of [emptyZip, zipEntry]) {
      const f = findingOf(await detectSyntax(z, { fileName: 'flux.zip' }));
      expect(f.code).toBe('FMT-NOT-XML-OR-PDF');
      expect(f.detail).toContain('zip');
      expect(f.location?.file).toBe('flux.zip');
    }
    expect(findingOf(await detectSyntax(Buffer.from('hello, world'))).code).toBe('FMT-NOT-XML-OR-PDF');
  });

  it('goes by content, not name: an XML mentioning %PDF- early is still XML', async () => {
    const xml = Buffer.from(ubl(`${UTF8_DECL}<!-- converted from %PDF-1.7 -->`));
    expect(flowOf(await detectSyntax(xml, { fileName: 'facture.pdf' })).syntax).toBe('ubl-invoice');
    expect(sniffInterface(xml)).toBe('FSO1100A');
  });
});

describe('declared interface', () => {
  const bytes = corpus('valid/ubl/cen-ubl-tc434-example1.xml');

  it('accepts a matching declaration by file-name prefix or API (code or syntaxeFlux)', async () => {
    expect(flowOf(await detectSyntax(bytes, { fileName: 'FSO1100A_facture.xml' })).syntax).toBe('ubl-invoice');
    expect(flowOf(await detectSyntax(bytes, { declaredInterface: 'FSO1100A' })).syntax).toBe('ubl-invoice');
    expect(flowOf(await detectSyntax(bytes, { declaredInterface: 'IN_DP_E1_UBL_INVOICE' })).syntax).toBe('ubl-invoice');
  });

  it('rejects a declaration that contradicts the content, naming both', async () => {
    const f = findingOf(await detectSyntax(bytes, { fileName: 'FSO1106A_facture.xml' }));
    expect(f.code).toBe('FMT-INTERFACE-MISMATCH');
    expect(f.detail).toContain('FSO1106A');
    expect(f.detail).toContain('FSO1100A');
    expect(f.location?.file).toBe('FSO1106A_facture.xml');
    // The API's declaration wins over the file name.
    const api = findingOf(await detectSyntax(bytes, { fileName: 'FSO1100A_x.xml', declaredInterface: 'FSO1117A' }));
    expect(api.code).toBe('FMT-INTERFACE-MISMATCH');
  });

  it('rejects an unknown declared interface code', async () => {
    expect(findingOf(await detectSyntax(bytes, { fileName: 'FSO9999A_facture.xml' })).code).toBe(
      'FMT-INTERFACE-UNKNOWN',
    );
    expect(findingOf(await detectSyntax(bytes, { declaredInterface: 'IN_DP_E1_XCBL' })).code).toBe(
      'FMT-INTERFACE-UNKNOWN',
    );
  });
});

async function pdfWith(files: { name: string; bytes: Buffer }[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage();
  for (const f of files) await doc.attach(f.bytes, f.name, { mimeType: 'text/xml' });
  return Buffer.from(await doc.save());
}

describe('Factur-X PDF', () => {
  const ciiXml = corpus('valid/cii/akretion-factur-x-basic.xml');

  it('finds factur-x.xml in the EmbeddedFiles name tree', async () => {
    const pdf = await pdfWith([
      { name: 'notes.txt', bytes: Buffer.from('x') },
      { name: 'factur-x.xml', bytes: ciiXml },
    ]);
    const flow = flowOf(await detectSyntax(pdf));
    expect(flow).toMatchObject({
      syntax: 'facturx-pdf',
      interfaceCode: 'FSO1117A',
      xmlName: 'factur-x.xml',
      profile: 'BASIC',
    });
    expect(flow.xml.equals(ciiXml)).toBe(true);
    expect(sniffInterface(pdf)).toBe('FSO1117A');
  });

  it('finds it through /AF alone', async () => {
    const doc = await PDFDocument.load(await pdfWith([{ name: 'zugferd-invoice.xml', bytes: ciiXml }]));
    const names = doc.catalog.lookup(PDFName.of('Names'), PDFDict).lookup(PDFName.of('EmbeddedFiles'), PDFDict);
    const spec = names.lookup(PDFName.of('Names'), PDFArray).get(1);
    doc.catalog.set(PDFName.of('AF'), doc.context.obj([spec]));
    doc.catalog.delete(PDFName.of('Names'));
    const flow = flowOf(await detectSyntax(Buffer.from(await doc.save())));
    expect(flow.xmlName).toBe('zugferd-invoice.xml');
    expect(flow.profile).toBe('BASIC');
  });

  it('rejects a PDF without invoice XML, listing what it embeds', async () => {
    const f = findingOf(
      await detectSyntax(await pdfWith([{ name: 'invoice.xml', bytes: ciiXml }]), { fileName: 'a.pdf' }),
    );
    expect(f.code).toBe('FMT-PDF-NO-INVOICE-XML');
    expect(f.detail).toContain('invoice.xml');
    expect(f.location?.file).toBe('a.pdf');
  });

  it('rejects an embedded XML that is not CII, or not well-formed, naming the embedded file', async () => {
    const notCii = findingOf(
      await detectSyntax(await pdfWith([{ name: 'factur-x.xml', bytes: Buffer.from(ubl(UTF8_DECL)) }])),
    );
    expect(notCii.code).toBe('FMT-PDF-XML-NOT-CII');
    expect(notCii.detail).toContain('Invoice');
    expect(notCii.location?.file).toBe('factur-x.xml');
    const broken = ciiXml.subarray(0, 500);
    const f = findingOf(
      await detectSyntax(await pdfWith([{ name: 'factur-x.xml', bytes: broken }]), { fileName: 'b.pdf' }),
    );
    expect(f.code).toBe('FMT-XML-MALFORMED');
    expect(f.location?.file).toBe('factur-x.xml');
  });

  it('rejects an encrypted PDF', async () => {
    const doc = await PDFDocument.load(await pdfWith([{ name: 'factur-x.xml', bytes: ciiXml }]));
    doc.context.trailerInfo.Encrypt = doc.context.register(doc.context.obj({ Filter: 'Standard', V: 2, R: 3 }));
    const f = findingOf(await detectSyntax(Buffer.from(await doc.save({ useObjectStreams: false }))));
    expect(f.code).toBe('FMT-PDF-ENCRYPTED');
  });

  it('keeps pdf-lib warnings out of the console, also when PDFs are read at once', async () => {
    const pdf = corpus('valid/facturx/zcorpus-Facture_FR_MINIMUM.pdf');
    const warn = console.warn;
    const cuts = [0.3, 0.5, 0.7, 0.9].map((k) => pdf.subarray(0, Math.floor(pdf.length * k)));
    const results = await Promise.all(cuts.map((c) => detectSyntax(c)));
    expect(results).toHaveLength(4);
    expect(console.warn).toBe(warn);
  });

  it('never throws on corrupt PDFs: every truncation is a flow or a FORMAT finding', async () => {
    const pdf = corpus('valid/facturx/zcorpus-Facture_FR_MINIMUM.pdf');
    const garbage = Buffer.concat([
      Buffer.from('%PDF-1.7\n'),
      Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256)),
    ]);
    expect(findingOf(await detectSyntax(garbage)).code).toMatch(/^FMT-PDF-/);
    for (let cut = 10; cut < pdf.length; cut += Math.floor(pdf.length / 23)) {
      const r = await detectSyntax(pdf.subarray(0, cut));
      if (!r.ok) expect(r.findings[0]?.code).toMatch(/^FMT-/);
      else expect(r.flow.syntax).toBe('facturx-pdf');
    }
  });
});

describe('registry', () => {
  it('lists the interface codes once each and maps them back to a syntax', () => {
    expect([...INTERFACE_CODES].sort()).toEqual(['FSO1100A', 'FSO1106A', 'FSO1113A', 'FSO1117A', 'FSO1200A']);
    for (const code of INTERFACE_CODES) expect(syntaxForInterface(code)?.interfaceCode).toBe(code);
    expect(syntaxForInterface('FSO1100A')?.id).toBe('ubl-invoice');
    expect(syntaxForInterface('FSO0000A')).toBeUndefined();
  });

  it('sniffs the interface code from the first 64 KiB like full detection does', async () => {
    for (const row of rows) {
      const bytes = corpus(row.file);
      const r = await detectSyntax(bytes);
      if (r.ok) expect([row.file, sniffInterface(bytes.subarray(0, 65536))]).toEqual([row.file, r.flow.interfaceCode]);
    }
    expect(sniffInterface(Buffer.alloc(0))).toBeUndefined();
    expect(sniffInterface(Buffer.from('PK\x03\x04', 'latin1'))).toBeUndefined();
    expect(sniffInterface(corpus('invalid/cii/mustang-invalidV2Root.xml'))).toBeUndefined();
  });

  it('documents every FORMAT code in docs/formats.md', () => {
    const doc = readFileSync(path.resolve('docs/formats.md'), 'utf8');
    for (const [code, c] of Object.entries(FORMAT_CODES)) {
      expect([code, doc.includes(`\`${code}\``)]).toEqual([code, true]);
      expect(doc).toContain(c.labelFr);
      expect(doc).toContain(c.labelEn);
    }
  });

  it('detects a 10 KB UBL invoice in well under a millisecond', async () => {
    const bytes = corpus('valid/ubl/peppol-base-example.xml');
    for (let i = 0; i < 50; i++) await detectSyntax(bytes);
    // Best of 30 batches: other work on a shared machine only ever adds time. Measured ~0.2 ms (bench/detect.ts).
    let best = Infinity;
    for (let batch = 0; batch < 30; batch++) {
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) await detectSyntax(bytes);
      best = Math.min(best, (performance.now() - t0) / 10);
    }
    expect(best).toBeLessThan(1);
  });
});

describe('xsd/CPPFactureMixte.xsd', () => {
  const xsdDoc = XmlDocument.fromBuffer(readFileSync(path.resolve('xsd/CPPFactureMixte.xsd')));
  const validator = XsdValidator.fromDoc(xsdDoc);
  const sample = corpus('valid/cpp/pastell-Facture-IN_DP_E2_CPP_FACTURE_MIN.xml');

  it('validates the public CPP Facture mixte sample', () => {
    const doc = XmlDocument.fromBuffer(sample);
    expect(() => validator.validate(doc)).not.toThrow();
    doc.dispose();
  });

  it('rejects a deposit without invoice number or with a bad Cadre', () => {
    const text = sample.toString('utf8');
    for (const bad of [
      text.replace('<Id>FAC19-2512</Id>', ''),
      text.replace('<Cadre>A1</Cadre>', '<Cadre>Z9</Cadre>'),
    ]) {
      expect(bad).not.toBe(text);
      const doc = XmlDocument.fromString(bad);
      expect(() => validator.validate(doc)).toThrow();
      doc.dispose();
    }
  });
});
