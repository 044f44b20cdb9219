/** RECEPTION: what was deposited, before anything reads it (size, emptiness, duplicates), and the incident a flow ends in. */
import type { CodeDeclaration } from './types.ts';

export const RECEPTION_CODES = {
  'REC-TAILLE-MAX': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'La taille du flux dépasse la taille maximale autorisée ({maxKo} Ko)',
    labelEn: 'The flow exceeds the maximum size ({maxKo} Ko)',
    doc: "over `maxFlowSizeKo` (30000 Ko by default, the platform's limit); the bytes are not kept, only their SHA-256",
  },
  'REC-FICHIER-SPECIAL': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: "Le dépôt n'est pas un fichier ordinaire ({kind}) : il n'a pas été lu",
    labelEn: 'The deposit is not a regular file ({kind}): it was not read',
    doc: 'a symlink, directory, FIFO, socket, device or hard link in `depot/` or `analyse/`: refused unread (security.md)',
  },
  'REC-FLUX-VIDE': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Le flux est vide',
    labelEn: 'The flow is empty',
    doc: 'a 0-byte deposit',
  },
  'REC-FLUX-DOUBLON': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Flux en doublon : un flux identique a déjà été déposé ({earlier})',
    labelEn: 'Duplicate flow: the same bytes were already deposited as {earlier}',
    doc: 'same SHA-256 deposited before by the same partner, in a flow that was not rejected nor in incident (`pipeline.rejectDuplicates`)',
  },
  'INC-ERREUR-TECHNIQUE': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Flux incidenté : erreur technique lors du traitement, le flux doit être redéposé',
    labelEn: 'Flow in incident: processing kept failing for a technical reason; deposit it again',
    doc: "the flow's processing failed `pipeline.retryLimit` times (state `IN_INCIDENTE`); the daemon log has the cause",
  },
} as const satisfies Record<string, CodeDeclaration>;
