/**
 * Hostile flows, generated in memory (nothing big is committed): deep and huge XML, entity tricks,
 * zip and PDF bombs, broken archives, CMS garbage; and one large valid invoice for the memory bound.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { constants, crc32, deflateRawSync } from 'node:zlib';

const CORPUS = path.resolve('test/corpus');
export const UBL_NS = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
export const UBL_EXAMPLE = readFileSync(path.join(CORPUS, 'valid/ubl/cen-ubl-tc434-example1.xml'));

/**
 * A valid UBL invoice of about `bytes` bytes: the corpus example plus lines of amount 0.00, so every total and
 * the VAT breakdown stay right however many lines there are. `tag` makes the bytes unique (no duplicate).
 */
export function largeValidUbl(bytes: number, tag = ''): Buffer {
  const xml = UBL_EXAMPLE.toString('utf8').replace('<cbc:ID>', `<!-- ${tag} --><cbc:ID>`);
  const end = xml.lastIndexOf('</cac:InvoiceLine>') + '</cac:InvoiceLine>'.length;
  const line = (n: number) => `
    <cac:InvoiceLine>
        <cbc:ID>Z${n}</cbc:ID>
        <cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>
        <cbc:LineExtensionAmount currencyID="EUR">0.00</cbc:LineExtensionAmount>
        <cac:Item>
            <cbc:Name>Ligne de remplissage ${n}</cbc:Name>
            <cac:ClassifiedTaxCategory>
                <cbc:ID>S</cbc:ID>
                <cbc:Percent>25</cbc:Percent>
                <cac:TaxScheme>
                    <cbc:ID>VAT</cbc:ID>
                </cac:TaxScheme>
            </cac:ClassifiedTaxCategory>
        </cac:Item>
        <cac:Price>
            <cbc:PriceAmount currencyID="EUR">0.00</cbc:PriceAmount>
        </cac:Price>
    </cac:InvoiceLine>`;
  const per = Buffer.byteLength(line(1000000));
  const count = Math.max(0, Math.floor((bytes - xml.length) / per));
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(line(1000000 + i));
  return Buffer.from(xml.slice(0, end) + lines.join('') + xml.slice(end));
}

const ublRoot = (body: string, prolog = '<?xml version="1.0" encoding="UTF-8"?>\n') =>
  Buffer.from(`${prolog}<Invoice xmlns="${UBL_NS}">${body}</Invoice>`);

/** `depth` nested elements (plus the root). 60,000 levels ≈ 420 KB. */
export function deepXml(depth: number): Buffer {
  return ublRoot('<a>'.repeat(depth) + '</a>'.repeat(depth));
}
export function hugeAttribute(chars: number): Buffer {
  return ublRoot(`<a note="${'x'.repeat(chars)}"/>`);
}
export function hugeText(chars: number): Buffer {
  return ublRoot(`<a>${'y'.repeat(chars)}</a>`);
}
export function hugeCdata(chars: number): Buffer {
  return ublRoot(`<a><![CDATA[${'y'.repeat(chars)}]]></a>`);
}
export const billionLaughs = Buffer.from(`<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<Invoice xmlns="${UBL_NS}"><a>&lol9;</a></Invoice>`);
export const externalEntity = Buffer.from(`<?xml version="1.0"?>
<!DOCTYPE Invoice [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Invoice xmlns="${UBL_NS}"><a>&xxe;</a></Invoice>`);
/** No DOCTYPE: an undeclared entity reference alone. */
export const undeclaredEntity = ublRoot('<a>&xxe;</a>');
export const xinclude = ublRoot(
  '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>',
);
export const doctypeOnly = Buffer.from(`<?xml version="1.0"?>\n<!DOCTYPE Invoice>\n<Invoice xmlns="${UBL_NS}"/>`);
export const nulBytes = Buffer.concat([ublRoot('<a>x').subarray(0, 60), Buffer.from([0, 0, 0]), ublRoot('')]);
export const latin1AsUtf8 = Buffer.concat([
  Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="' + UBL_NS + '"><a>caf'),
  Buffer.from([0xe9]),
  Buffer.from('</a></Invoice>'),
]);
export const utf32 = Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), Buffer.from('<', 'utf16le')]);
export const ebcdicDeclared = Buffer.from(
  `<?xml version="1.0" encoding="EBCDIC-CP-US"?>\n<Invoice xmlns="${UBL_NS}"/>`,
);

