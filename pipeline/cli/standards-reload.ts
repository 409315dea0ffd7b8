import { relative } from 'node:path';
import { watch as chokidar } from 'chokidar';
import type { EngineContext } from '../batch/context.js';
import { loadLibrary } from '../standards/library.js';
import type { Ctx } from './context.js';
import { say } from './output.js';

/**
 * `tanu watch` watches `standards/` too (docs/formats.md, "Standards: versions"): a saved
 * standard file is checked with the whole library and, when sound, used from the next file
 * on; a broken edit is reported at its file and line, and the last good library stays.
 */
export async function reloadStandardsOnChange(ctx: Ctx, engine: EngineContext, between: (task: () => Promise<void>) => void): Promise<() => Promise<void>> {
  const dir = ctx.config.paths.standards;
  const rel = (f: string) => relative(process.cwd(), f) || f;
  const watcher = chokidar(dir, { ignoreInitial: true, depth: 0, awaitWriteFinish: { stabilityThreshold: ctx.config.watch.stability_ms, pollInterval: 100 } });
  const reload = () =>
    between(async () => {
      const loaded = await loadLibrary(dir);
      if (loaded.problems.length > 0) {
        for (const p of loaded.problems) ctx.io.err(`${rel(p.file)}:${p.line}: ${p.path}: ${p.message[ctx.lang]}`);
        ctx.io.err(say(ctx.lang, { kk: 'Стандарттар өзгерісі қабылданбады: соңғы дұрыс кітапхана қолданыста қалады', ru: 'Правка стандартов не принята: в работе остаётся последняя верная библиотека' }));
        return;
      }
      engine.library = loaded.library;
      ctx.io.err(say(ctx.lang, { kk: `Стандарттар қайта оқылды (${loaded.files.length} файл): келесі файлдан бастап қолданылады`, ru: `Стандарты перечитаны (файлов: ${loaded.files.length}): действуют со следующего файла` }));
    });
  watcher.on('add', reload).on('change', reload).on('unlink', reload);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return () => watcher.close();
}
