import { main } from '../../pipeline/cli/main.js';
import { clock } from './env.js';

/** `tanu ARGS…` in this process, with the pinned clock and no environment but `env`: its exit code and what it printed. */
export async function tanu(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), clock, env });
  return { code, out, err };
}
