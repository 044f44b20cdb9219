/**
 * Why the SFTP endpoint says no. Each refusal is a Finding (nature RECEPTION) with a stable code; its
 * labels go into the SFTP status message the client shows and into the log line. docs/sftp.md lists them.
 */
import { finding } from '../../finding.ts';
import type { Finding } from '../../finding.ts';

const T = {
  'SFTP-PATH-INVALID': ['Chemin invalide', 'Invalid path'],
  'SFTP-NOT-FOUND': ['Fichier ou dossier introuvable', 'No such file or folder'],
  'SFTP-READ-DEPOSIT': ['Un flux déposé ne peut pas être relu', 'A deposited flow cannot be read back'],
  'SFTP-REMOVE-DENIED': ['Suppression autorisée uniquement dans retour/', 'Files can only be removed from retour/'],
  'SFTP-WRITE-DENIED': [
    'Dépôt autorisé uniquement dans depot/ et analyse/',
    'Uploads are only allowed in depot/ and analyse/',
  ],
  'SFTP-RENAME-DENIED': [
    'Renommage autorisé uniquement pour un dépôt en cours de cette session, dans le même dossier',
    'Only an upload of this session can be renamed, within its folder',
  ],
  'SFTP-RENAME-EXISTS': ['Le nom cible existe déjà', 'The target name already exists'],
  'SFTP-FOLDER-DENIED': ['Création ou suppression de dossier interdite', 'Folders cannot be created or removed'],
  'SFTP-TOO-LARGE': ['Le flux dépasse la taille maximale autorisée', 'The flow exceeds the maximum allowed size'],
  'SFTP-CLAIM-FAILED': ['Le flux n’a pas pu être pris en charge', 'The flow could not be taken in'],
  'SFTP-TOO-MANY-HANDLES': ['Trop de fichiers ouverts', 'Too many open files'],
  'SFTP-WRITE-BACKLOG': ['Trop d’écritures en attente', 'Too many pending writes'],
  'SFTP-UPLOAD-FAILED': ['Dépôt interrompu, recommencez le transfert', 'Upload aborted, start the transfer again'],
  'SFTP-UNSUPPORTED': ['Opération non prise en charge', 'Operation not supported'],
  'SFTP-IO-ERROR': ['Erreur technique d’entrée/sortie', 'Technical I/O error'],
  'SFTP-BAD-HANDLE': ['Descripteur de fichier invalide', 'Invalid file handle'],
  'SFTP-BANNED': [
    'Adresse temporairement bannie après trop d’échecs',
    'Address temporarily banned after too many failures',
  ],
  'SFTP-TOO-MANY-CONNECTIONS': ['Trop de connexions', 'Too many connections'],
  'SFTP-AUTH-FAILED': ['Authentification refusée', 'Authentication refused'],
  'SFTP-AUTH-TOO-MANY': ['Trop de tentatives d’authentification', 'Too many authentication attempts'],
  'SFTP-IDLE': ['Session inactive fermée', 'Idle session closed'],
  'SFTP-AUTH-TIMEOUT': [
    'Connexion fermée : authentification non faite à temps',
    'Connection closed: not logged in in time',
  ],
} as const;

export type RefusalCode = keyof typeof T;

export function refusal(code: RefusalCode, detail?: string): Finding {
  const [fr, en] = T[code];
  return finding('RECEPTION', code, fr, en, detail === undefined ? {} : { detail });
}

/** The text sent in an SFTP STATUS: code, French, English, detail. */
export function statusText(f: Finding): string {
  return `${f.code}: ${f.labelFr} / ${f.labelEn}${f.detail ? ` (${f.detail})` : ''}`;
}
