/**
 * npx tsx bench/first-cert.ts [--n N] [--runs R]
 *
 * The first certificate as an operator sees it: N generated exam results (default
 * 100,000) on disk, then `tanu run` started as a process (Node, the loader, the key,
 * Chromium's launch all included), and the time until the first signed PDF appears in the
 * outbox, polled every 20 ms. The run is then stopped: only the first certificate is
 * measured (`npm run bench` measures the rest). The key exists before the run, as it
 * does for a real centre. Each run uses a fresh workspace in the system's temporary
 * folder, removed afterwards. Nothing is asserted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../pipeline/core/clock.js';
import { loadConfig } from '../pipeline/config/load.js';
import { openSigner } from '../pipeline/sign/keys.js';
import { loadLibrary } from '../pipeline/standards/library.js';
import { benchCsv } from './records.js';
import { writeWorkspaceConfig } from './workspace.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } } });
const n = Number(values.n);
const runs = Number(values.runs);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(runs) || runs < 1) throw new Error('--n and --runs take whole numbers');

const hasPdf = (dir: string): boolean => {
  try {
    return readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? hasPdf(join(dir, e.name)) : e.name.endsWith('.pdf')));
  } catch {
    return false;
  }
};

const seconds: number[] = [];
for (let r = 0; r < runs; r++) {
  const work = mkdtempSync(join(tmpdir(), 'tanu-first-cert-'));
  try {
    const configPath = writeWorkspaceConfig(work);
    const config = await loadConfig(configPath);
    const { library } = await loadLibrary(config.paths.standards);
    await openSigner(config, process.env, systemClock, () => {});
    const csv = join(work, 'exam-results-bench.csv');
    writeFileSync(csv, benchCsv(n, library));
    const t0 = performance.now();
    const child = spawn(process.execPath, ['bin/tanu.js', 'run', csv, '--config', configPath, '--json'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    while (!hasPdf(config.paths.outbox) && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
    const elapsed = (performance.now() - t0) / 1000;
    child.kill('SIGKILL');
    if (!hasPdf(config.paths.outbox)) throw new Error(`tanu run exited (${child.exitCode}) before any certificate was on disk`);
    seconds.push(elapsed);
    await exited;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
const round = (x: number) => Number(x.toFixed(2));
console.log(JSON.stringify({ n, runs: seconds.map(round), median_s: round([...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)] ?? 0) }));
