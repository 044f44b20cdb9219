/**
 * Scripted lifecycles (config `platform.scenarios`): an invoice integrated for a configured recipient
 * (a matelas structure kind or a SIRET) follows its scenario unattended. Each step is a pg-boss job on
 * QUEUES.platform with `startAfter`, sent in the integration's transaction: steps live in the database,
 * so they survive a restart, and a step whose invoice was moved by hand in between is dropped.
 */
import type { PgBoss } from 'pg-boss';
import type { Config } from '../config.ts';
import type { Queryable } from '../store/db.ts';
import { findStructureBySiret } from '../store/directory.ts';
import type { InvoiceRecord } from '../store/invoices.ts';
import { QUEUES, bossDb } from '../store/index.ts';
import { planScenario } from './lifecycle.ts';

export interface ScenarioStepJob {
  type: 'scenario-step';
  invoiceId: number;
  from: string;
  to: string;
  /** The scenario, for logs. */
  scenario: string;
}

/** The scenario that applies to an invoice's recipient: by SIRET first, then by structure kind. */
async function scenarioFor(
  q: Queryable,
  config: Config,
  inv: InvoiceRecord,
): Promise<Config['platform']['scenarios'][number] | undefined> {
  const list = config.platform.scenarios;
  if (!list.length) return undefined;
  const bySiret = list.find((s) => s.recipient === inv.recipientSiret);
  if (bySiret) return bySiret;
  const structure = await findStructureBySiret(q, inv.recipientSiret);
  return structure ? list.find((s) => s.recipient === structure.kind) : undefined;
}

export async function scheduleScenario(
  tx: Queryable,
  boss: PgBoss,
  config: Config,
  inv: InvoiceRecord,
  at: Date,
): Promise<number> {
  const s = await scenarioFor(tx, config, inv);
  if (!s) return 0;
  const steps = planScenario(s.scenario, at, s.stepSeconds);
  // Step 0 is where the invoice stands (MISE_A_DISPOSITION after integration); a scenario starting
  // elsewhere only plays from the point the invoice has reached.
  const start = steps.findIndex((x) => x.status === inv.status);
  if (start < 0) return 0;
  let n = 0;
  for (let i = start + 1; i < steps.length; i++) {
    const job: ScenarioStepJob = {
      type: 'scenario-step',
      invoiceId: inv.id,
      from: steps[i - 1]!.status,
      to: steps[i]!.status,
      scenario: s.scenario,
    };
    await boss.send(QUEUES.platform, job as unknown as object, {
      startAfter: steps[i]!.at,
      db: bossDb(tx),
    });
    n++;
  }
  return n;
}
