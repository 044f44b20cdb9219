/**
 * The codes registry: every code a finding can carry that is not a business rule's id, each declared once
 * (nature, default severity, French and English labels, when it is raised). `finding()` takes its nature and
 * labels from here, `Code` is the set of keys (an undeclared code does not compile), and docs/error-codes.md is
 * generated from it (`npm run docs:codes`). Business rules (`BR-*`, `FX-*`…) are declared in their own tables
 * as `DeclaredRule`s (src/rules/). The codes are ours: Chorus Pro's error annex is not public (spec §8).
 */
import { CHORUS_CODES } from './chorus.ts';
import { CYCLE_DE_VIE_CODES } from './cycle-de-vie.ts';
import { FORMAT_CODES } from './format.ts';
import { RECEPTION_CODES } from './reception.ts';
import { SCHEMA_CODES } from './schema.ts';
import { SFTP_CODES } from './sftp.ts';
import { SIGNATURE_CODES } from './signature.ts';
import type { CodeDeclaration } from './types.ts';
import { ZIP_CODES } from './zip.ts';

export type { CodeDeclaration, DeclaredRule, ErrorNature, Severity } from './types.ts';

export const CODES = {
  ...RECEPTION_CODES,
  ...SIGNATURE_CODES,
  ...FORMAT_CODES,
  ...ZIP_CODES,
  ...SCHEMA_CODES,
  ...CHORUS_CODES,
  ...CYCLE_DE_VIE_CODES,
  ...SFTP_CODES,
} as const satisfies Record<string, CodeDeclaration>;

export type Code = keyof typeof CODES;

/** The families in documentation order: one section of docs/error-codes.md each. */
export const CODE_FAMILIES: readonly {
  title: string;
  /** Where the family is explained at length. */
  see: string;
  codes: Readonly<Record<string, CodeDeclaration>>;
}[] = [
  { title: 'Reception', see: 'security.md', codes: RECEPTION_CODES },
  { title: 'Signatures', see: 'signatures.md', codes: SIGNATURE_CODES },
  { title: 'Formats', see: 'formats.md', codes: FORMAT_CODES },
  { title: 'Zip deposits', see: 'formats.md#zip-deposits-srcformatszipts-detectdeposit', codes: ZIP_CODES },
  { title: 'Schemas', see: 'schemas.md', codes: SCHEMA_CODES },
  { title: 'Chorus Pro rules', see: 'chorus-pro-behaviour.md', codes: CHORUS_CODES },
  { title: 'Cycle de vie deposits', see: 'return-flows.md', codes: CYCLE_DE_VIE_CODES },
  { title: 'SFTP refusals', see: 'sftp.md', codes: SFTP_CODES },
];
