/**
 * The supported syntaxes and syntax detection: from a flow's bytes (never its file name extension),
 * say which syntax it is, or reject it with FORMAT findings.
 *
 * A syntax module (src/formats/syntax.ts) is the unit of a syntax: detection, reader, validation sets
 * (schemas and rule sets, per profile). Adding a syntax = one module + one line in SYNTAXES: the syntax
 * ids, detection, reading, XSD validation, rule scope and the schema sets the daemon checks for at start
 * all read from here. `syntaxRegistry()` builds a registry over any list of modules (a test registers a
 * fake syntax that way); the functions exported below use the product's one, SYNTAX_REGISTRY.
 */
import { cdvCppStatut } from './cdv-cpp-statut.ts';
import { cii } from './cii.ts';
import { cppFactureMixte } from './cpp-facture-mixte.ts';
import { facturxPdf } from './facturx.ts';
import { reject, xmlProblemResult } from './syntax.ts';
import type { ContainerSyntaxModule, SyntaxModule, XmlSyntaxModule } from './syntax.ts';
import type { DetectedFlow, DetectionResult, FacturXProfile, SyntaxId, ValidationSet } from './types.ts';
import type { Finding } from '../finding.ts';
import { ublCreditNote, ublInvoice } from './ubl.ts';
import { firstEntryHead, isZip, readZip, zipFinding, zipLimits } from './zip.ts';
import type { ZipLimits } from './zip.ts';
import { looksLikeXml, scanXml, sniffRoot } from './xml.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import type { FormatLimits } from './limits.ts';
import type { XmlName } from './xml.ts';
import { KEEP_TREE_MAX_BYTES, keepTree } from './read/kept.ts';
import type { XNode } from './read/tree.ts';

/** The product's syntaxes, in detection order (for FSO1100A, UBL Invoice first). `SyntaxId` is derived from it. */
export const SYNTAXES = [
  ublInvoice,
  ublCreditNote,
  cii,
  facturxPdf,
  cppFactureMixte,
  cdvCppStatut,
] as const satisfies readonly SyntaxModule[];

export interface DetectOptions {
  fileName?: string;
  declaredInterface?: string;
  limits?: FormatLimits;
  /** Keep the element trees parsed for the reader in this thread (`DetectedFlow.tree`, src/formats/read/kept.ts). */
  keepTrees?: boolean;
}

export interface DepositOptions extends DetectOptions {
  maxFlowSizeKo?: number;
  zipLimits?: ZipLimits;
}

/** One document of a zip deposit: an entry, what it was detected as, and its own findings (it is then rejected). */
export interface DepositDocument<Id extends string = SyntaxId> {
  /** The entry's path in the archive. */
  name: string;
  detected?: DetectedFlow<Id>;
  findings: Finding[];
}

export type DepositDetection<Id extends string = SyntaxId> =
  | { ok: true; flow: DetectedFlow<Id>; documents?: undefined }
  /** A zip: `flow` stands for the whole deposit (interface code, syntax: see `detectDeposit`). */
  | { ok: true; flow: DetectedFlow<Id>; documents: DepositDocument<Id>[] }
  | { ok: false; findings: Finding[] };

/** The rules that judge an invoice: rule set ids and the profile that tailors them (src/rules/engine.ts). */
export interface RuleScope {
  profile?: FacturXProfile;
  rules: readonly string[];
}

/** Detection, reading and rule scope over one list of syntax modules. */
export interface SyntaxRegistry<Id extends string = string> {
  readonly syntaxes: readonly SyntaxModule<Id>[];
  /** Interface codes of the syntaxes, without duplicates (UBL Invoice and CreditNote share FSO1100A). */
  readonly interfaceCodes: readonly string[];
  /** Every schema set the syntaxes' validation sets name (their flows wait while one is missing). */
  readonly schemaSets: readonly string[];
  syntax(id: string): SyntaxModule<Id> | undefined;
  /** The syntax of an interface code; for FSO1100A, the first one listed (UBL Invoice). */
  syntaxForInterface(code: string): SyntaxModule<Id> | undefined;
  /** From the first ≤ 64 KiB only: a cheap guess of the interface code, to number a flow at intake. */
  sniffInterface(head: Buffer): string | undefined;
  detectSyntax(bytes: Buffer, opts?: DetectOptions): Promise<DetectionResult<Id>>;
  detectDeposit(bytes: Buffer, opts?: DepositOptions): Promise<DepositDetection<Id>>;
  /** The rule scope of a syntax and profile, for callers without a detection (tests, fragments). */
  ruleScope(syntax: Id, profile?: FacturXProfile): RuleScope;
}

function declaredFromName(fileName: string | undefined): string | undefined {
  const base = fileName?.split(/[\\/]/).pop() ?? '';
  return /^(FSO\d{4}A)_/.exec(base)?.[1];
}

