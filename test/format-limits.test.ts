/**
 * The limits one flow may not exceed, unit by unit: XML depth, text and attribute sizes in detection (saxes)
 * and in reading (the tree), the PDF inflate budget, the configuration keys; and the depth cost, linear now.
 */
import { describe, expect, it } from '@jest/globals';
import { deflateSync } from 'node:zlib';
import { buildConfig, ConfigError } from '../src/config.ts';
import { DEFAULT_LIMITS, formatLimits } from '../src/formats/limits.ts';
import { extractInvoiceXml } from '../src/formats/pdf.ts';
import { readInvoice } from '../src/formats/read/index.ts';
import { detectDeposit } from '../src/formats/registry.ts';
import { readZip, zipLimits } from '../src/formats/zip.ts';
import * as h from './helpers/hostile.ts';

const codes = async (bytes: Buffer, limits = DEFAULT_LIMITS) => {
  const r = await detectDeposit(bytes, { fileName: 'f.xml', limits });
  return r.ok ? ['ok'] : r.findings.map((f) => f.code);
};

describe('XML limits', () => {
  const small = formatLimits(30000, { xmlMaxDepth: 16, xmlMaxTextKo: 1, xmlMaxAttributeKo: 1 });

  it('accepts a real invoice under the defaults, in detection and in reading', async () => {
    expect(await codes(h.UBL_EXAMPLE)).toEqual(['ok']);
    expect(readInvoice(h.UBL_EXAMPLE, 'ubl-invoice').findings).toEqual([]);
  });

  it('rejects nesting past the limit in detection and in reading, with line and column', async () => {
    const r = await detectDeposit(h.deepXml(20), { fileName: 'f.xml', limits: small });
    expect(r.ok).toBe(false);
    const f = !r.ok ? r.findings[0]! : undefined;
    expect(f?.code).toBe('FMT-XML-TOO-DEEP');
    expect(f?.location).toMatchObject({ file: 'f.xml', line: 2 });
    expect(f?.location?.column).toBeGreaterThan(0);
    expect(await codes(h.deepXml(14), small)).not.toContain('FMT-XML-TOO-DEEP');
    const read = readInvoice(h.deepXml(20), 'ubl-invoice', small);
    expect(read.findings.map((x) => x.code)).toEqual(['FMT-XML-TOO-DEEP']);
    expect(read.findings[0]!.location).toMatchObject({ line: 2 });
  });

  it('rejects a long text node, CDATA section or attribute value; accepts them at the limit', async () => {
    expect(await codes(h.hugeText(1025), small)).toEqual(['FMT-XML-TEXT-TOO-LARGE']);
    expect(await codes(h.hugeCdata(1025), small)).toEqual(['FMT-XML-TEXT-TOO-LARGE']);
    expect(await codes(h.hugeAttribute(1025), small)).toEqual(['FMT-XML-ATTRIBUTE-TOO-LARGE']);
    // At the limit: not rejected for its size (the root is a UBL Invoice, detection goes on).
    expect(await codes(h.hugeText(1024), small)).toEqual(['ok']);
    expect(await codes(h.hugeAttribute(1024), small)).toEqual(['ok']);
    expect(readInvoice(h.hugeText(1025), 'ubl-invoice', small).findings.map((f) => f.code)).toEqual([
      'FMT-XML-TEXT-TOO-LARGE',
    ]);
    expect(readInvoice(h.hugeAttribute(1025), 'ubl-invoice', small).findings.map((f) => f.code)).toEqual([
      'FMT-XML-ATTRIBUTE-TOO-LARGE',
    ]);
  });

  it('bounds the cost of depth: 200,000 nested levels are rejected in well under a second', async () => {
    const t0 = performance.now();
    expect(await codes(h.deepXml(200000))).toEqual(['FMT-XML-TOO-DEEP']);
    expect(readInvoice(h.deepXml(200000), 'ubl-invoice').findings[0]!.code).toBe('FMT-XML-TOO-DEEP');
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('checks the limits in the XML embedded in a PDF and in a zip entry', async () => {
    const deep = h.deepXml(300);
    const pdf = h.pdfWithFacturX(deflateSync(deep));
    const r = await detectDeposit(pdf, { fileName: 'f.pdf' });
    expect(!r.ok && r.findings.map((f) => [f.code, f.location?.file])).toEqual([['FMT-XML-TOO-DEEP', 'factur-x.xml']]);
    const z = await detectDeposit(h.zipOf([{ name: 'a.xml', data: deep }]), { fileName: 'lot.zip' });
    expect(!z.ok && z.findings.map((f) => f.code)).toEqual(['FMT-XML-TOO-DEEP']);
  });
});

describe('PDF inflate budget', () => {
  it('stops an object stream and an embedded XML at the budget', async () => {
    const obj = await extractInvoiceXml(h.pdfObjectStreamBomb(64), 8 * 1024 * 1024);
    expect(obj).toMatchObject({ ok: false, reason: 'too-large' });
    const fx = await extractInvoiceXml(h.pdfWithFacturX(h.zlibZeros(64)), 8 * 1024 * 1024);
    expect(fx).toMatchObject({ ok: false, reason: 'too-large' });
    expect(!fx.ok && fx.detail).toContain('factur-x.xml');
  });

  it('still reads an embedded XML under the budget', async () => {
    const xml = Buffer.from('<x/>');
    const r = await extractInvoiceXml(h.pdfWithFacturX(deflateSync(xml)), 1024);
    expect(r.ok && r.xml.equals(xml)).toBe(true);
    expect((await extractInvoiceXml(h.pdfWithFacturX(deflateSync(Buffer.alloc(2048))), 1024)).ok).toBe(false);
  });
});

describe('zip entries that are links', () => {
  it('refuses a symbolic link entry without reading it as a document', async () => {
    const r = await readZip(
      h.zipOf([{ name: 'f.xml', data: Buffer.from('/etc/passwd'), symlink: true, deflate: false }]),
      'lot.zip',
      zipLimits(30000),
    );
    expect(!r.ok && r.findings.map((f) => [f.code, f.location?.file])).toEqual([['ZIP-ENTRY-LINK', 'f.xml']]);
  });
});

describe('configuration', () => {
  it('has safe defaults and validates the limits section', () => {
    const c = buildConfig({}, {});
    expect(c.limits).toMatchObject({
      xmlMaxDepth: 256,
      xmlMaxTextKo: 16384,
      xmlMaxAttributeKo: 64,
      signatureMaxKo: 1024,
    });
    expect(c.pipeline.workerThreads).toBe(1);
    expect(formatLimits(c.maxFlowSizeKo, c.limits)).toEqual(DEFAULT_LIMITS);
    expect(() => buildConfig({ limits: { xmlMaxDepth: 3 } }, {})).toThrow(ConfigError);
    expect(() => buildConfig({ limits: { xmlMaxTextKo: 0 } }, {})).toThrow(ConfigError);
    expect(() => buildConfig({ limits: { unknown: 1 } }, {})).toThrow(/limits/);
    expect(formatLimits(1000, buildConfig({ limits: { pdfMaxInflatedKo: 10 } }, {}).limits).pdfMaxInflatedBytes).toBe(
      10240,
    );
  });
});
