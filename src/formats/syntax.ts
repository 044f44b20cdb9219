/**
 * The contract every syntax module fulfils, and the FORMAT findings syntax detection raises.
 * Kept apart from registry.ts so that modules (ubl.ts, cii.ts, …) can name the contract without
 * importing the registry that imports them.
 */
import { finding } from '../finding.ts';
import type { Finding, Location } from '../finding.ts';
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
  { ok: true; xml: Buffer; xmlName?: string; set: ValidationSet } | { ok: false; findings: Finding[] };

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
// FORMAT findings. Every code is documented in docs/formats.md; keep the two in step.

const LABELS = {
  'FMT-EMPTY': ['Le flux est vide.', 'The flow is empty.'],
  'FMT-NOT-XML-OR-PDF': [
    "Le flux n'est ni un document XML ni un PDF.",
    'The flow is neither an XML document nor a PDF.',
  ],
  'FMT-XML-ENCODING-UNSUPPORTED': [
    "L'encodage des caractères du fichier XML n'est pas supporté.",
    'The character encoding of the XML file is not supported.',
  ],
  'FMT-XML-ENCODING-INVALID': [
    "Le contenu du fichier XML ne respecte pas l'encodage déclaré.",
    'The XML file content does not match its declared encoding.',
  ],
  'FMT-XML-DOCTYPE': [
    'Le fichier XML contient une déclaration DOCTYPE, interdite.',
    'The XML file contains a DOCTYPE declaration, which is not allowed.',
  ],
  'FMT-XML-MALFORMED': ["Le fichier XML n'est pas bien formé.", 'The XML file is not well-formed.'],
  'FMT-XML-TOO-DEEP': [
    "Le fichier XML dépasse la profondeur d'imbrication des éléments autorisée.",
    'The XML file nests elements deeper than allowed.',
  ],
  'FMT-XML-TEXT-TOO-LARGE': [
    'Le fichier XML contient un nœud texte plus long que la taille autorisée.',
    'The XML file holds a text node longer than allowed.',
  ],
  'FMT-XML-ATTRIBUTE-TOO-LARGE': [
    "Le fichier XML contient une valeur d'attribut plus longue que la taille autorisée.",
    'The XML file holds an attribute value longer than allowed.',
  ],
  'FMT-SYNTAX-UNKNOWN': [
    "L'élément racine du fichier XML ne correspond à aucune syntaxe acceptée.",
    'The root element of the XML file matches no supported syntax.',
  ],
  'FMT-PDF-UNREADABLE': ['Le fichier PDF est illisible.', 'The PDF file cannot be read.'],
  'FMT-PDF-TOO-LARGE': [
    'Le fichier PDF dépasse, décompressé, la taille autorisée (bombe de décompression).',
    'The PDF file inflates beyond the allowed size (decompression bomb).',
  ],
  'FMT-PDF-ENCRYPTED': [
    'Le fichier PDF est chiffré : la facture XML ne peut pas être extraite.',
    'The PDF file is encrypted: the invoice XML cannot be extracted.',
  ],
  'FMT-PDF-NO-INVOICE-XML': [
    'Le fichier PDF ne contient pas de facture XML embarquée (factur-x.xml).',
    'The PDF file has no embedded invoice XML (factur-x.xml).',
  ],
  'FMT-PDF-XML-NOT-CII': [
    "La facture XML embarquée dans le PDF n'est pas au format CII (CrossIndustryInvoice).",
    'The invoice XML embedded in the PDF is not a CII CrossIndustryInvoice.',
  ],
  'FMT-INTERFACE-UNKNOWN': ["Le code interface déclaré n'est pas connu.", 'The declared interface code is unknown.'],
  'FMT-INTERFACE-MISMATCH': [
    'Le code interface déclaré ne correspond pas à la syntaxe du flux.',
    'The declared interface code does not match the syntax of the flow.',
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type FormatCode = keyof typeof LABELS;

/** Every FORMAT code with its labels, for docs and tests. */
export const FORMAT_CODES: readonly { code: FormatCode; labelFr: string; labelEn: string }[] = Object.entries(
  LABELS,
).map(([code, [labelFr, labelEn]]) => ({ code: code as FormatCode, labelFr, labelEn }));

export function formatFinding(code: FormatCode, detail: string, location?: Location): Finding {
  const [fr, en] = LABELS[code];
  const loc: Location = {};
  for (const [k, v] of Object.entries(location ?? {}) as Array<[string, unknown]>)
    if (v !== undefined) Object.assign(loc, { [k]: v });
  return finding('FORMAT', code, fr, en, Object.keys(loc).length ? { detail, location: loc } : { detail });
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
