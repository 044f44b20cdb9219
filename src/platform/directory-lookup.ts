/** The routing rules' view of the directory, over the store (the rules themselves never see SQL). */
import type { Queryable } from '../store/db.ts';
import {
  findCommitment,
  findDuplicateInvoice,
  findPartnerSupplier,
  findService,
  findStructureBySiret,
} from '../store/directory.ts';
// Type-only: the interface is declared by the rules (same floor), erased at run time.
import type { DirectoryLookup, RoutingCommitment, RoutingService, RoutingStructure } from '../rules/chorus/routing.ts';

export class StoreDirectoryLookup implements DirectoryLookup {
  readonly #db: Queryable;
  readonly #exceptFlowId: number | undefined;

  /** `exceptFlowId`: invoices integrated by this flow are not duplicates of it (a run replayed after a crash). */
  constructor(db: Queryable, opts: { exceptFlowId?: number } = {}) {
    this.#db = db;
    this.#exceptFlowId = opts.exceptFlowId;
  }

  async structureBySiret(siret: string): Promise<RoutingStructure | undefined> {
    const s = await findStructureBySiret(this.#db, siret);
    // A retired matelas (Réinitialiser) is unknown to routing.
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

  async service(structureId: number, code: string): Promise<RoutingService | undefined> {
    const s = await findService(this.#db, structureId, code);
    return s && { code: s.code, active: s.active, ejRequired: s.ejRequired };
  }

  async commitment(structureId: number, number: string): Promise<RoutingCommitment | undefined> {
    const c = await findCommitment(this.#db, structureId, number);
    if (!c) return undefined;
    return c.serviceCode === undefined ? { number: c.number } : { number: c.number, serviceCode: c.serviceCode };
  }

  async partnerMayInvoiceFor(partner: string, supplierIdentifier: string): Promise<boolean> {
    return (await findPartnerSupplier(this.#db, partner, supplierIdentifier)) !== undefined;
  }

  async duplicateInvoice(supplierIdentifier: string, number: string): Promise<boolean> {
    return (await findDuplicateInvoice(this.#db, supplierIdentifier, number, this.#exceptFlowId)) !== undefined;
  }
}
