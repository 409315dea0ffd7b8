import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import Handlebars from 'handlebars';
import type { Cell } from '../intake/cell.js';
import { COLUMNS, type Kind } from '../records/columns.js';
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

export function reportHtml(templatePath: string, data: { batch: string; created_at: string; documents: number; report: FileReport; rejectedFile: string | null }): string {
  const template = Handlebars.create().compile(readFileSync(templatePath, 'utf8'), { strict: false });
  const issues = [...data.report.errors.map((e) => ({ ...e, warning: false })), ...data.report.warnings.map((w) => ({ ...w, warning: true }))];
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
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(kind);
  const columns = COLUMNS[kind];
  const extra = lang === 'kk' ? ['Жол (бастапқы файлда)', 'Қате (kk)', 'Ошибка (ru)'] : ['Строка (в исходном файле)', 'Қате (kk)', 'Ошибка (ru)'];
  ws.addRow([...columns.map((c) => c[lang]), ...extra]).font = { bold: true };
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