// A few well-known signatures (latin1 prefixes), so that the rejection says what the flow looks like instead.
const MAGICS: [string[], string][] = [
  [['PK\x03\x04', 'PK\x05\x06'], 'archive zip'],
  [['\x1f\x8b'], 'archive gzip'],
  [['7z\xbc\xaf'], 'archive 7z'],
  [['Rar!'], 'archive RAR'],
  [['\x89PNG'], 'image PNG'],
  [['\xff\xd8\xff'], 'image JPEG'],
  [['II*\x00', 'MM\x00*'], 'image TIFF'],
  [['\xd0\xcf\x11\xe0'], 'document OLE (Word/Excel 97-2003)'],
  [['\x30\x80', '\x30\x81', '\x30\x82', '\x30\x83', '\x30\x84'], 'structure ASN.1 DER (signature CMS/PKCS#7 ?)'],
  [['-----BEGIN '], 'bloc PEM'],
  [['UNA', 'UNB'], 'message EDIFACT'],
  [['{', '['], 'JSON ?'],
];

function whatItLooksLike(bytes: Buffer): string {
  const head = bytes.toString('latin1', 0, 16);
  const hex = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const known = MAGICS.find(([prefixes]) => prefixes.some((p) => head.startsWith(p)))?.[1];
  return known ? `contenu reconnu : ${known} (premiers octets ${hex})` : `premiers octets : ${hex}`;
}

