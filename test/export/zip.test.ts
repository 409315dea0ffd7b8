import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer as readAll } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { ZipWriter } from '../../pipeline/export/zip.js';

/** The export's zip writer read back by yauzl and checked by Info-ZIP's unzip, as an archivist would. */

const dir = mkdtempSync(join(tmpdir(), 'tanu-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function entries(path: string) {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, strictFileNames: true });
  const found: { name: string; method: number; bytes: Buffer; time: string }[] = [];
  for await (const entry of zip.eachEntry()) found.push({ name: entry.fileName, method: entry.compressionMethod, bytes: await readAll(await zip.openReadStreamPromise(entry)), time: entry.getLastModDate().toISOString() });
  return found;
}

describe('ZipWriter', () => {
  it('writes stored, deflated and streamed entries that yauzl and unzip -t read back byte for byte', async () => {
    const path = join(dir, 'mixed.zip');
    const zip = await ZipWriter.create(path);
    const pdf = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251));
    const text = 'сәлем, әлем\n'.repeat(5000);
    await zip.add('bag/data/a.pdf', pdf, { compress: false });
    await zip.add('bag/data/ә.txt', Buffer.from(text), { compress: true });
    await zip.addStream('bag/data/streamed.csv', (async function* () {
      for (let i = 0; i < 100; i++) yield Buffer.from(`${i},row\r\n`);
    })(), { compress: true });
    await zip.add('bag/empty.txt', Buffer.alloc(0), { compress: true });
    await zip.close();

    expect(execFileSync('unzip', ['-t', path], { encoding: 'utf8' })).toContain('No errors detected');
    const read = await entries(path);
    expect(read.map((e) => [e.name, e.method])).toEqual([['bag/data/a.pdf', 0], ['bag/data/ә.txt', 8], ['bag/data/streamed.csv', 8], ['bag/empty.txt', 8]]);
    expect(read[0]?.bytes.equals(pdf)).toBe(true);
    expect(read[1]?.bytes.toString('utf8')).toBe(text);
    expect(read[2]?.bytes.toString('utf8').split('\r\n')[99]).toBe('99,row');
    expect(read[3]?.bytes.length).toBe(0);
    for (const e of read) expect(e.time).toBe('2000-01-01T00:00:00.000Z');
  });

  it('writes the Zip64 end records when there are more than 65,535 entries', async () => {
    const path = join(dir, 'many.zip');
    const zip = await ZipWriter.create(path);
    for (let i = 0; i < 70_000; i++) await zip.add(`many/${i}.txt`, Buffer.from(String(i)), { compress: false });
    await zip.close();
    // yauzl takes the count from the Zip64 end record (the classic one can only say 65,535).
    const opened = await yauzl.openPromise(path, { lazyEntries: true });
    expect(opened.entryCount).toBe(70_000);
    opened.close();
    expect(execFileSync('unzip', ['-l', path], { encoding: 'utf8', maxBuffer: 2 ** 26 })).toMatch(/\b70000 files/);
    expect(execFileSync('unzip', ['-p', path, 'many/69999.txt'], { encoding: 'utf8' })).toBe('69999');
  }, 120_000);
});
