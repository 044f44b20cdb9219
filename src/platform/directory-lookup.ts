/** The routing rules' view of the directory, over the store (the rules themselves never see SQL). */
import type { Queryable } from '../store/db.ts';
import type { RoutingDirectory, StoredStructure } from '../store/directory.ts';
import {
  findCommitment,
  findPartnerSupplier,
  findService,
  findStructureBySiret,
  readRoutingDirectory,
} from '../store/directory.ts';
import { findDuplicateInvoice } from '../store/invoices.ts';
// Type-only: the interface is declared by the rules (same floor), erased at run time.
import type {
  DirectoryLookup,
  RoutingCommitment,
  RoutingFacts,
  RoutingService,
  RoutingStructure,
} from '../rules/chorus/routing.ts';

/** A retired matelas (Réinitialiser) is unknown to routing. */
function routingStructure(s: StoredStructure | undefined): RoutingStructure | undefined {
  if (!s || s.retired) return undefined;
  return {
    id: s.id,
    siret: s.siret,
    name: s.name,
    active: s.active,
    recipient: s.receivesInvoices,
    codeServiceDoitEtreRenseigne: s.codeServiceDoitEtreRenseigne,
    numeroEjDoitEtreRenseigne: s.numeroEjDoitEtreRenseigne,
    gestionNumeroEjOuCodeService: s.gestionNumeroEjOuCodeService,
  };
}

const commitmentOf = (c: { number: string; serviceCode?: string }): RoutingCommitment =>
  c.serviceCode === undefined ? { number: c.number } : { number: c.number, serviceCode: c.serviceCode };

export class StoreDirectoryLookup implements DirectoryLookup {
  readonly #db: Queryable;
  readonly #exceptFlowId: number | undefined;

  /** `exceptFlowId`: invoices integrated by this flow are not duplicates of it (a run replayed after a crash). */
  constructor(db: Queryable, opts: { exceptFlowId?: number } = {}) {
    this.#db = db;
    this.#exceptFlowId = opts.exceptFlowId;
  }

