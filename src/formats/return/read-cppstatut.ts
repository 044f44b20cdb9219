/**
 * Reader of a recipient's "Cycle de vie" deposit (syntax IN_CDV_CPP_STATUT): a CPPStatut carrying
 * CPPFactureStatuts. It reads into the same InvoiceStatusReport the writers take, and checks what
 * the model needs, so a report it returns can be written back unchanged. XSD validation against
 * xsd/CPPStatut.xsd is the schema stage's job; this reader does not depend on it having run.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { finding } from '../../finding.ts';
import { decodeXml } from '../decode.ts';
import { formatFinding, PROBLEM_CODE } from '../syntax.ts';
import type { Finding } from '../../finding.ts';
import { INVOICE_STATUS_CODES, LIMITS } from './model.ts';
import type { InvoiceStatusEntry, InvoiceStatusReport } from './model.ts';
import { charLength, isIsoDate, parseDateTime } from './xml.ts';

export const CDV_SYNTAXE_FLUX = 'IN_CDV_CPP_STATUT';

type Node = Record<string, unknown>;
type Result = { ok: true; report: InvoiceStatusReport } | { ok: false; findings: Finding[] };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Decodes numeric character references (&#13;, &#xE9;) too; `&amp;` is decoded last, so `&amp;#13;` stays literal.
  htmlEntities: true,
  isArray: (name) => ['EnveloppeUnitaire', 'ParametreIndiv', 'CPPFactureStatutUnitaire'].includes(name),
});

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Text content of an element: fast-xml-parser gives a string, or an object with `#text` when it has attributes. */
function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isNode(v)) return typeof v['#text'] === 'string' ? v['#text'] : '';
  return undefined;
}

/** `+01`, `1`, `001` → `01`: the lexical forms the official (integer-typed) structure allows. */
function normaliseCode(text: string, width: number): string | undefined {
  const m = /^\+?0*(\d+)$/.exec(text.trim());
  return m ? m[1]!.padStart(width, '0') : undefined;
}

class Collector {
  readonly findings: Finding[] = [];

  missing(xpath: string): void {
    const name = xpath.slice(xpath.lastIndexOf('/') + 1);
    this.findings.push(finding('SCH-CDV-ELEMENT-ABSENT', { params: { name }, location: { xpath } }));
  }

  invalid(xpath: string, value: string, why: string): void {
    const name = xpath.slice(xpath.lastIndexOf('/') + 1);
    this.findings.push(
      finding('SCH-CDV-VALEUR', {
        params: { name },
        detail: `"${value}": ${why}`,
        location: { xpath },
      }),
    );
  }

  /** Mandatory text child. */
  req(parent: Node | undefined, name: string, base: string): string | undefined {
    const v = textOf(parent?.[name]);
    if (v === undefined || v === '') {
      this.missing(`${base}/${name}`);
      return undefined;
    }
    return v;
  }

  /** Optional text child; an empty element counts as absent. */
  optional(parent: Node | undefined, name: string): string | undefined {
    const v = textOf(parent?.[name]);
    return v === undefined || v === '' ? undefined : v;
  }
}

function readPartner(
  c: Collector,
  partners: Node | undefined,
  role: 'Recepteur' | 'Emetteur',
  base: string,
): string | undefined {
  const node = partners?.[role];
  const id = c.req(isNode(node) ? node : undefined, 'Id', `${base}/${role}`);
  if (id !== undefined && (charLength(id) < LIMITS.partnerIdMin || charLength(id) > LIMITS.partnerIdMax)) {
    c.invalid(`${base}/${role}/Id`, id, `${LIMITS.partnerIdMin} à ${LIMITS.partnerIdMax} caractères attendus`);
    return undefined;
  }
  return id;
}