function isBlank(bytes: Buffer): boolean {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/** The detected flow of a module and the validation set detection picked. */
function detectedFlow<Id extends string>(
  syntax: SyntaxModule<Id>,
  set: ValidationSet,
  xml: Buffer,
  parsed: { tree?: XNode | undefined; keep?: boolean | undefined; xmlName?: string | undefined } = {},
): DetectedFlow<Id> {
  const { xmlName } = parsed;
  const tree = parsed.keep && parsed.tree ? keepTree(xml, parsed.tree) : undefined;
  return {
    syntax: syntax.id,
    interfaceCode: syntax.interfaceCode,
    syntaxeFlux: syntax.syntaxeFlux,
    xml,
    ...(tree !== undefined ? { tree } : {}),
    ...(xmlName !== undefined ? { xmlName } : {}),
    ...(set.profile ? { profile: set.profile } : {}),
    validation: { id: set.id, version: set.version },
    schemas: [...set.schemas],
    rules: set.rules,
  };
}

/** Refuses a list of modules detection could not tell apart: the same id twice, or the same XML root twice. */
function checkModules(modules: readonly SyntaxModule[]): void {
  const ids = new Set<string>();
  const roots = new Set<string>();
  for (const m of modules) {
    if (ids.has(m.id)) throw new Error(`syntax ${m.id} registered twice`);
    ids.add(m.id);
    if (m.sets.length === 0) throw new Error(`syntax ${m.id} declares no validation set`);
    if (m.kind !== 'xml') continue;
    const root = `{${m.root.uri}}${m.root.local}`;
    if (roots.has(root)) throw new Error(`syntax ${m.id}: root ${root} already claimed by another syntax`);
    roots.add(root);
  }
}

/** A registry over `modules` (ids unique, XML roots unique), in detection order. */
export function syntaxRegistry<Id extends string>(modules: readonly SyntaxModule<Id>[]): SyntaxRegistry<Id> {
  checkModules(modules);
  const xmlSyntaxes = modules.filter((s): s is XmlSyntaxModule<Id> => s.kind === 'xml');
  const containers = modules.filter((s): s is ContainerSyntaxModule<Id> => s.kind === 'container');
  const interfaceCodes = [...new Set(modules.map((s) => s.interfaceCode))];
  const schemaSets = [...new Set(modules.flatMap((m) => m.sets.flatMap((v) => v.schemas.map((r) => r.set))))];

  const xmlSyntaxFor = (root: XmlName) =>
    xmlSyntaxes.find((s) => s.root.local === root.local && s.root.uri === root.uri);

  /** A declared interface: an interface code (`FSO1100A`) or a `syntaxeFlux` (`IN_DP_E1_UBL_INVOICE`, API style). */
  function resolveDeclared(declared: string): string | undefined {
    const d = declared.trim().toUpperCase();
    return modules.find((s) => s.interfaceCode === d || s.syntaxeFlux === d)?.interfaceCode;
  }

  const unknownInterface = (declared: string, file: string | undefined) =>
    reject(
      'FMT-INTERFACE-UNKNOWN',
      `code interface déclaré « ${declared} » inconnu ; codes acceptés : ${interfaceCodes.join(', ')}`,
      { file },
    );

  function sniffInterface(head: Buffer): string | undefined {
    const h = head.subarray(0, 64 * 1024);
    if (h.length === 0) return undefined;
    // A zip is numbered after its first entry (see detectDeposit for the interface code of a zip).
    if (isZip(h)) {
      const inner = firstEntryHead(h);
      return inner && !isZip(inner) ? sniffInterface(inner) : undefined;
    }
    if (!looksLikeXml(h)) return containers.find((c) => c.matches(h))?.interfaceCode;
    const root = sniffRoot(h);
    return root ? xmlSyntaxFor(root)?.interfaceCode : undefined;
  }

  async function detectContent(
    bytes: Buffer,
    file: string | undefined,
    limits: FormatLimits = DEFAULT_LIMITS,
    keep?: boolean,
  ): Promise<DetectionResult<Id>> {
    if (isBlank(bytes))
      return reject('FMT-EMPTY', bytes.length ? `${bytes.length} octets, uniquement des blancs` : '0 octet', { file });
    // Markup first wins: a PDF never starts with '<', while an XML may mention `%PDF-` in its first KiB.
    if (!looksLikeXml(bytes)) {
      const container = containers.find((c) => c.matches(bytes));
      if (!container) return reject('FMT-NOT-XML-OR-PDF', whatItLooksLike(bytes), { file });
      const opened = await container.open(bytes, file, limits);
      if (!opened.ok) return opened;
      return {
        ok: true,
        flow: detectedFlow(container, opened.set, opened.xml, { tree: opened.tree, keep, xmlName: opened.xmlName }),
      };
    }
    let syntax: XmlSyntaxModule<Id> | undefined;
    const scanned = scanXml(
      bytes,
      (root) => {
        syntax = xmlSyntaxFor(root);
        return syntax?.probes ?? [];
      },
      limits,
      // A tree too large to be kept for the reader would only be built to be dropped: saxes alone judges.
      { tree: bytes.length <= KEEP_TREE_MAX_BYTES },
    );
    if (!scanned.ok) return xmlProblemResult(scanned.problem, file);
    const { root } = scanned.scan;
    if (!syntax) {
      const sameNs = xmlSyntaxes.filter((s) => s.root.uri === root.uri).map((s) => s.root.local);
      const hint = sameNs.length
        ? `attendu ${sameNs.join(' ou ')} dans cet espace de noms`
        : `syntaxes acceptées : ${xmlSyntaxes.map((s) => `${s.root.local} (${s.root.uri || 'sans espace de noms'})`).join(', ')}`;
      return reject(
        'FMT-SYNTAX-UNKNOWN',
        `élément racine ${root.qname} (espace de noms ${root.uri || 'aucun'}) ; ${hint}`,
        {
          file,
          line: root.line,
          column: root.column,
        },
      );
    }
    const tree = scanned.scan.tree;
    return { ok: true, flow: detectedFlow(syntax, syntax.describe(scanned.scan), bytes, { tree, keep }) };
  }

  /**
   * Detect a flow's syntax from its bytes. `fileName` only serves for locations and for a declared
   * interface prefix (`FSO1100A_…`); `declaredInterface` (API) wins over the file name. Bad input never
   * throws (it is a rejection); an exception here is a bug, for the runner to treat as an incident.
   */
  async function detectSyntax(bytes: Buffer, opts: DetectOptions = {}): Promise<DetectionResult<Id>> {
    const file = opts.fileName;
    const declared = opts.declaredInterface ?? declaredFromName(file);
    let declaredCode: string | undefined;
    if (declared !== undefined) {
      declaredCode = resolveDeclared(declared);
      if (!declaredCode) return unknownInterface(declared, file);
    }
    const result = await detectContent(bytes, file, opts.limits, opts.keepTrees);
    if (!result.ok || declaredCode === undefined || declaredCode === result.flow.interfaceCode) return result;
    const detected = modules.find((s) => s.id === result.flow.syntax);
    return reject(
      'FMT-INTERFACE-MISMATCH',
      `code interface déclaré ${declaredCode} (${modules
        .filter((s) => s.interfaceCode === declaredCode)
        .map((s) => s.label)
        .join(' / ')}) ` + `mais flux détecté ${result.flow.interfaceCode} (${detected?.label ?? result.flow.syntax})`,
      { file },
    );
  }

  /**
   * Detect a deposit: a single document (as `detectSyntax`), or a zip of documents, each detected on its
   * own. A bad archive (limits, names, nesting, encryption) rejects the flow; an entry that is not a
   * supported invoice only rejects that document. The flow stands as its documents' interface code when
   * they share one, else as its first detected document's; a declared interface must match every
   * detected document, else FMT-INTERFACE-MISMATCH rejects the flow. Rejected when no document is detected.
   */
  async function detectDeposit(bytes: Buffer, opts: DepositOptions = {}): Promise<DepositDetection<Id>> {
    if (!isZip(bytes)) return detectSyntax(bytes, opts);
    const file = opts.fileName;
    const declared = opts.declaredInterface ?? declaredFromName(file);
    const declaredCode = declared === undefined ? undefined : resolveDeclared(declared);
    if (declared !== undefined && !declaredCode) return unknownInterface(declared, file);
    const limits = opts.zipLimits ?? zipLimits(opts.maxFlowSizeKo ?? 30000);
    const zip = await readZip(bytes, file, limits);
    if (!zip.ok) return zip;
    const documents: DepositDocument<Id>[] = [];
    for (const entry of zip.entries) {
      const r = await detectSyntax(entry.bytes, {
        fileName: entry.name,
        ...(opts.limits ? { limits: opts.limits } : {}),
        ...(opts.keepTrees ? { keepTrees: true } : {}),
      });
      if (!r.ok) {
        for (const f of r.findings) f.invoice ??= entry.name;
        documents.push({ name: entry.name, findings: r.findings });
      } else if (modules.find((s) => s.id === r.flow.syntax)?.reader === 'not-an-invoice') {
        // Statuses are deposited on their own (Cycle de vie), not among invoices.
        const f = zipFinding(
          'ZIP-ENTRY-NOT-INVOICE',
          `entrée « ${entry.name} » : flux Cycle de vie`,
          entry.name,
          entry.name,
        );
        documents.push({ name: entry.name, findings: [f] });
      } else documents.push({ name: entry.name, detected: r.flow, findings: [] });
    }
    const detected = documents.flatMap((d) => (d.detected ? [d.detected] : []));
    const mismatch = declaredCode ? detected.find((d) => d.interfaceCode !== declaredCode) : undefined;
    if (mismatch) {
      const name = documents.find((d) => d.detected === mismatch)!.name;
      return reject(
        'FMT-INTERFACE-MISMATCH',
        `code interface déclaré ${declaredCode} mais l'entrée « ${name} » de l'archive est ${mismatch.interfaceCode}`,
        { file },
      );
    }
    if (detected.length === 0) return { ok: false, findings: documents.flatMap((d) => d.findings) };
    return { ok: true, flow: detected[0]!, documents };
  }

  function ruleScope(id: Id, profile?: FacturXProfile): RuleScope {
    const candidates = modules.find((s) => s.id === id)?.sets.filter((v) => v.profile === profile) ?? [];
    // A profile's scope is its Factur-X set's (`<syntax>:<profile>`): a bare CII with the plain EN 16931 guideline
    // (`cii:en16931-cen`) is labelled EN16931 too but answers to the CEN artefact alone (its own set says so).
    const set = candidates.find((v) => profile && v.id.endsWith(`:${profile.toLowerCase()}`)) ?? candidates[0];
    if (!set) throw new Error(`no validation set for syntax ${id}${profile ? ` profile ${profile}` : ''}`);
    return { ...(set.profile ? { profile: set.profile } : {}), rules: set.rules };
  }

  return {
    syntaxes: modules,
    interfaceCodes,
    schemaSets,
    syntax: (id) => modules.find((s) => s.id === id),
    syntaxForInterface: (code) => modules.find((s) => s.interfaceCode === code),
    sniffInterface,
    detectSyntax,
    detectDeposit,
    ruleScope,
  };
}

/** The product's registry. */
export const SYNTAX_REGISTRY: SyntaxRegistry<SyntaxId> = syntaxRegistry<SyntaxId>(SYNTAXES);

/** Interface codes of the supported syntaxes, without duplicates (UBL Invoice and CreditNote share FSO1100A). */
export const INTERFACE_CODES: readonly string[] = SYNTAX_REGISTRY.interfaceCodes;

/** The schema sets the supported syntaxes need: missing ones make their flows wait. */
export const SCHEMA_SETS_NEEDED: readonly string[] = SYNTAX_REGISTRY.schemaSets;

export function syntaxForInterface(code: string): SyntaxModule<SyntaxId> | undefined {
  return SYNTAX_REGISTRY.syntaxForInterface(code);
}

export function sniffInterface(head: Buffer): string | undefined {
  return SYNTAX_REGISTRY.sniffInterface(head);
}

export function detectSyntax(bytes: Buffer, opts: DetectOptions = {}): Promise<DetectionResult> {
  return SYNTAX_REGISTRY.detectSyntax(bytes, opts);
}

export function detectDeposit(bytes: Buffer, opts: DepositOptions = {}): Promise<DepositDetection> {
  return SYNTAX_REGISTRY.detectDeposit(bytes, opts);
}

export function ruleScope(syntax: SyntaxId, profile?: FacturXProfile): RuleScope {
  return SYNTAX_REGISTRY.ruleScope(syntax, profile);
}
