import { type FileHandle, open } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import yazl from 'yazl';

/**
 * Zip helpers for the archive package. Every entry carries one fixed time, so the same
 * selection exported twice gives the same bytes for every file (and the same hashes).
 */

export const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');
export const FILE_MODE = 0o100644;

/**
 * An XLSX (a zip) written again with fixed entry times, file to file, an entry streamed at
 * a time: ExcelJS stamps each part with the time it was written, which would make two
 * exports of the same register differ.
 */
export async function withFixedTimes(source: string, target: string): Promise<void> {
  const zip = await yauzl.openPromise(source, { lazyEntries: true, autoClose: false });
  const out = new yazl.ZipFile();
  const written = streamPipeline(out.outputStream, createWriteStream(target));
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) out.addEmptyDirectory(entry.fileName, { mtime: FIXED_MTIME, forceDosTimestamp: true });
      // yazl reads each stream when its turn comes; an entry's data is read from the file then.
      else out.addReadStream(await zip.openReadStreamPromise(entry), entry.fileName, { mtime: FIXED_MTIME, mode: FILE_MODE, compress: true, forceDosTimestamp: true });
    }
    out.end();
    await written;
  } finally {
    zip.close();
  }
}

/** FIXED_MTIME as MS-DOS date and time, in local time: how zip readers (yauzl, unzip) take it back. */
const DOS = {
  date: FIXED_MTIME.getDate() | ((FIXED_MTIME.getMonth() + 1) << 5) | ((FIXED_MTIME.getFullYear() - 1980) << 9),
  time: (FIXED_MTIME.getSeconds() >> 1) | (FIXED_MTIME.getMinutes() << 5) | (FIXED_MTIME.getHours() << 11),
};
const UTF8_NAMES = 0x0800;
const MADE_BY_UNIX = (3 << 8) | 63;
const NEEDS = 20;
const NEEDS_ZIP64 = 45;
const MAX32 = 0xffffffff;
/** Bytes gathered before one write to the file; and how many may wait for the disk before `add` waits too. */
const WRITE_SIZE = 2 ** 20;
const QUEUED_MAX = 16 * 2 ** 20;

/**
 * The name is kept as a string: a small Buffer is a slice of a shared 8 KB pool, and
 * one kept per entry held its whole slab alive (about 20 MB of slabs at 10,000 documents,
 * in a heap snapshot; the export's peak RSS fell by 10–25 MB).
 */
type Entry = { name: string; nameBytes: number; method: 0 | 8; crc: number; compressed: number; size: number; offset: number };

/**
 * A zip written straight to a file, one entry after another: stored or deflated, each with
 * FIXED_MTIME and FILE_MODE, Zip64 records where an offset or the number of entries needs
 * them (an entry itself stays under 4 GB). The CRC-32 is node:zlib's: yazl's, in
 * JavaScript, ran at 55 MB/s on this machine against 560 MB/s. Entries are gathered into
 * writes of about a megabyte that go out in order while the caller prepares the next
 * entries; at most QUEUED_MAX bytes wait, so memory does not follow the package's size.
 */
export class ZipWriter {
  /** Where the next byte goes. */
  private end = 0;
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  private queued = 0;
  private readonly entries: Entry[] = [];
  private pending: Promise<void> = Promise.resolve();

  private constructor(private readonly handle: FileHandle) {}

  static async create(path: string): Promise<ZipWriter> {
    return new ZipWriter(await open(path, 'w', 0o644));
  }

  /** Sends what is gathered to the file, after the writes before it; waits only when too much is queued. */
  private async flush(): Promise<void> {
    if (this.gatheredBytes === 0) return;
    const chunks = this.gathered;
    const bytes = this.gatheredBytes;
    const position = this.end - bytes;
    this.gathered = [];
    this.gatheredBytes = 0;
    this.queued += bytes;
    const written = this.pending.then(async () => {
      await this.handle.writev(chunks, position);
      this.queued -= bytes;
    });
    // Awaited by a later flush or by close(); marked handled so a failure waits for them.
    written.catch(() => {});
    this.pending = written;
    if (this.queued > QUEUED_MAX) await written;
  }

  private async append(bytes: Uint8Array): Promise<void> {
    this.gathered.push(bytes);
    this.gatheredBytes += bytes.length;
    this.end += bytes.length;
    if (this.gatheredBytes >= WRITE_SIZE) await this.flush();
  }

  private localHeader(entry: Entry): Buffer {
    const header = Buffer.alloc(30 + entry.nameBytes);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(NEEDS, 4);
    this.common(header, 6, entry);
    header.write(entry.name, 30);
    return header;
  }

  private entry(name: string, compress: boolean): Entry {
    return { name, nameBytes: Buffer.byteLength(name), method: compress ? 8 : 0, crc: 0, compressed: 0, size: 0, offset: this.end };
  }

