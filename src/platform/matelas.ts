/**
 * The matelas de données: the test data set a partner receives in qualification (structures, services,
 * commitments, accounts, invoices already on the platform), as the platform's CSV report and as
 * directory records. Deterministic: same seed, partner, set and clock give the same bytes.
 */
import { createHash } from 'node:crypto';
import type {
  DirectoryCommitment,
  DirectoryData,
  DirectoryService,
  DirectoryStructure,
  DirectoryUser,
  StructureKind,
} from '../store/directory.ts';
import type { NewInvoice } from '../store/invoices.ts';
import { STRUCTURE_KINDS, SUPPLIER_KINDS } from '../store/directory.ts';
import { API_STATUSES } from './lifecycle.ts';

interface MatelasRow {
  entite: string;
  libelle: string;
  valeur: string;
}
interface MatelasOptions {
  seed: string;
  partner: string;
  /** 1..99: set numbers are part of every identifier. */
  set: number;
  /** The GP account id of the partner's technical account, as in the file name. */
  accountId: string;
  now: Date;
}
export interface Matelas {
  rows: MatelasRow[];
  directory: DirectoryData;
  csv: string;
  fileName: string;
}

export const MATELAS_HEADER = 'Entite;Libelle;Valeur';
const ENTITY_FACTURE = 'Facture';
const ENTITY_EJ = 'Engagement Juridique';
export const MATELAS_ENTITIES: readonly string[] = [...STRUCTURE_KINDS, ENTITY_FACTURE, ENTITY_EJ];

/** Sizes chosen so a set is about 2,300 lines like the platform's file. */
const SERVICES_PER_RECIPIENT = 22;
const SERVICES_PER_SUPPLIER = 2;
const COMMITMENTS_PER_RECIPIENT = 6;
const INVOICE_CADRES = ['A1', 'A2', 'A3', 'A9', 'A12', 'A5'] as const;
const MAX_SET = 99;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: xoshiro128** seeded from SHA-256(seed|partner|set).

function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest();
  const s = [h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)];
  if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1; // xoshiro's one forbidden state
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]) >>> 0;
    s[0] = (s[0]! ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result / 2 ** 32;
  };
}

// ---------------------------------------------------------------------------------------------
// Identifiers

/** Luhn check over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function luhnKey(body: string): string {
  for (let k = 0; k < 10; k++) if (luhnValid(body + k)) return String(k);
  throw new Error('unreachable');
}

/**
 * An 8-digit number per partner. Codes of the platform's `AAA999` shape map one-to-one
 * (letters base 26, then the digits: 0..17,575,999), so two such partners never share identifiers.
 * Other codes hash into 17,576,000..99,999,999; a collision there is caught by the directory's keys.
 */
export function partnerNumber(partner: string): number {
  const m = /^([A-Z])([A-Z])([A-Z])([0-9]{3})$/.exec(partner);
  if (m) {
    const letters = [m[1]!, m[2]!, m[3]!].reduce((n, c) => n * 26 + (c.charCodeAt(0) - 65), 0);
    return letters * 1000 + Number(m[4]);
  }
  const h = createHash('sha256').update(partner).digest().readUInt32BE(0);
  return 17_576_000 + (h % 82_424_000);
}

/**
 * A fictitious SIRET that cannot be a real establishment: its first nine digits (the SIREN) FAIL the
 * Luhn check, which every SIREN INSEE assigns passes; the fourteen digits pass it, as a SIRET must.
 * Layout (one-to-one): SIREN = (10 + structure index)(2) + partner number / 100 (6) + wrong key (1);
 * NIC = partner number % 100 (2) + set (2) + SIRET key (1).
 */
export function fictitiousSiret(pn: number, set: number, structureIndex: number): string {
  if (structureIndex < 0 || structureIndex > 89) throw new RangeError('structure index out of range');
  const body = String(10 + structureIndex) + String(Math.floor(pn / 100)).padStart(6, '0');
  const sirenKey = (Number(luhnKey(body)) + 5) % 10;
  const siren = body + sirenKey;
  const nicBody = String(pn % 100).padStart(2, '0') + String(set).padStart(2, '0');
  const siret = siren + nicBody + luhnKey(siren + nicBody);
  return siret;
}

/** Numeric ids (structures, services, users, invoices): 10^12 + ((pn·100 + set)·1000 + counter), never from the sequence. */
function idFor(pn: number, set: number, counter: number): number {
  return 1_000_000_000_000 + (pn * 100 + set) * 1000 + counter;
}

