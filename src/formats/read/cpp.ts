/**
 * CPP Facture mixte (Chorus Pro E2 deposit, root `CPPFactureMixte`, no namespace) → invoice model.
 * One flow carries several invoices (`CPPFactures/CPPFactureMixteUnitaire`); the format only holds a
 * header (parties, amounts, VAT rates, engagement) and the invoice itself as an attached PDF, so only
 * the terms it carries are mapped (the format: docs/formats.md, `xsd/CPPFactureMixte.xsd`).
 */
import type { Invoice, Party, PaymentMeans } from '../invoice.ts';
import { at, child, children, loc, type XNode } from './tree.ts';
import { emptyInvoice, ident, num, put, val } from './values.ts';

function party(n: XNode | undefined, nameTag: string): Party | undefined {
  if (!n) return undefined;
  const p: Party = { ids: [], loc: loc(n) };
  const id = ident(child(n, 'Identifiant'));
  const type = child(n, 'TypeIdentifiant');
  if (id) {
    // TypeIdentifiant 1 = SIRET: its ISO 6523 ICD is 0002 (INSEE).
    if (type) id.scheme = type.text.trim() === '1' ? '0002' : type.text.trim();
    p.ids.push(id);
    p.legalId = id;
  }
  put(p, 'name', val(child(n, nameTag)));
  const country = child(n, 'CodePays');
  if (country) p.address = { country: val(country)!, loc: loc(country) };
  return p;
}

function readOne(n: XNode): Invoice {
  const inv: Invoice = emptyInvoice('cpp', loc(n));
  const d = child(n, 'DonneesFacture');
  put(inv, 'seller', party(child(n, 'Fournisseur'), 'RaisonSociale'));
  put(inv, 'buyer', party(child(n, 'Debiteur'), 'Nom'));
  put(inv, 'buyerReference', val(at(n, 'Debiteur', 'CodeService')));
  put(inv, 'number', val(child(d, 'Id')));
  put(inv, 'typeCode', val(child(d, 'Type')));
  put(inv, 'issueDate', val(child(d, 'DateEmissionFacture')));
  put(inv, 'currency', val(child(d, 'Devise')));
  put(inv, 'contractRef', val(at(d, 'Engagement', 'NumeroMarche')));
  put(inv, 'orderRef', val(at(d, 'Engagement', 'NumeroEngagement')));
  // BT-23: the cadre de facturation (A1…A25) is what Chorus Pro carries in the business process id.
  put(inv, 'processId', val(child(d, 'Cadre')));
  const mode = child(d, 'ModePaiement');
  const bank = at(n, 'Fournisseur', 'ReferenceBancaire');
  if (mode || bank) {
    const pm: Invoice['paymentMeans'][number] = { accounts: [], loc: loc(mode ?? bank!) };
    put(pm, 'code', val(child(mode, 'Code')));
    put(pm, 'text', val(child(mode, 'Libelle')));
    // BG-17 / BT-84: the supplier's account; a French RIB is not an IBAN, so only @Type IBAN (or none) maps.
    const compte = child(bank, 'Compte');
    const type = bank?.attrs['Type']?.trim().toUpperCase();
    if (bank && compte && (type === undefined || type === 'IBAN')) {
      const a: PaymentMeans['accounts'][number] = { loc: loc(bank) };
      put(a, 'id', val(compte));
      put(a, 'name', val(child(bank, 'RaisonSocialeEncaisseur')));
      pm.accounts.push(a);
    }
    inv.paymentMeans.push(pm);
  }
  const m = child(d, 'Montants');
  if (m) {
    const totals: NonNullable<Invoice['totals']> = { vatTotals: [], otherVatTotals: [], loc: loc(m) };
    put(totals, 'taxExclusive', num(child(m, 'MontantHT')));
    put(totals, 'taxInclusive', num(child(m, 'MontantTTC')));
    put(totals, 'payable', num(child(m, 'MontantNetAPayer')));
    inv.totals = totals;
  }
  for (const t of children(child(d, 'TVAS') ?? child(d, 'TVAs'), 'TVA')) {
    const b: Invoice['vatBreakdown'][number] = { category: { loc: loc(t) }, loc: loc(t) };
    put(b.category, 'rate', num(child(t, 'Taux')));
    put(b, 'taxable', num(child(t, 'BaseHt')));
    put(b, 'tax', num(child(t, 'MontantTVA')));
    inv.vatBreakdown.push(b);
  }
  for (const pj of children(n, 'PJ')) {
    const a: Invoice['attachments'][number] = { loc: loc(pj) };
    put(a, 'id', val(child(pj, 'NomPJ')));
    put(a, 'filename', val(child(pj, 'NomPJ')));
    put(a, 'mime', val(child(pj, 'MimeTypePJ')));
    inv.attachments.push(a);
  }
  return inv;
}

export function readCpp(root: XNode): Invoice[] {
  return children(child(root, 'CPPFactures'), 'CPPFactureMixteUnitaire').map(readOne);
}
