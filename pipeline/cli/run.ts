import { relative } from 'node:path';
import pino from 'pino';
import type { EngineEvent, FileOutcome } from '../batch/context.js';
import { takeFile } from '../batch/take.js';
import { unreadablePath } from '../intake/open.js';
import { startEngine } from '../batch/start.js';
import { watchInbox } from '../batch/watch.js';
import { postgresOptions } from '../ledger/open.js';
import { requirePaths } from '../config/load.js';
import { TanuError, asTanuError } from '../core/tanu-error.js';
import { type Ctx, libraryOrFail } from './context.js';
import { printable, say } from './output.js';
import { reloadStandardsOnChange } from './standards-reload.js';
import { exitCode } from '../validate/report.js';

/**
 * `tanu run FILE...` and the engine set-up `tanu watch` shares: ledger, library, templates,
 * signer, one browser. On a terminal a progress line with rate and ETA; otherwise
 * structured JSON logs (pino) on stderr; at the end a summary per file.
 */

/**
 * `issues: false` for a process that only plans: `tanu run` and `tanu watch` with
 * `ledger.jobs`, whose batches `tanu worker` issues (no browser, no key there).
 */
export const engineFor = async (ctx: Ctx, onEvent: (e: EngineEvent) => void, role: { issues: boolean; signal?: AbortSignal }) => {
  const library = await libraryOrFail(ctx);
  await requirePaths(ctx.config, ['templates']);
  return startEngine(ctx.config, library, {
    clock: ctx.io.clock,
    env: ctx.io.env,
    notice: (text) => ctx.io.err(text),
    onEvent,
    planOnly: !role.issues,
    ...(role.signal ? { signal: role.signal } : {}),
  });
};

/** Progress for people on a terminal, JSON lines for machines. */
export function progressReporter(ctx: Ctx): { onEvent: (e: EngineEvent) => void } {
  const tty = process.stderr.isTTY === true;
  // Through the command's own error stream, so whoever runs the command (a test, a script) gets the log lines.
  const log = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => ctx.io.err(line.trimEnd()) });
  let started = 0;
  let startDone = 0;
  return {
    onEvent(e) {
      if (!tty) {
        log.info(e, e.type);
        return;
      }
      if (e.type === 'started' || e.type === 'resumed') {
        started = Date.now();
        startDone = 0;
      }
      if (e.type === 'published-chunk') drawProgress(e.batch, e.done - startDone, e.done, e.total, started);
      if (e.type === 'published') process.stderr.write('\n');
    },
  };
}

