/**
 * Refusals at the SFTP protocol level (nature RECEPTION, no compte-rendu: the operation itself is refused). Their labels
 * go into the SFTP status message the client shows and into the log line.
 */
import type { CodeDeclaration } from './types.ts';

export const SFTP_CODES = {
  'SFTP-PATH-INVALID': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Chemin invalide',
    labelEn: 'Invalid path',
    doc: 'SFTP status: NO_SUCH_FILE / FAILURE',
  },
  'SFTP-NOT-FOUND': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Fichier ou dossier introuvable',
    labelEn: 'No such file or folder',
    doc: 'SFTP status: NO_SUCH_FILE',
  },
  'SFTP-READ-DEPOSIT': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Un flux déposé ne peut pas être relu',
    labelEn: 'A deposited flow cannot be read back',
    doc: 'SFTP status: PERMISSION_DENIED',
  },
  'SFTP-REMOVE-DENIED': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Suppression autorisée uniquement dans retour/',
    labelEn: 'Files can only be removed from retour/',
    doc: 'SFTP status: PERMISSION_DENIED',
  },
  'SFTP-WRITE-DENIED': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Dépôt autorisé uniquement dans depot/ et analyse/',
    labelEn: 'Uploads are only allowed in depot/ and analyse/',
    doc: 'SFTP status: PERMISSION_DENIED',
  },
  'SFTP-RENAME-DENIED': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Renommage autorisé uniquement pour un dépôt en cours de cette session, dans le même dossier',
    labelEn: 'Only an upload of this session can be renamed, within its folder',
    doc: 'SFTP status: PERMISSION_DENIED',
  },
  'SFTP-RENAME-EXISTS': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Le nom cible existe déjà',
    labelEn: 'The target name already exists',
    doc: 'SFTP status: FAILURE',
  },
  'SFTP-FOLDER-DENIED': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Création ou suppression de dossier interdite',
    labelEn: 'Folders cannot be created or removed',
    doc: 'SFTP status: PERMISSION_DENIED',
  },
  'SFTP-TOO-LARGE': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Le flux dépasse la taille maximale autorisée',
    labelEn: 'The flow exceeds the maximum allowed size',
    doc: 'SFTP status: FAILURE',
  },
  'SFTP-CLAIM-FAILED': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Le flux n’a pas pu être pris en charge',
    labelEn: 'The flow could not be taken in',
    doc: 'SFTP status: FAILURE',
  },
  'SFTP-TOO-MANY-HANDLES': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Trop de fichiers ouverts',
    labelEn: 'Too many open files',
    doc: 'SFTP status: FAILURE',
  },
  'SFTP-WRITE-BACKLOG': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Trop d’écritures en attente',
    labelEn: 'Too many pending writes',
    doc: 'SFTP status: FAILURE',
  },
  'SFTP-UPLOAD-FAILED': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Dépôt interrompu, recommencez le transfert',
    labelEn: 'Upload aborted, start the transfer again',
    doc: 'SFTP status: FAILURE',
  },
  'SFTP-UNSUPPORTED': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Opération non prise en charge',
    labelEn: 'Operation not supported',
    doc: 'SFTP status: OP_UNSUPPORTED',
  },
  'SFTP-IO-ERROR': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Erreur technique d’entrée/sortie',
    labelEn: 'Technical I/O error',
    doc: 'SFTP status: FAILURE',
  },
  'SFTP-BAD-HANDLE': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Descripteur de fichier invalide',
    labelEn: 'Invalid file handle',
    doc: 'SFTP status: FAILURE',
  },
  'SFTP-BANNED': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Adresse temporairement bannie après trop d’échecs',
    labelEn: 'Address temporarily banned after too many failures',
    doc: 'SFTP status: (connection dropped)',
  },
  'SFTP-TOO-MANY-CONNECTIONS': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Trop de connexions',
    labelEn: 'Too many connections',
    doc: 'SFTP status: (connection dropped)',
  },
  'SFTP-AUTH-FAILED': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Authentification refusée',
    labelEn: 'Authentication refused',
    doc: 'SFTP status: (auth failure)',
  },
  'SFTP-AUTH-TOO-MANY': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Trop de tentatives d’authentification',
    labelEn: 'Too many authentication attempts',
    doc: 'SFTP status: (disconnect)',
  },
  'SFTP-IDLE': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Session inactive fermée',
    labelEn: 'Idle session closed',
    doc: 'SFTP status: (disconnect)',
  },
  'SFTP-AUTH-TIMEOUT': {
    nature: 'RECEPTION',
    severity: 'fatal',
    labelFr: 'Connexion fermée : authentification non faite à temps',
    labelEn: 'Connection closed: not logged in in time',
    doc: 'SFTP status: (disconnect)',
  },
} as const satisfies Record<string, CodeDeclaration>;

export type SftpCode = keyof typeof SFTP_CODES;
