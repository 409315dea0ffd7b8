import { relative } from 'node:path';
import { TanuError } from '../core/tanu-error.js';
import { exportArchive } from '../export/export.js';
import { Selection } from '../export/selection.js';
import type { Ctx } from './context.js';
import { say } from './output.js';
import { drawCount } from './run.js';

export type ExportFlags = { from?: string; to?: string; centre?: string; profession?: string; status?: string; out?: string; allowMissing: boolean };

/** `tanu export … --out FILE.zip`: the archive package of a selection (pipeline/export). */
export async function exportCommand(flags: ExportFlags, ctx: Ctx): Promise<number> {
  const usage = 'tanu export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--centre ID] [--profession CODE] [--status issued|superseded|revoked|all] --out FILE.zip [--allow-missing]';
  const parsed = Selection.safeParse({ from: flags.from, to: flags.to, centre: flags.centre, profession: flags.profession, status: flags.status });
  if (!parsed.success || !flags.out?.toLowerCase().endsWith('.zip')) {
    const why = parsed.success ? '--out FILE.zip' : parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ');
    throw new TanuError('USAGE', { detail: { kk: `${why}\n${usage}`, ru: `${why}\n${usage}` } });
  }
  const tty = process.stderr.isTTY === true && !ctx.json;
  const started = Date.now();
  try {
    const result = await exportArchive(ctx.config, {
      selection: parsed.data,
      out: flags.out,
      allowMissing: flags.allowMissing,
      clock: ctx.io.clock,
      env: ctx.io.env,
      notice: (text) => ctx.io.err(text),
      ...(tty ? { onProgress: (done: number) => drawCount(say(ctx.lang, { kk: 'тексеру', ru: 'проверка' }), done, started) } : {}),
    });
    if (tty) process.stderr.write('\n');
    if (ctx.json) ctx.io.out(JSON.stringify(result, null, 2));
    else {
      const rel = relative(process.cwd(), result.out) || result.out;
      ctx.io.out(say(ctx.lang, { kk: `${rel}: құжат ${result.documents}, файл ${result.files}, ${result.bytes} байт`, ru: `${rel}: документов ${result.documents}, файлов ${result.files}, ${result.bytes} байт` }));
      for (const m of result.missing) ctx.io.out(say(ctx.lang, { kk: `  жоқ: ${m.serial} — ${m.problems.join('; ')}`, ru: `  нет: ${m.serial} — ${m.problems.join('; ')}` }));
    }
    return 0;
  } catch (e) {
    // Nothing to export and a document missing from the outbox are answers about the data (exit 1), not misuse (exit 2).
    if (e instanceof TanuError && (e.code === 'EXPORT_EMPTY' || e.code === 'EXPORT_DOCUMENT_MISSING')) {
      if (tty) process.stderr.write('\n');
      ctx.io.err(`[${e.code}] ${e.text.kk}\n[${e.code}] ${e.text.ru}`);
      return 1;
    }
    throw e;
  }
}
