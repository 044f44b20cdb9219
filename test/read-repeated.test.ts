/**
 * The reader replays the markup it has already seen between values (invoice lines repeat it): these tests
 * make repetitions depart from one another in every way the replay must notice — attribute values, names,
 * a broken end tag, comments, mixed content, CRLF — and check each line's values and locations.
 */
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { readInvoice } from '../src/formats/read/index.ts';
import { parseTree, releaseSource, type XNode } from '../src/formats/read/tree.ts';
import { largeValidUbl } from './helpers/hostile.ts';

const corpus = path.resolve('test/corpus');
const example = fs.readFileSync(path.join(corpus, 'valid/ubl/cen-ubl-tc434-example1.xml'), 'utf8');

interface LineSpec {
  id: string;
  unit: string;
  amount: string;
  name: string;
}

function lineXml(l: LineSpec, extra = ''): string {
  return `
    <cac:InvoiceLine>
        <cbc:ID>${l.id}</cbc:ID>${extra}
        <cbc:InvoicedQuantity unitCode="${l.unit}">2</cbc:InvoicedQuantity>
        <cbc:LineExtensionAmount currencyID="EUR">${l.amount}</cbc:LineExtensionAmount>
        <cac:Item>
            <cbc:Name>${l.name}</cbc:Name>
            <cac:ClassifiedTaxCategory>
                <cbc:ID>S</cbc:ID>
                <cbc:Percent>6</cbc:Percent>
                <cac:TaxScheme>
                    <cbc:ID>VAT</cbc:ID>
                </cac:TaxScheme>
            </cac:ClassifiedTaxCategory>
        </cac:Item>
        <cac:Price>
            <cbc:PriceAmount currencyID="EUR">1.00</cbc:PriceAmount>
        </cac:Price>
    </cac:InvoiceLine>`;
}

/** The corpus example with its lines replaced by `body`. */
function invoiceWith(body: string): string {
  const first = example.indexOf('<cac:InvoiceLine>');
  const last = example.lastIndexOf('</cac:InvoiceLine>') + '</cac:InvoiceLine>'.length;
  return example.slice(0, first).trimEnd() + body + example.slice(last);
}

function specs(n: number): LineSpec[] {
  return Array.from({ length: n }, (_, k) => ({
    id: String(k + 1),
    unit: k % 7 === 3 ? 'KGM' : 'EA',
    amount: `${k}.50`,
    name: k % 5 === 0 ? '' : `Article &amp; ${k}`,
  }));
}

/** 1-based line of the n-th occurrence (0-based) of `needle` in `xml`. */
function lineOf(xml: string, needle: string, n: number): number {
  let at = -1;
  for (let k = 0; k <= n; k++) at = xml.indexOf(needle, at + 1);
  return xml.slice(0, at).split('\n').length;
}

