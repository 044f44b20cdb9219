/**
 * Names of the files written to a partner's `retour/` folder. The platform's naming rule is not
 * public; ours keeps the interface code first (FEN1200A for CPPStatut, FEN1201A for AIFEStatut, as
 * the qualification portal pairs them) so a partner can sort by kind:
 *   compte-rendu   FEN1200A_<flow>.xml
 *   lifecycle      FEN1200A_CDV_<flow>_<invoice>_<seq>.xml
 *   analysis       ANALYSE_<original file name>.xml
 * Every name fits in one path segment of 255 bytes (see `fitFileName`): a name that would not is
 * shortened in a deterministic way, so every flow gets its answer whatever it was called.
 */
import { createHash } from 'node:crypto';
import type { ReturnSyntax } from './model.ts';

/** The longest file name every common file system takes (ext4, XFS, btrfs, NTFS count up to 255). */
const MAX_RETURN_NAME_BYTES = 255;

export const RETURN_INTERFACE_CODES: Record<ReturnSyntax, string> = { CPPStatut: 'FEN1200A', AIFEStatut: 'FEN1201A' };

/** Keeps a name part inside one path segment: no separators, no controls (names always start with a prefix, so `..` is harmless). */
function safePart(value: string): string {
  const cleaned = value
    .replace(/[/\\]/g, '_')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001F\u007F:*?"<>|]/g, '-');
  return cleaned === '' ? '_' : cleaned;
}

/**
 * A return-file name that any file system takes: at most 255 bytes of UTF-8, no separator, no control
 * character (see safePart). A longer name keeps its readable beginning, cut on a character boundary,
 * then `~` and the first 12 hex digits of the SHA-256 of the whole name, then its extension:
 * `ANALYSE_<start of the name>~1a2b3c4d5e6f.xml`. The same name always gives the same result, and two
 * long names that differ anywhere give different results.
 */
export function fitFileName(name: string): string {
  const safe = name.split('/').map(safePart).join('_');
  if (Buffer.byteLength(safe) <= MAX_RETURN_NAME_BYTES) return safe;
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(safe)?.[0] ?? '';
  const tag = `~${createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 12)}`;
  const budget = MAX_RETURN_NAME_BYTES - Buffer.byteLength(tag + ext);
  let head = '';
  let bytes = 0;
  for (const ch of safe.slice(0, safe.length - ext.length)) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > budget) break;
    head += ch;
    bytes += n;
  }
  return head + tag + ext;
}

/** The compte-rendu of flow `flowNumber`: `FEN1200A_<n>.xml` (CPPStatut) or `FEN1201A_<n>.xml` (AIFEStatut). */
export function returnFileName(syntax: ReturnSyntax, flowNumber: string): string {
  return fitFileName(`${RETURN_INTERFACE_CODES[syntax]}_${safePart(flowNumber)}.xml`);
}

/**
 * The report of a flow dropped in `analyse/`: `ANALYSE_<original>.xml`, the original name flattened
 * (separators, controls) and, past 255 bytes, shortened (fitFileName). The name in full is in the
 * report (`IdFlux` / `NomFichier`).
 */
export function analysisFileName(originalFileName: string): string {
  return fitFileName(`ANALYSE_${safePart(originalFileName)}.xml`);
}

/**
 * A lifecycle flow: `FEN1200A_CDV_<flow>_<invoice>_<seq>.xml`, `seq` zero-padded to 3 digits and
 * counting the statuses sent for that invoice, so successive statuses never overwrite each other.
 * `CDV` (cycle de vie) after the interface code tells it from a compte-rendu.
 */
export function lifecycleFileName(
  syntax: ReturnSyntax,
  flowNumber: string,
  invoiceNumber: string,
  seq: number,
): string {
  if (!Number.isInteger(seq) || seq < 0) throw new RangeError(`seq must be a non-negative integer, got ${seq}`);
  return fitFileName(
    `${RETURN_INTERFACE_CODES[syntax]}_CDV_${safePart(flowNumber)}_${safePart(invoiceNumber)}_${String(seq).padStart(3, '0')}.xml`,
  );
}
