/**
 * Limits that keep one hostile flow from taking the gateway's memory or CPU: XML element depth, text-node
 * and attribute sizes (detection and reading), and the bytes a PDF stream may inflate to. Defaults suit
 * real invoices; the configuration's `limits` section (src/config.ts) overrides them.
 */

export interface FormatLimits {
  /** Deepest element nesting accepted (the root is depth 1). UBL/CII invoices stay under ~15. */
  xmlMaxDepth: number;
  /** Longest text node, in characters: an E2 flow carries its PDF in base64 in one text node. */
  xmlMaxTextChars: number;
  /** Longest attribute value, in characters: invoices have short attributes (codes, ids, file names). */
  xmlMaxAttributeChars: number;
  /** Bytes one PDF's streams may inflate to, together (object streams, xref streams, the invoice XML). */
  pdfMaxInflatedBytes: number;
}

/** The configuration's `limits` section: each key absent = the default below. */
interface LimitSettings {
  xmlMaxDepth?: number | undefined;
  xmlMaxTextKo?: number | undefined;
  xmlMaxAttributeKo?: number | undefined;
  pdfMaxInflatedKo?: number | undefined;
}

export const DEFAULT_LIMITS: FormatLimits = {
  xmlMaxDepth: 256,
  // A 10 Mo attachment in base64 (the portal's limit for one attachment) is 13.3 M characters.
  xmlMaxTextChars: 16 * 1024 * 1024,
  xmlMaxAttributeChars: 64 * 1024,
  // The flow size limit (30,000 Ko): an embedded invoice larger than a whole flow is not an invoice.
  pdfMaxInflatedBytes: 30000 * 1024,
};

/** The limits for a flow size limit in Ko and the configured `limits` section. */
export function formatLimits(maxFlowSizeKo: number, s: LimitSettings = {}): FormatLimits {
  return {
    xmlMaxDepth: s.xmlMaxDepth ?? DEFAULT_LIMITS.xmlMaxDepth,
    xmlMaxTextChars: s.xmlMaxTextKo !== undefined ? s.xmlMaxTextKo * 1024 : DEFAULT_LIMITS.xmlMaxTextChars,
    xmlMaxAttributeChars:
      s.xmlMaxAttributeKo !== undefined ? s.xmlMaxAttributeKo * 1024 : DEFAULT_LIMITS.xmlMaxAttributeChars,
    pdfMaxInflatedBytes: (s.pdfMaxInflatedKo ?? maxFlowSizeKo) * 1024,
  };
}
