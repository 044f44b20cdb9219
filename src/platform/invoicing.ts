/**
 * Integrated invoices and their lifecycle, over the store: an accepted invoice is recorded (DEPOSEE, then
 * MISE_A_DISPOSITION), every status change is checked against the platform's transitions and produces a
 * `CPPFactureStatuts` return flow to the supplier's partner, composed in the same transaction as the
 * change (so a status is never recorded without its return flow, nor sent twice).
 */
import type { ReturnSyntax } from '../formats/return/index.ts';
import { lifecycleFileName, writeInvoiceStatuses } from '../formats/return/index.ts';
import type { Queryable } from '../store/db.ts';
import type { InvoiceRecord, NewInvoice } from '../store/invoices.ts';
import {
  countInvoiceStatuses,
  createInvoice,
  invoiceAtFlowPosition,
  lockInvoice,
  setInvoiceStatusIn,
} from '../store/invoices.ts';
import { getFlow, insertReturnFlow } from '../store/flows.ts';
import { getPartner } from '../store/partners.ts';
import type { Actor, InvoiceStatus } from './lifecycle.ts';
import { TRANSITION_REFUSED, checkTransition, cppStatusCode, isInvoiceStatus } from './lifecycle.ts';

interface StatusOptions {
  comment?: string;
  /** Who made the change (history `who`): a login, `plateforme`, `scénario`, a partner code. */
  who?: string;
  at?: Date;
}

/** The identifier a lifecycle flow names the invoice's flow by: its flow number, or `FACTURE-<id>` for matelas invoices. */
async function flowLabel(q: Queryable, inv: InvoiceRecord): Promise<string> {
  if (inv.flowId === null) return `FACTURE-${inv.id}`;
  return (await getFlow(q, inv.flowId))?.flowNumber ?? `FACTURE-${inv.id}`;
}

/** Composes and records the `CPPFactureStatuts` return flow of the invoice's current status (call inside the change's transaction). */
async function composeLifecycleFlow(q: Queryable, inv: InvoiceRecord, opts: StatusOptions = {}): Promise<string> {
  const partner = await getPartner(q, inv.partner);
  const syntax: ReturnSyntax = partner?.returnSyntax ?? 'CPPStatut';
  const flowNumber = await flowLabel(q, inv);
  const seq = await countInvoiceStatuses(q, inv.id);
  const at = opts.at ?? new Date();
  const fileName = lifecycleFileName(syntax, flowNumber, inv.number, seq);
  const content = writeInvoiceStatuses(syntax, {
    flowId: flowNumber,
    partnerCode: inv.partner,
    producedAt: at,
    statuses: [
      {
        supplier: {
          typeIdentifiant: inv.supplierType,
          identifiant: inv.supplierIdentifier,
          raisonSociale: inv.supplierName ?? '',
        },
        debtor: { identifiant: inv.recipientSiret, ...(inv.serviceCode ? { codeService: inv.serviceCode } : {}) },
        statusCode: cppStatusCode(inv.status as InvoiceStatus),
        ...(opts.comment ? { comment: opts.comment.slice(0, 255) } : {}),
        at,
        invoiceNumber: inv.number,
        ...(inv.date ? { invoiceDate: inv.date } : {}),
      },
    ],
  });
  await insertReturnFlow(q, { flowId: inv.flowId, partner: inv.partner, kind: 'cycle-de-vie', fileName, content });
  return fileName;
}

/**
 * Integrates one accepted invoice of a flow: DEPOSEE then MISE_A_DISPOSITION, each with its lifecycle flow.
 * Keyed on (flow, position): a replay finds the invoice already there and does nothing.
 */
export async function integrateInvoice(
  tx: Queryable,
  inv: NewInvoice & { flowId: number; flowPosition: number },
  at = new Date(),
): Promise<{ invoice: InvoiceRecord; created: boolean }> {
  const existing = await invoiceAtFlowPosition(tx, inv.flowId, inv.flowPosition);
  if (existing) return { invoice: existing, created: false };
  const id = await createInvoice(tx, { ...inv, status: 'DEPOSEE' });
  const deposited = (await lockInvoice(tx, id))!;
  await composeLifecycleFlow(tx, deposited, { at });
  await setInvoiceStatusIn(tx, id, 'MISE_A_DISPOSITION', { who: 'plateforme', at });
  const available = (await lockInvoice(tx, id))!;
  await composeLifecycleFlow(tx, available, { at });
  return { invoice: available, created: true };
}

export type StatusChangeResult =
  | { ok: true; codeRetour: 0; invoice: InvoiceRecord; from: string; fileName: string }
  | { ok: false; codeRetour: number; libelle: string };

const INVOICE_UNKNOWN = { ok: false, codeRetour: 20004, libelle: 'Facture inconnue' } as const;
const STATUS_UNKNOWN = { ok: false, codeRetour: 20003, libelle: 'Statut de facture inconnu' } as const;

/**
 * Moves an invoice to `to` if the platform allows it (by `by` when given), records the history line and
 * composes the lifecycle flow, all in the caller's transaction. Refusals answer like the platform
 * (`codeRetour` 20002 for a forbidden transition).
 */
export async function changeInvoiceStatus(
  tx: Queryable,
  invoiceId: number,
  to: string,
  opts: StatusOptions & { by?: Actor; expectFrom?: string } = {},
): Promise<StatusChangeResult> {
  if (!isInvoiceStatus(to)) return STATUS_UNKNOWN;
  const cur = await lockInvoice(tx, invoiceId);
  if (!cur) return INVOICE_UNKNOWN;
  if (opts.expectFrom !== undefined && cur.status !== opts.expectFrom) return TRANSITION_REFUSED;
  const check = checkTransition(cur.status, to, opts.by);
  if (!check.ok) return TRANSITION_REFUSED;
  const at = opts.at ?? new Date();
  await setInvoiceStatusIn(tx, invoiceId, to, {
    ...(opts.comment ? { comment: opts.comment } : {}),
    who: opts.who ?? check.by,
    at,
  });
  const moved = (await lockInvoice(tx, invoiceId))!;
  const fileName = await composeLifecycleFlow(tx, moved, { ...opts, at });
  return { ok: true, codeRetour: 0, invoice: moved, from: cur.status, fileName };
}
