import { constants } from 'node:fs';
import { access, readFile, realpath, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Bilingual } from '../core/catalogue.js';
import { type Issue, issue } from '../core/issue.js';
import { TanuError, isTanuError } from '../core/tanu-error.js';
import { COLUMNS, KINDS, type Kind, columnFor, isKind } from '../records/columns.js';
import { type Cell, type TableRow, isBlank } from './cell.js';
import { readCsv } from './csv.js';
import { parseStructuredText } from './structured.js';
import { HEADER_SEARCH_ROWS, type Header, type SourceRecord, findHeader, headerNames, mapHeader, mapRow, missingColumns, presentKeys } from './table.js';
import { readXlsx } from './xlsx.js';
import { checkDeclaredSizes } from './zip-guard.js';

/**
 * The intake shell: any file in, its kind, its centre, the problems known up front and a
 * stream of records by canonical key. It only reads; the file is never touched.
 */

export type IntakeOptions = {
  /** Where the file was dropped, when it is read from a copy (the received area names files by hash): its folder tells the centre, its name the kind. */
  origin?: string;
  inboxDir: string;
  centres: readonly string[];
  defaultCentre: string;
  maxFileBytes: number;
  /** What an XLSX may declare it unpacks to, checked before anything is inflated. */
  maxUnpackedBytes: number;
};

export type IntakeRow = { record: SourceRecord | null; issues: Issue[] };

export type Intake = {
  file: string;
  kind: Kind | null;
  centre: string | null;
  /** File-level errors (the file cannot be processed) and header warnings. */
  issues: Issue[];
  /** Canonical keys of the columns the file has. */
  columns: ReadonlySet<string>;
  /** Each known column's header as the file writes it (canonical key → header). */
  headers: Record<string, string>;
  /** Empty when a file-level error stops processing; may throw a TanuError mid-way. */
  rows: AsyncIterable<IntakeRow>;
};

const SYSTEM_ERRORS: Record<string, { kk: string; ru: string }> = {
  ENOENT: { kk: 'файл табылмады', ru: 'файл не найден' },
  EACCES: { kk: 'файлды оқуға рұқсат жоқ', ru: 'нет доступа к файлу' },
  EISDIR: { kk: 'бұл файл емес, бума', ru: 'это папка, а не файл' },
};

export type Container = 'csv' | 'xlsx' | 'json' | 'yaml';

export function containerOf(file: string): Container | null {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.txt') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return null;
}

/** The kind a file name announces: `exam-results-march.csv`, `applications_2026.xlsx`. */
export function kindFromName(file: string): Kind | null {
  const name = basename(file).toLowerCase().replaceAll('_', '-');
  return KINDS.find((k) => name.startsWith(k)) ?? null;
}

/** The inbox subfolder names the centre; else the file's `centre`; else the default. */
export function resolveCentre(file: string, field: string | null, options: IntakeOptions): { centre: string } | { issue: Issue } {
  const rel = relative(resolve(options.inboxDir), resolve(options.origin ?? file));
  const parts = rel.split(sep);
  const fromFolder = !rel.startsWith('..') && parts.length > 1 ? parts[0] : undefined;
  const centre = fromFolder ?? field ?? options.defaultCentre;
  if (!options.centres.includes(centre)) return { issue: issue('UNKNOWN_CENTRE', { column: fromFolder ? null : 'centre', value: centre }, { code: centre }) };
  return { centre };
}

const isInside = (path: string, dir: string) => {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * A file in the inbox that is a symbolic link (or sits under one) leading out of the inbox:
 * whoever can drop files must not make Tanu read, copy or report on files elsewhere.
 */
export async function leavesInbox(file: string, inboxDir: string): Promise<boolean> {
  const inbox = resolve(inboxDir);
  if (!isInside(resolve(file), inbox)) return false;
  const real = await realpath(file).catch(() => null);
  return real !== null && !isInside(real, await realpath(inbox).catch(() => inbox));
}

export const unsafePath = (file: string) =>
  issue('UNSAFE_PATH', { value: basename(file) }, { detail: { kk: 'символдық сілтеме кіріс бумасынан тыс', ru: 'символическая ссылка ведёт за пределы входящей папки' } });

const failed = (file: string, kind: Kind | null, centre: string | null, issues: Issue[]): Intake => ({
  file,
  kind,
  centre,
  issues,
  columns: new Set(),
  headers: {},
  rows: (async function* () {})(),
});

export async function openIntake(file: string, options: IntakeOptions): Promise<Intake> {
  const container = containerOf(file);
  if (!container)
    return failed(file, null, null, [
      issue('FILE_UNREADABLE', { value: basename(file) }, {
        detail: { kk: 'CSV, XLSX, JSON немесе YAML файлы күтіледі', ru: 'ожидается файл CSV, XLSX, JSON или YAML' },
      }),
    ]);
  if (await leavesInbox(file, options.inboxDir)) return failed(file, null, null, [unsafePath(file)]);
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new TanuError('FILE_UNREADABLE', { detail: NOT_A_FILE });
    if (info.size > options.maxFileBytes) return failed(file, null, null, [issue('FILE_TOO_LARGE', {}, { max: `${options.maxFileBytes} B` })]);
    if (info.size === 0) throw new TanuError('FILE_UNREADABLE', { detail: { kk: 'файл бос', ru: 'файл пуст' } });
    return container === 'json' || container === 'yaml'
      ? await openStructured(file, container, options)
      : await openTable(file, container, options);
  } catch (e) {
    if (!isTanuError(e)) return failed(file, null, null, [systemProblem(e)]);
    return failed(file, null, null, [{ ...issue(e.code), message: e.text }]);
  }
}

