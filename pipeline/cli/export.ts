import { relative } from 'node:path';
import { TanuError } from '../core/tanu-error.js';
import { exportArchive } from '../export/export.js';
import { Selection } from '../export/selection.js';
import { dateOption } from './args.js';
import type { Ctx } from './context.js';
import { say } from './output.js';
import { drawCount } from './run.js';

export type ExportFlags = { from?: string; to?: string; centre?: string; profession?: string; status?: string; out?: string; allowMissing: boolean };

/** `tanu export … --out FILE.zip`: the archive package of a selection (pipeline/export). */
export async function exportCommand(flags: ExportFlags, ctx: Ctx): Promise<number> {
  // Dates as the operator types them (dd.mm.yyyy, as on every document) or ISO; the selection holds ISO.
  const parsed = Selection.safeParse({ from: dateOption('--from', flags.from), to: dateOption('--to', flags.to), centre: flags.centre, profession: flags.profession, status: flags.status });
  if (!parsed.success) {
    const flag = String(parsed.error.issues[0]?.path[0]);
    const given = String(flags[flag as keyof ExportFlags] ?? '');
    const expected = flag === 'status' ? 'issued|superseded|revoked|all' : { kk: 'бос емес мән', ru: 'непустое значение' };
    throw new TanuError('OPTION_VALUE_INVALID', { code: `--${flag}`, value: given, expected: typeof expected === 'string' ? { kk: expected, ru: expected } : expected });
  }
  if (flags.out === undefined) throw new TanuError('OPTION_VALUE_MISSING', { value: '--out' });
  if (!flags.out.toLowerCase().endsWith('.zip')) throw new TanuError('OPTION_VALUE_INVALID', { code: '--out', value: flags.out, expected: { kk: 'ФАЙЛ.zip', ru: 'ФАЙЛ.zip' } });
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
