/** Reads a compte-rendu back, and validates it against our own XSD. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';

export interface ReadReport {
  idFlx: string;
  status: string;
  originalName: string;
  comment?: string;
  lines: Array<{ nature: string; code: string; label: string; description?: string }>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) => name === 'LigneErreurDetail' || name === 'ParametreIndiv',
});

export function readCppStatut(xml: string): ReadReport {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed document, checked field by field below
  const root = (parser.parse(xml) as Record<string, any>).CPPStatut;
  const params = root.Enveloppe.EnveloppeUnitaire.Parametres.ParametreIndiv as Array<{
    Code: string;
    Valeurparametre: string;
  }>;
  const data = root.CPPFluxStatuts.CPPFluxStatutUnitaire.DonneesStatut;
  const lines = ((data.Details?.LigneErreurDetail ?? []) as Array<Record<string, string>>).map((l) => ({
    nature: String(l.NatureErreur),
    code: String(l.CodeErreur),
    label: String(l.LibelleErreur),
    ...(l.DescriptionErreur !== undefined ? { description: String(l.DescriptionErreur) } : {}),
  }));
  return {
    idFlx: String(params.find((p) => p.Code === 'IdFlx')?.Valeurparametre),
    status: String(data.IdStatut),
    originalName: String(data.IdFlux),
    ...(data.Commentaire !== undefined ? { comment: String(data.Commentaire) } : {}),
    lines,
  };
}

const validators = new Map<string, XsdValidator>();

/** Throws with libxml2's message when `xml` is not valid against `xsd/<name>`. */
export function assertValidAgainst(xsdName: string, xml: string): void {
  let v = validators.get(xsdName);
  if (!v) {
    const schemaDoc = XmlDocument.fromBuffer(readFileSync(path.resolve('xsd', xsdName)));
    v = XsdValidator.fromDoc(schemaDoc);
    validators.set(xsdName, v);
  }
  const doc = XmlDocument.fromString(xml);
  try {
    v.validate(doc);
  } finally {
    doc.dispose();
  }
}
