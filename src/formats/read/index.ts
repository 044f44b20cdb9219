/**
 * Reads the invoice XML that syntax detection hands over (`DetectedFlow.xml`) into the invoice model.
 * Pure: bytes in, invoices and findings out.
 */
import { finding, type Finding } from '../../finding.ts';
import type { SyntaxId } from '../types.ts';
import type { Invoice } from '../invoice.ts';
import { readCii } from './cii.ts';
import { readCpp } from './cpp.ts';
import { decodeXml } from '../decode.ts';
import { formatFinding, PROBLEM_CODE } from '../syntax.ts';
import { parseTree, XmlReadError, type XNode } from './tree.ts';
import { readUbl } from './ubl.ts';

export type { XNode } from './tree.ts';

/** Maps an already parsed root element; exposed for tests that read invoice fragments. */
export function readTree(root: XNode, syntax: SyntaxId): Invoice[] {
  switch (syntax) {
    case 'ubl-invoice':
    case 'ubl-creditnote':
      return [readUbl(root)];
    case 'cii':
    case 'facturx-pdf':
      return [readCii(root)];
    case 'cpp-facture-mixte':
      return readCpp(root);
    case 'cdv-cpp-statut':
      return []; // statuses, read by src/formats/return/read-cppstatut.ts
  }
}

export function readInvoice(xml: Buffer, syntax: SyntaxId): { invoices: Invoice[]; findings: Finding[] } {
  // The same decoder as detection: the names read are the characters detection accepted.
  const decoded = decodeXml(xml);
  if (!decoded.ok) {
    const p = decoded.problem;
    return {
      invoices: [],
      findings: [formatFinding(PROBLEM_CODE[p.kind], p.message, { line: p.line, column: p.column })],
    };
  }
  let root: XNode;
  try {
    root = parseTree(decoded.text);
  } catch (e) {
    const line = e instanceof XmlReadError ? e.line : undefined;
    return {
      invoices: [],
      findings: [
        finding('FORMAT', 'FMT-XML-MALFORMED', 'Le fichier XML est mal formé', 'The XML is not well-formed', {
          detail: (e as Error).message,
          ...(line !== undefined ? { location: { line } } : {}),
        }),
      ],
    };
  }
  const invoices = readTree(root, syntax);
  const findings: Finding[] = [];
  if (invoices.length === 0) {
    findings.push(
      finding('FORMAT', 'FMT-NO-INVOICE', 'Le flux ne contient aucune facture', 'The flow carries no invoice', {
        location: { xpath: root.xpath, line: root.line },
      }),
    );
  }
  return { invoices, findings };
}
