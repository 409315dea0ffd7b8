import { type FileHandle, open } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import { TanuError } from '../core/tanu-error.js';

/**
 * An XLSX is a zip, and a zip can declare a worksheet of a few kilobytes that inflates to
 * gigabytes. Before anything is inflated, the central directory is read and the sizes it
 * declares are summed: a workbook that would unpack beyond the limit is refused whole.
 * Then each entry is inflated once, never past its declared size, and its CRC checked.
 */

export type ZipEntry = { name: string; method: number; crc: number; compressed: number; uncompressed: number; offset: number };

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
const MAX32 = 0xffffffff;
/** The end-of-central-directory record is 22 bytes plus a comment of up to 65,535. */
export const ZIP_TAIL = 22 + 0xffff;

const broken = (kk: string, ru: string) => new TanuError('FILE_UNREADABLE', { detail: { kk: `XLSX файлы бұзылған: ${kk}`, ru: `файл XLSX повреждён: ${ru}` } });

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/** Pure: where the central directory is, from the file's last bytes. */
export function locateCentralDirectory(tail: Buffer): { offset: number; size: number; zip64Locator: number | null } {
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) !== EOCD) continue;
    const size = tail.readUInt32LE(at + 12);
    const offset = tail.readUInt32LE(at + 16);
    const locatorAt = at - 20;
    const zip64 = (size === MAX32 || offset === MAX32) && locatorAt >= 0 && tail.readUInt32LE(locatorAt) === EOCD64_LOCATOR;
    return { offset, size, zip64Locator: zip64 ? u64(tail, locatorAt + 8) : null };
  }
  throw broken('zip мұрағатының соңғы жазбасы жоқ', 'нет завершающей записи архива zip');
}

/** Pure: the entries a central directory declares, with zip64 sizes where the 32-bit ones overflow. */
export function readCentralDirectory(dir: Buffer): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let at = 0;
  while (at + 46 <= dir.length && dir.readUInt32LE(at) === CENTRAL) {
    const method = dir.readUInt16LE(at + 10);
    const crc = dir.readUInt32LE(at + 16);
    let compressed = dir.readUInt32LE(at + 20);
    let uncompressed = dir.readUInt32LE(at + 24);
    let offset = dir.readUInt32LE(at + 42);
    const nameLength = dir.readUInt16LE(at + 28);
    const extraLength = dir.readUInt16LE(at + 30);
    const commentLength = dir.readUInt16LE(at + 32);
    const name = dir.toString('utf8', at + 46, at + 46 + nameLength);
    const extra = dir.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const length = extra.readUInt16LE(e + 2);
      if (id === ZIP64_EXTRA) {
        // The zip64 field lists, in order, only the sizes whose 32-bit slots hold 0xFFFFFFFF.
        let field = e + 4;
        if (uncompressed === MAX32 && field + 8 <= e + 4 + length) (uncompressed = u64(extra, field)), (field += 8);
        if (compressed === MAX32 && field + 8 <= e + 4 + length) (compressed = u64(extra, field)), (field += 8);
        if (offset === MAX32 && field + 8 <= e + 4 + length) offset = u64(extra, field);
      }
      e += 4 + length;
    }
    entries.push({ name, method, crc, compressed, uncompressed, offset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  if (at !== dir.length) throw broken('zip мұрағатының мазмұны бұзылған', 'нарушено оглавление архива zip');
  return entries;
}

const CHUNK = 64 * 1024;

/**
 * An entry's stored bytes, read from the shared handle in chunks. Not handle.createReadStream:
 * each such stream adds a 'close' listener to the handle, and a workbook of eleven parts or
 * more set off MaxListenersExceededWarning.
 */
async function* storedBytes(handle: FileHandle, start: number, length: number, name: string): AsyncGenerator<Buffer> {
  for (let at = start, left = length; left > 0; ) {
    const chunk = Buffer.alloc(Math.min(CHUNK, left));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, at);
    if (bytesRead === 0) throw broken(`${name} файлдан тыс`, `${name} выходит за пределы файла`);
    yield chunk.subarray(0, bytesRead);
    at += bytesRead;
    left -= bytesRead;
  }
}

