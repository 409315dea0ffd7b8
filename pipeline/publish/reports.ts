import { readFileSync } from 'node:fs';
import type ExcelJS from 'exceljs';
import Handlebars from 'handlebars';
import { type Cell, type TableRow, cellText, isBlank } from '../intake/cell.js';
import { containerOf, kindFromName } from '../intake/open.js';
import { HEADER_SEARCH_ROWS, findHeader } from '../intake/table.js';
import { pickSheet, rowCells } from '../intake/xlsx.js';
import { ADDED_BY_TANU, COLUMNS, KINDS, type Kind, isAddedByTanu } from '../records/columns.js';
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
  // A date stays a date: the wall-clock time the centre wrote, as Excel keeps it (a UTC Date to exceljs, as intake/xlsx.ts reads it).
  if ('date' in cell) return new Date(`${cell.date.length === 10 ? `${cell.date}T00:00` : cell.date}:00Z`);
  // Written back as text, never as a formula: the centre sees what it sent and fixes it.
  return fitText(`=${cell.formula}`);
};

const DATE_FORMAT = (cell: Cell) => (typeof cell === 'object' && 'date' in cell ? (cell.date.length === 10 ? 'dd.mm.yyyy' : 'dd.mm.yyyy hh:mm') : undefined);

/** A row's errors in one language, each under the column's header as the centre's file writes it. */
const errorText = (errors: FileReport['errors'], headers: Record<string, string>, lang: Language) =>
  errors.map((e) => (e.column === null ? e.message[lang] : `${headers[e.column] ?? e.column}: ${e.message[lang]}`)).join('\n');

const errorsByRow = (report: FileReport) => {
  const byRow = new Map<number, FileReport['errors']>();
  for (const e of report.errors) if (e.row !== null) byRow.set(e.row, [...(byRow.get(e.row) ?? []), e]);
  return byRow;
};

/** The centre's file as Tanu received it, for a workbook to be returned as its own sheet. */
export type ReceivedFile = { path: string; name: string };

/**
 * The rejected rows for the centre to fix and drop again. An XLSX comes back as its own
 * sheet (title rows, every column Tanu does not read, formats and dates as they were)
 * holding only the rejected rows, the errors beside them; another file's rows are laid out
 * under its own headers.
 */
export async function rejectedWorkbook(kind: Kind, rows: readonly RejectedRow[], report: FileReport, lang: Language, received?: ReceivedFile): Promise<Uint8Array> {
  // Loaded only for a batch with rejected rows: most batches have none, and exceljs is large.
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  if (received && containerOf(received.name) === 'xlsx') {
    await wb.xlsx.readFile(received.path);
    if (keepOwnSheet(wb, { kind, rows, report, lang, name: received.name, formula: Excel.ValueType.Formula })) return new Uint8Array(await wb.xlsx.writeBuffer());
    wb.worksheets.forEach((w) => wb.removeWorksheet(w.id));
  }
  const ws = wb.addWorksheet(kind);
  // The file's own columns under its own headers, in its order (every column when the file named none).
  const headers = report.headers ?? {};
  const columns = Object.keys(headers).length > 0 ? COLUMNS[kind].filter((c) => c.key in headers).sort((a, b) => Object.keys(headers).indexOf(a.key) - Object.keys(headers).indexOf(b.key)) : COLUMNS[kind];
  const extra = [ADDED_BY_TANU.row[lang], ADDED_BY_TANU.error_kk, ADDED_BY_TANU.error_ru];
  ws.addRow([...columns.map((c) => headers[c.key] ?? c[lang]), ...extra]).font = { bold: true };
  const byRow = errorsByRow(report);
  for (const r of rows) {
    const errors = byRow.get(r.row) ?? [];
    const row = ws.addRow([...columns.map((c) => (r.cells[c.key] === undefined ? null : toExcel(r.cells[c.key] as Cell))), r.row, errorText(errors, headers, 'kk'), errorText(errors, headers, 'ru')]);
    columns.forEach((c, i) => {
      const format = r.cells[c.key] === undefined ? undefined : DATE_FORMAT(r.cells[c.key] as Cell);
      if (format) row.getCell(i + 1).numFmt = format;
    });
  }
  ws.columns.forEach((c) => (c.width = 20));
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

/**
 * The workbook's sheet that was read, in place: the other sheets and the rows that were
 * taken are removed, Tanu's three columns are written beside the rows left (over the ones
 * an earlier round added, when the centre drops this workbook again), and formulas become
 * their text, inert. False when the sheet no longer shows its header (then the rows are
 * laid out anew).
 */
function keepOwnSheet(
  wb: ExcelJS.Workbook,
  { kind, rows, report, lang, name, formula }: { kind: Kind; rows: readonly RejectedRow[]; report: FileReport; lang: Language; name: string; formula: ExcelJS.ValueType },
): boolean {
  const names = wb.worksheets.map((w) => w.name);
  const chosen = pickSheet(names, kindFromName(name) ? [kind] : KINDS) ?? names[0];
  const ws = wb.worksheets.find((w) => w.name === chosen);
  if (!ws) return false;
  // The header as intake finds it: among the first rows with anything in them.
  const top: TableRow[] = [];
  for (let r = 1, nonEmpty = 0; r <= ws.rowCount && nonEmpty < HEADER_SEARCH_ROWS; r++) {
    const cells = rowCells(ws.getRow(r).values);
    top.push({ row: r, cells });
    if (!cells.every(isBlank)) nonEmpty++;
  }
  const header = findHeader(top, kind);
  if ('problem' in header) return false;
  wb.worksheets.filter((w) => w !== ws).forEach((w) => wb.removeWorksheet(w.id));
  const headerRow = ws.getRow(header.row);
  const labels = [ADDED_BY_TANU.row[lang], ADDED_BY_TANU.error_kk, ADDED_BY_TANU.error_ru];
  // Tanu's columns of an earlier round are found by their headers in any language, as intake skips them.
  const earlier = header.names.flatMap((n, i) => (isAddedByTanu(n) ? [i + 1] : []));
  const at = earlier.length === 3 ? earlier : [1, 2, 3].map((i) => ws.columnCount + i);
  at.forEach((c, i) => {
    const cell = headerRow.getCell(c);
    cell.value = labels[i] ?? null;
    cell.font = { bold: true };
  });
  const headers = report.headers ?? {};
  const byRow = errorsByRow(report);
  const kept = new Set(rows.map((r) => r.row));
  for (const r of kept) {
    const errors = byRow.get(r) ?? [];
    const values = [r, errorText(errors, headers, 'kk'), errorText(errors, headers, 'ru')];
    at.forEach((c, i) => {
      const cell = ws.getCell(r, c);
      cell.value = values[i] ?? null;
      cell.alignment = { wrapText: true, vertical: 'top' };
    });
  }
  ws.eachRow({ includeEmpty: false }, (row) =>
    row.eachCell((cell) => {
      if (cell.type === formula) cell.value = toExcel({ formula: cell.formula, result: null });
    }),
  );
  // The rows taken (and blank ones) removed from the bottom up, a run at a time, so the rows above keep their numbers while removing.
  for (let end = ws.rowCount; end > header.row; ) {
    if (kept.has(end)) {
      end--;
      continue;
    }
    let start = end;
    while (start - 1 > header.row && !kept.has(start - 1)) start--;
    ws.spliceRows(start, end - start + 1);
    end = start - 1;
  }
  return true;
}
