/**
 * From the invoice model (any syntax) to the facts the routing rules read, with where each was found.
 * Chorus Pro data sit in EN 16931 terms (spec §4.3): BT-10 service code, BT-13 commitment, BT-23 cadre,
 * BT-30 supplier identifier, BT-47 recipient SIRET, BT-81 payment means, BT-84 IBAN.
 */
import type { Location } from '../../finding.ts';
import type { Id, Invoice, Party, Val } from '../../formats/invoice.ts';
import type { RoutingFacts, RoutingField } from './routing.ts';

/** ISO 6523 ICDs that mean a SIRENE number (0002 SIRENE, 0009 SIRET-CODE); the CPP formats write `1`. */
const SIRET_SCHEMES = ['0002', '0009', '1'];

function siretOf(p: Party | undefined): Id | undefined {
  if (!p) return undefined;
  if (p.legalId) return p.legalId;
  // Some UBL writers put the SIRET in PartyIdentification (BT-46) or the endpoint (BT-49) only.
  return (
    p.ids.find((i) => i.scheme !== undefined && SIRET_SCHEMES.includes(i.scheme)) ??
    (p.endpoint?.scheme === '0009' ? p.endpoint : undefined)
  );
}

/** CPP `TypeIdentifiant` of the supplier: 1 for a SIRET, else the CPP code when the scheme is one (2–7). */
function typeIdentifiant(id: Id | undefined): string | undefined {
  if (!id) return undefined;
  if (id.scheme === undefined) return /^[0-9]{14}$/.test(id.value) ? '1' : undefined;
  if (SIRET_SCHEMES.includes(id.scheme)) return '1';
  return /^[1-7]$/.test(id.scheme) ? id.scheme : undefined;
}

export function routingFacts(inv: Invoice, file?: string): RoutingFacts {
  const location: Partial<Record<RoutingField, Location>> = {};
  const at = (field: RoutingField, v: Val | undefined): string | undefined => {
    if (!v) return undefined;
    location[field] = { ...(file !== undefined ? { file } : {}), line: v.loc.line, xpath: v.loc.xpath };
    return v.value.trim();
  };
  const supplierId = siretOf(inv.seller);
  const means = inv.paymentMeans.find((m) => m.code) ?? inv.paymentMeans[0];
  const account = inv.paymentMeans.flatMap((m) => m.accounts).find((a) => a.id)?.id;
  const facts: RoutingFacts = {
    invoiceNumber: at('invoiceNumber', inv.number) ?? '',
    supplier: {},
    location,
  };
  const sid = at('supplier', supplierId);
  if (sid !== undefined) facts.supplier.identifier = sid;
  const type = typeIdentifiant(supplierId);
  if (type !== undefined) facts.supplier.typeIdentifiant = type;
  const put = <
    K extends 'buyerSiret' | 'serviceCode' | 'commitmentNumber' | 'cadre' | 'paymentMeansCode' | 'supplierIban',
  >(
    k: K,
    v: string | undefined,
  ) => {
    if (v !== undefined && v !== '') facts[k] = v;
  };
  put('buyerSiret', at('buyerSiret', siretOf(inv.buyer)));
  put('serviceCode', at('serviceCode', inv.buyerReference));
  put('commitmentNumber', at('commitmentNumber', inv.orderRef));
  put('cadre', at('cadre', inv.processId));
  put('paymentMeansCode', at('paymentMeansCode', means?.code));
  put('supplierIban', at('supplierIban', account));
  return facts;
}
