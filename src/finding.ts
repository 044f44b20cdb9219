/**
 * A finding is one problem found in a flow: the unit every stage reports and every
 * compte-rendu line is made of. It is the project's shared vocabulary (floor 0), so
 * formats, signatures, rules and the pipeline all speak it without importing each other.
 * Its code, nature and labels come from one declaration: the codes registry (src/codes/)
 * or a business rule's own table.
 */
import { CODES } from './codes/index.ts';
import type { Code, DeclaredRule, ErrorNature, Severity } from './codes/index.ts';

export type { Code, ErrorNature, Severity };

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
  /** Stable code, declared in src/codes/ or a rule table, documented in docs/error-codes.md (e.g. `FMT-XML-MALFORMED`, `BR-CO-10`). */
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

/** What a call adds to the declaration. `severity` overrides the declared default. */
export interface FindingDetails {
  detail?: string | undefined;
  location?: Location | undefined;
  invoice?: string | undefined;
  severity?: Severity | undefined;
}

/** A value for a label's `{name}`: the same in both languages, or one per language. */
type LabelValue = string | number | { fr: string; en: string };
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;
type ParamsOf<C extends Code> = Placeholders<(typeof CODES)[C]['labelFr'] | (typeof CODES)[C]['labelEn']>;
/** Details, plus `params` exactly when the code's labels name values. */
export type FindingOptions<C extends Code> = FindingDetails &
  ([ParamsOf<C>] extends [never] ? { params?: undefined } : { params: Record<ParamsOf<C>, LabelValue> });

function fill(label: string, params: Record<string, LabelValue> | undefined, lang: 'fr' | 'en'): string {
  if (!params) return label;
  return label.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : typeof v === 'object' ? v[lang] : String(v);
  });
}

/**
 * The one way to make a finding: from a code of the registry (`finding('FMT-EMPTY', { detail })`), from a
 * business rule's declaration (`finding(rule, …)`), or restating another finding with new details (the line of
 * a rejected invoice in a partly integrated flow).
 */
export function finding<C extends Code>(
  code: C,
  ...options: [ParamsOf<C>] extends [never] ? [FindingOptions<C>?] : [FindingOptions<C>]
): Finding;
export function finding(rule: DeclaredRule | Finding, options?: FindingDetails): Finding;
export function finding(
  what: Code | DeclaredRule | Finding,
  options: FindingDetails & { params?: Record<string, LabelValue> | undefined } = {},
): Finding {
  let nature: ErrorNature;
  let code: string;
  let declared: { severity: Severity; labelFr: string; labelEn: string };
  if (typeof what === 'string') {
    // Unreachable from typed code; a code built at run time (or from plain JS) still fails loudly.
    if (!Object.hasOwn(CODES, what)) throw new Error(`${String(what)} is not a declared code (src/codes/)`);
    declared = CODES[what];
    ({ nature } = CODES[what]);
    code = what;
  } else if ('id' in what) {
    declared = what;
    nature = 'REGLE';
    code = what.id;
  } else {
    declared = what;
    ({ nature, code } = what);
  }
  const out: Finding = {
    nature,
    code,
    severity: options.severity ?? declared.severity,
    labelFr: fill(declared.labelFr, options.params, 'fr'),
    labelEn: fill(declared.labelEn, options.params, 'en'),
  };
  if (options.detail !== undefined) out.detail = options.detail;
  if (options.location !== undefined) out.location = options.location;
  if (options.invoice !== undefined) out.invoice = options.invoice;
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
