import { displayWidth } from '../core/width.js';
import type { Bilingual } from '../core/catalogue.js';
import type { Issue } from '../core/issue.js';
import { COLUMNS, type Kind } from '../records/columns.js';
import type { Language } from '../standards/schema.js';
import type { FileReport } from '../validate/report.js';

/** Human-readable text for the operator, in the operator's language. */

const LABELS = {
  rows: { kk: 'жол', ru: 'строк' },
  valid: { kk: 'жарамды', ru: 'верных' },
  errors: { kk: 'қате', ru: 'ошибок' },
  warnings: { kk: 'ескерту', ru: 'предупреждений' },
  row: { kk: 'жол', ru: 'строка' },
  file: { kk: 'файл', ru: 'файл' },
  centre: { kk: 'орталық', ru: 'центр' },
  unknownKind: { kk: 'түрі белгісіз', ru: 'вид неизвестен' },
  total: { kk: 'Барлығы', ru: 'Итого' },
} satisfies Record<string, Bilingual>;

/**
 * Text from outside (a file name, a cell) as it may be shown on a terminal: control
 * characters and bidirectional overrides become visible escapes, so a name cannot move the
 * cursor, recolour the screen, forge a line or reverse what follows it.
 */
export const printable = (text: string) =>
  text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`);

export const say = (lang: Language, text: Bilingual) => text[lang];

function columnLabel(kind: Kind | null, key: string | null, lang: Language): string {
  if (key === null) return '';
  const col = kind ? COLUMNS[kind].find((c) => c.key === key) : undefined;
  return col ? `${col[lang]} (${key})` : key;
}

function issueLine(i: Issue, kind: Kind | null, lang: Language): string {
  const where = i.row === null ? `${LABELS.file[lang]}` : `${LABELS.row[lang]} ${i.row}`;
  const column = columnLabel(kind, i.column, lang);
  const value = i.value === null ? '' : ` «${printable(i.value.length > 60 ? `${i.value.slice(0, 60)}…` : i.value)}»`;
  return `  ${where}${column ? `, ${column}` : ''}${value}: [${i.code}] ${i.message[lang]}`;
}

export function formatFileReport(r: FileReport, lang: Language): string {
  const head = `${printable(r.file)} — ${r.kind ?? LABELS.unknownKind[lang]}${r.centre ? `, ${LABELS.centre[lang]} ${r.centre}` : ''}`;
  const counts = `  ${LABELS.rows[lang]}: ${r.rows}, ${LABELS.valid[lang]}: ${r.valid}, ${LABELS.errors[lang]}: ${r.errors.length}, ${LABELS.warnings[lang]}: ${r.warnings.length}`;
  return [head, counts, ...r.errors.map((i) => issueLine(i, r.kind, lang)), ...r.warnings.map((i) => issueLine(i, r.kind, lang))].join('\n');
}

export function formatTotals(files: readonly FileReport[], lang: Language): string {
  const sum = (f: (r: FileReport) => number) => files.reduce((n, r) => n + f(r), 0);
  return `${LABELS.total[lang]}: ${LABELS.file[lang]} ${files.length}, ${LABELS.rows[lang]} ${sum((r) => r.rows)}, ${LABELS.valid[lang]} ${sum((r) => r.valid)}, ${LABELS.errors[lang]} ${sum((r) => r.errors.length)}`;
}


/** Text cut to `width` columns by its middle, with "…": a path keeps its start and its file name. */
export function shorten(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  const chars = [...text];
  let head = '';
  let tail = '';
  for (let i = 0, j = chars.length - 1; i <= j; ) {
    const next = displayWidth(head) <= displayWidth(tail) ? chars[i] : chars[j];
    if (displayWidth(head + tail + (next ?? '')) + 1 > width) break;
    if (displayWidth(head) <= displayWidth(tail)) head += chars[i++] ?? '';
    else tail = (chars[j--] ?? '') + tail;
  }
  return `${head}…${tail}`;
}

/** Narrowest a column is cut to when a table must fit its terminal. */
const MIN_COLUMN = 6;

/**
 * A plain text table: columns padded to their widest cell by display width. Given the
 * terminal's width, the widest of the `flexible` columns (all, if none are named) are
 * shortened until each line fits, so a table never wraps on an 80- or 120-column terminal;
 * columns of numbers and times are kept whole.
 */
export function table(rows: readonly (readonly string[])[], maxWidth?: number, flexible?: readonly number[]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, displayWidth(c))), []);
  const gaps = 2 * Math.max(widths.length - 1, 0);
  if (maxWidth !== undefined)
    for (let excess = widths.reduce((a, b) => a + b, 0) + gaps - maxWidth; excess > 0; excess--) {
      const candidates = flexible ?? widths.map((_, i) => i);
      const widest = candidates.reduce((a, b) => ((widths[b] ?? 0) > (widths[a] ?? 0) ? b : a), candidates[0] ?? 0);
      if ((widths[widest] ?? 0) <= MIN_COLUMN) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
    }
  return rows
    .map((r) =>
      r
        .map((c, i) => {
          const cell = shorten(c, widths[i] ?? 0);
          return cell + ' '.repeat(Math.max((widths[i] ?? 0) - displayWidth(cell), 0));
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
