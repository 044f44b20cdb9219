/**
 * A finding is one problem found in a flow: the unit every stage reports and every
 * compte-rendu line is made of. It is the project's shared vocabulary (floor 0), so
 * formats, signatures, rules and the pipeline all speak it without importing each other.
 */

/** The platform's error families, as in CPPStatut `LigneErreurDetail/NatureErreur`. */
type ErrorNature = 'RECEPTION' | 'SIGNATURE' | 'FORMAT' | 'SCHEMA' | 'REGLE';

export type Severity = 'fatal' | 'warning';

/** Where the problem is. Every part is optional: fill what is known. */
export interface Location {
  /** File name inside the flow (the flow itself, or an embedded `factur-x.xml`, or a zip entry). */
  file?: string;
  line?: number;
  column?: number;
  xpath?: string;
}

export interface Finding {
  nature: ErrorNature;
  /** Stable code, documented in docs/error-codes.md (e.g. `FMT-XML-MALFORMED`, `BR-CO-10`). */
  code: string;
  severity: Severity;
  /** French label, in the platform's style. Goes to `LibelleErreur`. */
  labelFr: string;
  /** English label, for logs and the docs. */
  labelEn: string;
  /** Specifics: values involved, validator message. Goes (with the location) to `DescriptionErreur`. */
  detail?: string;
  location?: Location;
  /** For multi-invoice flows: which invoice (its number) the finding belongs to. */
  invoice?: string;
}

export function finding(
  nature: ErrorNature,
  code: string,
  labelFr: string,
  labelEn: string,
  extra: { detail?: string; location?: Location; severity?: Severity; invoice?: string } = {},
): Finding {
  const out: Finding = { nature, code, severity: extra.severity ?? 'fatal', labelFr, labelEn };
  if (extra.detail !== undefined) out.detail = extra.detail;
  if (extra.location !== undefined) out.location = extra.location;
  if (extra.invoice !== undefined) out.invoice = extra.invoice;
  return out;
}

export function isFatal(f: Finding): boolean {
  return f.severity === 'fatal';
}

/** `DescriptionErreur` text: the detail then where it is, e.g. `… (fichier factur-x.xml, ligne 12, /rsm:…/ram:ID)` or `… (fichier f.xml, ligne 6, colonne 3)`. */
export function describe(f: Finding): string {
  const where: string[] = [];
  if (f.location?.file) where.push(`fichier ${f.location.file}`);
  if (f.location?.line !== undefined) where.push(`ligne ${f.location.line}`);
  if (f.location?.line !== undefined && f.location.column !== undefined) where.push(`colonne ${f.location.column}`);
  if (f.location?.xpath) where.push(f.location.xpath);
  const parts = [f.detail ?? f.labelEn];
  if (where.length) parts.push(`(${where.join(', ')})`);
  return parts.join(' ');
}
