/**
 * XSD validation with libxml2-wasm: each (set, entry) is compiled once (0.1–0.5 s for UBL) and reused,
 * which is what makes a 10 KB invoice cost a fraction of a millisecond. Synchronous: large flows belong
 * in the worker pool (pool.ts).
 *
 * libxml2 reads the xs:import / xs:include tree through one input provider per thread; ours only opens
 * files under the folders of the sets compiled in this thread, so a schema (or an instance) can neither
 * reach the network nor read elsewhere on disk.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ParseOption,
  XmlDocument,
  XmlLibError,
  xmlRegisterInputProvider,
  XmlValidateError,
  XsdValidator,
} from 'libxml2-wasm';
import type { ErrorDetail } from 'libxml2-wasm';
import { finding } from '../finding.ts';
import type { Finding } from '../finding.ts';
import type { SchemaCode } from '../codes/schema.ts';
import { xmlAsUtf8 } from '../formats/decode.ts';
import type { SchemaRef } from '../formats/types.ts';
import { setPath } from './catalog.ts';
import { LARGE_DOCUMENT_BYTES, isDetached, ownsMemory, releaseBuffer } from '../buffers.ts';

export type ValidationOutcome =
  { ok: true } | { ok: false; findings: Finding[] } | { ok: 'missing-set'; setId: string };

/** More findings than this says nothing more to the partner and costs memory on broken 30 MB flows. */
const MAX_SCHEMA_FINDINGS = 50;

/**
 * No network, no external entities or DTD, lines past 65535 reported as they are.
 * Entities are not substituted (no XML_PARSE_NOENT); libxml2 caps entity amplification itself.
 * Indentation between elements is not kept as text nodes (XML_PARSE_NOBLANKS): XSD validation ignores it in
 * element-only content, libxml2 keeps a blank that is an element's whole content, and a 30 Mo invoice's
 * document takes 60 Mo of wasm memory instead of 107 (which a worker never gives back).
 */
const INSTANCE_OPTIONS =
  ParseOption.XML_PARSE_NONET |
  ParseOption.XML_PARSE_NO_XXE |
  ParseOption.XML_PARSE_BIG_LINES |
  ParseOption.XML_PARSE_NOBLANKS;
const SCHEMA_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

// ---- input provider: one per thread, restricted to the compiled sets' folders ----

const allowedRoots = new Set<string>();
let providerRegistered = false;

function toPath(name: string): string | undefined {
  if (name.startsWith('file:')) {
    try {
      return fileURLToPath(name);
    } catch {
      return undefined;
    }
  }
  return /^[a-z][a-z0-9+.-]*:/i.test(name) && !/^[a-z]:[\\/]/i.test(name) ? undefined : path.resolve(name);
}

function isAllowed(name: string): string | undefined {
  const p = toPath(name);
  if (p === undefined) return undefined;
  for (const root of allowedRoots) if (p.startsWith(root + path.sep)) return existsSync(p) ? p : undefined;
  return undefined;
}

function allowRoot(root: string): void {
  allowedRoots.add(realpathSync(root));
  if (providerRegistered) return;
  xmlRegisterInputProvider({
    match: (name) => isAllowed(name) !== undefined,
    open: (name) => {
      const p = isAllowed(name);
      if (p === undefined) return undefined;
      try {
        return openSync(p, 'r');
      } catch {
        return undefined;
      }
    },
    read: (fd, buf) => {
      try {
        return readSync(fd, buf, 0, buf.byteLength, null);
      } catch {
        return -1;
      }
    },
    close: (fd) => {
      try {
        closeSync(fd);
      } catch {
        // already closed: nothing to release
      }
      return true;
    },
  });
  providerRegistered = true;
}

// ---- findings ----

