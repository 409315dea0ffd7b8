import { TanuError } from '../core/tanu-error.js';
import type { Cell, TableRow } from './cell.js';

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

type SheetReader = AsyncIterable<{ number: number; values: unknown }> & { name: string };

/** The worksheet named after a wanted name (a kind), if the workbook has one; else the first is read. */
export const pickSheet = (names: readonly string[], preferredNames: readonly string[]): string | undefined => {
  const wanted = new Set(preferredNames.map((n) => n.toLowerCase()));
  return names.find((n) => wanted.has(n.toLowerCase()));
};

/** A worksheet row's values (exceljs counts columns from 1) as cells. */
export const rowCells = (values: unknown): (Cell | null)[] => (Array.isArray(values) ? Array.from((values as unknown[]).slice(1), toCell) : []);

/**
 * Picks the worksheet: the one named after a wanted name (the kind) if the workbook has
 * one, otherwise the first. The sheet list is known before the first sheet streams in.
 */
export async function* readXlsx(
  path: string,
  preferredNames: readonly string[],
  /** Told which sheet is read and which are not, for messages about the file. */
  onSheet: (read: string, others: string[]) => void = () => {},
): AsyncGenerator<TableRow> {
  // Loaded with the first workbook: exceljs is a large library that CSV, JSON and YAML files never need.
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let chosen: string | undefined;
  let found = false;
  try {
    for await (const sheet of reader as unknown as AsyncIterable<SheetReader>) {
      if (chosen === undefined) {
        const names: string[] = ((reader as unknown as { model?: { sheets?: { name: string }[] } }).model?.sheets ?? []).map((s) => s.name);
        chosen = pickSheet(names, preferredNames) ?? sheet.name;
        const read = chosen;
        onSheet(read, names.filter((n) => n !== read));
      }
      if (found || sheet.name !== chosen) {
        for await (const _row of sheet); // a sheet not read must still be drained from the zip
        continue;
      }
      found = true;
      for await (const row of sheet) {
        yield { row: row.number, cells: rowCells(row.values) };
      }
    }
  } catch (e) {
    if (e instanceof TanuError) throw e;
    const text = (e as Error).message;
    throw new TanuError('FILE_UNREADABLE', { detail: { kk: `XLSX файлы бұзылған: ${text}`, ru: `файл XLSX повреждён: ${text}` } }, { cause: e });
  }
  if (!found) throw new TanuError('FILE_UNREADABLE', { detail: { kk: 'XLSX файлында парақ жоқ', ru: 'в файле XLSX нет листов' } });
}
