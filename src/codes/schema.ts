/** SCHEMA: XSD validation against the official (or our own) schemas, one code per kind of libxml2 error we can tell apart. */
import type { CodeDeclaration } from './types.ts';

export const SCHEMA_CODES = {
  'XSD-UNKNOWN-ROOT': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: "L'élément racine du flux n'est pas déclaré par le schéma XSD",
    labelEn: 'The root element is not declared by the XSD',
    doc: '"No matching global declaration available for the validation root" (wrong namespace or root)',
  },
  'XSD-UNEXPECTED-ELEMENT': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: "Le flux n'est pas conforme au schéma XSD : élément inattendu",
    labelEn: 'Not valid against the XSD: unexpected element',
    doc: 'element not allowed here (order, unknown element, not in this profile)',
  },
  'XSD-MISSING-ELEMENT': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: "Le flux n'est pas conforme au schéma XSD : élément obligatoire absent",
    labelEn: 'Not valid against the XSD: mandatory element missing',
    doc: '"Missing child element(s)"',
  },
  'XSD-INVALID-ATTRIBUTE': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: "Le flux n'est pas conforme au schéma XSD : attribut non autorisé ou absent",
    labelEn: 'Not valid against the XSD: attribute not allowed or missing',
    doc: 'attribute not allowed, or required and missing',
  },
  'XSD-INVALID-VALUE': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: "Le flux n'est pas conforme au schéma XSD : valeur invalide",
    labelEn: 'Not valid against the XSD: invalid value',
    doc: 'value not of its type, facet (pattern, length, enumeration) violated, text where only elements are allowed',
  },
  'XSD-INVALID': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: "Le flux n'est pas conforme au schéma XSD",
    labelEn: 'Not valid against the XSD',
    doc: 'any other schema error; also a document libxml2 refuses to validate (e.g. unresolved external entity)',
  },
  'XSD-TOO-MANY-ERRORS': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: 'Nombre maximal d’erreurs de schéma atteint, les suivantes ne sont pas listées',
    labelEn: 'Too many schema errors; the rest are not listed',
    doc: 'added after the 50th finding',
  },
  'XSD-XML-MALFORMED': {
    nature: 'SCHEMA',
    severity: 'fatal',
    labelFr: "Le flux n'est pas un document XML bien formé",
    labelEn: 'The flow is not well-formed XML',
    doc: 'the XML does not parse (normally caught earlier by syntax detection)',
  },
} as const satisfies Record<string, CodeDeclaration>;

export type SchemaCode = keyof typeof SCHEMA_CODES;
