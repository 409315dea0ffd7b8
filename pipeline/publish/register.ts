import { createWriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { REVOCATION_REASONS, REVOKED, type RevocationReason } from '../core/catalogue.js';
import { displayDate } from '../core/dates.js';
import { displayWidth } from '../core/width.js';
import type { RegistryRow } from '../ledger/ledger.js';
import type { Language } from '../standards/schema.js';
import { CATEGORY_NAMES, RESULT_NAMES } from '../records/attestation.js';

/**
 * The register of recognized persons as files for people (`tanu registry export`, and the
 * archive package): the columns as seed 000's «Тану рәсімінен өткендердің базасы» names
 * them, with the IIN, level, the holder's latest attestation (result, category, date),
 * centre and the certificate's status beside. The XLSX is the
 * file for people (typed cells: the IIN stays text with its leading zeros); the CSV is
 * for programs.
 */

export const REGISTER_HEADERS: Record<Language, string[]> = {
  kk: ['ҚАТЫСУШЫ', 'ЖСН', 'СЕРТИФИКАТТЫҢ №', 'КӘСІП', 'ДЕҢГЕЙ', 'БЕРІЛГЕН КҮНІ', 'МЕРЗІМНІҢ АЯҚТАЛУЫ', 'АТТЕСТАТТАУ НӘТИЖЕСІ', 'САНАТ', 'АТТЕСТАТТАУ КҮНІ', 'ОРТАЛЫҚ', 'КҮЙІ'],
  ru: ['УЧАСТНИК', 'ИИН', '№ СЕРТИФИКАТА', 'ПРОФЕССИЯ', 'УРОВЕНЬ', 'ДАТА ВЫДАЧИ', 'ОКОНЧАНИЕ СРОКА ДЕЙСТВИЯ', 'РЕЗУЛЬТАТ АТТЕСТАЦИИ', 'КАТЕГОРИЯ', 'ДАТА АТТЕСТАЦИИ', 'ЦЕНТР', 'СТАТУС'],
};

export type Revocations = ReadonlyMap<string, { revoked_at: string; reason: RevocationReason }>;

/** "действует", or "отозван 27.11.2026 (выдано ошибочно)". */
function statusCell(revoked: { revoked_at: string; reason: RevocationReason } | undefined, lang: Language): string {
  if (!revoked) return lang === 'kk' ? 'жарамды' : 'действует';
  const date = displayDate(revoked.revoked_at.slice(0, 10));
  return `${REVOKED[lang]} ${date} (${REVOCATION_REASONS[revoked.reason][lang]})`;
}

/** A cell a spreadsheet would run as a formula is prefixed with an apostrophe: shown, never run. */
export const inert = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

const profession = (r: RegistryRow, lang: Language) => `${r.profession_code} ${lang === 'kk' ? r.profession_kk : r.profession_ru}`;

/** The latest attestation on the certificate (docs/domain.md): its result and category by name, empty before any. */
const attestation = (r: RegistryRow, lang: Language) => [
  r.attestation_result ? RESULT_NAMES[r.attestation_result][lang] : '',
  r.attestation_category ? CATEGORY_NAMES[r.attestation_category][lang] : '',
];

type Rows = Iterable<RegistryRow> | AsyncIterable<RegistryRow>;

/** A register row's cells, in REGISTER_HEADERS' order, each in its own type (for the XLSX). */
function cells(r: RegistryRow, revocations: Revocations, lang: Language): (string | number | Date | null)[] {
  return [
    r.full_name,
    r.iin,
    r.certificate_serial,
    profession(r, lang),
    r.level,
    excelDate(r.issue_date),
    excelDate(r.expiry_date),
    ...attestation(r, lang),
    r.attestation_date ? excelDate(r.attestation_date) : null,
    r.centre,
    statusCell(revocations.get(r.certificate_serial), lang),
  ];
}

/** The same cells as text (dates dd.mm.yyyy), every one inert: the CSV's. */
const textCells = (r: RegistryRow, revocations: Revocations, lang: Language) =>
  cells(r, revocations, lang).map((v) => inert(v instanceof Date ? displayDate(v.toISOString().slice(0, 10)) : v === null ? '' : String(v)));

export const csvCell = (v: string) => (/[";\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

const csvLine = (values: string[]) => `${values.map(csvCell).join(';')}\r\n`;
/** Text gathered into pieces of about this many characters before it is handed on. */
const PIECE = 64 * 1024;

/**
 * The register as CSV, a piece at a time as the rows come (an archive package's register
 * is read from the ledger a page at a time): UTF-8 with BOM and ";", what spreadsheet
 * programs in Kazakhstan open without asking.
 */
export async function* registerCsv(rows: Rows, revocations: Revocations, lang: Language): AsyncGenerator<string> {
  let piece = `\uFEFF${csvLine(REGISTER_HEADERS[lang])}`;
  for await (const r of rows) {
    piece += csvLine(textCells(r, revocations, lang));
    if (piece.length >= PIECE) {
      yield piece;
      piece = '';
    }
  }
  yield piece;
}

/** An ISO date as the spreadsheet's date (midnight UTC: Excel has no time zones). */
export const excelDate = (iso: string) => new Date(`${iso}T00:00:00Z`);

/**
 * The register for people, written to the file `path`: every value in its own type (text for
 * names, numbers and the IIN, whose leading zeros a number would lose; a number for the
 * level; dates shown dd.mm.yyyy), columns as wide as their contents, the header frozen and
 * filterable. Text cells are never formulas, whatever they begin with. The workbook's own
 * dates are fixed, so the same rows give the same bytes (an archive package repacks it
 * with fixed times). `rows` is read twice: a streamed sheet's column widths are written
 * before its rows.
 */
export async function registerXlsx(path: string, rows: () => Rows, revocations: Revocations, lang: Language): Promise<void> {
  // Through a pipeline, so a file that cannot be written (a missing folder, a full disk)
  // rejects here rather than as an error event nobody listens to.
  const sink = new PassThrough();
  await Promise.all([writeWorkbook(sink, rows, revocations, lang), pipeline(sink, createWriteStream(path))]);
}

async function writeWorkbook(sink: Writable, rows: () => Rows, revocations: Revocations, lang: Language): Promise<void> {
  const headers = REGISTER_HEADERS[lang];
  const widest = headers.map((h) => displayWidth(h));
  for await (const r of rows())
    cells(r, revocations, lang).forEach((v, i) => {
      widest[i] = Math.max(widest[i] ?? 0, v instanceof Date ? 10 : displayWidth(String(v ?? '')));
    });
  const TEXT = [1, 2, 3, 4, 8, 9, 11, 12];
  const DATES = [6, 7, 10];
  const numFmt = (column: number) => (TEXT.includes(column) ? '@' : DATES.includes(column) ? 'dd.mm.yyyy' : undefined);

  // Streamed row by row: a workbook held whole took 210 MB and 4.6 s for 10,000 rows
  // (an archive package carries two), the streamed one what a row needs.
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: true });
  wb.created = wb.modified = new Date(0);
  const ws = wb.addWorksheet(lang === 'kk' ? 'Тізілім' : 'Реестр', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = headers.map((_, i) => {
    const format = numFmt(i + 1);
    return { width: Math.min((widest[i] ?? 0) + 2, 60), ...(format ? { style: { numFmt: format } } : {}) };
  });
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: headers.length } };
  const header = ws.addRow(headers);
  header.font = { bold: true };
  header.commit();
  for await (const r of rows()) ws.addRow(cells(r, revocations, lang)).commit();
  ws.commit();
  await wb.commit();
}
