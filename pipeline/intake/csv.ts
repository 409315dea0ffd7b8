import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import { TanuError } from '../core/tanu-error.js';
import type { TableRow } from './cell.js';

/**
 * CSV as spreadsheet programs export it: UTF-8 (with or without BOM) or Windows-1251,
 * "," or ";", quoted fields with newlines inside. Streamed record by record, so a file of
 * any length is never held in memory. Row numbers are records (a quoted newline does not
 * start a new row), counted from the header as row 1, as a spreadsheet program shows them.
 */

const SAMPLE_BYTES = 64 * 1024;

export type CsvEncoding = 'utf-8' | 'windows-1251';

/** Pure: decides encoding from the first bytes. NUL bytes mean this is no text file. */
export function sniffEncoding(sample: Uint8Array): CsvEncoding | 'binary' {
  if (sample.includes(0)) return 'binary';
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8';
  try {
    // stream: true lets a multi-byte character cut by the sample's end pass.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return 'utf-8';
  } catch {
    return 'windows-1251';
  }
}

/** Pure: the delimiter of the first line, counting only outside quotes. */
export function sniffDelimiter(text: string): ',' | ';' {
  let inQuotes = false;
  let commas = 0;
  let semicolons = 0;
  for (const ch of text) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) break;
    else if (!inQuotes && ch === ',') commas++;
    else if (!inQuotes && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

const FOREIGN: Record<string, { kk: string; ru: string }> = {
  '\t': { kk: 'табуляция арқылы', ru: 'табуляцией' },
  '|': { kk: '«|» (тік сызық) арқылы', ru: 'знаком «|» (вертикальная черта)' },
};

/**
 * A header line split by tabs or pipes rather than "," or ";": such a file would read as
 * one column and fail on every header, so it is refused saying which separator was found.
 */
export function foreignSeparator(text: string): '\t' | '|' | null {
  let inQuotes = false;
  const count: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  for (const ch of text) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) break;
    else if (!inQuotes && ch in count) count[ch] = (count[ch] ?? 0) + 1;
  }
  const ours = Math.max(count[','] ?? 0, count[';'] ?? 0);
  const tabs = count['\t'] ?? 0;
  const pipes = count['|'] ?? 0;
  if (Math.max(tabs, pipes) <= ours) return null;
  return tabs >= pipes ? '\t' : '|';
}

function decoder(encoding: CsvEncoding): Transform {
  const td = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
  return new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _enc, done) {
      try {
        done(null, td.decode(chunk, { stream: true }));
      } catch {
        done(new TanuError('FILE_UNREADABLE', { detail: { kk: 'UTF-8 кодтауы бұзылған', ru: 'нарушена кодировка UTF-8' } }));
      }
    },
    flush(done) {
      try {
        done(null, td.decode());
      } catch {
        done(new TanuError('FILE_UNREADABLE', { detail: { kk: 'UTF-8 кодтауы бұзылған', ru: 'нарушена кодировка UTF-8' } }));
      }
    },
  });
}

export async function sniffCsv(path: string): Promise<{ encoding: CsvEncoding; delimiter: ',' | ';' }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, 0);
    const sample = buffer.subarray(0, bytesRead);
    const encoding = sniffEncoding(sample);
    if (encoding === 'binary')
      throw new TanuError('FILE_UNREADABLE', { detail: { kk: 'бұл мәтіндік CSV файлы емес', ru: 'это не текстовый CSV-файл' } });
    const text = new TextDecoder(encoding).decode(sample, { stream: true });
    const foreign = foreignSeparator(text);
    if (foreign) {
      const name = FOREIGN[foreign] ?? { kk: foreign, ru: foreign };
      throw new TanuError('FILE_UNREADABLE', {
        detail: {
          kk: `бағандар ${name.kk} бөлінген, ал Tanu «,» немесе «;» бөлгіші бар CSV-ны оқиды: файлды «CSV (үтір арқылы бөлінген)» ретінде қайта сақтаңыз`,
          ru: `столбцы разделены ${name.ru}, а Tanu читает CSV с разделителем «,» или «;»: сохраните файл как «CSV (разделители — запятые)»`,
        },
      });
    }
    return { encoding, delimiter: sniffDelimiter(text) };
  } finally {
    await handle.close();
  }
}

export async function* readCsv(path: string): AsyncGenerator<TableRow> {
  const { encoding, delimiter } = await sniffCsv(path);
  // No `info`: csv-parse's per-record info object cost a quarter of a 100,000-row scan; with no line skipped, the record's count is its row.
  const parser = parse({ delimiter, relax_column_count: true, skip_empty_lines: false });
  // pipeline, not pipe: a decoding error must reach the loop below (pipe would leave it
  // unhandled and the parser waiting forever), and a loop left early must close the file.
  pipeline(createReadStream(path), decoder(encoding), parser, () => {});
  try {
    let row = 0;
    for await (const record of parser as AsyncIterable<string[]>) yield { row: ++row, cells: record };
  } catch (e) {
    if (e instanceof TanuError) throw e;
    const text = (e as Error).message;
    throw new TanuError('FILE_UNREADABLE', { detail: { kk: `CSV құрылымы бұзылған: ${text}`, ru: `нарушена структура CSV: ${text}` } }, { cause: e });
  }
}
