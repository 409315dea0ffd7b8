import { writeFile } from 'node:fs/promises';
import type { Bilingual } from '../core/catalogue.js';
import { localNow } from '../core/clock.js';
import { displayDate } from '../core/dates.js';
import { TanuError } from '../core/tanu-error.js';
import { openLedger } from '../ledger/open.js';
import { registerCsv, registerXlsx } from '../publish/register.js';
import type { Language } from '../standards/schema.js';
import type { Ctx } from './context.js';
import { printable, say, table } from './output.js';

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
    await ledger.close();
  }
}

export async function registryCommand(args: string[], options: { format: string | undefined; out: string | undefined; language: string | undefined }, ctx: Ctx): Promise<number> {
  const format = options.format ?? 'csv';
  const lang = (options.language ?? ctx.lang) as Language;
  if (args[0] !== 'export' || !['csv', 'xlsx'].includes(format) || !['kk', 'ru'].includes(lang))
    throw new TanuError('USAGE', { detail: { kk: 'tanu registry export --format csv|xlsx [--language kk|ru] [--out FILE]', ru: 'tanu registry export --format csv|xlsx [--language kk|ru] [--out FILE]' } });
  const ledger = await openLedger(ctx.config, ctx.io.env);
  let rows;
  let revocations;
  try {
    rows = await ledger.registry();
    revocations = await ledger.revocations();
  } finally {
    await ledger.close();
  }
  const out = options.out ?? `registry-${lang}.${format}`;
  await writeFile(out, format === 'csv' ? registerCsv(rows, revocations, lang) : await registerXlsx(rows, revocations, lang));
  ctx.io.out(out);
  return 0;
}