/**
 * An entry's bytes, inflated once and counted as they come: more bytes than declared, a
 * CRC that does not match or a method other than stored/deflate refuses the file.
 */
export async function* entryBytes(zip: OpenZip, e: ZipEntry): AsyncGenerator<Buffer> {
  const { handle, size } = zip;
  const local = Buffer.alloc(30);
  await handle.read(local, 0, 30, e.offset);
  if (local.readUInt32LE(0) !== LOCAL) throw broken(`${e.name}: жергілікті тақырып жоқ`, `${e.name}: нет локального заголовка`);
  const start = e.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (start + e.compressed > size) throw broken(`${e.name} файлдан тыс`, `${e.name} выходит за пределы файла`);
  if (e.method !== 0 && e.method !== 8) throw broken(`${e.name}: белгісіз қысу әдісі ${e.method}`, `${e.name}: неизвестный метод сжатия ${e.method}`);
  const raw = e.compressed === 0 ? null : Readable.from(storedBytes(handle, start, e.compressed, e.name), { objectMode: false });
  // pipeline, not pipe: a read error must end the loop below, not leave it waiting.
  const source = raw === null ? [] : e.method === 8 ? pipeline(raw, createInflateRaw(), () => {}) : raw;
  let length = 0;
  let crc = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > e.uncompressed) throw broken(`${e.name} жарияланғаннан үлкен`, `${e.name} больше заявленного размера`);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof TanuError) throw err;
    throw broken(`${e.name}: ${(err as Error).message}`, `${e.name}: ${(err as Error).message}`);
  } finally {
    raw?.destroy();
  }
  if (length !== e.uncompressed || crc !== e.crc) throw broken(`${e.name} бақылау сомасы сәйкес емес`, `${e.name}: не сходится контрольная сумма`);
}

/** An open zip: its handle, its size and the entries its central directory declares. */
export type OpenZip = { handle: FileHandle; size: number; entries: ZipEntry[] };

/** Opens `path` and reads its central directory; the caller closes `handle`. */
export async function openZip(path: string): Promise<OpenZip> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const tailStart = Math.max(0, size - ZIP_TAIL);
    const tail = Buffer.alloc(size - tailStart);
    await handle.read(tail, 0, tail.length, tailStart);
    let where = locateCentralDirectory(tail);
    if (where.zip64Locator !== null) {
      const record = Buffer.alloc(56);
      await handle.read(record, 0, 56, where.zip64Locator);
      where = { offset: u64(record, 48), size: u64(record, 40), zip64Locator: null };
    }
    if (where.offset + where.size > size) throw broken('zip мұрағатының мазмұны файлдан тыс', 'оглавление архива zip выходит за пределы файла');
    const dir = Buffer.alloc(where.size);
    await handle.read(dir, 0, where.size, where.offset);
    return { handle, size, entries: readCentralDirectory(dir) };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * Refuses a workbook that would unpack beyond `maxUnpacked` bytes, or that is damaged:
 * the sizes its central directory declares are summed before anything is inflated, then
 * every entry is inflated once and checked, so the reader meets only a whole archive.
 */
export async function checkDeclaredSizes(path: string, maxUnpacked: number): Promise<ZipEntry[]> {
  const zip = await openZip(path);
  try {
    const total = zip.entries.reduce((sum, e) => sum + e.uncompressed, 0);
    if (total > maxUnpacked) {
      const mb = (n: number) => `${Math.ceil(n / 1024 / 1024)} MB`;
      throw new TanuError('FILE_TOO_LARGE', {
        max: `${mb(maxUnpacked)}`,
        detail: { kk: `ашылғанда ${mb(total)} болар еді`, ru: `в распакованном виде было бы ${mb(total)}` },
      });
    }
    for (const e of zip.entries) for await (const _chunk of entryBytes(zip, e));
    return zip.entries;
  } finally {
    await zip.handle.close();
  }
}
