/** Flows waiting for a schema set (IN_EN_ATTENTE_RETRAITEMENT_CPP) go back to the queue once the set is installed. */
import type { Config } from '../config.ts';
import { schemaDir } from '../config.ts';
import type { Logger } from '../log.ts';
import { isSetAvailable } from '../schemas/catalog.ts';
import { setFlowState, waitingFlows } from '../store/flows.ts';
import type { Store } from '../store/index.ts';
import { QUEUES, bossDb } from '../store/index.ts';

export async function resumeWaitingFlows(store: Store, config: Config, logger: Logger): Promise<number> {
  const waiting = await waitingFlows(store.db);
  let resumed = 0;
  const dir = schemaDir(config);
  for (const flow of waiting) {
    if (flow.waitingFor && !isSetAvailable(dir, flow.waitingFor, config.schemas.shipped)) continue;
    await store.db.transaction(async (tx) => {
      await setFlowState(tx, flow.id, 'IN_EN_ATTENTE_TRAITEMENT_CPP', {
        note: `schema set ${flow.waitingFor} installed`,
      });
      await store.boss.send(QUEUES.flows, { flowId: flow.id }, { db: bossDb(tx) });
    });
    resumed++;
  }
  if (resumed) logger.info({ resumed }, 'waiting flows resumed');
  return resumed;
}
