import type { Bilingual } from '../core/catalogue.js';
import { type Issue, issue } from '../core/issue.js';
import { type Column, DISTINCTIVE, KINDS, type Kind, columnFor, isAddedByTanu } from '../records/columns.js';
import { type Cell, type TableRow, cellText, isBlank } from './cell.js';

/**
 * Pure core of tabular intake (CSV, XLSX, and the keys of JSON/YAML records): finds the
 * header row below any title rows, tells the kind from the columns when nothing else
 * did, and maps each row's cells to canonical keys.
 */

/** A row of a file after intake: its number as the user sees it, cells by canonical key. */
export type SourceRecord = { row: number; cells: ReadonlyMap<string, Cell> };

/** How far below the top a header row may sit (title rows, a blank line, a note). */
export const HEADER_SEARCH_ROWS = 20;

export type Header = {
  row: number;
  kind: Kind;
  /** Column index → the column it is, or null for an unknown header. */
  columns: (Column | null)[];
  names: readonly string[];
  issues: Issue[];
};

const headerText = (cell: Cell | null | undefined) => (isBlank(cell) || cell === null || cell === undefined ? '' : cellText(cell).trim());

function score(row: TableRow, kind: Kind): { known: number; distinctive: number } {
  let known = 0;
  let distinctive = 0;
  for (const cell of row.cells) {
    const col = columnFor(kind, headerText(cell));
    if (!col) continue;
    known++;
    if (DISTINCTIVE[kind].includes(col.key)) distinctive++;
  }
  return { known, distinctive };
}

/**
 * The header is the row, among the first ones, that names the most known columns (at
 * least two). `hint` is the kind already known from a `kind` field or the file name.
 */
export function findHeader(rows: readonly TableRow[], hint: Kind | null): Header | { problem: 'no-header' | 'unknown-kind' } {
  let best: { row: TableRow; known: number } | undefined;
  for (const row of rows) {
    const known = Math.max(...(hint ? [hint] : KINDS).map((k) => score(row, k).known));
    if (known >= 2 && (!best || known > best.known)) best = { row, known };
  }
  if (!best) return { problem: hint ? 'no-header' : 'unknown-kind' };
  const header = best.row;
  let kind = hint;
  if (!kind) {
    const candidates = KINDS.filter((k) => score(header, k).distinctive > 0);
    if (candidates.length !== 1 || !candidates[0]) return { problem: 'unknown-kind' };
    kind = candidates[0];
  }
  return mapHeader(header.row, header.cells.map(headerText), kind);
}

/** Maps header names to columns; reports unknown, repeated and missing required ones. */
export function mapHeader(row: number, names: readonly string[], kind: Kind): Header {
  const issues: Issue[] = [];
  const seen = new Map<string, string>();
  const columns = names.map((name) => {
    if (name === '' || isAddedByTanu(name)) return null;
    const col = columnFor(kind, name);
    if (!col) {
      issues.push(issue('UNKNOWN_COLUMN', { column: name }));
      return null;
    }
    const earlier = seen.get(col.key);
    if (earlier !== undefined) {
      issues.push(
        issue('FILE_UNREADABLE', { column: name }, {
          detail: { kk: `«${earlier}» мен «${name}» бір бағанды білдіреді`, ru: `«${earlier}» и «${name}» обозначают один и тот же столбец` },
        }),
      );
      return null;
    }
    seen.set(col.key, name);
    return col;
  });
  return { row, kind, columns, names, issues };
}

/** Each known column's header as the file writes it, in the file's order: reports name columns the centre's way. */
export const headerNames = (header: Header): Record<string, string> =>
  Object.fromEntries(header.columns.flatMap((c, i) => (c ? [[c.key, header.names[i] ?? c.key]] : [])));

/** Canonical keys of the columns a header names. */
export const presentKeys = (header: Header): ReadonlySet<string> => new Set(header.columns.flatMap((c) => (c ? [c.key] : [])));

export function missingColumns(header: Header, allColumns: readonly Column[], detail?: Bilingual): Issue[] {
  const present = presentKeys(header);
  return allColumns
    .filter((c) => c.required !== 'no' && !present.has(c.key))
    .map((c) => issue('MISSING_COLUMN', { column: c.key }, { expected: { kk: `${c.kk} (${c.key})`, ru: `${c.ru} (${c.key})` }, ...(detail ? { detail } : {}) }));
}

/**
 * A data row by canonical key; null for a row with nothing in it (not a record). A value
 * under no header is reported, never dropped unseen.
 */
export function mapRow(header: Header, row: TableRow): { record: SourceRecord | null; issues: Issue[] } {
  if (row.cells.every(isBlank)) return { record: null, issues: [] };
  const cells = new Map<string, Cell>();
  const issues: Issue[] = [];
  row.cells.forEach((cell, i) => {
    if (isBlank(cell) || cell === null) return;
    const col = header.columns[i];
    if (col) cells.set(col.key, cell);
    // An unknown named column was reported once for the file; a value under no header at all is reported where it stands.
    else if ((header.names[i] ?? '') === '')
      issues.push(issue('UNKNOWN_COLUMN', { row: row.row, column: `#${i + 1}`, value: cellText(cell) }));
  });
  return { record: { row: row.row, cells }, issues };
}
