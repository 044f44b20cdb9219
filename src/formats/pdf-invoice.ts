/**
 * Factur-X / ZUGFeRD PDF: find the embedded invoice XML. The file specification is looked up in the
 * catalog's `/Names /EmbeddedFiles` name tree and in its `/AF` (associated files) array, as PDF/A-3
 * requires both. Never throws: a corrupt PDF is a result, not an exception. Loaded by pdf.ts when the first
 * PDF comes (pdf-lib is most of a flow worker's modules).
 */
import { constants, inflateSync } from 'node:zlib';
import type { PDFContext } from 'pdf-lib';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFObjectStreamParser,
  PDFRawStream,
  PDFString,
  PDFXRefStreamParser,
  ParseSpeeds,
  decodePDFRawStream,
} from 'pdf-lib';
import { DEFAULT_LIMITS } from './limits.ts';
import type { PdfInvoiceXml } from './pdf.ts';

/** Names of the invoice XML, in order of preference (Factur-X 1.0, ZUGFeRD 2.0, XRechnung in a PDF). */
export const INVOICE_XML_NAMES = ['factur-x.xml', 'zugferd-invoice.xml', 'xrechnung.xml'] as const;

// ---------------------------------------------------------------------------------------------
// Decompression budget. pdf-lib inflates object streams and xref streams while it loads a document, in
// JavaScript and without any bound: one small object stream can claim gigabytes. Both parsers are reached
// through their `forStream` factories, wrapped here once: a Flate stream is first inflated by zlib with
// `maxOutputLength` set to what the document's budget has left, so a bomb stops at the budget instead of at
// the end of memory, and a plain Flate stream is handed over already inflated (native zlib, not inflated
// twice). pdf-lib catches the error and skips the object; the budget records it and the load is refused.

interface Budget {
  left: number;
  exceeded?: string;
}

/** Per document being loaded (its PDFContext), what its streams may still inflate to. */
const budgets = new WeakMap<PDFContext, Budget>();
/** Budget of the documents about to be loaded: set by extractInvoiceXml (the same configuration for every flow). */
let nextBudget = DEFAULT_LIMITS.pdfMaxInflatedBytes;

class InflateBudgetExceeded extends Error {}

function isFlate(o: unknown): boolean {
  return o === PDFName.of('FlateDecode') || o === PDFName.of('Fl');
}

/** Inflates at most `budget.left` bytes, charging the budget; past it, records why and throws. */
function boundedInflate(contents: Uint8Array, budget: Budget, what: string): Buffer {
  try {
    const out = inflateSync(contents, {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: Math.max(1, budget.left),
    });
    budget.left -= out.length;
    return out;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      budget.exceeded ??= `${what} : plus de ${budget.left} octets à la décompression (arrêtée)`;
      budget.left = 0;
      throw new InflateBudgetExceeded(budget.exceeded);
    }
    throw e;
  }
}

/** The stream pdf-lib should parse: inflated under the budget when it is Flate. */
function bounded(raw: PDFRawStream, what: string): PDFRawStream {
  let budget = budgets.get(raw.dict.context);
  if (!budget) budgets.set(raw.dict.context, (budget = { left: nextBudget }));
  if (budget.exceeded) throw new InflateBudgetExceeded(budget.exceeded);
  const filter = raw.dict.lookup(PDFName.of('Filter'));
  const first = filter instanceof PDFArray ? filter.lookup(0) : filter;
  if (!isFlate(first)) return raw;
  let out: Buffer;
  try {
    out = boundedInflate(raw.contents, budget, what);
  } catch (e) {
    if (e instanceof InflateBudgetExceeded) throw e;
    return raw; // corrupt data: pdf-lib reports it its own way
  }
  const single = !(filter instanceof PDFArray) || filter.size() === 1;
  if (!single || raw.dict.lookup(PDFName.of('DecodeParms')) !== undefined) return raw; // measured only
  const dict = raw.dict.clone();
  dict.delete(PDFName.of('Filter'));
  return PDFRawStream.of(dict, out);
}

const objectStreamFor = PDFObjectStreamParser.forStream;
PDFObjectStreamParser.forStream = (raw, tick) => objectStreamFor(bounded(raw, "flux d'objets (/ObjStm)"), tick);
const xrefStreamFor = PDFXRefStreamParser.forStream;
PDFXRefStreamParser.forStream = (raw) => xrefStreamFor(bounded(raw, 'flux de références croisées (/XRef)'));

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

/** The embedded file's bytes. Flate goes through zlib (native, tolerant of a truncated end), under the budget. */
function embeddedBytes(spec: PDFDict, budget: Budget, name: string): Buffer | undefined {
  const ef = spec.lookup(PDFName.of('EF'));
  if (!(ef instanceof PDFDict)) return undefined;
  const stream = ef.lookup(PDFName.of('UF')) ?? ef.lookup(PDFName.of('F'));
  if (!(stream instanceof PDFRawStream)) return undefined;
  const filter = stream.dict.lookup(PDFName.of('Filter'));
  const flate =
    filter === PDFName.of('FlateDecode') ||
    (filter instanceof PDFArray && filter.size() === 1 && filter.lookup(0) === PDFName.of('FlateDecode'));
  if (filter === undefined) return Buffer.from(stream.contents);
  const first = filter instanceof PDFArray ? filter.lookup(0) : filter;
  // Measured (and stopped) by zlib before pdf-lib's own decoders run on a chain or with parameters.
  const inflated = isFlate(first) ? boundedInflate(stream.contents, budget, `fichier embarqué ${name}`) : undefined;
  if (flate && stream.dict.lookup(PDFName.of('DecodeParms')) === undefined && inflated) return inflated;
  const out = Buffer.from(decodePDFRawStream(stream).decode());
  if (out.length > budget.left + (inflated?.length ?? 0))
    throw new InflateBudgetExceeded(`fichier embarqué ${name} : ${out.length} octets décodés (arrêté)`);
  return out;
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

/**
 * The invoice XML of a PDF. `maxInflatedBytes`: what the document's streams may inflate to, together (object
 * and xref streams while loading, then the invoice XML); past it the result is `too-large`.
 */
export async function extractInvoiceXml(
  bytes: Buffer,
  maxInflatedBytes = DEFAULT_LIMITS.pdfMaxInflatedBytes,
): Promise<PdfInvoiceXml> {
  let doc: PDFDocument;
  const skipped = captureWarnings();
  nextBudget = maxInflatedBytes;
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
  const budget = budgets.get(doc.context) ?? { left: maxInflatedBytes };
  if (budget.exceeded)
    return {
      ok: false,
      reason: 'too-large',
      detail: `${budget.exceeded} ; maximum ${maxInflatedBytes} octets décompressés pour le document`,
      attachments: [],
    };
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
        xml = embeddedBytes(spec.spec, budget, name);
      } catch (e) {
        if (e instanceof InflateBudgetExceeded)
          return {
            ok: false,
            reason: 'too-large',
            detail: `${e.message} ; maximum ${maxInflatedBytes} octets décompressés pour le document`,
            attachments,
          };
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
