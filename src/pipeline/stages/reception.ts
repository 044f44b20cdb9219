/**
 * RECEPTION: what was deposited is a regular file, its size, emptiness, and whether the same partner
 * already deposited these bytes.
 */
import { finding } from '../../finding.ts';
import { ENTRY_KIND_LABELS } from '../../store/mailboxes.ts';
import { findDuplicateDeposit } from '../../store/flows.ts';
import type { FlowInput, Stage } from '../stage.ts';
import { go, rejected } from '../stage.ts';

export const receptionStage: Stage<Pick<FlowInput, 'flow' | 'earlierDeposit'>, null> = {
  name: 'RECEPTION',
  async run({ flow, earlierDeposit }, deps) {
    const maxKo = deps.config.maxFlowSizeKo;
    if (flow.intakeRefusal) {
      // Recorded by the intake without being read (a symlink, FIFO, directory… in the mailbox).
      const kind = ENTRY_KIND_LABELS[flow.intakeRefusal as keyof typeof ENTRY_KIND_LABELS] ?? {
        fr: flow.intakeRefusal,
        en: flow.intakeRefusal,
      };
      return rejected([
        finding('REC-FICHIER-SPECIAL', {
          params: { kind },
          detail: `${flow.originalName} : ${kind.fr}`,
          location: { file: flow.originalName },
        }),
      ]);
    }
    if (!flow.stored || flow.size > maxKo * 1024) {
      return rejected([
        finding('REC-TAILLE-MAX', {
          params: { maxKo },
          detail: `${Math.ceil(flow.size / 1024)} Ko > ${maxKo} Ko`,
          location: { file: flow.originalName },
        }),
      ]);
    }
    if (flow.size === 0) {
      return rejected([
        finding('REC-FLUX-VIDE', {
          location: { file: flow.originalName },
        }),
      ]);
    }
    if (flow.box === 'depot' && deps.config.pipeline.rejectDuplicates) {
      const earlier =
        earlierDeposit !== undefined
          ? earlierDeposit
          : deps.db && (await findDuplicateDeposit(deps.db, flow.partner, flow.sha256, flow.id));
      if (earlier) {
        return rejected([
          finding('REC-FLUX-DOUBLON', {
            params: { earlier },
            detail: `SHA-256 ${flow.sha256} déjà reçu dans le flux ${earlier}`,
            location: { file: flow.originalName },
          }),
        ]);
      }
    }
    return go(null);
  },
};
