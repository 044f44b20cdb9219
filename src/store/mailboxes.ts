/**
 * The mailbox layout every transport shares: `<dataDir>/mailboxes/<CODE>/{depot,analyse,retour}`.
 * `depot` = flows deposited for real; `analyse` = flows checked and reported only; `retour` = what the
 * gateway writes back (comptes-rendus, analysis reports, lifecycle flows).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export type Box = 'depot' | 'analyse';
export const BOXES: readonly Box[] = ['depot', 'analyse'];

export interface MailboxPaths {
  root: string;
  depot: string;
  analyse: string;
  retour: string;
}

export function mailboxPaths(dataDir: string, partnerCode: string): MailboxPaths {
  const root = path.join(dataDir, 'mailboxes', partnerCode);
  return {
    root,
    depot: path.join(root, 'depot'),
    analyse: path.join(root, 'analyse'),
    retour: path.join(root, 'retour'),
  };
}

export function ensureMailbox(dataDir: string, partnerCode: string): MailboxPaths {
  const p = mailboxPaths(dataDir, partnerCode);
  for (const dir of [p.depot, p.analyse, p.retour]) mkdirSync(dir, { recursive: true });
  return p;
}

/** Names that are not yet complete uploads: hidden, or temporary by convention. */
export function isIncompleteName(name: string): boolean {
  return name.startsWith('.') || /\.(tmp|part|filepart)$/i.test(name);
}

/** Optional interface-code prefix that declares a flow's interface: `FSO1100A_<anything>`. */
export function declaredInterface(name: string): string | undefined {
  return /^(FSO\d{4}A)_/.exec(name)?.[1];
}

/**
 * Optional signature declaration in the file name ("Le flux est-il signé ? Oui / Non"): a `SIGNE_` or
 * `NONSIGNE_` token at the start of the name or right after the interface prefix
 * (`SIGNE_facture.xml`, `FSO1100A_NONSIGNE_facture.xml`). Undefined = the partner's setting.
 */
export function declaredSigned(name: string): boolean | undefined {
  const m = /^(?:FSO\d{4}A_)?(SIGNE|NONSIGNE)_/i.exec(name);
  return m ? m[1]!.toUpperCase() === 'SIGNE' : undefined;
}