/** One code per kind of libxml2 schema error we can tell apart from its message; any other is XSD-INVALID. */
const KINDS: { code: SchemaCode; test: RegExp }[] = [
  { code: 'XSD-UNKNOWN-ROOT', test: /No matching global declaration available for the validation root/ },
  { code: 'XSD-UNEXPECTED-ELEMENT', test: /This element is not expected/ },
  { code: 'XSD-MISSING-ELEMENT', test: /Missing child element/ },
  {
    code: 'XSD-INVALID-ATTRIBUTE',
    test: /attribute '[^']*'.*(is not allowed|is required but missing)|The attribute '[^']*' is (not allowed|required)/,
  },
  {
    code: 'XSD-INVALID-VALUE',
    test: /is not a valid value|\[facet '|is not accepted by the pattern|Character content|is not a valid/,
  },
];

function detailFinding(d: ErrorDetail, ref: SchemaRef, fileName: string | undefined): Finding {
  const code = KINDS.find((k) => k.test.test(d.message))?.code ?? 'XSD-INVALID';
  const location: Finding['location'] = {};
  if (fileName !== undefined) location.file = fileName;
  if (d.line > 0) location.line = d.line;
  if (d.col > 0) location.column = d.col;
  if (d.xpath) location.xpath = d.xpath;
  return finding(code, {
    detail: `${d.message.trim()} [${ref.set}/${ref.entry}]`,
    location,
  });
}

function detailsFindings(
  details: ErrorDetail[],
  ref: SchemaRef,
  fileName: string | undefined,
  fallback: string,
): Finding[] {
  const errors = details.filter((d) => d.level >= 2);
  const out = errors.slice(0, MAX_SCHEMA_FINDINGS).map((d) => detailFinding(d, ref, fileName));
  if (out.length === 0)
    out.push(
      finding('XSD-INVALID', {
        detail: fallback,
        location: fileName ? { file: fileName } : {},
      }),
    );
  if (errors.length > MAX_SCHEMA_FINDINGS) {
    out.push(
      finding('XSD-TOO-MANY-ERRORS', {
        detail: `${errors.length - MAX_SCHEMA_FINDINGS} more errors not listed`,
        ...(fileName ? { location: { file: fileName } } : {}),
      }),
    );
  }
  return out;
}

// ---- the validator ----

/** A document libxml2 could not parse: one finding at the first error's place. */
function malformed(e: unknown, fileName: string | undefined): ValidationOutcome {
  const details = e instanceof XmlLibError ? e.details : [];
  const first = details[0];
  const location: Finding['location'] = fileName ? { file: fileName } : {};
  if (first && first.line > 0) location.line = first.line;
  if (first && first.col > 0) location.column = first.col;
  return {
    ok: false,
    findings: [finding('XSD-XML-MALFORMED', { detail: first?.message.trim() ?? (e as Error).message, location })],
  };
}

function validateDoc(
  compiled: Compiled,
  doc: XmlDocument,
  ref: SchemaRef,
  fileName: string | undefined,
): ValidationOutcome {
  try {
    compiled.validator.validate(doc);
    return { ok: true };
  } catch (e) {
    if (e instanceof XmlValidateError)
      return { ok: false, findings: detailsFindings(e.details, ref, fileName, e.message) };
    // libxml2 refuses to validate some trees it built (e.g. unexpanded external entity references):
    // that is the flow's fault, not a technical failure to retry.
    const detail = `libxml2 could not validate this document (${(e as Error).message}); external entities and DTDs are not processed [${ref.set}/${ref.entry}]`;
    return {
      ok: false,
      findings: [finding('XSD-INVALID', { detail, ...(fileName ? { location: { file: fileName } } : {}) })],
    };
  }
}

/**
 * libxml2's WebAssembly memory only grows: while it parses a large document it holds its copy of the bytes and
 * the tree built from them (~100 Mo for a 30 Mo invoice), and the 30 Mo the worker was sent would sit beside
 * them, though nothing reads them once copied. libxml2-wasm copies an input in `withCString`: it reads `length`
 * to allocate, copies the bytes (TypedArray `set`, which reads no property), then reads `length` again; that
 * second read frees them. Whether the installed libxml2-wasm still works this way is checked once per thread
 * on a small document (the bytes freed, the document whole); if not, the bytes are kept, as without `release`.
 */
function releasedOnceCopied(bytes: Buffer): Uint8Array {
  if (!ownsMemory(bytes) || bytes.byteLength <= LARGE_DOCUMENT_BYTES || !releaseAfterCopyWorks()) return bytes;
  return freedOnSecondLengthRead(bytes);
}

function freedOnSecondLengthRead(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  let reads = 0;
  Object.defineProperty(bytes, 'length', {
    get: () => {
      if (++reads === 2) releaseBuffer(bytes);
      return n;
    },
  });
  return bytes;
}

let releaseChecked: boolean | undefined;

function releaseAfterCopyWorks(): boolean {
  if (releaseChecked !== undefined) return releaseChecked;
  const probe = new Uint8Array(new TextEncoder().encode('<probe><copied>yes</copied></probe>'));
  try {
    const doc = XmlDocument.fromBuffer(freedOnSecondLengthRead(probe), { option: INSTANCE_OPTIONS });
    try {
      releaseChecked = isDetached(probe) && doc.get('/probe/copied')?.content === 'yes';
    } finally {
      doc.dispose();
    }
  } catch {
    releaseChecked = false;
  }
  return releaseChecked;
}

interface Compiled {
  schemaDoc: XmlDocument;
  validator: XsdValidator;
}

export class SchemaValidator {
  readonly schemaDir: string;
  /** Fall back to the sets shipped in xsd/official/ when none is installed. */
  readonly shipped: boolean;
  #compiled = new Map<string, Compiled>();

  constructor(schemaDir: string, shipped = true) {
    this.schemaDir = schemaDir;
    this.shipped = shipped;
  }

  /** The compiled schema of a ref, or undefined when its set (or entry file) is not there. Throws if it does not compile. */
  #get(ref: SchemaRef): Compiled | undefined {
    const key = `${ref.set}\u0000${ref.entry}`;
    const hit = this.#compiled.get(key);
    if (hit) return hit;
    const root = setPath(this.schemaDir, ref.set, this.shipped);
    if (root === undefined) return undefined;
    const file = path.resolve(root, ref.entry);
    if (!file.startsWith(path.resolve(root) + path.sep) || !existsSync(file)) return undefined;
    allowRoot(root);
    const real = realpathSync(file);
    const schemaDoc = XmlDocument.fromBuffer(readFileSync(real), { url: real, option: SCHEMA_OPTIONS });
    try {
      const compiled = { schemaDoc, validator: XsdValidator.fromDoc(schemaDoc) };
      this.#compiled.set(key, compiled);
      return compiled;
    } catch (e) {
      schemaDoc.dispose();
      const d =
        e instanceof XmlLibError
          ? e.details.map((x) => `${x.file ?? ''}:${x.line} ${x.message.trim()}`).join('; ')
          : (e as Error).message;
      throw new Error(`schema ${ref.set}/${ref.entry} does not compile: ${d}`, { cause: e });
    }
  }

  /** Is the set of this ref usable (installed and entry present)? */
  has(ref: SchemaRef): boolean {
    if (this.#compiled.has(`${ref.set}\u0000${ref.entry}`)) return true;
    const root = setPath(this.schemaDir, ref.set, this.shipped);
    return root !== undefined && existsSync(path.resolve(root, ref.entry));
  }

  /**
   * Validates `xml` against one schema. `missing-set` when the set is not installed (the flow waits);
   * throws only for technical failures (a schema that does not compile).
   */
  validate(xml: Buffer, ref: SchemaRef, fileName?: string): ValidationOutcome {
    return this.validateAll(xml, [ref], fileName);
  }

  /**
   * Validates against each ref in order, stopping at the first that fails or is missing; the document is
   * parsed once for all. `release`: the caller needs `xml` no more, and a large one is freed (detached) as soon
   * as libxml2 holds its own copy (see releasedOnceCopied), when every set is there to validate it.
   */
  validateAll(xml: Buffer, refs: SchemaRef[], fileName?: string, opts: { release?: boolean } = {}): ValidationOutcome {
    const compiled = refs.map((ref) => this.#get(ref));
    const first = compiled[0];
    if (!first) return { ok: 'missing-set', setId: refs[0]!.set };
    // libxml2 reads the characters the product's decoder read (its own labels and tables differ from WHATWG's).
    const utf8 = xmlAsUtf8(xml);
    const release = opts.release === true && !compiled.includes(undefined) && utf8 === xml;
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromBuffer(release ? releasedOnceCopied(utf8) : utf8, { option: INSTANCE_OPTIONS });
    } catch (e) {
      return malformed(e, fileName);
    }
    try {
      for (const [i, ref] of refs.entries()) {
        const c = compiled[i];
        if (!c) return { ok: 'missing-set', setId: ref.set };
        const r = validateDoc(c, doc, ref, fileName);
        if (r.ok !== true) return r;
      }
      return { ok: true };
    } finally {
      doc.dispose();
    }
  }

  dispose(): void {
    for (const c of this.#compiled.values()) {
      c.validator.dispose();
      c.schemaDoc.dispose();
    }
    this.#compiled.clear();
  }
}
