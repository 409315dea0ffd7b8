import { type Clock, systemClock } from '../core/clock.js';
import { TanuError } from '../core/tanu-error.js';
import type { LoadedConfig } from '../config/load.js';
import { loadLibrary } from '../standards/library.js';
import type { Language } from '../standards/schema.js';

/** What every command gets: where it writes, the clock, the environment, the loaded config. */

export type Io = { out: (text: string) => void; err: (text: string) => void; clock: Clock; env: NodeJS.ProcessEnv };

/** The terminal, the system clock and the given environment (bin/tanu.js hands over its own copy). */
export const terminalIo = (env: NodeJS.ProcessEnv): Io => ({
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  clock: systemClock,
  env,
});

export type Ctx = { config: LoadedConfig; json: boolean; io: Io; lang: Language };

export async function libraryOrFail(ctx: Ctx) {
  const loaded = await loadLibrary(ctx.config.paths.standards);
  if (loaded.problems.length > 0) {
    const first = loaded.problems[0];
    throw new TanuError('STANDARD_INVALID', {
      detail: {
        kk: `${first?.file}:${first?.line} ${first?.path}: ${first?.message} (tanu standards check)`,
        ru: `${first?.file}:${first?.line} ${first?.path}: ${first?.message} (tanu standards check)`,
      },
    });
  }
  return loaded.library;
}