  /** An entry from bytes in memory. The bytes must not change until close(). */
  async add(name: string, data: Uint8Array, options: { compress: boolean }): Promise<void> {
    const entry = this.entry(name, options.compress);
    const stored = options.compress ? deflateRawSync(data) : data;
    Object.assign(entry, { crc: crc32(data), size: data.length, compressed: stored.length });
    this.entries.push(entry);
    await this.append(this.localHeader(entry));
    await this.append(stored);
  }

  /**
   * An entry from chunks as they come (a file spooled to disk): its local header is written
   * as room first and filled in once the data is through.
   */
  async addStream(name: string, data: AsyncIterable<Uint8Array>, options: { compress: boolean }): Promise<void> {
    const entry = this.entry(name, options.compress);
    await this.append(this.localHeader(entry));
    let output: AsyncIterable<Uint8Array> = (async function* () {
      for await (const chunk of data) {
        entry.crc = crc32(chunk, entry.crc);
        entry.size += chunk.length;
        yield chunk;
      }
    })();
    if (options.compress) {
      const deflate = createDeflateRaw();
      pipeline(Readable.from(output), deflate, () => {});
      output = deflate;
    }
    for await (const piece of output) {
      entry.compressed += piece.length;
      await this.append(piece);
    }
    if (entry.size > MAX32 || entry.compressed > MAX32) throw new Error(`${name}: an entry of 4 GB or more`);
    this.entries.push(entry);
    await this.flush();
    const header = this.localHeader(entry);
    this.pending = this.pending.then(async () => void (await this.handle.write(header, 0, header.length, entry.offset)));
    this.pending.catch(() => {});
  }

  /** Flags, method, time, CRC, sizes and name length: the same in the local and the central header. */
  private common(buffer: Buffer, at: number, entry: Entry) {
    buffer.writeUInt16LE(UTF8_NAMES, at);
    buffer.writeUInt16LE(entry.method, at + 2);
    buffer.writeUInt16LE(DOS.time, at + 4);
    buffer.writeUInt16LE(DOS.date, at + 6);
    buffer.writeUInt32LE(entry.crc, at + 8);
    buffer.writeUInt32LE(entry.compressed, at + 12);
    buffer.writeUInt32LE(entry.size, at + 16);
    buffer.writeUInt16LE(entry.nameBytes, at + 20);
  }

  /** The central directory and its end record, then the file flushed to disk and closed. */
  async close(): Promise<void> {
    const directoryAt = this.end;
    for (const entry of this.entries) {
      const zip64 = entry.offset >= MAX32;
      const header = Buffer.alloc(46 + entry.nameBytes + (zip64 ? 12 : 0));
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE(MADE_BY_UNIX, 4);
      header.writeUInt16LE(zip64 ? NEEDS_ZIP64 : NEEDS, 6);
      this.common(header, 8, entry);
      header.writeUInt16LE(zip64 ? 12 : 0, 30);
      header.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
      header.writeUInt32LE(zip64 ? MAX32 : entry.offset, 42);
      header.write(entry.name, 46);
      if (zip64) {
        // Zip64 extended information: only the local header's offset is too large.
        const extra = 46 + entry.nameBytes;
        header.writeUInt16LE(0x0001, extra);
        header.writeUInt16LE(8, extra + 2);
        header.writeBigUInt64LE(BigInt(entry.offset), extra + 4);
      }
      await this.append(header);
    }
    const directorySize = this.end - directoryAt;
    const count = this.entries.length;
    if (count >= 0xffff || directoryAt >= MAX32 || directorySize >= MAX32) {
      const record = Buffer.alloc(56 + 20);
      const recordAt = this.end;
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE(MADE_BY_UNIX, 12);
      record.writeUInt16LE(NEEDS_ZIP64, 14);
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(directorySize), 40);
      record.writeBigUInt64LE(BigInt(directoryAt), 48);
      // The locator: where the Zip64 end record is.
      record.writeUInt32LE(0x07064b50, 56);
      record.writeBigUInt64LE(BigInt(recordAt), 64);
      record.writeUInt32LE(1, 72);
      await this.append(record);
    }
    const last = Buffer.alloc(22);
    last.writeUInt32LE(0x06054b50, 0);
    last.writeUInt16LE(Math.min(count, 0xffff), 8);
    last.writeUInt16LE(Math.min(count, 0xffff), 10);
    last.writeUInt32LE(Math.min(directorySize, MAX32), 12);
    last.writeUInt32LE(Math.min(directoryAt, MAX32), 16);
    await this.append(last);
    await this.flush();
    await this.pending;
    await this.handle.sync();
    await this.handle.close();
  }

  /** Stops writing (a failed export): the file is closed, its removal is the caller's. */
  async abort(): Promise<void> {
    await this.pending.catch(() => {});
    await this.handle.close();
  }
}
