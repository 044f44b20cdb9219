/**
 * PDF deposits: recognizing one, and its invoice XML (Factur-X / ZUGFeRD). The reading itself is in
 * pdf-invoice.ts, with pdf-lib, loaded when the first PDF comes: pdf-lib is the largest part of what a flow
 * worker loads (+13 Mo and ~140 ms at each worker's start, measured), and a partner that deposits XML only never
 * needs it.
 */
import { DEFAULT_LIMITS } from './limits.ts';
import type * as PdfInvoice from './pdf-invoice.ts';

export type PdfInvoiceXml =
  | { ok: true; name: string; xml: Buffer; attachments: string[] }
  | {
      ok: false;
      reason: 'unreadable' | 'encrypted' | 'no-invoice-xml' | 'too-large';
      detail: string;
      attachments: string[];
    };

/** `%PDF-` within the first 1024 bytes, as readers tolerate (PDF 32000-1 annex H). */
export function isPdf(head: Buffer): boolean {
  const at = head.subarray(0, 1024).indexOf('%PDF-', 0, 'latin1');
  return at !== -1;
}

const READER = import.meta.url.endsWith('.ts') ? './pdf-invoice.ts' : './pdf-invoice.js';

/**
 * The invoice XML of a PDF. `maxInflatedBytes`: what the document's streams may inflate to, together (object
 * and xref streams while loading, then the invoice XML); past it the result is `too-large`.
 */
export async function extractInvoiceXml(
  bytes: Buffer,
  maxInflatedBytes = DEFAULT_LIMITS.pdfMaxInflatedBytes,
): Promise<PdfInvoiceXml> {
  const reader = (await import(READER)) as typeof PdfInvoice;
  return reader.extractInvoiceXml(bytes, maxInflatedBytes);
}
