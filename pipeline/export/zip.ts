import { buffer as readAll } from 'node:stream/consumers';
import yauzl from 'yauzl';
import yazl from 'yazl';

/**
 * Zip helpers for the archive package. Every entry carries one fixed time, so the same
 * selection exported twice gives the same bytes for every file (and the same hashes).
 */

export const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');
export const FILE_MODE = 0o100644;

/**
 * An XLSX (a zip) written again with fixed entry times: ExcelJS stamps each part with the
 * time it was written, which would make two exports of the same register differ.
 */
export async function withFixedTimes(zip: Uint8Array): Promise<Buffer> {
  const source = await yauzl.fromBufferPromise(Buffer.from(zip), { lazyEntries: true });
  const target = new yazl.ZipFile();
  const output = readAll(target.outputStream);
  for await (const entry of source.eachEntry()) {
    if (entry.fileName.endsWith('/')) {
      target.addEmptyDirectory(entry.fileName, { mtime: FIXED_MTIME, forceDosTimestamp: true });
      continue;
    }
    const bytes = await readAll(await source.openReadStreamPromise(entry));
    target.addBuffer(bytes, entry.fileName, { mtime: FIXED_MTIME, mode: FILE_MODE, compress: true, forceDosTimestamp: true });
  }
  target.end();
  return output;
}
