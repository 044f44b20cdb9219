/**
 * Reads the invoice XML that syntax detection hands over (`DetectedFlow.xml`) into the invoice model, with
 * the reader of its syntax module. Pure: bytes in, invoices and findings out; or, with the tree detection
 * parsed and kept (`readParsed`), no second decoding or parse.
 */
import { finding, type Finding } from '../../finding.ts';
import type { SyntaxId } from '../types.ts';
import type { Invoice } from '../invoice.ts';
import { SYNTAX_REGISTRY } from '../registry.ts';
import type { SyntaxRegistry } from '../registry.ts';
import { decodeXml } from '../decode.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import type { FormatLimits } from '../limits.ts';
import { formatFinding, PROBLEM_CODE } from '../syntax.ts';
import type { FormatCode } from '../syntax.ts';
import { parseTree, releaseSource, XmlReadError, type XmlLimitKind, type XNode } from './tree.ts';
import { LARGE_DOCUMENT_BYTES } from '../../buffers.ts';

/** A limit the tree met: the code detection gives for the same document. */
const LIMIT_CODE: Record<XmlLimitKind, FormatCode> = {
  'too-deep': 'FMT-XML-TOO-DEEP',
  'text-too-large': 'FMT-XML-TEXT-TOO-LARGE',
  'attribute-too-large': 'FMT-XML-ATTRIBUTE-TOO-LARGE',
};

/** The invoices under a parsed root, by the reader of `syntax` in `registry`; none for a flow that is not an invoice. */
function readWith<Id extends string>(root: XNode, syntax: Id, registry: SyntaxRegistry<Id>): Invoice[] {
  const module = registry.syntax(syntax);
  if (!module) throw new Error(`syntax ${syntax} is not registered`);
  // Not an invoice (Cycle de vie statuses): read by src/formats/return/read-cppstatut.ts.
  return module.reader === 'not-an-invoice' ? [] : module.reader(root);
}

/** Maps an already parsed root element; exposed for tests that read invoice fragments. */
export function readTree(root: XNode, syntax: SyntaxId): Invoice[] {
  return readWith(root, syntax, SYNTAX_REGISTRY);
}

export interface ReadOptions {
  /**
   * Called once the bytes are decoded, before the parse: the reader never reads them again, so a caller that
   * needs them no more may free them then (a flow worker that does not hand them back).
   */
  decoded?: () => void;
  /**
   * Called once the tree is parsed, with the length of the text it was parsed from, which a large document's
   * tree no longer holds (a flow worker collects it then, before the model is built).
   */
  parsed?: (chars: number) => void;
}

/** With another registry's reader (a syntax registered outside the product's registry). */
export function readInvoice<Id extends string>(
  xml: Buffer,
  syntax: Id,
  limits: FormatLimits,
  registry: SyntaxRegistry<Id>,
  opts?: ReadOptions,
): { invoices: Invoice[]; findings: Finding[] };
/** With the product's registry (last, so that `Parameters<typeof readInvoice>` names its syntax ids). */
export function readInvoice(
  xml: Buffer,
  syntax: SyntaxId,
  limits?: FormatLimits,
): { invoices: Invoice[]; findings: Finding[] };
export function readInvoice(
  xml: Buffer,
  syntax: string,
  limits: FormatLimits = DEFAULT_LIMITS,
  registry: SyntaxRegistry = SYNTAX_REGISTRY,
  opts: ReadOptions = {},
): { invoices: Invoice[]; findings: Finding[] } {
  const parsed = parseXml(xml, limits, opts);
  if ('findings' in parsed) return { invoices: [], findings: parsed.findings };
  // Here, once parseXml's frame (which held the text) is gone.
  opts.parsed?.(parsed.chars);
  return readParsed(parsed.root, syntax, registry);
}

/**
 * The element tree of `xml`, or the finding of a document that cannot be read. The text lives only here: a
 * large document's tree lets go of it before the model is built.
 */
function parseXml(
  xml: Buffer,
  limits: FormatLimits,
  opts: ReadOptions,
): { root: XNode; chars: number } | { findings: Finding[] } {
  // The same decoder as detection: the names read are the characters detection accepted.
  const decoded = decodeXml(xml);
  opts.decoded?.();
  if (!decoded.ok) {
    const p = decoded.problem;
    return { findings: [formatFinding(PROBLEM_CODE[p.kind], p.message, { line: p.line, column: p.column })] };
  }
  let root: XNode;
  try {
    root = parseTree(decoded.text, limits);
  } catch (e) {
    const line = e instanceof XmlReadError ? e.line : undefined;
    const column = e instanceof XmlReadError ? e.column : undefined;
    const limit = e instanceof XmlReadError ? e.limit : undefined;
    const location = {
      ...(line !== undefined ? { line } : {}),
      ...(limit && column !== undefined ? { column } : {}),
    };
    const detail = (e as Error).message;
    // Past a limit: the code detection gives for the same document (it reads the same limits).
    if (limit) return { findings: [formatFinding(LIMIT_CODE[limit], detail, location)] };
    return {
      findings: [
        finding('FMT-XML-MALFORMED', {
          detail,
          ...(line !== undefined ? { location } : {}),
        }),
      ],
    };
  }
  const chars = decoded.text.length;
  // A large document's tree lets go of the text it was parsed from (see releaseSource).
  if (chars > LARGE_DOCUMENT_BYTES) releaseSource(root);
  return { root, chars };
}

/** The invoices of an already parsed document (the tree detection kept), or FMT-NO-INVOICE. */
export function readParsed<Id extends string>(
  root: XNode,
  syntax: Id,
  registry: SyntaxRegistry<Id>,
): { invoices: Invoice[]; findings: Finding[] };
export function readParsed(root: XNode, syntax: SyntaxId): { invoices: Invoice[]; findings: Finding[] };
export function readParsed(
  root: XNode,
  syntax: string,
  registry: SyntaxRegistry = SYNTAX_REGISTRY,
): { invoices: Invoice[]; findings: Finding[] } {
  const invoices = readWith(root, syntax, registry);
  const findings: Finding[] = [];
  if (invoices.length === 0) {
    findings.push(
      finding('FMT-NO-INVOICE', {
        location: { xpath: root.xpath, line: root.line },
      }),
    );
  }
  return { invoices, findings };
}
