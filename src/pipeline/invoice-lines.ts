/**
 * The compte-rendu lines about one invoice of a flow, shared by the stages that reject invoices one by
 * one (SCHEMA for an XSD-invalid zip entry, REGLE): who the invoice is from and to, and its reasons.
 */
import type { Finding } from '../finding.ts';
import { finding, isFatal } from '../finding.ts';

/** A finding about one invoice of a flow, with who it is from and to (kept in the stage record for `listeErreurDP`). */
export interface InvoiceFinding extends Finding {
  invoiceSupplier?: string;
  invoiceRecipient?: string;
}

const PARTIAL_LINE = {
  code: 'CPP-FACTURE-REJETEE',
  fr: 'Facture rejetée, non intégrée',
  en: 'Invoice rejected, not integrated',
} as const;

/** One line per rejected invoice of a partly integrated flow: its number, supplier, recipient and every reason. */
export function rejectedInvoiceLine(inv: { number: string; supplier?: string; recipient?: string }, own: Finding[]) {
  const fatal = own.filter(isFatal);
  const first = fatal[0];
  const reasons = fatal.map((f) => `${f.code} ${f.detail ?? f.labelFr}`).join(' ; ');
  const line: InvoiceFinding = finding(
    first?.nature ?? 'REGLE',
    first?.code ?? PARTIAL_LINE.code,
    first?.labelFr ?? PARTIAL_LINE.fr,
    first?.labelEn ?? PARTIAL_LINE.en,
    {
      detail: `Facture ${inv.number}, fournisseur ${inv.supplier ?? '(absent)'}, destinataire ${inv.recipient ?? '(absent)'} : ${reasons}`,
      invoice: inv.number,
      ...(first?.location ? { location: first.location } : {}),
    },
  );
  if (inv.supplier !== undefined) line.invoiceSupplier = inv.supplier;
  if (inv.recipient !== undefined) line.invoiceRecipient = inv.recipient;
  return line;
}
