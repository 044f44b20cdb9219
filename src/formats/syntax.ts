/**
 * The contract every syntax module fulfils, and the FORMAT findings syntax detection raises.
 * Kept apart from registry.ts so that modules (ubl.ts, cii.ts, …) can name the contract without
 * importing the registry that imports them.
 */
import { finding } from '../finding.ts';
import type { Finding, Location } from '../finding.ts';
import type { FormatCode } from '../codes/format.ts';
import type { Invoice } from './invoice.ts';
import type { XNode } from './read/tree.ts';
import type { ValidationSet } from './types.ts';
import type { Probe, XmlName, XmlProblem, XmlScan } from './xml.ts';
import type { FormatLimits } from './limits.ts';

/** From the parsed root element of a document to the invoices it carries, in the invoice model. */
export type InvoiceReader = (root: XNode) => Invoice[];

interface SyntaxBase<Id extends string> {
  readonly id: Id;
  /** Human name, for docs and messages (`UBL 2.1 Invoice`). */
  readonly label: string;
  /** Chorus Pro interface code (`FSO1100A`). */
  readonly interfaceCode: string;
  /** Chorus Pro `syntaxeFlux` (`IN_DP_E1_UBL_INVOICE`). */
  readonly syntaxeFlux: string;
  /** Every validation set a document of this syntax may answer to (one per profile or variant); detection picks one. */
  readonly sets: readonly ValidationSet[];
  /**
   * Reads the invoice XML into the invoice model; `not-an-invoice` when the flow carries something else
   * (a Cycle de vie deposit carries statuses, which stage REGLE reads on its own).
   */
  readonly reader: InvoiceReader | 'not-an-invoice';
}

/** A syntax whose flow is an XML document, recognised by its root element. */
export interface XmlSyntaxModule<Id extends string = string> extends SyntaxBase<Id> {
  readonly kind: 'xml';
  readonly root: XmlName;
  /** Element paths below the root whose text detection needs (e.g. the CII guideline ID). */
  readonly probes: readonly Probe[];
  /** The validation set (one of `sets`), from the scan (probe texts in `scan.probes`, same order as `probes`). */
  describe(scan: XmlScan): ValidationSet;
}

/** What a container holds once opened: the invoice XML and the validation set it answers to, or why not. */
export type OpenedContainer =
  /** `tree`: the XML's element tree, when detection built one (the reader takes it instead of parsing again). */
  { ok: true; xml: Buffer; xmlName?: string; set: ValidationSet; tree?: XNode } | { ok: false; findings: Finding[] };

/** A syntax whose flow is a container (a PDF) holding the invoice XML, recognised by its magic bytes. */
export interface ContainerSyntaxModule<Id extends string = string> extends SyntaxBase<Id> {
  readonly kind: 'container';
  /** Cheap test on the first bytes. */
  matches(head: Buffer): boolean;
  /** Open the container, find and check the invoice XML. Never throws. `file` = the flow's name, for locations. */
  open(bytes: Buffer, file: string | undefined, limits?: FormatLimits): Promise<OpenedContainer>;
}

export type SyntaxModule<Id extends string = string> = XmlSyntaxModule<Id> | ContainerSyntaxModule<Id>;

// ---------------------------------------------------------------------------------------------
// FORMAT findings: the codes and labels are in the registry (src/codes/format.ts).

export type { FormatCode } from '../codes/format.ts';

export function formatFinding(code: FormatCode, detail: string, location?: Location): Finding {
  const loc: Location = {};
  for (const [k, v] of Object.entries(location ?? {}) as Array<[string, unknown]>)
    if (v !== undefined) Object.assign(loc, { [k]: v });
  return finding(code, Object.keys(loc).length ? { detail, location: loc } : { detail });
}

/** A rejection: what detection and an opened container answer for bad input. */
export type Rejection = { ok: false; findings: Finding[] };

export function reject(code: FormatCode, detail: string, location?: Location): Rejection {
  return { ok: false, findings: [formatFinding(code, detail, location)] };
}

export const PROBLEM_CODE: Record<XmlProblem['kind'], FormatCode> = {
  'encoding-unsupported': 'FMT-XML-ENCODING-UNSUPPORTED',
  'encoding-invalid': 'FMT-XML-ENCODING-INVALID',
  doctype: 'FMT-XML-DOCTYPE',
  malformed: 'FMT-XML-MALFORMED',
  'too-deep': 'FMT-XML-TOO-DEEP',
  'text-too-large': 'FMT-XML-TEXT-TOO-LARGE',
  'attribute-too-large': 'FMT-XML-ATTRIBUTE-TOO-LARGE',
};

/** The finding for an XML problem found in `file` (the flow, or the XML embedded in a PDF). */
export function xmlProblemResult(problem: XmlProblem, file: string | undefined): Rejection {
  return reject(PROBLEM_CODE[problem.kind], problem.message, { file, line: problem.line, column: problem.column });
}