const NOT_A_FILE = { kk: 'бұл файл емес', ru: 'это не файл' };

const systemProblem = (e: unknown): Issue => {
  const code = (e as NodeJS.ErrnoException).code;
  const known = code === undefined ? undefined : SYSTEM_ERRORS[code];
  const text = (e as Error).message;
  return issue('FILE_UNREADABLE', {}, { detail: known ?? { kk: text, ru: text } });
};

/** Why a path named on the command line cannot be taken as a file (missing, a folder, not readable); null when it can. */
export async function unreadablePath(file: string): Promise<Issue | null> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) return issue('FILE_UNREADABLE', {}, { detail: SYSTEM_ERRORS.EISDIR });
    if (!info.isFile()) return issue('FILE_UNREADABLE', {}, { detail: NOT_A_FILE });
    await access(file, constants.R_OK);
    return null;
  } catch (e) {
    return systemProblem(e);
  }
}

async function openStructured(file: string, format: 'json' | 'yaml', options: IntakeOptions): Promise<Intake> {
  const doc = parseStructuredText(await readFile(file, 'utf8'), format);
  const where = resolveCentre(file, doc.centre, options);
  const centre = 'centre' in where ? where.centre : null;
  const issues = 'issue' in where ? [where.issue] : [];
  let kind: Kind | null = isKind(doc.kind) ? doc.kind : null;
  if (doc.kind !== null && !kind) return failed(file, null, centre, [...issues, issue('UNKNOWN_KIND', { column: 'kind', value: doc.kind })]);
  if (doc.records.length === 0) return failed(file, kind, centre, [...issues, issue('NO_RECORDS')]);
  const keys = [...new Set(doc.records.flatMap((r) => r.fields.map(([k]) => k)))];
  kind ??= kindFromName(options.origin ?? file);
  let header: Header | { problem: string };
  if (kind) header = mapHeader(0, keys, kind);
  else header = findHeader([{ row: 0, cells: keys }], null);
  if ('problem' in header) return failed(file, null, centre, [...issues, issue('UNKNOWN_KIND')]);
  // Keys are per record in JSON/YAML, so a column issue has no single row.
  const headerIssues = header.issues.map((i) => ({ ...i, row: null }));
  const fileIssues = [...issues, ...headerIssues, ...missingColumns(header, COLUMNS[header.kind])];
  const found = header;
  return {
    file,
    kind: found.kind,
    centre,
    issues: fileIssues,
    columns: presentKeys(found),
    headers: headerNames(found),
    rows: (async function* () {
      for (const r of doc.records) {
        const cells = new Map<string, Cell>();
        for (const [key, value] of r.fields) {
          const col = columnFor(found.kind, key);
          if (col && value !== null && !(typeof value === 'string' && value.trim() === '')) cells.set(col.key, value);
        }
        yield { record: { row: r.row, cells }, issues: [] };
      }
    })(),
  };
}

async function openTable(file: string, container: 'csv' | 'xlsx', options: IntakeOptions): Promise<Intake> {
  const hint = kindFromName(options.origin ?? file);
  if (container === 'xlsx') await checkDeclaredSizes(file, options.maxUnpackedBytes);
  // Which sheet of a workbook was read, and which were not: said with every problem about the file.
  let sheet: Bilingual | undefined;
  const source =
    container === 'csv'
      ? readCsv(file)
      : readXlsx(file, hint ? [hint] : KINDS, (read, others) => {
          const list = others.map((n) => `«${n}»`).join(', ');
          sheet = {
            kk: `«${read}» парағы оқылды${others.length ? `; басқа парақтар: ${list}` : ''}`,
            ru: `прочитан лист «${read}»${others.length ? `; другие листы: ${list}` : ''}`,
          };
        });
  const withSheet = (text: Bilingual): Bilingual => (sheet ? { kk: `${text.kk}; ${sheet.kk}`, ru: `${text.ru}; ${sheet.ru}` } : text);
  const iterator = source[Symbol.asyncIterator]();
  const buffered: TableRow[] = [];
  let nonEmpty = 0;
  while (nonEmpty < HEADER_SEARCH_ROWS) {
    const next = await iterator.next();
    if (next.done) break;
    buffered.push(next.value);
    if (!next.value.cells.every(isBlank)) nonEmpty++;
  }
  const where = resolveCentre(file, null, options);
  const centre = 'centre' in where ? where.centre : null;
  const issues = 'issue' in where ? [where.issue] : [];
  const header = findHeader(buffered, hint);
  // A file refused at its header is read no further: the reader lets go of the file now.
  if (nonEmpty === 0 || 'problem' in header) await iterator.return?.(undefined);
  if (nonEmpty === 0) return failed(file, hint, centre, [...issues, issue('FILE_UNREADABLE', {}, { detail: { kk: 'файлда жолдар жоқ', ru: 'в файле нет строк' } })]);
  if ('problem' in header) {
    if (header.problem === 'unknown-kind') return failed(file, null, centre, [...issues, issue('UNKNOWN_KIND', {}, sheet ? { detail: sheet } : {})]);
    return failed(file, hint, centre, [
      ...issues,
      issue('FILE_UNREADABLE', {}, { detail: withSheet({ kk: 'тақырып жолы табылмады', ru: 'не найдена строка заголовков' }) }),
    ]);
  }
  const afterHeader = buffered.filter((r) => r.row > header.row);
  return {
    file,
    kind: header.kind,
    centre,
    issues: [...issues, ...header.issues, ...missingColumns(header, COLUMNS[header.kind], sheet)],
    columns: presentKeys(header),
    headers: headerNames(header),
    rows: (async function* () {
      for (const row of afterHeader) yield mapRow(header, row);
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield mapRow(header, next.value);
    })(),
  };
}
