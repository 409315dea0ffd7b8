import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { REVOCATION_REASONS } from '../core/catalogue.js';
import { displayDate } from '../core/dates.js';
import { TanuError } from '../core/tanu-error.js';
import type { Ledger, RegistryRow } from '../ledger/ledger.js';
import { SqliteLedger } from '../ledger/sqlite.js';
import type { Language } from '../standards/schema.js';
import type { Ctx } from './context.js';
import { table } from './output.js';

/** `tanu status` and `tanu registry export`: what the ledger knows, for people. */

export async function statusCommand(ctx: Ctx): Promise<number> {
  const ledger = SqliteLedger.open(ctx.config.paths.ledger);
  try {
    const batches = await ledger.recentBatches(20);
    if (ctx.json) ctx.io.out(JSON.stringify({ batches }, null, 2));
    else
      ctx.io.out(
        table([
          ctx.lang === 'kk'
            ? ['топтама', 'орталық', 'файл', 'түрі', 'күйі', 'жол', 'жарамды', 'қате', 'құжат', 'сәтсіз', 'уақыты']
            : ['пакет', 'центр', 'файл', 'вид', 'состояние', 'строк', 'верных', 'ошибок', 'документов', 'сбоев', 'время'],
          ...batches.map((b) => [b.id, b.centre, b.file_name, b.kind, b.state, String(b.rows), String(b.valid), String(b.errors), String(b.documents), String(b.failed), b.created_at]),
        ]),
      );
    return 0;
  } finally {
    await ledger.close();
  }
}

const HEADERS: Record<Language, string[]> = {
  kk: ['Қатысушы', 'ЖСН', 'Құжат №', 'Кәсіп', 'Деңгей', 'Берілген күні', 'Жарамдылық мерзімі', 'Орталық', 'Күйі'],
  ru: ['Участник', 'ИИН', '№ документа', 'Профессия', 'Уровень', 'Дата выдачи', 'Срок действия', 'Центр', 'Статус'],
};

type Revocations = Awaited<ReturnType<Ledger['revocations']>>;

/** "действует", or "отозван 27.11.2026 (выдано ошибочно)". */
function statusCell(revoked: ReturnType<Revocations['get']>, lang: Language): string {
  if (!revoked) return lang === 'kk' ? 'жарамды' : 'действует';
  const date = displayDate(revoked.revoked_at.slice(0, 10));
  return `${lang === 'kk' ? 'кері қайтарылған' : 'отозван'} ${date} (${REVOCATION_REASONS[revoked.reason][lang]})`;
}

/** A cell a spreadsheet would run as a formula is prefixed with an apostrophe: shown, never run. */
export const inert = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

export function registryRows(rows: readonly RegistryRow[], revocations: Revocations, lang: Language): string[][] {
  return rows.map((r) =>
    [
      r.full_name,
      r.iin,
      r.certificate_serial,
      `${r.profession_code} ${lang === 'kk' ? r.profession_kk : r.profession_ru}`,
      String(r.level),
      displayDate(r.issue_date),
      displayDate(r.expiry_date),
      r.centre,
      statusCell(revocations.get(r.certificate_serial), lang),
    ].map(inert),
  );
}

const csvCell = (v: string) => (/[";\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** The register as CSV: UTF-8 with BOM and ";", what spreadsheet programs in Kazakhstan open without asking. */
export const registerCsv = (rows: readonly string[][], lang: Language) => Buffer.from(`\uFEFF${[HEADERS[lang], ...rows].map((r) => r.map(csvCell).join(';')).join('\r\n')}\r\n`);

/** The register as XLSX; its document dates are fixed (an archive export repacks it with fixed times too, so the same rows give the same bytes). */
export async function registerXlsx(rows: readonly string[][], lang: Language): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.created = wb.modified = new Date(0);
  const ws = wb.addWorksheet(lang === 'kk' ? 'Тізілім' : 'Реестр');
  ws.addRow(HEADERS[lang]).font = { bold: true };
  for (const r of rows) ws.addRow(r);
  ws.columns.forEach((c) => (c.width = 22));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function registryCommand(args: string[], options: { format: string | undefined; out: string | undefined; language: string | undefined }, ctx: Ctx): Promise<number> {
  const format = options.format ?? 'csv';
  const lang = (options.language ?? ctx.lang) as Language;
  if (args[0] !== 'export' || !['csv', 'xlsx'].includes(format) || !['kk', 'ru'].includes(lang))
    throw new TanuError('USAGE', { detail: { kk: 'tanu registry export --format csv|xlsx [--language kk|ru] [--out FILE]', ru: 'tanu registry export --format csv|xlsx [--language kk|ru] [--out FILE]' } });
  const ledger = SqliteLedger.open(ctx.config.paths.ledger);
  let rows: string[][];
  try {
    rows = registryRows(await ledger.registry(), await ledger.revocations(), lang);
  } finally {
    await ledger.close();
  }
  const out = options.out ?? `registry-${lang}.${format}`;
  await writeFile(out, format === 'csv' ? registerCsv(rows, lang) : await registerXlsx(rows, lang));
  ctx.io.out(out);
  return 0;
}
