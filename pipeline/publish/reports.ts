import { readFileSync } from 'node:fs';
import type ExcelJS from 'exceljs';
import Handlebars from 'handlebars';
import { type Cell, cellText } from '../intake/cell.js';
import { ADDED_BY_TANU, COLUMNS, type Kind } from '../records/columns.js';
import type { Language } from '../standards/schema.js';
import type { FileReport } from '../validate/report.js';

/**
 * The batch's reports for people, beside report.json: an HTML page of every error and
 * warning in both languages, and an XLSX of the rejected rows as they were sent, with the
 * Kazakh and Russian messages in extra columns, so the centre can fix them and drop the
 * file again. Cells keep their types (a numeric IIN stays a number), so the re-dropped
 * file reads as the original did.
 */

export type RejectedRow = { row: number; cells: Record<string, Cell> };

/** Whose row it is: the person's names as the row gives them. */
const whose = (row: RejectedRow | undefined) =>
  row ? ['last_name', 'first_name', 'middle_name'].flatMap((k) => (row.cells[k] === undefined ? [] : [cellText(row.cells[k] as Cell)])).join(' ') : '';

export function reportHtml(
  templatePath: string,
  data: { batch: string; created_at: string; documents: number; report: FileReport; rejectedFile: string | null; rejected: readonly RejectedRow[] },
): string {
  const template = Handlebars.create().compile(readFileSync(templatePath, 'utf8'), { strict: false });
  const byRow = new Map(data.rejected.map((r) => [r.row, r]));
  // Columns by the centre's own header, as its spreadsheet shows them.
  const named = (i: FileReport['errors'][number], warning: boolean) => ({
    ...i,
    warning,
    column: i.column === null ? null : (data.report.headers?.[i.column] ?? i.column),
    who: i.row === null ? '' : whose(byRow.get(i.row)),
  });
  const issues = [...data.report.errors.map((e) => named(e, false)), ...data.report.warnings.map((w) => named(w, true))];
  return template({ ...data, ...data.report, issues });
}

/** What a spreadsheet cell can hold; a longer value is cut with its length shown (the received file keeps it whole). */
const EXCEL_MAX_CHARS = 32_767;

const fitText = (text: string) => (text.length <= EXCEL_MAX_CHARS ? text : `${text.slice(0, EXCEL_MAX_CHARS - 20)}… [${text.length}]`);

const toExcel = (cell: Cell): ExcelJS.CellValue => {
  if (typeof cell === 'string') return fitText(cell);
  if (typeof cell !== 'object') return cell;
  if ('date' in cell) return cell.date;
  // Written back as text, never as a formula: the centre sees what it sent and fixes it.
  return fitText(`=${cell.formula}`);
};

export async function rejectedWorkbook(kind: Kind, rows: readonly RejectedRow[], report: FileReport, lang: Language): Promise<Uint8Array> {
  // Loaded only for a batch with rejected rows: most batches have none, and exceljs is large.
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  const ws = wb.addWorksheet(kind);
  // The file's own columns under its own headers, in its order (every column when the file named none).
  const headers = report.headers ?? {};
  const columns = Object.keys(headers).length > 0 ? COLUMNS[kind].filter((c) => c.key in headers).sort((a, b) => Object.keys(headers).indexOf(a.key) - Object.keys(headers).indexOf(b.key)) : COLUMNS[kind];
  const extra = [ADDED_BY_TANU.row[lang], ADDED_BY_TANU.error_kk, ADDED_BY_TANU.error_ru];
  ws.addRow([...columns.map((c) => headers[c.key] ?? c[lang]), ...extra]).font = { bold: true };
  const byRow = new Map<number, FileReport['errors']>();
  for (const e of report.errors) if (e.row !== null) byRow.set(e.row, [...(byRow.get(e.row) ?? []), e]);
  for (const r of rows) {
    const errors = byRow.get(r.row) ?? [];
    const text = (l: Language) => errors.map((e) => `${e.column ?? ''}: ${e.message[l]}`).join('\n');
    ws.addRow([...columns.map((c) => (r.cells[c.key] === undefined ? null : toExcel(r.cells[c.key] as Cell))), r.row, text('kk'), text('ru')]);
  }
  ws.columns.forEach((c) => (c.width = 20));
  return new Uint8Array(await wb.xlsx.writeBuffer());
}
