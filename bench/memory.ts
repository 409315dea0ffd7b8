import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One process of a tree, read from /proc (Linux). */
type TreeProcess = {
  pid: number;
  /** The pid and the process's start time: a pid is used again once its process has ended (pid_max is 32,768 here, and every print starts a process). */
  key: string;
  /** What it is: Tanu's own process, or which of Chromium's. */
  role: Role;
  /** CPU seconds it has used (user + system). */
  cpu: number;
  /** CPU seconds of its children that have ended and that it has waited for. */
  reaped: number;
  /** Whose those children were: a zygote's are renderers; Tanu's, a browser that was started again. */
  reapedRole: Role;
  rssKb: number;
  pssKb: number;
};

const ROLES = ['tanu', 'chromium browser', 'chromium rendering', 'chromium other', 'other'] as const;
type Role = (typeof ROLES)[number];

const TICK = 100; // USER_HZ: /proc's CPU times are in hundredths of a second on Linux

/** What a process is, and whose its ended children were. */
function roleOf(pid: number, root: number): { role: Role; reapedRole: Role } {
  if (pid === root) return { role: 'tanu', reapedRole: 'chromium browser' };
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return { role: 'other', reapedRole: 'other' };
  }
  if (!/chrom/.test(cmdline.split('\0')[0] ?? '')) return { role: 'other', reapedRole: 'other' };
  const type = /--type=([\w-]+)/.exec(cmdline)?.[1];
  // Rendering: the pages' renderers and the print compositor Chromium starts for each print,
  // both children of its zygote, whose ended children are therefore counted here too.
  const rendering = type === 'renderer' || /--utility-sub-type=printing\./.test(cmdline);
  const role = type === undefined ? 'chromium browser' : rendering ? 'chromium rendering' : 'chromium other';
  return { role, reapedRole: type === 'zygote' ? 'chromium rendering' : 'chromium other' };
}

/** A process and all its descendants but `except`, with their memory and CPU time. */
function processTree(root: number, except?: number): TreeProcess[] {
  const children = new Map<number, number[]>();
  const stats = new Map<number, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After "pid (comm) ": state, ppid, … utime stime cutime cstime at 11–14.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      stats.set(Number(entry), fields);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: TreeProcess[] = [];
  const walk = (pid: number) => {
    if (pid === except) return;
    const fields = stats.get(pid);
    if (!fields) return;
    const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15).map(Number);
    const started = fields[19] ?? '';
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      found.push({
        pid,
        key: `${pid}@${started}`,
        ...roleOf(pid, root),
        cpu: (utime + stime) / TICK,
        reaped: (cutime + cstime) / TICK,
        rssKb: Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0),
        pssKb: Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0),
      });
    } catch {
      return;
    }
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return found;
}

/**
 * Memory of a process and all its descendants: the sum of resident sizes (counts pages
 * Chromium's processes share once per process, so it overstates) and the sum of
 * proportional sizes (shared pages split between the processes: the real cost).
 */
export function treeMemoryMb(root: number, except?: number): { rss: number; pss: number } {
  const tree = processTree(root, except);
  return { rss: tree.reduce((a, p) => a + p.rssKb, 0) / 1024, pss: tree.reduce((a, p) => a + p.pssKb, 0) / 1024 };
}

/**
 * CPU seconds a process tree used between its first sample and its last, by role. A
 * process that ended in between is counted through its parent's `reaped` time rather than
 * its own last sample, so its last moments are neither lost nor counted twice. Chromium's
 * renderers are children of its zygote, so the zygote's reaped time is theirs.
 */
class CpuAccount {
  private readonly first = new Map<string, TreeProcess>();
  private readonly last = new Map<string, TreeProcess>();
  /** What ended processes had used before the first sample, which their parents' reaped time also holds. */
  private before = 0;

  add(tree: readonly TreeProcess[]) {
    // The root has ended: what it and its children used is known only up to the last sample.
    if (tree.length === 0) return;
    const sampled = this.first.size > 0;
    const alive = new Set(tree.map((p) => p.key));
    for (const key of this.last.keys())
      if (!alive.has(key)) {
        this.before += this.first.get(key)?.cpu ?? 0;
        this.first.delete(key);
        this.last.delete(key);
      }
    for (const p of tree) {
      // One born after the first sample used all its time in the window.
      if (!this.first.has(p.key)) this.first.set(p.key, sampled ? { ...p, cpu: 0, reaped: 0 } : p);
      this.last.set(p.key, p);
    }
  }

  /** Seconds by role; a role that used none is left out. */
  seconds(): Partial<Record<Role, number>> {
    const by: Partial<Record<Role, number>> = {};
    const credit = (role: Role, s: number) => {
      if (s !== 0) by[role] = Math.round(((by[role] ?? 0) + s) * 100) / 100;
    };
    for (const [key, end] of this.last) {
      const start = this.first.get(key) ?? end;
      credit(end.role, end.cpu - start.cpu);
      credit(end.reapedRole, end.reaped - start.reaped);
    }
    if (this.before > 0) credit('chromium rendering', -this.before);
    return by;
  }
}

export type Sampled = { peakMb: number; peakByRole: Partial<Record<Role, number>>; cpu: Partial<Record<Role, number>> };

/**
 * The peak memory of a process tree, and its CPU time by role, sampled from another
 * process: reading smaps_rollup of a large Chromium costs milliseconds of kernel time, and
 * sampled every 100 ms on the benchmark's own thread it took a fifth of the time the
 * pipeline was being measured for. The sampler leaves itself out of the tree.
 */
export function peakSampler(root: number, intervalMs = 250): { ready: Promise<void>; stop: () => Promise<Sampled> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), String(root), String(intervalMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let started = () => {};
  // Its first line says it is sampling: a timing that starts after it is not charged with the sampler's own start (a second of CPU).
  const ready = new Promise<void>((resolve) => (started = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes(READY)) started();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ready,
    stop: async () => {
      child.stdin.end();
      await exited;
      return JSON.parse(out.slice(out.indexOf(READY) + READY.length)) as Sampled;
    },
  };
}

const READY = 'sampling\n';

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
  const { peakMb } = await sampler.stop();
  if (code !== 0) throw new Error(`tanu ${args.join(' ')} exited ${code}: ${stdout.slice(0, 2000)}\n${stderr}`);
  return { stdout, seconds, peakMb };
}

// Run as the sampler: `node --import tsx bench/memory.ts ROOT_PID INTERVAL_MS`; prints {peakMb, peakByRole, cpu} as JSON when stdin closes.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = Number(process.argv[2]);
  let peakKb = 0;
  /** What the memory was made of at its peak, MB by role. */
  let peakByRole: Partial<Record<Role, number>> = {};
  const cpu = new CpuAccount();
  const sample = () => {
    const tree = processTree(root, process.pid);
    const kb = tree.reduce((a, p) => a + p.pssKb, 0);
    if (kb > peakKb) {
      peakKb = kb;
      peakByRole = {};
      for (const p of tree) peakByRole[p.role] = Math.round((peakByRole[p.role] ?? 0) + p.pssKb / 1024);
    }
    cpu.add(tree);
  };
  sample();
  process.stdout.write(READY);
  const timer = setInterval(sample, Number(process.argv[3] ?? 250));
  process.stdin.resume();
  process.stdin.on('end', () => {
    clearInterval(timer);
    sample();
    process.stdout.write(`${JSON.stringify({ peakMb: Math.round(peakKb / 1024), peakByRole, cpu: cpu.seconds() })}\n`);
  });
}