function readEntry(c: Collector, u: Node, base: string): InvoiceStatusEntry | undefined {
  const before = c.findings.length;
  const sup = isNode(u['Fournisseur']) ? u['Fournisseur'] : undefined;
  const deb = isNode(u['Debiteur']) ? u['Debiteur'] : undefined;
  const data = isNode(u['DonneesStatut']) ? u['DonneesStatut'] : undefined;
  if (!sup) c.missing(`${base}/Fournisseur`);
  if (!deb) c.missing(`${base}/Debiteur`);
  if (!data) c.missing(`${base}/DonneesStatut`);
  if (!sup || !deb || !data) return undefined;

  const typeText = c.req(sup, 'TypeIdentifiant', `${base}/Fournisseur`);
  const typeIdentifiant = typeText === undefined ? undefined : normaliseCode(typeText, 1);
  if (typeText !== undefined && (typeIdentifiant === undefined || !/^[1-7]$/.test(typeIdentifiant)))
    c.invalid(`${base}/Fournisseur/TypeIdentifiant`, typeText, '1 à 7 attendu');
  const identifiant = c.req(sup, 'Identifiant', `${base}/Fournisseur`);
  const raisonSociale = textOf(sup['RaisonSociale']);
  if (raisonSociale === undefined) c.missing(`${base}/Fournisseur/RaisonSociale`);
  const codePays = c.optional(sup, 'CodePays');
  if (codePays !== undefined && !/^[A-Z]{2}$/.test(codePays))
    c.invalid(`${base}/Fournisseur/CodePays`, codePays, 'code pays ISO 3166 à deux lettres attendu');

  const debType = c.req(deb, 'TypeIdentifiant', `${base}/Debiteur`);
  if (debType !== undefined && normaliseCode(debType, 1) !== '1')
    c.invalid(`${base}/Debiteur/TypeIdentifiant`, debType, '1 (SIRET) attendu');
  const siret = c.req(deb, 'Identifiant', `${base}/Debiteur`);
  if (siret !== undefined && charLength(siret) !== LIMITS.siret)
    c.invalid(`${base}/Debiteur/Identifiant`, siret, 'SIRET de 14 caractères attendu');
  const codeService = c.optional(deb, 'CodeService');
  if (codeService !== undefined && charLength(codeService) > LIMITS.codeService)
    c.invalid(`${base}/Debiteur/CodeService`, codeService, `${LIMITS.codeService} caractères au plus`);

  const dbase = `${base}/DonneesStatut`;
  const statusText = c.req(data, 'IdStatut', dbase);
  const statusCode = statusText === undefined ? undefined : normaliseCode(statusText, 2);
  if (statusText !== undefined && statusCode === undefined)
    c.invalid(`${dbase}/IdStatut`, statusText, 'code numérique attendu');
  else if (statusCode !== undefined && !INVOICE_STATUS_CODES[statusCode]) {
    c.findings.push(
      finding('RG-CDV-STATUT-INCONNU', {
        detail: `IdStatut ${statusText}: seuls les codes 01 à 12 sont pris en charge`,
        location: { xpath: `${dbase}/IdStatut` },
      }),
    );
  }
  const atText = c.req(data, 'Horodatage', dbase);
  const at = atText === undefined ? undefined : parseDateTime(atText);
  if (atText !== undefined && at === undefined)
    c.invalid(`${dbase}/Horodatage`, atText, 'date-heure xs:dateTime attendue');
  const invoiceNumber = c.req(data, 'IdFacture', dbase);
  let invoiceDate = c.optional(data, 'DateFacture');
  if (invoiceDate !== undefined) {
    const day = invoiceDate.slice(0, 10); // xs:date may carry a zone: the calendar day is what we keep
    if (!isIsoDate(day) || !/^(Z|[+-]\d{2}:\d{2})?$/.test(invoiceDate.slice(10)))
      c.invalid(`${dbase}/DateFacture`, invoiceDate, 'date AAAA-MM-JJ attendue');
    invoiceDate = day;
  }
  const producer =
    isNode(data['Producteur']) && typeof data['Producteur']['@_Id'] === 'string'
      ? data['Producteur']['@_Id']
      : undefined;

  if (c.findings.length > before) return undefined;
  const entry: InvoiceStatusEntry = {
    supplier: { typeIdentifiant: typeIdentifiant!, identifiant: identifiant!, raisonSociale: raisonSociale! },
    debtor: { identifiant: siret! },
    statusCode: statusCode!,
    at: at!,
    invoiceNumber: invoiceNumber!,
  };
  if (codePays !== undefined) entry.supplier.codePays = codePays;
  const nom = c.optional(deb, 'Nom');
  const nomService = c.optional(deb, 'NomService');
  if (nom !== undefined) entry.debtor.nom = nom;
  if (codeService !== undefined) entry.debtor.codeService = codeService;
  if (nomService !== undefined) entry.debtor.nomService = nomService;
  const comment = c.optional(data, 'Commentaire');
  if (comment !== undefined) entry.comment = comment;
  if (producer !== undefined) entry.producer = producer;
  if (invoiceDate !== undefined) entry.invoiceDate = invoiceDate;
  return entry;
}

/**
 * Reads a "Cycle de vie" deposit, as bytes (decoded by the product's one XML decoder) or as text.
 * Every problem found is reported, not only the first.
 */