/** One progress line on the terminal (stderr): label, bar, count, rate since `started` (ms), ETA. */
export function drawProgress(label: string, doneSinceStart: number, done: number, total: number, started: number) {
  const seconds = (Date.now() - started) / 1000;
  const rate = doneSinceStart / Math.max(seconds, 0.001);
  const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${rate.toFixed(1)}/s ETA ${eta}s   `);
}

/** Progress of a stream whose length is known only at its end: how many so far, and how fast. */
export function drawCount(label: string, done: number, started: number) {
  const rate = done / Math.max((Date.now() - started) / 1000, 0.001);
  process.stderr.write(`\r${label} ${done} ${rate.toFixed(1)}/s   `);
}

export async function runCommand(files: string[], ctx: Ctx): Promise<number> {
  if (files.length === 0) throw new TanuError('USAGE', { detail: { kk: 'файл көрсетілмеген', ru: 'не указан файл' } });
  const progress = progressReporter(ctx);
  const engine = await engineFor(ctx, progress.onEvent, { issues: !ctx.config.ledger.jobs });
  const outcomes: { outcome: FileOutcome; seconds: number }[] = [];
  try {
    for (const file of files) {
      const started = process.hrtime.bigint();
      // A path that is not a readable file is refused as `tanu validate` refuses it, with nothing taken.
      const problem = await unreadablePath(file);
      const outcome: FileOutcome = problem
        ? { file, outcome: 'rejected', report: { file, kind: null, centre: null, rows: 0, valid: 0, errors: [problem], warnings: [] }, reportPath: null }
        : await takeFile(file, engine.ctx, 'copy');
      outcomes.push({ outcome, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    }
  } finally {
    await engine.close();
  }
  if (ctx.json) ctx.io.out(JSON.stringify({ outcomes: outcomes.map((o) => ({ ...summary(o.outcome), seconds: Number(o.seconds.toFixed(3)) })) }, null, 2));
  else for (const o of outcomes) ctx.io.out(describe(o.outcome, ctx, o.seconds));
  // The same rule as `tanu validate`: the same file gives the same exit code.
  return exitCode({ files: outcomes.map((o) => o.outcome.report) });
}


const summary = (o: FileOutcome) => ({
  file: o.file,
  outcome: o.outcome,
  ...('batch' in o ? { batch: o.batch, dir: o.dir } : {}),
  ...(o.outcome === 'published' ? { documents: o.documents, failed: o.failed, resumed: o.resumed } : {}),
  ...(o.outcome === 'queued' ? { documents: o.documents } : {}),
  ...(o.outcome === 'rejected' ? { report: o.reportPath } : {}),
  rows: o.report.rows,
  valid: o.report.valid,
  errors: o.report.errors.length,
});

function describe(o: FileOutcome, ctx: Ctx, seconds: number): string {
  const rel = (p: string) => relative(process.cwd(), p) || p;
  const { rows, valid } = o.report;
  const errors = o.report.errors.length;
  const file = printable(o.file);
  switch (o.outcome) {
    case 'published': {
      const rate = (o.documents / Math.max(seconds, 0.001)).toFixed(1);
      return say(ctx.lang, {
        kk: `${file}: жол ${rows}, жарамды ${valid}, құжат ${o.documents}, қате ${errors}, ${rate} құжат/с${o.resumed ? ', үзілген топтама жалғастырылды' : ''}\n  → ${rel(o.dir)}`,
        ru: `${file}: строк ${rows}, верных ${valid}, документов ${o.documents}, ошибок ${errors}, ${rate} док./с${o.resumed ? ', прерванный пакет продолжен' : ''}\n  → ${rel(o.dir)}`,
      });
    }
    case 'already-published':
      return say(ctx.lang, {
        kk: `${file}: бұл файл бұрын ${o.batch} топтамасында өңделген, жаңа ештеңе жоқ\n  → ${rel(o.dir)}`,
        ru: `${file}: этот файл уже обработан в пакете ${o.batch}, ничего нового\n  → ${rel(o.dir)}`,
      });
    case 'queued':
      return say(ctx.lang, {
        kk: `${file}: жол ${rows}, жарамды ${valid}, қате ${errors}; ${o.documents} құжат жоспарланып, tanu worker кезегіне қойылды\n  → ${rel(o.dir)}`,
        ru: `${file}: строк ${rows}, верных ${valid}, ошибок ${errors}; ${o.documents} документов запланировано и поставлено в очередь tanu worker\n  → ${rel(o.dir)}`,
      });
    case 'stopped':
      return say(ctx.lang, {
        kk: `${file}: ${o.batch} топтамасы тоқтату сұралғандықтан бөлік шекарасында тоқтатылды; келесі іске қосуда жалғасады\n  → ${rel(o.dir)}`,
        ru: `${file}: пакет ${o.batch} остановлен на границе части по запросу остановки; продолжится при следующем запуске\n  → ${rel(o.dir)}`,
      });
    case 'in-progress':
      return say(ctx.lang, {
        kk: `${file}: ${o.batch} топтамасын қазір басқа Tanu процесі шығарып жатыр\n  → ${rel(o.dir)}`,
        ru: `${file}: пакет ${o.batch} сейчас выпускает другой процесс Tanu\n  → ${rel(o.dir)}`,
      });
    case 'rejected':
      return say(ctx.lang, {
        kk: `${file}: файл қабылданбады: ${o.report.errors.map((e) => `[${e.code}] ${e.message.kk}`).join('; ')}${o.reportPath ? `\n  → ${rel(o.reportPath)}` : ''}`,
        ru: `${file}: файл отклонён: ${o.report.errors.map((e) => `[${e.code}] ${e.message.ru}`).join('; ')}${o.reportPath ? `\n  → ${rel(o.reportPath)}` : ''}`,
      });
  }
}

/** A file's, a batch's or a job's failure, on stderr: its code and text where it is one of ours. */
function reportFailure(ctx: Ctx, what: string, e: unknown) {
  const known = asTanuError(e);
  ctx.io.err(`${printable(what)}: ${known ? `[${known.code}] ${known.text[ctx.lang]}` : (e as Error).message}`);
}

/** `tanu watch`: runs until SIGINT or SIGTERM, then drains and exits 0. */
export async function watchCommand(ctx: Ctx): Promise<number> {
  const progress = progressReporter(ctx);
  // SIGINT or SIGTERM: the batch in hand stops at its next chunk, and the next start resumes it.
  const shutdown = new AbortController();
  const engine = await engineFor(ctx, progress.onEvent, { issues: !ctx.config.ledger.jobs, signal: shutdown.signal });
  const watcher = await watchInbox(
    engine.ctx,
    (o, seconds) => ctx.io.out(describe(o, ctx, seconds)),
    (file, e) => reportFailure(ctx, file, e),
    (dir) =>
      ctx.io.err(
        say(ctx.lang, {
          kk: `${printable(dir)}: бұл бумадағы файлдар оқылмайды; оларды inbox/ немесе inbox/<орталық>/ ішіне тікелей салыңыз`,
          ru: `${printable(dir)}: файлы в этой папке не читаются; кладите их прямо в inbox/ или inbox/<центр>/`,
        }),
      ),
    (file, problem, taken) =>
      ctx.io.err(
        `${printable(file)}: [${problem.code}] ${problem.message[ctx.lang]}${taken ? say(ctx.lang, { kk: '; бар күйінде алынды', ru: '; взят как есть' }) : ''}`,
      ),
  );
  const stopStandards = await reloadStandardsOnChange(ctx, engine.ctx, watcher.between);
  ctx.io.err(say(ctx.lang, { kk: `Кіріс бумасы бақылануда: ${ctx.config.paths.inbox}`, ru: `Наблюдаю за папкой входящих: ${ctx.config.paths.inbox}` }));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  ctx.io.err(say(ctx.lang, { kk: 'Тоқтатылуда: қолдағы топтама келесі бөлікте тоқтайды, қалғаны келесі іске қосуда шығарылады', ru: 'Останавливаюсь: пакет в работе остановится на следующей части, остальное будет выпущено при следующем запуске' }));
  shutdown.abort();
  await stopStandards();
  await watcher.stop();
  await engine.close();
  return 0;
}

/**
 * `tanu worker`: issues the queued batches' jobs (docs/deploy.md) until SIGINT/SIGTERM,
 * which lets the jobs in hand finish. Needs `ledger.jobs` and the key of every centre in
 * `signing.centres` (all when unset).
 */
export async function workerCommand(ctx: Ctx): Promise<number> {
  const connection = postgresOptions(ctx.config, ctx.io.env);
  if (connection === undefined || !ctx.config.ledger.jobs)
    throw new TanuError('CONFIG_INVALID', { detail: { kk: 'tanu worker үшін ledger.url мен ledger.jobs: true керек', ru: 'для tanu worker нужны ledger.url и ledger.jobs: true' } });
  const progress = progressReporter(ctx);
  const engine = await engineFor(ctx, progress.onEvent, { issues: true });
  // The job queue's runner is loaded only here: `tanu run` and `tanu watch` never need it.
  const { runWorker } = await import('../batch/worker.js');
  const worker = await runWorker(
    engine.ctx,
    connection,
    (o, seconds) => ctx.io.out(describe(o, ctx, seconds)),
    (job, e) => reportFailure(ctx, job, e),
  );
  engine.ctx.issuer?.renderer.warm();
  const centres = ctx.config.signing.centres?.join(', ') ?? ctx.config.centres.map((c) => c.id).join(', ');
  ctx.io.err(say(ctx.lang, { kk: `tanu worker іске қосылды (${worker.ids().join(', ')}), орталықтар: ${centres}`, ru: `tanu worker запущен (${worker.ids().join(', ')}), центры: ${centres}` }));
  const signalled = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  // The worker stops by itself only on a fatal error (the queue's database gone for good).
  await Promise.race([signalled, worker.done]);
  await worker.stop();
  await engine.close();
  return 0;
}