// ---------------------------------------------------------------------------------------------
// Zip archives, every field under the test's control.

export interface RawEntry {
  name: string;
  data: Buffer;
  deflate?: boolean;
  /** Declared uncompressed size, when the header must lie. */
  claimedSize?: number;
  encrypted?: boolean;
  /** Unix symbolic link (made on Unix, mode 0120777). */
  symlink?: boolean;
  /** Already-compressed body (raw deflate) to store as is, with `data.length`/`claimedSize` declared. */
  body?: Buffer;
}

export function zipOf(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.body ?? (e.deflate === false ? e.data : deflateRawSync(e.data));
    const method = e.deflate === false ? 0 : 8;
    const flags = 0x800 | (e.encrypted ? 1 : 0);
    const size = e.claimedSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.symlink ? 0x0314 : 20, 4); // made by: Unix (3), version 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    if (e.symlink) central.writeUInt32LE((0o120777 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Raw deflate of `mib` MiB of zeros, from one full-flushed 1 MiB segment repeated: ~1 KB per MiB, built at once. */
export function rawZeros(mib: number): Buffer {
  const seg = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(mib).fill(seg), Buffer.from([0x03, 0x00])]);
}

/** The same as a zlib stream (header and Adler-32), as PDF FlateDecode streams are. */
export function zlibZeros(mib: number): Buffer {
  const n = mib * (1 << 20);
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((n % 65521) << 16) | 1) >>> 0);
  return Buffer.concat([Buffer.from([0x78, 0x9c]), rawZeros(mib), adler]);
}

/** A zip whose one entry inflates to `mib` MiB (declared truthfully unless `claimed` is given). */
export function zipBomb(mib: number, claimed?: number): Buffer {
  return zipOf([
    {
      name: 'facture.xml',
      data: Buffer.alloc(0),
      body: rawZeros(mib),
      claimedSize: claimed ?? mib * (1 << 20),
    },
  ]);
}

// ---------------------------------------------------------------------------------------------
// PDFs written by hand: only the objects the attack needs.

function pdfOf(objects: Array<string | Buffer>, trailer: string): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n')];
  for (const o of objects) parts.push(Buffer.isBuffer(o) ? o : Buffer.from(o));
  parts.push(Buffer.from(`trailer\n${trailer}\n%%EOF\n`));
  return Buffer.concat(parts);
}

const streamObj = (num: number, dict: string, data: Buffer) =>
  Buffer.concat([
    Buffer.from(`${num} 0 obj\n<< ${dict} /Length ${data.length} >>\nstream\n`),
    data,
    Buffer.from('\nendstream\nendobj\n'),
  ]);

const CATALOG_PAGES = '2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n';

/** An object stream (`/ObjStm`) inflating to `mib` MiB. */
export function pdfObjectStreamBomb(mib: number): Buffer {
  return pdfOf(
    [
      '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
      CATALOG_PAGES,
      streamObj(3, '/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode', zlibZeros(mib)),
    ],
    '<< /Root 1 0 R /Size 4 >>',
  );
}

/** A PDF whose embedded `factur-x.xml` is `data` (Flate-compressed as given). */
export function pdfWithFacturX(compressed: Buffer): Buffer {
  return pdfOf(
    [
      '1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(factur-x.xml) 3 0 R] >> >> /AF [3 0 R] >>\nendobj\n',
      CATALOG_PAGES,
      '3 0 obj\n<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /AFRelationship /Data /EF << /F 4 0 R /UF 4 0 R >> >>\nendobj\n',
      streamObj(4, '/Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode', compressed),
    ],
    '<< /Root 1 0 R /Size 5 >>',
  );
}

export const pdfWithoutAttachment = pdfOf(
  ['1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n', CATALOG_PAGES],
  '<< /Root 1 0 R /Size 3 >>',
);

/** CMS-looking garbage: a SEQUENCE opening with the signedData OID, then junk (recognised as CMS, unreadable). */
export function cmsGarbage(bytes: number): Buffer {
  const oid = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
  const body = Buffer.concat([oid, Buffer.alloc(Math.max(0, bytes - oid.length), 0x5a)]);
  const head = Buffer.from([0x30, 0x84, 0, 0, 0, 0]);
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}