export function readInvoiceStatuses(xml: string | Buffer): Result {
  let source: string;
  if (typeof xml === 'string') source = xml;
  else {
    const decoded = decodeXml(xml);
    if (!decoded.ok) {
      const p = decoded.problem;
      return {
        ok: false,
        findings: [formatFinding(PROBLEM_CODE[p.kind], p.message, { line: p.line, column: p.column })],
      };
    }
    source = decoded.text;
  }
  const text = source.replace(/^\uFEFF/, '');
  // DOCTYPE brings entity expansion and external fetches: refused outright, like the other formats.
  if (/<!DOCTYPE/i.test(text)) {
    return {
      ok: false,
      findings: [finding('FMT-CDV-DOCTYPE')],
    };
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    return {
      ok: false,
      findings: [
        finding('FMT-CDV-MALFORMED', {
          detail: valid.err.msg,
          location: { line: valid.err.line, column: valid.err.col },
        }),
      ],
    };
  }
  const doc = parser.parse(text) as Node;
  const root = doc['CPPStatut'];
  if (!isNode(root)) {
    const found = Object.keys(doc).filter((k) => !k.startsWith('?') && !k.startsWith('#'))[0] ?? '(aucun)';
    return {
      ok: false,
      findings: [
        finding('FMT-CDV-ROOT', {
          detail: `racine trouvée : ${found}`,
        }),
      ],
    };
  }
  const c = new Collector();
  if (root['CPPFluxStatuts'] !== undefined) {
    // The structure allows both; the platform takes only invoice statuses in a lifecycle deposit.
    c.findings.push(
      finding('RG-CDV-FLUX-STATUTS', {
        location: { xpath: '/CPPStatut/CPPFluxStatuts' },
      }),
    );
    return { ok: false, findings: c.findings };
  }

  const env = isNode(root['Enveloppe']) ? root['Enveloppe'] : undefined;
  const units = (env?.['EnveloppeUnitaire'] as unknown[] | undefined)?.filter(isNode) ?? [];
  const unit = units[0];
  const ebase = '/CPPStatut/Enveloppe/EnveloppeUnitaire';
  let flowId: string | undefined;
  let producedAt: Date | undefined;
  let partnerCode: string | undefined;
  let emitter: string | undefined;
  if (!unit) c.missing(ebase);
  else {
    const params = isNode(unit['Parametres'])
      ? ((unit['Parametres']['ParametreIndiv'] as unknown[] | undefined)?.filter(isNode) ?? [])
      : [];
    const param = (code: string): string | undefined => {
      const p = params.find((x) => textOf(x['Code'])?.trim() === code);
      const v = p === undefined ? undefined : textOf(p['Valeurparametre']);
      if (v === undefined || v === '') c.missing(`${ebase}/Parametres/ParametreIndiv[Code='${code}']/Valeurparametre`);
      return v === '' ? undefined : v;
    };
    flowId = param('IdFlx');
    const dtPrd = param('DtPrd');
    if (dtPrd !== undefined) {
      // DtPrd is a date: the report's production instant is that day's midnight, Paris time.
      producedAt = parseDateTime(isIsoDate(dtPrd) ? `${dtPrd}T00:00:00` : dtPrd);
      if (producedAt === undefined)
        c.invalid(
          `${ebase}/Parametres/ParametreIndiv[Code='DtPrd']/Valeurparametre`,
          dtPrd,
          'date AAAA-MM-JJ attendue',
        );
    }
    const partners = isNode(unit['Partenaires']) ? unit['Partenaires'] : undefined;
    if (!partners) c.missing(`${ebase}/Partenaires`);
    else {
      partnerCode = readPartner(c, partners, 'Recepteur', `${ebase}/Partenaires`);
      emitter = readPartner(c, partners, 'Emetteur', `${ebase}/Partenaires`);
    }
  }

  const statuts = isNode(root['CPPFactureStatuts']) ? root['CPPFactureStatuts'] : undefined;
  const list = (statuts?.['CPPFactureStatutUnitaire'] as unknown[] | undefined)?.filter(isNode) ?? [];
  if (list.length === 0) c.missing('/CPPStatut/CPPFactureStatuts/CPPFactureStatutUnitaire');
  const statuses: InvoiceStatusEntry[] = [];
  list.forEach((u, i) => {
    const entry = readEntry(c, u, `/CPPStatut/CPPFactureStatuts/CPPFactureStatutUnitaire[${i + 1}]`);
    if (entry) statuses.push(entry);
  });

  if (
    c.findings.length > 0 ||
    flowId === undefined ||
    producedAt === undefined ||
    partnerCode === undefined ||
    emitter === undefined
  ) {
    return { ok: false, findings: c.findings };
  }
  return { ok: true, report: { flowId, partnerCode, emitter, producedAt, statuses } };
}
