/**
 * Why the SFTP endpoint says no. Each refusal is a Finding (nature RECEPTION) with a stable code; its
 * labels (declared in src/codes/sftp.ts) go into the SFTP status message the client shows and into the log line.
 */
import { finding } from '../../finding.ts';
import type { SftpCode } from '../../codes/sftp.ts';
import type { Finding } from '../../finding.ts';

export type RefusalCode = SftpCode;

export function refusal(code: RefusalCode, detail?: string): Finding {
  return finding(code, { detail });
}

/** The text sent in an SFTP STATUS: code, French, English, detail. */
export function statusText(f: Finding): string {
  return `${f.code}: ${f.labelFr} / ${f.labelEn}${f.detail ? ` (${f.detail})` : ''}`;
}
