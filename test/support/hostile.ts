import { writeFileSync } from 'node:fs';
import { crc32, deflateRawSync, constants } from 'node:zlib';

/**
 * Hostile files made on the spot, small on disk and huge when opened.
 */

type ZipPart = { name: string; data: Buffer; size: number; crc: number };

const u16 = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** A plain zip (deflate, no zip64) of the given compressed parts. */
function zip(parts: ZipPart[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name, 'utf8');
    const common = Buffer.concat([u16(20), u16(0), u16(8), u16(0), u16(0), u32(p.crc), u32(p.data.length), u32(p.size), u16(name.length), u16(0)]);
    const local = Buffer.concat([u32(0x04034b50), common, name, p.data]);
    central.push(Buffer.concat([u32(0x02014b50), u16(20), common, u16(0), u16(0), u16(0), u32(0), u32(offset), name]));
    locals.push(local);
    offset += local.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(parts.length), u16(parts.length), u32(dir.length), u32(offset), u16(0)]);
  return Buffer.concat([...locals, dir, end]);
}

const part = (name: string, text: string): ZipPart => {
  const data = Buffer.from(text, 'utf8');
  return { name, data: deflateRawSync(data), size: data.length, crc: crc32(data) };
};

/**
 * An XLSX whose only worksheet is one cell of `gib` GiB of letters: a valid zip of about
 * 1 MB per GiB. One MiB is deflated once, its blocks repeated (each refers only to itself),
 * and a final empty block closes the stream; the CRC is the real one.
 */
export function writeXlsxBomb(path: string, gib: number) {
  const head = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>');
  const tail = Buffer.from('</t></is></c></row></sheetData></worksheet>');
  const mib = Buffer.alloc(1024 * 1024, 'A');
  const flushed = (b: Buffer) => deflateRawSync(b, { finishFlush: constants.Z_SYNC_FLUSH });
  const repeats = gib * 1024;
  let crc = crc32(head);
  for (let i = 0; i < repeats; i++) crc = crc32(mib, crc);
  crc = crc32(tail, crc);
  const block = flushed(mib);
  const data = Buffer.concat([flushed(head), ...Array.from({ length: repeats }, () => block), deflateRawSync(tail)]);
  const sheet: ZipPart = { name: 'xl/worksheets/sheet1.xml', data, size: head.length + repeats * mib.length + tail.length, crc };
  writeFileSync(
    path,
    zip([
      part(
        '[Content_Types].xml',
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
      ),
      part(
        'xl/workbook.xml',
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="exam-results" sheetId="1" r:id="rId1"/></sheets></workbook>',
      ),
      sheet,
    ]),
  );
}

/** A YAML "billion laughs": ten levels of nine aliases each. */
export function yamlAliasBomb(): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\nkind: exam-results\nrecords: [*a9]\n`;
}

/** JSON nested `depth` levels deep inside `records`. */
export const deepJson = (depth: number) => `{"kind":"exam-results","records":[${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}]}`;