  async structureBySiret(siret: string): Promise<RoutingStructure | undefined> {
    return routingStructure(await findStructureBySiret(this.#db, siret));
  }

  async service(structureId: number, code: string): Promise<RoutingService | undefined> {
    const s = await findService(this.#db, structureId, code);
    return s && { code: s.code, active: s.active, ejRequired: s.ejRequired };
  }

  async commitment(structureId: number, number: string): Promise<RoutingCommitment | undefined> {
    const c = await findCommitment(this.#db, structureId, number);
    return c && commitmentOf(c);
  }

  async partnerMayInvoiceFor(partner: string, supplierIdentifier: string): Promise<boolean> {
    return (await findPartnerSupplier(this.#db, partner, supplierIdentifier)) !== undefined;
  }

  async duplicateInvoice(supplierIdentifier: string, number: string): Promise<boolean> {
    return (await findDuplicateInvoice(this.#db, supplierIdentifier, number, this.#exceptFlowId)) !== undefined;
  }
}

const present = (v: string | undefined): v is string => v !== undefined && v !== '';

/**
 * The directory as the routing rules will read it for a flow's invoices, read in one statement: every
 * value the rules may look up (trimmed, as they do) is asked at once. A question about a value that was not
 * foreseen is answered by the store, one query, so the answers are the same as StoreDirectoryLookup's.
 */
export async function flowDirectoryLookup(
  db: Queryable,
  partner: string,
  invoices: readonly RoutingFacts[],
  opts: { exceptFlowId?: number } = {},
): Promise<DirectoryLookup> {
  const recipients = new Set<string>();
  const suppliers = new Set<string>();
  const services = new Set<string>();
  const commitments = new Set<string>();
  const pairs = new Map<string, { supplier: string; number: string }>();
  for (const f of invoices) {
    const supplier = f.supplier.identifier?.trim();
    const recipient = f.buyerSiret?.trim();
    const service = f.serviceCode?.trim();
    const ej = f.commitmentNumber?.trim();
    if (present(supplier)) {
      suppliers.add(supplier);
      if (f.invoiceNumber !== '')
        pairs.set(`${supplier}\u0000${f.invoiceNumber}`, { supplier, number: f.invoiceNumber });
    }
    if (present(recipient)) recipients.add(recipient);
    if (present(service)) services.add(service);
    if (present(ej)) commitments.add(ej);
  }
  const found = await readRoutingDirectory(db, {
    partner,
    recipients: [...recipients],
    suppliers: [...suppliers],
    serviceCodes: [...services],
    commitmentNumbers: [...commitments],
    invoices: [...pairs.values()],
    ...(opts.exceptFlowId !== undefined ? { exceptFlowId: opts.exceptFlowId } : {}),
  });
  return new FlowDirectoryLookup(
    { partner, recipients, suppliers, services, commitments, pairs },
    found,
    new StoreDirectoryLookup(db, opts),
  );
}

/** The values a flow's lookup asked the store about (trimmed, as the rules use them). */
interface Asked {
  partner: string;
  recipients: Set<string>;
  suppliers: Set<string>;
  services: Set<string>;
  commitments: Set<string>;
  pairs: Map<string, unknown>;
}

class FlowDirectoryLookup implements DirectoryLookup {
  readonly #asked: Asked;
  readonly #store: StoreDirectoryLookup;
  readonly #structures: Map<string, StoredStructure>;
  readonly #structureIds: Set<number>;
  readonly #suppliers: Set<string>;
  readonly #services: Map<string, RoutingService>;
  readonly #commitments: Map<string, RoutingCommitment>;
  readonly #duplicates: Set<string>;

  constructor(asked: Asked, found: RoutingDirectory, store: StoreDirectoryLookup) {
    this.#asked = asked;
    this.#store = store;
    this.#structures = new Map(found.structures.map((s) => [s.siret, s]));
    this.#structureIds = new Set(found.structures.map((s) => s.id));
    this.#suppliers = new Set(found.partnerSuppliers);
    this.#services = new Map(
      found.services.map((s) => [
        `${s.structureId}\u0000${s.code}`,
        { code: s.code, active: s.active, ejRequired: s.ejRequired },
      ]),
    );
    this.#commitments = new Map(found.commitments.map((c) => [`${c.structureId}\u0000${c.number}`, commitmentOf(c)]));
    this.#duplicates = new Set(found.duplicates.map((d) => `${d.supplier}\u0000${d.number}`));
  }

  async structureBySiret(siret: string): Promise<RoutingStructure | undefined> {
    if (!this.#asked.recipients.has(siret)) return this.#store.structureBySiret(siret);
    return routingStructure(this.#structures.get(siret));
  }

  async service(structureId: number, code: string): Promise<RoutingService | undefined> {
    if (!this.#structureIds.has(structureId) || !this.#asked.services.has(code))
      return this.#store.service(structureId, code);
    return this.#services.get(`${structureId}\u0000${code}`);
  }

  async commitment(structureId: number, number: string): Promise<RoutingCommitment | undefined> {
    if (!this.#structureIds.has(structureId) || !this.#asked.commitments.has(number))
      return this.#store.commitment(structureId, number);
    return this.#commitments.get(`${structureId}\u0000${number}`);
  }

  async partnerMayInvoiceFor(partner: string, supplierIdentifier: string): Promise<boolean> {
    if (partner !== this.#asked.partner || !this.#asked.suppliers.has(supplierIdentifier))
      return this.#store.partnerMayInvoiceFor(partner, supplierIdentifier);
    return this.#suppliers.has(supplierIdentifier);
  }

  async duplicateInvoice(supplierIdentifier: string, number: string): Promise<boolean> {
    const key = `${supplierIdentifier}\u0000${number}`;
    if (!this.#asked.pairs.has(key)) return this.#store.duplicateInvoice(supplierIdentifier, number);
    return this.#duplicates.has(key);
  }
}
