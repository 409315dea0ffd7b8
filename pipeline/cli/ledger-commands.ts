import { writeFile } from 'node:fs/promises';
import { BATCH_KINDS, BATCH_STATES } from '../core/catalogue.js';
import { localNow, localTime } from '../core/clock.js';
import { displayDate } from '../core/dates.js';
import { TanuError } from '../core/tanu-error.js';
import { openLedger } from '../ledger/open.js';
import { EVERYTHING } from '../ledger/rows.js';
import { writeWhole } from '../publish/publish.js';
import { registerCsv, registerXlsx } from '../publish/register.js';
import { specialistsCsv, specialistsXlsx } from '../publish/specialists.js';
import type { Language } from '../standards/schema.js';
import type { Ctx } from './context.js';
import { printable, say, table } from './output.js';

/** `tanu status` and `tanu registry export`: what the ledger knows, for people. */

export async function statusCommand(ctx: Ctx): Promise<number> {
  const ledger = await openLedger(ctx.config, ctx.io.env);
  try {
    const batches = await ledger.recentBatches(20);
    // The stored report and rejected rows come as objects (parsed at the ledger's boundary), not JSON inside a string.
    if (ctx.json) ctx.io.out(JSON.stringify({ batches: batches.map(({ rejected, ...b }) => ({ ...b, rejected_rows: rejected })) }, null, 2));
    else
      ctx.io.out(
        table(
          [
            ctx.lang === 'kk' ? ['топтама', 'орталық', 'файл', 'түрі', 'күйі', 'сандар¹', 'уақыты²'] : ['пакет', 'центр', 'файл', 'вид', 'состояние', 'счёт¹', 'время²'],
            ...batches.map((b) => [
              b.id,
              b.centre,
              printable(b.file_name),
              BATCH_KINDS[b.kind]?.[ctx.lang] ?? b.kind,
              BATCH_STATES[b.state]?.[ctx.lang] ?? b.state,
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
    await ledger.close();
  }
}

/**
 * `tanu resits`: the no-shows for health whose exams the centre still owes (seed 000: they
 * are rescheduled, not closed), each with its re-sit date; one already past is marked.
 */
export async function resitsCommand(ctx: Ctx): Promise<number> {
  const ledger = await openLedger(ctx.config, ctx.io.env);
  try {
    const today = localNow(ctx.io.clock, ctx.config.timezone).date;
    const resits = (await ledger.openResits()).map((r) => ({ ...r, overdue: r.resit_date !== null && r.resit_date < today }));
    if (ctx.json) ctx.io.out(JSON.stringify({ today, resits }, null, 2));
    else if (resits.length === 0) ctx.io.out(say(ctx.lang, { kk: 'Қайта тапсыруды күтетін ешкім жоқ', ru: 'Никто не ждёт пересдачи' }));
    else
      ctx.io.out(
        table(
          [
            ctx.lang === 'kk' ? ['ЖСН', 'аты-жөні', 'кәсібі', 'хаттама', 'қайта тапсыру'] : ['ИИН', 'ФИО', 'профессия', 'протокол', 'пересдача'],
            ...resits.map((r) => [
              r.iin,
              printable(r.full_name),
              `${r.profession_code} / ${r.level}`,
              `${printable(r.protocol_number)} ${displayDate(r.protocol_date)}`,
              r.resit_date === null
                ? say(ctx.lang, { kk: 'белгіленбеген', ru: 'не назначена' })
                : `${displayDate(r.resit_date)}${r.overdue ? say(ctx.lang, { kk: ' (өтіп кетті)', ru: ' (просрочена)' }) : ''}`,
            ]),
          ],
          ctx.io.columns,
          [1],
        ),
      );
    return 0;
  } finally {
    await ledger.close();
  }
}

type RegistryOptions = { format: string | undefined; out: string | undefined; language: string | undefined; registry: string | undefined };

export async function registryCommand(args: string[], options: RegistryOptions, ctx: Ctx): Promise<number> {
  const format = options.format ?? 'csv';
  const lang = (options.language ?? ctx.lang) as Language;
  const registry = options.registry ?? 'recognized';
  const usage = 'tanu registry export [--registry recognized|specialists] --format csv|xlsx [--language kk|ru] [--out FILE]';
  if (args[0] !== 'export' || !['csv', 'xlsx'].includes(format) || !['kk', 'ru'].includes(lang) || !['recognized', 'specialists'].includes(registry))
    throw new TanuError('USAGE', { detail: { kk: usage, ru: usage } });
  if (registry === 'specialists') return specialistsExport(format, lang, options.out, ctx);
  const out = options.out ?? `registry-${lang}.${format}`;
  const ledger = await openLedger(ctx.config, ctx.io.env);
  try {
    const revocations = await ledger.revocations();
    // A page of the register at a time, straight to the file: a register of 100,000 is
    // never held. Written whole or not at all: a failure half-way leaves no half register.
    const rows = () => ledger.exportRegistry(EVERYTHING);
    await writeWhole(out, (temp) => (format === 'csv' ? writeFile(temp, registerCsv(rows(), revocations, lang)) : registerXlsx(temp, rows, revocations, lang)));
  } finally {
    await ledger.close();
  }
  ctx.io.out(out);
  return 0;
}

/** The registry of specialists (seed 003): its own file name, so it never overwrites the register of recognized persons. */
async function specialistsExport(format: string, lang: Language, out: string | undefined, ctx: Ctx): Promise<number> {
  const ledger = await openLedger(ctx.config, ctx.io.env);
  let rows;
  try {
    rows = await ledger.specialists();
  } finally {
    await ledger.close();
  }
  const file = out ?? `specialists-${lang}.${format}`;
  const content = format === 'csv' ? specialistsCsv(rows, lang) : await specialistsXlsx(rows, lang);
  await writeWhole(file, (temp) => writeFile(temp, content));
  ctx.io.out(file);
  return 0;
}
