import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { startEngine } from '../pipeline/batch/start.js';
import { takeFile } from '../pipeline/batch/take.js';
import { systemClock } from '../pipeline/core/clock.js';
import type { LoadedConfig } from '../pipeline/config/load.js';
import { openSigner } from '../pipeline/sign/keys.js';
import type { Library } from '../pipeline/standards/library.js';

/**
 * The whole flow on one generated file of `n` exam results with this config (startEngine
 * and takeFile, as bench/run.ts measures it): certificates per second from the engine's
 * start to the manifest. For the benchmarks that set one setting against another
 * (bench/signers.ts, bench/levels.ts), each on a fresh outbox and ledger.
 */
export async function flowRate(config: LoadedConfig, library: Library, csv: string, n: number, env: NodeJS.ProcessEnv): Promise<number> {
  // The key is opened before the clock starts, as a centre's exists before its run.
  await openSigner(config, env, systemClock, () => {});
  const t0 = process.hrtime.bigint();
  const engine = await startEngine(config, library, { clock: systemClock, env, notice: () => {} });
  const outcome = await takeFile(csv, engine.ctx, 'copy');
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await engine.close();
  if (outcome.outcome !== 'published' || outcome.report.valid !== n) throw new Error(`bench data did not all validate: ${JSON.stringify(outcome.report.errors.slice(0, 3))}`);
  return n / seconds;
}

/**
 * A comparison's figures: `<out>/<name>.json` with the machine's description, the table on
 * stderr, and with `json` the one last line on stdout.
 */
export function reportFigures(out: string, name: string, line: Record<string, number>, rows: [string, string][], json: boolean, extra: Record<string, unknown> = {}): void {
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify({ ...line, ...extra, machine, at: new Date().toISOString() }, null, 2)}\n`);
  for (const [k, v] of rows) console.error(`${k.padEnd(52)} ${v}`);
  console.error(`machine: ${machine.cpus} × ${machine.cpu}, ${machine.memory_gb} GB, node ${machine.node}`);
  if (json) console.log(JSON.stringify(line));
}
