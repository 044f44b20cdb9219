/** FORMAT, zip deposits: what makes an archive refused whole (bombs, paths, nesting, encryption) before its entries are read. */
import type { CodeDeclaration } from './types.ts';

export const ZIP_CODES = {
  'ZIP-UNREADABLE': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "L'archive zip est illisible.",
    labelEn: 'The zip archive cannot be read.',
    doc: "yauzl's error; an entry inflating past its declared size",
  },
  'ZIP-EMPTY': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "L'archive zip ne contient aucun fichier de facture.",
    labelEn: 'The zip archive holds no invoice file.',
    doc: 'no entry, or only directories / `__MACOSX` / dotfiles',
  },
  'ZIP-TOO-MANY-ENTRIES': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "L'archive zip contient trop de fichiers.",
    labelEn: 'The zip archive holds too many files.',
    doc: '> `maxInvoices` files (> `maxEntries` entries)',
  },
  'ZIP-TOO-LARGE': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "La taille décompressée de l'archive zip dépasse la limite autorisée.",
    labelEn: 'The uncompressed size of the zip archive exceeds the limit.',
    doc: 'declared or inflated total > `maxUncompressedKo`',
  },
  'ZIP-RATIO': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "Le taux de compression de l'archive zip est anormal (bombe de décompression).",
    labelEn: 'The compression ratio of the zip archive is abnormal (decompression bomb).',
    doc: 'entry or overall ratio > `maxRatio` past 1 MiB; file = the entry',
  },
  'ZIP-NESTED': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "L'archive zip contient une autre archive zip, interdite.",
    labelEn: 'The zip archive contains another zip archive, which is not allowed.',
    doc: "by content (whatever the entry's name); file = the entry",
  },
  'ZIP-ENCRYPTED': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "L'archive zip contient un fichier chiffré.",
    labelEn: 'The zip archive contains an encrypted file.',
    doc: 'general purpose flag bit 0; file = the entry',
  },
  'ZIP-COMPRESSION-UNSUPPORTED': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "L'archive zip utilise une méthode de compression non supportée.",
    labelEn: 'The zip archive uses an unsupported compression method.',
    doc: 'method other than 0 (stored) or 8 (deflate)',
  },
  'ZIP-ENTRY-PATH': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "Le nom d'un fichier de l'archive zip est interdit (chemin absolu ou remontant l'arborescence).",
    labelEn: 'A file name in the zip archive is not allowed (absolute path or path going up the tree).',
    doc: '`/…`, `C:…`, a `..` segment, control characters; detail = the name',
  },
  'ZIP-ENTRY-LINK': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "Un fichier de l'archive zip est un lien symbolique, interdit.",
    labelEn: 'A file of the zip archive is a symbolic link, which is not allowed.',
    doc: 'Unix mode `S_IFLNK` (never followed); file = the entry',
  },
  'ZIP-ENTRY-NOT-INVOICE': {
    nature: 'FORMAT',
    severity: 'fatal',
    labelFr: "Le fichier de l'archive zip n'est pas une facture.",
    labelEn: 'The file of the zip archive is not an invoice.',
    doc: 'a Cycle de vie flow inside a zip: rejects that document only',
  },
} as const satisfies Record<string, CodeDeclaration>;

export type ZipCode = keyof typeof ZIP_CODES;
