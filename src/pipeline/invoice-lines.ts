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

/** One line per rejected invoice of a partly integrated flow: its number, supplier, recipient and every reason. */
export function rejectedInvoiceLine(inv: { number: string; supplier?: string; recipient?: string }, own: Finding[]) {
  const fatal = own.filter(isFatal);
  const first = fatal[0];
  const reasons = fatal.map((f) => `${f.code} ${f.detail ?? f.labelFr}`).join(' ; ');
  const details = {
    detail: `Facture ${inv.number}, fournisseur ${inv.supplier ?? '(absent)'}, destinataire ${inv.recipient ?? '(absent)'} : ${reasons}`,
    invoice: inv.number,
    ...(first?.location ? { location: first.location } : {}),
  };
  // The line restates the invoice's first fatal finding (its code and label), or says only that it was rejected.
  const line: InvoiceFinding = first ? finding(first, details) : finding('CPP-FACTURE-REJETEE', details);
  if (inv.supplier !== undefined) line.invoiceSupplier = inv.supplier;
  if (inv.recipient !== undefined) line.invoiceRecipient = inv.recipient;
  return line;
}
