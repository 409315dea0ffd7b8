import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { TanuError } from '../core/tanu-error.js';
import type { Cell, TableRow } from './cell.js';
import { type OpenZip, type ZipEntry, entryBytes, openZip } from './zip-guard.js';

/**
 * XLSX, streamed sheet by sheet and row by row. Rows keep the worksheet's own numbers
 * (title rows count), dates arrive as real dates, numbers stay numbers: what a number in
 * an IIN column means is validation's business.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** Excel keeps wall-clock time as a fraction of a day; exceljs hands it over as a UTC Date. */
export function excelDateToIso(d: Date): string {
  const rounded = new Date(Math.round(d.getTime() / 60_000) * 60_000);
  const date = `${rounded.getUTCFullYear()}-${pad(rounded.getUTCMonth() + 1)}-${pad(rounded.getUTCDate())}`;
  const hh = rounded.getUTCHours();
  const mm = rounded.getUTCMinutes();
  return hh === 0 && mm === 0 ? date : `${date}T${pad(hh)}:${pad(mm)}`;
}

export function toCell(value: unknown): Cell | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return { date: excelDateToIso(value) };
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return (v.richText as { text?: string }[]).map((r) => r.text ?? '').join('');
    if (typeof v.formula === 'string' || typeof v.sharedFormula === 'string')
      return { formula: String(v.formula ?? v.sharedFormula), result: toCell(v.result) };
    if (typeof v.text === 'string') return v.text; // a hyperlink cell: what the user sees
    if (typeof v.error === 'string') return v.error;
  }
  return String(value);
}

/** The parts of exceljs's streaming WorkbookReader that parse one part each: fed here in the order the parts depend on each other. */
type PartParser = {
  workbookRels?: { Id: string; Target: string }[];
  model?: { sheets?: { name: string; rId: string }[] };
  _parseRels(part: Readable): Promise<void>;
  _parseWorkbook(part: Readable): Promise<void>;
  _parseSharedStrings(part: Readable): AsyncIterable<unknown>;
  _parseStyles(part: Readable): Promise<void>;
  _parseWorksheet(part: AsyncIterable<string>, sheetNo: string): Iterable<{ value: AsyncIterable<{ number: number; values: unknown }> }>;
};

/**
 * A part's text. Decoded across chunk boundaries: exceljs decodes each chunk alone, which
 * breaks a Cyrillic letter whose two bytes fall in two chunks.
 */
async function* partText(zip: OpenZip, entry: ZipEntry): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of entryBytes(zip, entry)) yield decoder.write(chunk);
  const rest = decoder.end();
  if (rest) yield rest;
}

const PART = /^\/?(?:xl\/)?/;

/** The worksheet named after a wanted name (a kind), if the workbook has one; else the first is read. */
export const pickSheet = (names: readonly string[], preferredNames: readonly string[]): string | undefined => {
  const wanted = new Set(preferredNames.map((n) => n.toLowerCase()));
  return names.find((n) => wanted.has(n.toLowerCase()));
};

/** A worksheet row's values (exceljs counts columns from 1) as cells. */
export const rowCells = (values: unknown): (Cell | null)[] => (Array.isArray(values) ? Array.from((values as unknown[]).slice(1), toCell) : []);

/**
 * Picks the worksheet: the one named after a wanted name (the kind) if the workbook has
 * one, otherwise the first in the workbook's own order.
 *
 * The zip is read by its central directory, part by part, in the order the parts depend on
 * each other: the workbook and its relations, the shared strings, the styles, then the
 * sheet. exceljs's own reader takes the parts in the order the zip stores them; Excel
 * stores the sheet before the shared strings, so exceljs set the sheet aside in a temporary
 * file, and its zip stream (unzipper 0.10) announced its end when the last bytes were read
 * rather than when the last part was handed over: with the file slow to read (a cold page
 * cache) the shared strings were dropped and every text cell came through as an object.
 */
export async function* readXlsx(
  path: string,
  preferredNames: readonly string[],
  /** Told which sheet is read and which are not, for messages about the file. */
  onSheet: (read: string, others: string[]) => void = () => {},
): AsyncGenerator<TableRow> {
  // Loaded with the first workbook: exceljs is a large library that CSV, JSON and YAML files never need.
  const { default: ExcelJS } = await import('exceljs');
  const zip = await openZip(path);
  try {
    const parts = new Map(zip.entries.map((e) => [e.name, e]));
    const part = (name: string) => parts.get(name.replace(PART, 'xl/'));
    const stream = (entry: ZipEntry) => Readable.from(partText(zip, entry));
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' }) as unknown as PartParser;
    const rels = part('_rels/workbook.xml.rels');
    const book = part('workbook.xml');
    if (!rels || !book) throw new TanuError('FILE_UNREADABLE', { detail: { kk: 'XLSX файлында кітап сипаттамасы жоқ', ru: 'в файле XLSX нет описания книги' } });
    await reader._parseRels(stream(rels));
    await reader._parseWorkbook(stream(book));
    const shared = part('sharedStrings.xml');
    if (shared) for await (const _ of reader._parseSharedStrings(stream(shared)));
    const styles = part('styles.xml');
    if (styles) await reader._parseStyles(stream(styles));

    const sheets = (reader.model?.sheets ?? []).flatMap((s) => {
      const target = reader.workbookRels?.find((r) => r.Id === s.rId)?.Target;
      const entry = target === undefined ? undefined : part(target);
      const sheetNo = entry?.name.match(/^xl\/worksheets\/sheet(\d+)\.xml$/)?.[1];
      return entry && sheetNo ? [{ name: s.name, entry, sheetNo }] : [];
    });
    const named = pickSheet(sheets.map((s) => s.name), preferredNames);
    const chosen = sheets.find((s) => s.name === named) ?? sheets[0];
    if (!chosen) throw new TanuError('FILE_UNREADABLE', { detail: { kk: 'XLSX файлында парақ жоқ', ru: 'в файле XLSX нет листов' } });
    onSheet(
      chosen.name,
      sheets.filter((s) => s !== chosen).map((s) => s.name),
    );
    for (const { value: sheet } of reader._parseWorksheet(partText(zip, chosen.entry), chosen.sheetNo)) {
      for await (const row of sheet) {
        yield { row: row.number, cells: rowCells(row.values) };
      }
    }
  } catch (e) {
    if (e instanceof TanuError) throw e;
    const text = (e as Error).message;
    throw new TanuError('FILE_UNREADABLE', { detail: { kk: `XLSX файлы бұзылған: ${text}`, ru: `файл XLSX повреждён: ${text}` } }, { cause: e });
  } finally {
    await zip.handle.close();
  }
}
