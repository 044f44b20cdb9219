/**
 * Reader of a recipient's "Cycle de vie" deposit (syntax IN_CDV_CPP_STATUT): a CPPStatut carrying
 * CPPFactureStatuts. It reads into the same InvoiceStatusReport the writers take, and checks what
 * the model needs, so a report it returns can be written back unchanged. XSD validation against
 * xsd/CPPStatut.xsd is the schema stage's job; this reader does not depend on it having run.
 */
import { finding } from '../../finding.ts';
import { decodeXml } from '../decode.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { formatFinding, PROBLEM_CODE } from '../syntax.ts';
import { parseTree, type XNode } from '../read/tree.ts';
import { scanText } from '../xml.ts';
import type { Finding } from '../../finding.ts';
import { INVOICE_STATUS_CODES, LIMITS } from './model.ts';
import type { InvoiceStatusEntry, InvoiceStatusReport } from './model.ts';
import { charLength, isIsoDate, parseDateTime } from './xml.ts';

export const CDV_SYNTAXE_FLUX = 'IN_CDV_CPP_STATUT';

type Node = XNode;
type Result = { ok: true; report: InvoiceStatusReport } | { ok: false; findings: Finding[] };

/** An element that is a structure (children or attributes), not a bare value: what the model descends into. */
function isStructure(n: Node): boolean {
  return n.children.length > 0 || Object.keys(n.attrs).length > 0;
}

/** The first child element of that name, when it is a structure. */
function nodeOf(parent: Node | undefined, name: string): Node | undefined {
  const n = parent?.children.find((c) => c.name === name);
  return n && isStructure(n) ? n : undefined;
}

/** Trimmed text of a child element; undefined when absent. */
function textOf(parent: Node | undefined, name: string): string | undefined {
  return parent?.children.find((c) => c.name === name)?.text;
}

/** Every child element of that name. */
function listOf(parent: Node | undefined, name: string): Node[] {
  return parent?.children.filter((c) => c.name === name) ?? [];
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
    const v = textOf(parent, name);
    if (v === undefined || v === '') {
      this.missing(`${base}/${name}`);
      return undefined;
    }
    return v;
  }

  /** Optional text child; an empty element counts as absent. */
  optional(parent: Node | undefined, name: string): string | undefined {
    const v = textOf(parent, name);
    return v === undefined || v === '' ? undefined : v;
  }
}

function readPartner(
  c: Collector,
  partners: Node | undefined,
  role: 'Recepteur' | 'Emetteur',
  base: string,
): string | undefined {
  const id = c.req(nodeOf(partners, role), 'Id', `${base}/${role}`);
  if (id !== undefined && (charLength(id) < LIMITS.partnerIdMin || charLength(id) > LIMITS.partnerIdMax)) {
    c.invalid(`${base}/${role}/Id`, id, `${LIMITS.partnerIdMin} à ${LIMITS.partnerIdMax} caractères attendus`);
    return undefined;
  }
  return id;
}

function readEntry(c: Collector, u: Node, base: string): InvoiceStatusEntry | undefined {
  const before = c.findings.length;
  const sup = nodeOf(u, 'Fournisseur');
  const deb = nodeOf(u, 'Debiteur');
  const data = nodeOf(u, 'DonneesStatut');
  if (!sup) c.missing(`${base}/Fournisseur`);
  if (!deb) c.missing(`${base}/Debiteur`);
  if (!data) c.missing(`${base}/DonneesStatut`);
  if (!sup || !deb || !data) return undefined;

  const typeText = c.req(sup, 'TypeIdentifiant', `${base}/Fournisseur`);
  const typeIdentifiant = typeText === undefined ? undefined : normaliseCode(typeText, 1);
  if (typeText !== undefined && (typeIdentifiant === undefined || !/^[1-7]$/.test(typeIdentifiant)))
    c.invalid(`${base}/Fournisseur/TypeIdentifiant`, typeText, '1 à 7 attendu');
  const identifiant = c.req(sup, 'Identifiant', `${base}/Fournisseur`);
  const raisonSociale = textOf(sup, 'RaisonSociale');
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
  const producer = data.children.find((n) => n.name === 'Producteur')?.attrs['Id'];

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
 * Reads a "Cycle de vie" deposit: as bytes (decoded by the product's one XML decoder) or text, parsed once
 * into the element tree (well-formedness as detection judges it); or the tree detection already parsed.
 * Every problem found is reported, not only the first.
 */
export function readInvoiceStatuses(xml: string | Buffer, parsed?: XNode): Result {
  let root = parsed;
  if (!root) {
    const read = parseStatuses(xml);
    if (!read.ok) return read;
    root = read.root;
  }
  if (root.name !== 'CPPStatut' || root.qname !== root.name || !isStructure(root)) {
    return { ok: false, findings: [finding('FMT-CDV-ROOT', { detail: `racine trouvée : ${root.qname}` })] };
  }
  return readReport(root);
}

/** The element tree of a deposit, or why there is none (DOCTYPE, not well-formed, undecodable). */
function parseStatuses(xml: string | Buffer): { ok: true; root: XNode } | { ok: false; findings: Finding[] } {
  let source: string;
  let encoding = 'utf-16';
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
    encoding = decoded.encoding;
  }
  const text = source.replace(/^\uFEFF/, '');
  const scanned = scanText(text, encoding);
  if (!scanned.ok) {
    const p = scanned.problem;
    // DOCTYPE brings entity expansion and external fetches: refused outright, like the other formats.
    if (p.kind === 'doctype') return { ok: false, findings: [finding('FMT-CDV-DOCTYPE')] };
    const location = p.line !== undefined ? { location: { line: p.line, column: p.column ?? 0 } } : {};
    return { ok: false, findings: [finding('FMT-CDV-MALFORMED', { detail: p.message, ...location })] };
  }
  // saxes decided (no tree built): the document is well-formed, parse it.
  return { ok: true, root: scanned.scan.tree ?? parseTree(text, DEFAULT_LIMITS) };
}

function readReport(root: XNode): Result {
  const c = new Collector();
  if (root.children.some((n) => n.name === 'CPPFluxStatuts')) {
    // The structure allows both; the platform takes only invoice statuses in a lifecycle deposit.
    c.findings.push(
      finding('RG-CDV-FLUX-STATUTS', {
        location: { xpath: '/CPPStatut/CPPFluxStatuts' },
      }),
    );
    return { ok: false, findings: c.findings };
  }

  const unit = listOf(nodeOf(root, 'Enveloppe'), 'EnveloppeUnitaire').find(isStructure);
  const ebase = '/CPPStatut/Enveloppe/EnveloppeUnitaire';
  let flowId: string | undefined;
  let producedAt: Date | undefined;
  let partnerCode: string | undefined;
  let emitter: string | undefined;
  if (!unit) c.missing(ebase);
  else {
    const params = listOf(nodeOf(unit, 'Parametres'), 'ParametreIndiv').filter(isStructure);
    const param = (code: string): string | undefined => {
      const p = params.find((x) => textOf(x, 'Code')?.trim() === code);
      const v = p === undefined ? undefined : textOf(p, 'Valeurparametre');
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
    const partners = nodeOf(unit, 'Partenaires');
    if (!partners) c.missing(`${ebase}/Partenaires`);
    else {
      partnerCode = readPartner(c, partners, 'Recepteur', `${ebase}/Partenaires`);
      emitter = readPartner(c, partners, 'Emetteur', `${ebase}/Partenaires`);
    }
  }

  const list = listOf(nodeOf(root, 'CPPFactureStatuts'), 'CPPFactureStatutUnitaire').filter(isStructure);
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
