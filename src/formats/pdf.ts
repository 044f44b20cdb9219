/**
 * Factur-X / ZUGFeRD PDF: find the embedded invoice XML. The file specification is looked up in the
 * catalog's `/Names /EmbeddedFiles` name tree and in its `/AF` (associated files) array, as PDF/A-3
 * requires both. Never throws: a corrupt PDF is a result, not an exception.
 */
import { constants, inflateSync } from 'node:zlib';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFString,
  ParseSpeeds,
  decodePDFRawStream,
} from 'pdf-lib';

/** Names of the invoice XML, in order of preference (Factur-X 1.0, ZUGFeRD 2.0, XRechnung in a PDF). */
export const INVOICE_XML_NAMES = ['factur-x.xml', 'zugferd-invoice.xml', 'xrechnung.xml'] as const;

export type PdfInvoiceXml =
  | { ok: true; name: string; xml: Buffer; attachments: string[] }
  | { ok: false; reason: 'unreadable' | 'encrypted' | 'no-invoice-xml'; detail: string; attachments: string[] };

/** `%PDF-` within the first 1024 bytes, as readers tolerate (PDF 32000-1 annex H). */
export function isPdf(head: Buffer): boolean {
  const at = head.subarray(0, 1024).indexOf('%PDF-', 0, 'latin1');
  return at !== -1;
}

interface FileSpec {
  names: string[];
  spec: PDFDict;
}

function text(o: unknown): string | undefined {
  return o instanceof PDFString || o instanceof PDFHexString ? o.decodeText() : undefined;
}

function specNames(spec: PDFDict, key?: string): string[] {
  const out = [text(spec.lookup(PDFName.of('UF'))), text(spec.lookup(PDFName.of('F'))), key];
  return [...new Set(out.filter((n): n is string => !!n))];
}

/** Walk the EmbeddedFiles name tree (leaves `/Names [key spec …]`, inner nodes `/Kids`), guarding against cycles. */
function walkNameTree(node: unknown, out: FileSpec[], seen: Set<unknown>, depth = 0): void {
  if (!(node instanceof PDFDict) || seen.has(node) || depth > 32) return;
  seen.add(node);
  const names = node.lookup(PDFName.of('Names'));
  if (names instanceof PDFArray) {
    for (let i = 0; i + 1 < names.size(); i += 2) {
      const spec = names.lookup(i + 1);
      if (spec instanceof PDFDict) out.push({ names: specNames(spec, text(names.lookup(i))), spec });
    }
  }
  const kids = node.lookup(PDFName.of('Kids'));
  if (kids instanceof PDFArray)
    for (let i = 0; i < kids.size(); i++) walkNameTree(kids.lookup(i), out, seen, depth + 1);
}

function fileSpecs(catalog: PDFDict): FileSpec[] {
  const out: FileSpec[] = [];
  const names = catalog.lookup(PDFName.of('Names'));
  if (names instanceof PDFDict) walkNameTree(names.lookup(PDFName.of('EmbeddedFiles')), out, new Set());
  const af = catalog.lookup(PDFName.of('AF'));
  if (af instanceof PDFArray) {
    for (let i = 0; i < af.size(); i++) {
      const spec = af.lookup(i);
      if (spec instanceof PDFDict && !out.some((s) => s.spec === spec)) out.push({ names: specNames(spec), spec });
    }
  }
  return out;
}

function baseName(n: string): string {
  return (n.split(/[\\/]/).pop() ?? n).trim().toLowerCase();
}

