/**
 * The platform simulation inside the daemon: the queued jobs of QUEUES.platform (matelas generation,
 * scripted lifecycle steps) and the actions the admin API and the CLI call (matelas, invoice statuses,
 * qualification kit). Every status change is delivered to the supplier's `retour/` right after its
 * transaction commits.
 */
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { deliverPending } from '../pipeline/delivery.ts';
import type { StatusChangeResult } from '../platform/invoicing.ts';
import { changeInvoiceStatus } from '../platform/invoicing.ts';
import type { Actor } from '../platform/lifecycle.ts';
import { planScenario } from '../platform/lifecycle.ts';
import { beginMatelas, generateMatelasSet, matelasData, resetMatelas } from '../platform/matelas-service.ts';
import type { MatelasAction } from '../platform/matelas-service.ts';
import type { KitManifest } from '../platform/samples.ts';
import { writeQualificationKit } from '../platform/samples.ts';
import type { ScenarioStepJob } from '../platform/scenarios.ts';
import { findAccountByPartner } from '../store/accounts.ts';
import { getMatelas, listStructures } from '../store/directory.ts';
import type { MatelasRecord } from '../store/directory.ts';
import { getInvoice, getInvoiceHistory, listInvoices } from '../store/invoices.ts';
import type { InvoiceRecord, InvoiceStatusEvent } from '../store/invoices.ts';
import type { Store } from '../store/index.ts';
import { QUEUES } from '../store/index.ts';
import { mailboxPaths } from '../store/mailboxes.ts';

interface MatelasJob {
  type: 'matelas';
  partner: string;
  set: number;
}
type PlatformJob = MatelasJob | ScenarioStepJob;

/** Where a partner's matelas CSV files are written. */
export function matelasFolder(dataDir: string, partner: string): string {
  return path.join(mailboxPaths(dataDir, partner).root, 'matelas');
}

/** Refuses at start a scenario the platform could not play (unknown status, forbidden transition). */
export function checkScenarios(config: Config): void {
  for (const s of config.platform.scenarios) planScenario(s.scenario, new Date(0), s.stepSeconds);
}

export class PlatformJobs {
  readonly #store: Store;
  readonly #config: Config;
  readonly #logger: Logger;
  /** Called once a matelas CSV is written (the portal mails its owner). */
  onMatelasReady?: (partner: string, file: string) => Promise<void>;

  constructor(store: Store, config: Config, logger: Logger) {
    this.#store = store;
    this.#config = config;
    this.#logger = logger.child({ part: 'platform' });
  }

  async start(): Promise<void> {
    await this.#store.boss.work<PlatformJob>(QUEUES.platform, { pollingIntervalSeconds: 0.5 }, async (jobs) => {
      for (const job of jobs) await this.#run(job.data);
    });
  }

  async #run(job: PlatformJob): Promise<void> {
    if (job.type === 'matelas') {
      // The file is named after the portal account that owns the partner, as the platform names it.
      const account = await findAccountByPartner(this.#store.db, job.partner);
      const r = await generateMatelasSet(this.#store.db, {
        seed: this.#config.platform.matelasSeed,
        partner: job.partner,
        set: job.set,
        folder: matelasFolder(this.#config.dataDir, job.partner),
        ...(account ? { accountId: String(account.id) } : {}),
      });
      this.#logger.info({ partner: job.partner, set: job.set, file: r.file, rows: r.rows }, 'matelas generated');
      await this.onMatelasReady?.(job.partner, r.file).catch((err: unknown) =>
        this.#logger.error({ err, partner: job.partner }, 'matelas ready: mail not sent'),
      );
      return;
    }
    const r = await this.setStatus(job.invoiceId, job.to, {
      expectFrom: job.from,
      who: 'scénario',
      comment: `Scénario : ${job.scenario}`,
    });
    if (!r.ok)
      this.#logger.info({ invoice: job.invoiceId, from: job.from, to: job.to }, 'scenario step dropped: invoice moved');
  }

  /** Créer / Étendre (queued; state "Création" meanwhile) or Réinitialiser. */
  async matelas(partner: string, action: MatelasAction): Promise<MatelasRecord> {
    const db = this.#store.db;
    if (action === 'reset') return (await resetMatelas(db, partner)).matelas;
    const set = await beginMatelas(db, partner, action);
    const job: MatelasJob = { type: 'matelas', partner, set };
    const delay = this.#config.platform.matelasDelaySeconds;
    await this.#store.boss.send(QUEUES.platform, job as unknown as object, delay ? { startAfter: delay } : {});
    this.#logger.info({ partner, set, action, delaySeconds: delay }, 'matelas generation queued');
    return getMatelas(db, partner);
  }

  async showMatelas(partner: string): Promise<MatelasRecord & { structures: Array<Record<string, unknown>> }> {
    const db = this.#store.db;
    const structures = (await listStructures(db, partner)).map((s) => ({
      set: s.set,
      kind: s.kind,
      siret: s.siret,
      id: s.id,
      name: s.name,
    }));
    return { ...(await getMatelas(db, partner)), structures };
  }

  async setStatus(
    invoiceId: number,
    status: string,
    opts: { comment?: string; by?: Actor; who?: string; expectFrom?: string } = {},
  ): Promise<StatusChangeResult> {
    const r = await this.#store.db.transaction((tx) => changeInvoiceStatus(tx, invoiceId, status, opts));
    if (r.ok) {
      this.#logger.info({ invoice: invoiceId, from: r.from, to: status, file: r.fileName }, 'invoice status changed');
      await deliverPending(this.#config.dataDir, this.#store.db, this.#logger);
    }
    return r;
  }

  async listInvoices(filter: { partner?: string; status?: string; limit?: number }): Promise<InvoiceRecord[]> {
    return listInvoices(this.#store.db, filter);
  }

  async showInvoice(id: number): Promise<{ invoice: InvoiceRecord; history: InvoiceStatusEvent[] } | undefined> {
    const invoice = await getInvoice(this.#store.db, id);
    return invoice && { invoice, history: await getInvoiceHistory(this.#store.db, id) };
  }

  /** The qualification kit of the partner's latest active set. */
  async samples(partner: string, folder: string, opts: { tag?: string; date?: string } = {}): Promise<KitManifest> {
    const m = await getMatelas(this.#store.db, partner);
    const set = m.sets.at(-1);
    if (set === undefined) throw new Error(`${partner} has no matelas (passerelle matelas create ${partner})`);
    const data = matelasData(this.#config.platform.matelasSeed, partner, set).directory;
    return writeQualificationKit(data, folder, opts);
  }
}
