/** What declaring a code means: the registry's entries (src/codes/) and the business rules' tables both answer to it. */

/** The platform's error families, as in CPPStatut `LigneErreurDetail/NatureErreur`. */
export type ErrorNature = 'RECEPTION' | 'SIGNATURE' | 'FORMAT' | 'SCHEMA' | 'REGLE';

export type Severity = 'fatal' | 'warning';

/**
 * One code, declared once. A label may name values in braces (`({maxKo} Ko)`): `finding()` then requires
 * them (`params`), so the compte-rendu never shows a placeholder.
 */
export interface CodeDeclaration {
  readonly nature: ErrorNature;
  /** The default; a call may lower or raise it (e.g. a CRL that cannot be read is only a warning). */
  readonly severity: Severity;
  /** French label, in the platform's style. Goes to `LibelleErreur`. */
  readonly labelFr: string;
  /** English label, for logs and the docs. */
  readonly labelEn: string;
  /** When it is raised and what the detail and location carry (docs/error-codes.md). */
  readonly doc: string;
}

/**
 * A business rule declared in its own table (EN 16931 `BR-*`, `UBL-*`, `CII-SR-*`, Factur-X `FX-*`): its id is its
 * code and its nature REGLE. The rule objects themselves are the declaration, so their labels live in one place.
 */
export interface DeclaredRule {
  readonly id: string;
  readonly severity: Severity;
  readonly labelFr: string;
  readonly labelEn: string;
}
