/**
 * Names of the files written to a partner's `retour/` folder. The platform's naming rule is not
 * public; ours keeps the interface code first (FEN1200A for CPPStatut, FEN1201A for AIFEStatut, as
 * the qualification portal pairs them) so a partner can sort by kind:
 *   compte-rendu   FEN1200A_<flow>.xml
 *   lifecycle      FEN1200A_CDV_<flow>_<invoice>_<seq>.xml
 *   analysis       ANALYSE_<original file name>.xml
 */
import type { ReturnSyntax } from './model.ts';

export const RETURN_INTERFACE_CODES: Record<ReturnSyntax, string> = { CPPStatut: 'FEN1200A', AIFEStatut: 'FEN1201A' };

/** Keeps a name part inside one path segment: no separators, no controls (names always start with a prefix, so `..` is harmless). */
function safePart(value: string): string {
  const cleaned = value
    .replace(/[/\\]/g, '_')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001F\u007F:*?"<>|]/g, '-');
  return cleaned === '' ? '_' : cleaned;
}

/** The compte-rendu of flow `flowNumber`: `FEN1200A_<n>.xml` (CPPStatut) or `FEN1201A_<n>.xml` (AIFEStatut). */
export function returnFileName(syntax: ReturnSyntax, flowNumber: string): string {
  return `${RETURN_INTERFACE_CODES[syntax]}_${safePart(flowNumber)}.xml`;
}

/** The report of a flow dropped in `analyse/`: `ANALYSE_<original>.xml`, the original name kept whole but flattened. */
export function analysisFileName(originalFileName: string): string {
  return `ANALYSE_${safePart(originalFileName)}.xml`;
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
  return `${RETURN_INTERFACE_CODES[syntax]}_CDV_${safePart(flowNumber)}_${safePart(invoiceNumber)}_${String(seq).padStart(3, '0')}.xml`;
}