/** The embedded file's bytes. Plain Flate goes through zlib (native, tolerant of a truncated end). */
function embeddedBytes(spec: PDFDict): Buffer | undefined {
  const ef = spec.lookup(PDFName.of('EF'));
  if (!(ef instanceof PDFDict)) return undefined;
  const stream = ef.lookup(PDFName.of('UF')) ?? ef.lookup(PDFName.of('F'));
  if (!(stream instanceof PDFRawStream)) return undefined;
  const filter = stream.dict.lookup(PDFName.of('Filter'));
  const flate =
    filter === PDFName.of('FlateDecode') ||
    (filter instanceof PDFArray && filter.size() === 1 && filter.lookup(0) === PDFName.of('FlateDecode'));
  if (filter === undefined) return Buffer.from(stream.contents);
  if (flate && stream.dict.lookup(PDFName.of('DecodeParms')) === undefined) {
    return inflateSync(stream.contents, { finishFlush: constants.Z_SYNC_FLUSH });
  }
  return Buffer.from(decodePDFRawStream(stream).decode());
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 300) ?? '';
}

// pdf-lib reports the objects it skips with console.warn: collect them for the finding's detail instead of
// the process's output. Parses may overlap (several flows at once), so console.warn is swapped once while
// any parse runs and restored by the last one; an overlapping parse's warning may land in both lists.
const sinks = new Set<string[]>();
let originalWarn: typeof console.warn | undefined;

function captureWarnings(): string[] {
  const sink: string[] = [];
  if (sinks.size === 0) {
    originalWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      const line = args.map(String).join(' ');
      for (const s of sinks) if (s.length < 100) s.push(line);
    };
  }
  sinks.add(sink);
  return sink;
}

function releaseWarnings(sink: string[]): void {
  sinks.delete(sink);
  if (sinks.size === 0 && originalWarn) console.warn = originalWarn;
}

export async function extractInvoiceXml(bytes: Buffer): Promise<PdfInvoiceXml> {
  let doc: PDFDocument;
  const skipped = captureWarnings();
  try {
    // Fastest = no yielding between objects: one flow is small, and large ones belong in a worker anyway.
    doc = await PDFDocument.load(bytes, {
      ignoreEncryption: true,
      updateMetadata: false,
      throwOnInvalidObject: false,
      parseSpeed: ParseSpeeds.Fastest,
    });
  } catch (e) {
    return { ok: false, reason: 'unreadable', detail: `PDF illisible : ${message(e)}`, attachments: [] };
  } finally {
    releaseWarnings(skipped);
  }
  const damaged = skipped.length
    ? ` ; ${skipped.length} objet(s) invalide(s) ignoré(s), ex. ${skipped[0]?.slice(0, 120)}`
    : '';
  try {
    const catalog = doc.catalog as PDFDict | undefined;
    if (!(catalog instanceof PDFDict)) {
      return {
        ok: false,
        reason: 'unreadable',
        detail: `PDF illisible : catalogue (/Root) introuvable${damaged}`,
        attachments: [],
      };
    }
    const specs = fileSpecs(catalog);
    const attachments = [...new Set(specs.map((s) => s.names[0] ?? '?'))];
    if (doc.isEncrypted) {
      return { ok: false, reason: 'encrypted', detail: 'PDF chiffré (/Encrypt)', attachments };
    }
    for (const wanted of INVOICE_XML_NAMES) {
      const spec = specs.find((s) => s.names.some((n) => baseName(n) === wanted));
      if (!spec) continue;
      const name = spec.names.find((n) => baseName(n) === wanted) ?? wanted;
      let xml: Buffer | undefined;
      try {
        xml = embeddedBytes(spec.spec);
      } catch (e) {
        return {
          ok: false,
          reason: 'unreadable',
          detail: `fichier embarqué ${name} illisible : ${message(e)}`,
          attachments,
        };
      }
      if (!xml)
        return { ok: false, reason: 'unreadable', detail: `fichier embarqué ${name} sans contenu (/EF)`, attachments };
      return { ok: true, name, xml, attachments };
    }
    const list = attachments.length ? `fichiers embarqués : ${attachments.join(', ')}` : 'aucun fichier embarqué';
    return {
      ok: false,
      reason: 'no-invoice-xml',
      detail: `aucun fichier ${INVOICE_XML_NAMES.join(' / ')} dans le PDF (${list})${damaged}`,
      attachments,
    };
  } catch (e) {
    return { ok: false, reason: 'unreadable', detail: `PDF illisible : ${message(e)}`, attachments: [] };
  }
}
