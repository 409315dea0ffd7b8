import { fixedClock } from '../../pipeline/core/clock.js';
import { loadConfig } from '../../pipeline/config/load.js';
import { loadLibrary } from '../../pipeline/standards/library.js';
import type { ValidationEnv } from '../../pipeline/validate/validate-file.js';

/** The shipped config and standards, with the clock pinned: the only part tests swap. */
export const TODAY = '2026-11-23T12:00:00+05:00';
export const clock = fixedClock(TODAY);

export async function shippedEnv(): Promise<ValidationEnv> {
  const config = await loadConfig('pipeline.config.yaml', { env: {} });
  const { library, problems } = await loadLibrary(config.paths.standards);
  if (problems.length > 0) throw new Error(`shipped standards invalid: ${JSON.stringify(problems[0])}`);
  return { config, library, clock };
}