describe('reading repeated invoice lines', () => {
  it('reads every repetition with its own values and locations', () => {
    const lines = specs(60);
    const xml = invoiceWith(lines.map((l) => lineXml(l)).join(''));
    const { invoices, findings } = readInvoice(Buffer.from(xml), 'ubl-invoice');
    expect(findings).toEqual([]);
    const read = invoices[0]!.lines;
    expect(read.map((l) => l.id?.value)).toEqual(lines.map((l) => l.id));
    expect(read.map((l) => l.unitCode?.value)).toEqual(lines.map((l) => l.unit));
    expect(read.map((l) => l.netAmount?.value)).toEqual(lines.map((l) => l.amount));
    expect(read.map((l) => l.itemName?.value)).toEqual(lines.map((l) => l.name.replace('&amp;', '&')));
    expect(read.map((l) => l.vat.scheme?.value)).toEqual(lines.map(() => 'VAT'));
    expect(read.map((l) => l.netAmount?.currency)).toEqual(lines.map(() => 'EUR'));
    for (const k of [0, 1, 3, 10, 59]) {
      expect(read[k]!.loc.xpath).toBe(`/Invoice/cac:InvoiceLine[${k + 1}]`);
      expect(read[k]!.loc.line).toBe(lineOf(xml, '<cac:InvoiceLine>', k));
      expect(read[k]!.netPrice?.loc.line).toBe(lineOf(xml, '<cbc:PriceAmount', k));
      expect(read[k]!.vat.rate?.loc.xpath).toBe(
        `/Invoice/cac:InvoiceLine[${k + 1}]/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent`,
      );
    }
  });

  it('gives each element its own attributes object', () => {
    const xml = invoiceWith(
      specs(5)
        .map((l) => lineXml(l))
        .join(''),
    );
    const lines = readInvoice(Buffer.from(xml), 'ubl-invoice').invoices[0]!.lines;
    expect(lines[1]!.quantity?.attrs).not.toBe(lines[2]!.quantity?.attrs);
    expect(lines[1]!.quantity?.attrs).toEqual(lines[2]!.quantity?.attrs);
  });

  it.each([
    ['an end tag broken in a later line', '</cbc:Percent>', '</cbc:Percnt>', '</cbc:Percnt>'],
    ['an end tag of another element', '</cac:TaxScheme>', '</cac:Item>', '</cac:Item>'],
    // The markup after the tax scheme is the same as in the lines before: only the open element differs.
    [
      'a renamed start tag',
      '<cac:ClassifiedTaxCategory>',
      '<cac:ClassifiedTaxCategorx>',
      '</cac:ClassifiedTaxCategory>',
    ],
    ['an unclosed start tag', '<cbc:Name>', '<cbc:Name', '<cbc:Name'],
    ['a bad entity', '&amp;', '&amp', '&amp'],
  ])('rejects %s with its line', (_what, from, to, errorAt) => {
    const parts = specs(30).map((l) => lineXml(l));
    expect(parts[21]).toContain(from);
    parts[21] = parts[21]!.replace(from, to);
    const xml = invoiceWith(parts.join(''));
    const { invoices, findings } = readInvoice(Buffer.from(xml), 'ubl-invoice');
    expect(invoices).toEqual([]);
    expect(findings[0]?.code).toBe('FMT-XML-MALFORMED');
    const at = xml.indexOf(errorAt, xml.indexOf(`<cbc:ID>22</cbc:ID>`));
    expect(findings[0]?.location?.line).toBe(xml.slice(0, at).split('\n').length);
  });

  it('notices comments, mixed content and CRLF in later repetitions', () => {
    const lines = specs(20);
    const parts = lines.map((l, k) =>
      lineXml(l, k === 12 ? '<!-- note -->' : k === 15 ? '<cbc:Note>a<b/> b </cbc:Note>' : ''),
    );
    parts[17] = parts[17]!.replace(/\n/g, '\r\n');
    const xml = invoiceWith(parts.join(''));
    const root = parseTree(xml);
    const invoiceLines = root.children.filter((c) => c.name === 'InvoiceLine');
    expect(invoiceLines.map((l) => l.children[0]!.text)).toEqual(lines.map((l) => l.id));
    expect(invoiceLines[15]!.children.find((c) => c.name === 'Note')?.text).toBe('a b');
    expect(invoiceLines[17]!.children.map((c) => c.name)).toEqual(invoiceLines[16]!.children.map((c) => c.name));
    expect(invoiceLines[17]!.children[1]!.attrs).toEqual({ unitCode: lines[17]!.unit });
    expect(invoiceLines[18]!.line).toBe(lineOf(xml, '<cac:InvoiceLine>', 18));
    const amount = xml.indexOf('<cbc:LineExtensionAmount', xml.indexOf('<cbc:ID>20</cbc:ID>'));
    expect(invoiceLines[19]!.children[2]!.line).toBe(xml.slice(0, amount).split('\n').length);
  });
});

describe('a large document lets go of its text (releaseSource)', () => {
  /** Every element's name, text, written text, attributes, line and XPath, in document order. */
  function described(root: XNode): string[] {
    const out: string[] = [];
    const walk = (n: XNode) => {
      out.push(JSON.stringify([n.qname, n.text, n.raw, n.attrs, n.line, n.xpath]));
      for (const c of n.children) walk(c);
    };
    walk(root);
    return out;
  }

  it('texts, attribute values, lines and XPaths are the same once the text is released', () => {
    // Long values (kept as views of the text by V8), entities, CRLF, blanks around a value, repeated lines.
    const lines = Array.from(
      { length: 40 },
      (_, i) => `
    <cac:InvoiceLine>
        <cbc:ID>ligne-numero-${i}-avec-un-identifiant-long</cbc:ID>
        <cbc:Note>  Note &amp; remarque numero ${i} &lt;longue&gt;\r\n suite  </cbc:Note>
        <cbc:InvoicedQuantity unitCode="UNITE-DE-MESURE-LONGUE-${i}">2</cbc:InvoicedQuantity>
        <cbc:LineExtensionAmount currencyID="EUR">${i}.00</cbc:LineExtensionAmount>
    </cac:InvoiceLine>`,
    ).join('');
    const at = example.lastIndexOf('</cac:InvoiceLine>') + '</cac:InvoiceLine>'.length;
    const xml = example.slice(0, at) + lines + example.slice(at);
    const before = described(parseTree(xml));
    const root = parseTree(xml);
    releaseSource(root);
    expect(described(root)).toEqual(before);
  });

  it('a document above the threshold: its last line read with its value, line and XPath after the release', () => {
    // 5 Mo of lines: read with its text released; the findings' locations come from the newline index.
    const big = largeValidUbl(5 * 1024 * 1024, 'released');
    const read = readInvoice(big, 'ubl-invoice');
    expect(read.invoices).toHaveLength(1);
    const lines = read.invoices[0]!.lines;
    const last = lines[lines.length - 1]!;
    const text = big.toString('utf8');
    const lastId = text.lastIndexOf('<cbc:ID>Z');
    expect(last.id?.value).toBe(text.slice(lastId + 8, text.indexOf('<', lastId + 8)));
    expect(last.id?.loc.line).toBe(text.slice(0, lastId).split('\n').length);
    expect(last.id?.loc.xpath).toBe(`/Invoice/cac:InvoiceLine[${lines.length}]/cbc:ID`);
  });
});