// ---------------------------------------------------------------------------------------------
// Names and passwords

const CITIES = [
  'Valfleury',
  'Montclaret',
  'Saint-Aubrac',
  'Rivemont',
  'Lormeval',
  'Beaucastel',
  'Pradines-sur-Loue',
  'Clairbois',
  'Fontanel',
  'Haute-Serre',
];
const TRADES = [
  'Fournitures',
  'Travaux',
  'Conseil',
  'Informatique',
  'Nettoyage',
  'Restauration',
  'Transports',
  'Bâtiment',
];
const SERVICE_NAMES = [
  'Direction des achats',
  'Service financier',
  'Service technique',
  'Ressources humaines',
  'Direction juridique',
  'Service informatique',
  'Voirie',
  'Affaires scolaires',
  'Service culturel',
  'Comptabilité',
];
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
// No `;` (separator), quotes, or formula characters.
const SPECIAL = '!#$%*?_.';

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

function pickChar(rnd: () => number, chars: string): string {
  return chars[Math.floor(rnd() * chars.length)]!;
}

/** 14 characters, the 4 classes present (the rule asks ≥ 12 and 3 of 4), starting with a letter. */
function generatePassword(rnd: () => number): string {
  const chars = [pickChar(rnd, UPPER), pickChar(rnd, LOWER), pickChar(rnd, DIGITS), pickChar(rnd, SPECIAL)];
  const all = UPPER + LOWER + DIGITS + SPECIAL;
  while (chars.length < 13) chars.push(pickChar(rnd, all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return pickChar(rnd, UPPER + LOWER) + chars.join('');
}

export function passwordFollowsRule(p: string): boolean {
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(p)).length;
  return p.length >= 12 && classes >= 3;
}

function structureName(rnd: () => number, kind: StructureKind, index: number): string {
  const city = pick(rnd, CITIES);
  switch (kind) {
    case 'Fournisseur Partenaire':
      return `SAS ${pick(rnd, TRADES)} ${city} QUALIF`;
    case 'Valideur Partenaire':
      return `SARL Cotraitance ${city} QUALIF`;
    case 'MOE Partenaire':
      return `Cabinet maitrise d'oeuvre ${city} QUALIF`;
    case 'MOA Partenaire':
      return `Syndicat intercommunal de ${city} QUALIF`;
    case 'Destinataire Etat':
      return `Prefecture de ${city} QUALIF`;
    default:
      return `Commune de ${city} ${index} QUALIF`;
  }
}

function parameters(
  kind: StructureKind,
): Pick<
  DirectoryStructure,
  'codeServiceDoitEtreRenseigne' | 'numeroEjDoitEtreRenseigne' | 'gestionNumeroEjOuCodeService'
> {
  return {
    codeServiceDoitEtreRenseigne: kind === 'Destinataire avec service obligatoire',
    // State recipients require the commitment number (inferred: Chorus Cœur pays against an EJ).
    numeroEjDoitEtreRenseigne: kind === 'Destinataire avec EJ obligatoire' || kind === 'Destinataire Etat',
    gestionNumeroEjOuCodeService: kind === 'Destinataire avec EJ ou service obligatoire',
  };
}

// ---------------------------------------------------------------------------------------------
// CSV

const FORMULA_START = /^[=+\-@\t\r]/;

/** Refuses what a spreadsheet would run as a formula: values are ours, so this is a generator bug. */
function safe(v: string): string {
  if (FORMULA_START.test(v)) throw new Error(`matelas value would be read as a formula: ${v}`);
  return v;
}

function csvField(v: string): string {
  return /[;"\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function toCsv(rows: readonly MatelasRow[]): string {
  return (
    [MATELAS_HEADER, ...rows.map((r) => [r.entite, r.libelle, r.valeur].map(csvField).join(';'))].join('\n') + '\n'
  );
}

/** `yyyyMMddHHmm` in Paris time, as the platform (a French service) stamps its reports. */
function parisStamp(d: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('fr-FR', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}${parts.month}${parts.day}${parts.hour}${parts.minute}`;
}

function matelasFileName(accountId: string, now: Date): string {
  return `Rapport_${accountId}_CREATION_${parisStamp(now)}.csv`;
}

const yesNo = (b: boolean) => (b ? 'Oui' : 'Non');

// ---------------------------------------------------------------------------------------------

export function generateMatelas(opts: MatelasOptions): Matelas {
  const { partner, set } = opts;
  if (!Number.isInteger(set) || set < 1 || set > MAX_SET) throw new RangeError(`set must be 1..${MAX_SET}`);
  if (!/^[A-Za-z0-9_-]+$/.test(opts.accountId)) throw new Error(`invalid account id: ${opts.accountId}`);
  const rnd = seededRandom(`${opts.seed}|${partner}|${set}`);
  const pn = partnerNumber(partner);
  let counter = 0;
  const nextId = () => idFor(pn, set, ++counter);
  const pnText = String(pn).padStart(8, '0');
  const setText = String(set).padStart(2, '0');

  const rows: MatelasRow[] = [];
  const row = (entite: string, libelle: string, valeur: string | number) =>
    rows.push({ entite, libelle, valeur: safe(String(valeur)) });
  const structures: DirectoryStructure[] = [];
  const services: DirectoryService[] = [];
  const commitments: DirectoryCommitment[] = [];
  const users: DirectoryUser[] = [];
  const invoices: NewInvoice[] = [];

  STRUCTURE_KINDS.forEach((kind, index) => {
    const supplierSide = SUPPLIER_KINDS.includes(kind);
    const structure: DirectoryStructure = {
      id: nextId(),
      siret: fictitiousSiret(pn, set, index),
      name: structureName(rnd, kind, index),
      kind,
      active: true,
      ...parameters(kind),
      issuesInvoices: supplierSide,
      receivesInvoices: !supplierSide,
    };
    structures.push(structure);
    const tag = supplierSide ? 'FOUR' : 'DEST';
    const gp: DirectoryUser = {
      id: nextId(),
      structureId: structure.id,
      role: 'GP',
      login: '',
      password: generatePassword(rnd),
    };
    gp.login = `GEST_${tag}${gp.id}@cpp2017.fr`;
    users.push(gp);
    row(kind, 'Identifiant Compte GP', gp.id);
    row(kind, 'Login compte GP', gp.login);
    row(kind, 'Mot de passe Compte GP', gp.password);
    row(kind, 'Identifiant Structure', structure.id);
    row(kind, 'SIRET Structure', structure.siret);
    row(kind, 'Raison sociale Structure', structure.name);
    row(kind, 'Code service doit etre renseigne', yesNo(structure.codeServiceDoitEtreRenseigne));
    row(kind, 'Numero EJ doit etre renseigne', yesNo(structure.numeroEjDoitEtreRenseigne));
    row(kind, 'Gestion numero EJ ou code service', yesNo(structure.gestionNumeroEjOuCodeService));

    const serviceCount = supplierSide ? SERVICES_PER_SUPPLIER : SERVICES_PER_RECIPIENT;
    const mixed = kind === 'Destinataire avec services avec et sans EJ obligatoire';
    const own: DirectoryService[] = [];
    for (let i = 1; i <= serviceCount; i++) {
      const last = i === serviceCount && !supplierSide;
      const ejRequired = mixed && !last && i % 2 === 1;
      const nn = String(i).padStart(2, '0');
      // The last service of each recipient is inactive, so "service inactif" can be tested everywhere.
      const code = last
        ? 'SERVICE_INACTIF'
        : mixed
          ? ejRequired
            ? `SERVICE_EJ_${nn}`
            : `SERVICE_SANS_EJ_${nn}`
          : `SERVICE_${nn}`;
      const s: DirectoryService = {
        id: nextId(),
        structureId: structure.id,
        code,
        name: `${pick(rnd, SERVICE_NAMES)} ${nn}`,
        active: !last,
        ejRequired,
      };
      own.push(s);
      services.push(s);
      row(kind, 'Identifiant Service', s.id);
      row(kind, 'Code du service', s.code);
      row(kind, 'Libelle du service', s.name);
      row(kind, 'Service actif', yesNo(s.active));
      row(kind, 'Numero EJ obligatoire pour le service', yesNo(s.ejRequired));
    }
    for (const n of [1, 2]) {
      const u: DirectoryUser = {
        id: nextId(),
        structureId: structure.id,
        role: 'UTILISATEUR',
        login: '',
        password: generatePassword(rnd),
      };
      u.login = `UTIL${n}_${tag}${u.id}@cpp2017.fr`;
      users.push(u);
      row(kind, `Identifiant Compte Utilisateur ${n}`, u.id);
      row(kind, `Login Compte Utilisateur ${n}`, u.login);
      row(kind, `Mot de passe Compte Utilisateur ${n}`, u.password);
    }
    if (!supplierSide) {
      const ejServices = own.filter((s) => s.ejRequired);
      for (let i = 1; i <= COMMITMENTS_PER_RECIPIENT; i++) {
        const c: DirectoryCommitment = {
          number: `EJ${pnText}${setText}${String(index).padStart(2, '0')}${i}`,
          structureId: structure.id,
        };
        const svc = ejServices.length ? ejServices[(i - 1) % ejServices.length] : undefined;
        if (svc) c.serviceCode = svc.code;
        commitments.push(c);
      }
    }
  });

  const bySiret = new Map(structures.map((s) => [s.id, s]));
  for (const c of commitments) {
    row(ENTITY_EJ, 'Numero EJ', c.number);
    row(ENTITY_EJ, 'SIRET Structure', bySiret.get(c.structureId)!.siret);
    row(ENTITY_EJ, 'Code du service', c.serviceCode ?? 'Aucun');
  }

  // Invoices already on the platform: every status 01–12 in several cadres, from the partner's supplier.
  const supplier = structures[0]!;
  const recipients = structures.filter((s) => !SUPPLIER_KINDS.includes(s.kind));
  let n = 0;
  for (const cadre of INVOICE_CADRES) {
    for (const status of API_STATUSES) {
      const recipient = recipients[n % recipients.length]!;
      n++;
      const recipientServices = services.filter((s) => s.structureId === recipient.id && s.active);
      const service = recipientServices[n % recipientServices.length]!;
      const ej = commitments.find(
        (c) => c.structureId === recipient.id && (!c.serviceCode || c.serviceCode === service.code),
      );
      const ht = Math.round(10000 + rnd() * 990000) / 100;
      const ttc = Math.round(ht * 120) / 100;
      const day = new Date(opts.now.getTime() - Math.floor(1 + rnd() * 90) * 86_400_000).toISOString().slice(0, 10);
      const inv: NewInvoice = {
        id: nextId(),
        partner,
        supplierIdentifier: supplier.siret,
        supplierType: '1',
        supplierName: supplier.name,
        recipientSiret: recipient.siret,
        serviceCode: service.code,
        number: `FQ${pnText}${setText}${String(n).padStart(3, '0')}`,
        date: day,
        typeCode: '380',
        cadre,
        currency: 'EUR',
        amountHt: ht.toFixed(2),
        amountTtc: ttc.toFixed(2),
        amountNet: ttc.toFixed(2),
        status,
      };
      if (ej) inv.commitmentNumber = ej.number;
      invoices.push(inv);
      row(ENTITY_FACTURE, 'Identifiant Facture CPP', inv.id!);
      row(ENTITY_FACTURE, 'Numero de facture', inv.number);
      row(ENTITY_FACTURE, 'Statut', status);
      row(ENTITY_FACTURE, 'Cadre de facturation', cadre);
      row(ENTITY_FACTURE, 'SIRET Fournisseur', inv.supplierIdentifier);
      row(ENTITY_FACTURE, 'SIRET Destinataire', inv.recipientSiret);
      row(ENTITY_FACTURE, 'Code du service', inv.serviceCode!);
      row(ENTITY_FACTURE, 'Numero EJ', inv.commitmentNumber ?? 'Aucun');
      row(ENTITY_FACTURE, 'Date de facture', day);
      row(ENTITY_FACTURE, 'Montant HT', inv.amountHt!);
      row(ENTITY_FACTURE, 'Montant TTC', inv.amountTtc!);
    }
  }

  return {
    rows,
    directory: { partner, set, structures, services, commitments, users, invoices },
    csv: toCsv(rows),
    fileName: matelasFileName(opts.accountId, opts.now),
  };
}

/** Reads a matelas CSV back (header checked, quoted fields handled): what the tests and `matelas show` use. */
export function parseMatelasCsv(csv: string): MatelasRow[] {
  const lines = csv
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => l.length > 0);
  if (lines[0] !== MATELAS_HEADER) throw new Error(`unexpected header: ${lines[0]}`);
  return lines.slice(1).map((line, i) => {
    const fields: string[] = [];
    let cur = '';
    let quoted = false;
    for (let k = 0; k < line.length; k++) {
      const c = line[k]!;
      if (quoted) {
        if (c === '"' && line[k + 1] === '"') {
          cur += '"';
          k++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ';') {
        fields.push(cur);
        cur = '';
      } else cur += c;
    }
    fields.push(cur);
    if (fields.length !== 3) throw new Error(`line ${i + 2}: ${fields.length} fields`);
    return { entite: fields[0]!, libelle: fields[1]!, valeur: fields[2]! };
  });
}
