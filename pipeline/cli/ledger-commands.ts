import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Bilingual } from '../core/catalogue.js';
import { localNow } from '../core/clock.js';
import { displayDate } from '../core/dates.js';
import { TanuError } from '../core/tanu-error.js';
import { Ledger, type RegistryRow } from '../ledger/ledger.js';
import type { Language } from '../standards/schema.js';
import type { Ctx } from './main.js';
import { displayWidth, printable, say, table } from './output.js';

/** `tanu status` and `tanu registry export`: what the ledger knows, for people. */

const STATES: Record<string, Bilingual> = {
  planned: { kk: 'жоспарланған', ru: 'запланирован' },
  published: { kk: 'жарияланған', ru: 'опубликован' },
};
const KINDS: Record<string, Bilingual> = {
  'exam-results': { kk: 'емтихан нәтижелері', ru: 'результаты экзаменов' },
  applications: { kk: 'өтінімдер', ru: 'заявки' },
};

/** An instant as the operator's clock shows it: "dd.mm.yyyy hh:mm" in the config's time zone. */
const localTime = (iso: string, timeZone: string) => displayDate(localNow({ now: () => new Date(iso) }, timeZone).dateTime);

export async function statusCommand(ctx: Ctx): Promise<number> {
  const ledger = Ledger.open(ctx.config.paths.ledger);
  try {
    const batches = ledger.recentBatches(20);
    if (ctx.json)
      // The stored report and rejected rows as objects, not JSON inside a string.
      ctx.io.out(
        JSON.stringify(
          { batches: batches.map(({ report_json, rejected_json, ...b }) => ({ ...b, report: JSON.parse(report_json) as unknown, rejected_rows: JSON.parse(rejected_json) as unknown })) },
          null,
          2,
        ),
      );
    else
      ctx.io.out(
        table(
          [
            ctx.lang === 'kk' ? ['топтама', 'орталық', 'файл', 'түрі', 'күйі', 'сандар¹', 'уақыты²'] : ['пакет', 'центр', 'файл', 'вид', 'состояние', 'счёт¹', 'время²'],
            ...batches.map((b) => [
              b.id,
              b.centre,
              printable(b.file_name),
              KINDS[b.kind]?.[ctx.lang] ?? b.kind,
              STATES[b.state]?.[ctx.lang] ?? b.state,
              // Five counts in one column, so the table fits an 80-column terminal; the legend names them.
              [b.rows, b.valid, b.errors, b.documents, b.failed].join('/'),
              localTime(b.created_at, ctx.config.timezone),
            ]),
          ],
          ctx.io.columns,
          [2, 3, 4],
        ) +
          `\n${say(ctx.lang, {
            kk: `¹ жол/жарамды/қате/құжат/сәтсіз  ² ${ctx.config.timezone}`,
            ru: `¹ строк/верных/ошибок/документов/сбоев  ² ${ctx.config.timezone}`,
          })}`,
      );
    return 0;
  } finally {
    ledger.close();
  }
}

/** The register's columns as seed 000's «Тану рәсімінен өткендердің базасы» names them, with the IIN, level and centre beside. */
export const REGISTER_HEADERS: Record<Language, string[]> = {
  kk: ['ҚАТЫСУШЫ', 'ЖСН', 'СЕРТИФИКАТТЫҢ №', 'КӘСІП', 'ДЕҢГЕЙ', 'БЕРІЛГЕН КҮНІ', 'МЕРЗІМНІҢ АЯҚТАЛУЫ', 'ОРТАЛЫҚ'],
  ru: ['УЧАСТНИК', 'ИИН', '№ СЕРТИФИКАТА', 'ПРОФЕССИЯ', 'УРОВЕНЬ', 'ДАТА ВЫДАЧИ', 'ОКОНЧАНИЕ СРОКА ДЕЙСТВИЯ', 'ЦЕНТР'],
};

/** A cell a spreadsheet would run as a formula is prefixed with an apostrophe: shown, never run. */
export const inert = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

export function registryRows(rows: readonly RegistryRow[], lang: Language): string[][] {
  return rows.map((r) =>
    [r.full_name, r.iin, r.certificate_serial, `${r.profession_code} ${lang === 'kk' ? r.profession_kk : r.profession_ru}`, String(r.level), displayDate(r.issue_date), displayDate(r.expiry_date), r.centre].map(inert),
  );
}

/** An ISO date as the spreadsheet's date (midnight UTC: Excel has no time zones). */
const excelDate = (iso: string) => new Date(`${iso}T00:00:00Z`);

/**
 * The register for people: every value in its own type (text for names, numbers and the
 * IIN, whose leading zeros a number would lose; a number for the level; dates shown
 * dd.mm.yyyy), columns as wide as their contents, the header frozen and filterable. Text
 * cells are never formulas, whatever they begin with.
 */
export async function registryWorkbook(rows: readonly RegistryRow[], lang: Language): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(lang === 'kk' ? 'Тізілім' : 'Реестр', { views: [{ state: 'frozen', ySplit: 1 }] });
  const headers = REGISTER_HEADERS[lang];
  ws.addRow(headers).font = { bold: true };
  for (const r of rows)
    ws.addRow([r.full_name, r.iin, r.certificate_serial, `${r.profession_code} ${lang === 'kk' ? r.profession_kk : r.profession_ru}`, r.level, excelDate(r.issue_date), excelDate(r.expiry_date), r.centre]);
  const TEXT = [1, 2, 3, 4, 8];
  const DATES = [6, 7];
  for (const i of TEXT) ws.getColumn(i).numFmt = '@';
  for (const i of DATES) ws.getColumn(i).numFmt = 'dd.mm.yyyy';
  ws.columns.forEach((column, i) => {
    const widest = Math.max(displayWidth(headers[i] ?? ''), ...(column.values ?? []).slice(2).map((v) => (v instanceof Date ? 10 : displayWidth(String(v ?? '')))));
    column.width = Math.min(widest + 2, 60);
  });
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: headers.length } };
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

const csvCell = (v: string) => (/[";\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export async function registryCommand(args: string[], options: { format: string | undefined; out: string | undefined; language: string | undefined }, ctx: Ctx): Promise<number> {
  const format = options.format ?? 'csv';
  const lang = (options.language ?? ctx.lang) as Language;
  if (args[0] !== 'export' || !['csv', 'xlsx'].includes(format) || !['kk', 'ru'].includes(lang))
    throw new TanuError('USAGE', { detail: { kk: 'tanu registry export --format csv|xlsx [--language kk|ru] [--out FILE]', ru: 'tanu registry export --format csv|xlsx [--language kk|ru] [--out FILE]' } });
  const ledger = Ledger.open(ctx.config.paths.ledger);
  let registry: RegistryRow[];
  try {
    registry = ledger.registry();
  } finally {
    ledger.close();
  }
  const out = options.out ?? `registry-${lang}.${format}`;
  if (format === 'csv') {
    // UTF-8 with BOM and ";": what spreadsheet programs in Kazakhstan open without asking.
    await writeFile(out, `\uFEFF${[REGISTER_HEADERS[lang], ...registryRows(registry, lang)].map((r) => r.map(csvCell).join(';')).join('\r\n')}\r\n`);
  } else await writeFile(out, await registryWorkbook(registry, lang));
  ctx.io.out(out);
  return 0;
}
