/**
 * Factur-X / ZUGFeRD 2.x PDF (E2, FSO1117A, `IN_DP_E2_CII_FACTURX`): a PDF/A-3 carrying a CII invoice as
 * `factur-x.xml` (or `zugferd-invoice.xml`, `xrechnung.xml`). The embedded XML goes through the same checks
 * as a deposited XML; its findings name the embedded file.
 */
import { cii, ciiValidationSet, FACTURX_PDF_SETS, readCiiInvoices } from './cii.ts';
import { extractInvoiceXml, isPdf } from './pdf.ts';
import { reject, xmlProblemResult } from './syntax.ts';
import type { ContainerSyntaxModule, OpenedContainer } from './syntax.ts';
import { scanXml } from './xml.ts';
import { KEEP_TREE_MAX_BYTES } from './read/kept.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import type { FormatLimits } from './limits.ts';

const INTERFACE_CODE = 'FSO1117A';
const SYNTAXE_FLUX = 'IN_DP_E2_CII_FACTURX';

async function open(
  bytes: Buffer,
  file: string | undefined,
  limits: FormatLimits = DEFAULT_LIMITS,
): Promise<OpenedContainer> {
  const pdf = await extractInvoiceXml(bytes, limits.pdfMaxInflatedBytes);
  if (!pdf.ok) {
    const code =
      pdf.reason === 'encrypted'
        ? 'FMT-PDF-ENCRYPTED'
        : pdf.reason === 'no-invoice-xml'
          ? 'FMT-PDF-NO-INVOICE-XML'
          : pdf.reason === 'too-large'
            ? 'FMT-PDF-TOO-LARGE'
            : 'FMT-PDF-UNREADABLE';
    return reject(code, pdf.detail, { file });
  }
  const isCii = (r: { uri: string; local: string }) => r.uri === cii.root.uri && r.local === cii.root.local;
  // As for an XML flow: no tree for a document too large for it to be kept for the reader.
  const scanned = scanXml(pdf.xml, (root) => (isCii(root) ? cii.probes : []), limits, {
    tree: pdf.xml.length <= KEEP_TREE_MAX_BYTES,
  });
  if (!scanned.ok) return xmlProblemResult(scanned.problem, pdf.name);
  const { root } = scanned.scan;
  if (!isCii(root)) {
    const zugferd1 = root.local === 'CrossIndustryDocument' ? ' (ZUGFeRD 1.0, non supporté)' : '';
    return reject(
      'FMT-PDF-XML-NOT-CII',
      `élément racine ${root.qname} (espace de noms ${root.uri || 'aucun'})${zugferd1} ; attendu rsm:CrossIndustryInvoice (${cii.root.uri})`,
      { file: pdf.name, line: root.line, column: root.column },
    );
  }
  const { probes, tree } = scanned.scan;
  return {
    ok: true,
    xml: pdf.xml,
    xmlName: pdf.name,
    set: ciiValidationSet(probes[0], false),
    ...(tree ? { tree } : {}),
  };
}

export const facturxPdf: ContainerSyntaxModule<'facturx-pdf'> = {
  kind: 'container',
  id: 'facturx-pdf',
  label: 'Factur-X / ZUGFeRD PDF',
  interfaceCode: INTERFACE_CODE,
  syntaxeFlux: SYNTAXE_FLUX,
  sets: FACTURX_PDF_SETS,
  matches: isPdf,
  open,
  reader: readCiiInvoices,
};
