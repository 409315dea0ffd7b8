import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Memory of a process and all its descendants, from /proc (Linux): the sum of resident
 * sizes (counts pages Chromium's processes share once per process, so it overstates) and
 * the sum of proportional sizes (shared pages split between the processes: the real cost).
 */
export function treeMemoryMb(root: number, except?: number): { rss: number; pss: number } {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let rssKb = 0;
  let pssKb = 0;
  const walk = (pid: number) => {
    if (pid === except) return;
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rssKb += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      pssKb += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      return;
    }
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return { rss: rssKb / 1024, pss: pssKb / 1024 };
}

/**
 * The peak memory of a process tree, sampled from another process: reading smaps_rollup
 * of a large Chromium costs milliseconds of kernel time, and sampled every 100 ms on the
 * benchmark's own thread it took a fifth of the time the pipeline was being measured for.
 * The sampler leaves itself out of the tree.
 */
export function peakSampler(root: number, intervalMs = 250): { stop: () => Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), String(root), String(intervalMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    stop: async () => {
      child.stdin.end();
      await exited;
      return Number(out.trim());
    },
  };
}

/** Runs `work` with memory sampled every 100 ms: seconds and peak MB (PSS of this process and its children). */
export async function measured<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; peakMb: number }> {
  let peakMb = treeMemoryMb(process.pid).pss;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, treeMemoryMb(process.pid).pss)), 100);
  const t0 = process.hrtime.bigint();
  try {
    const value = await work();
    return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakMb: Math.max(peakMb, treeMemoryMb(process.pid).pss) };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * `tanu ARGS --config CONFIG --json` as its own process, the real bin (what an operator
 * runs): its stdout, seconds from start to exit, and peak PSS sampled from outside. A
 * non-zero exit fails the benchmark.
 */
export async function tanuProcess(args: string[], configPath: string): Promise<{ stdout: string; seconds: number; peakMb: number }> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['bin/tanu.js', ...args, '--config', configPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const sampler = peakSampler(child.pid ?? 0);
  let stdout = '';
  // Its log lines (one per chunk) are kept only to say why it failed.
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const [code] = (await once(child, 'exit')) as [number | null];
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const peakMb = await sampler.stop();
  if (code !== 0) throw new Error(`tanu ${args.join(' ')} exited ${code}: ${stdout.slice(0, 2000)}\n${stderr}`);
  return { stdout, seconds, peakMb };
}

// Run as the sampler: `node --import tsx bench/memory.ts ROOT_PID INTERVAL_MS`; prints the peak (MB) when stdin closes.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = Number(process.argv[2]);
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, treeMemoryMb(root, process.pid).pss);
  };
  const timer = setInterval(sample, Number(process.argv[3] ?? 250));
  process.stdin.resume();
  process.stdin.on('end', () => {
    clearInterval(timer);
    sample();
    process.stdout.write(`${Math.round(peak)}\n`);
  });
}
