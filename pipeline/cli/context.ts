import { type Clock, systemClock } from '../core/clock.js';
import { TanuError } from '../core/tanu-error.js';
import { type LoadedConfig, requirePaths } from '../config/load.js';
import { loadLibrary } from '../standards/library.js';
import type { Language } from '../standards/schema.js';

/** What every command gets: where it writes, the clock, the environment, the loaded config. */

/** `columns`: the terminal's width when stdout is one; tables are fitted to it. */
export type Io = { out: (text: string) => void; err: (text: string) => void; clock: Clock; env: NodeJS.ProcessEnv; columns?: number };

/**
 * The terminal, the system clock and the given environment (bin/tanu.js hands over its own
 * copy). A reader that goes away (`tanu validate f.csv | head -1`) is not an error: the
 * stream stops being written, quietly, and the command finishes its work and exit code.
 */
export function terminalIo(env: NodeJS.ProcessEnv): Io {
  const writer = (stream: NodeJS.WriteStream) => {
    let closed = false;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      closed = true;
    });
    return (t: string) => {
      if (!closed) stream.write(t.endsWith('\n') ? t : `${t}\n`);
    };
  };
  return {
    out: writer(process.stdout),
    err: writer(process.stderr),
    clock: systemClock,
    env,
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
  };
}

export type Ctx = { config: LoadedConfig; json: boolean; io: Io; lang: Language };

export async function libraryOrFail(ctx: Ctx) {
  await requirePaths(ctx.config, ['standards']);
  const loaded = await loadLibrary(ctx.config.paths.standards);
  if (loaded.problems.length > 0) {
    const first = loaded.problems[0];
    throw new TanuError('STANDARD_INVALID', {
      detail: {
        kk: `${first?.file}:${first?.line} ${first?.path}: ${first?.message.kk} (tanu standards check)`,
        ru: `${first?.file}:${first?.line} ${first?.path}: ${first?.message.ru} (tanu standards check)`,
      },
    });
  }
  return loaded.library;
}
