import { readFileSync, readdirSync } from 'node:fs';

/**
 * Memory of a process and all its descendants, from /proc (Linux): the sum of resident
 * sizes (counts pages Chromium's processes share once per process, so it overstates) and
 * the sum of proportional sizes (shared pages split between the processes: the real cost).
 */
export function treeMemoryMb(root: number): { rss: number; pss: number } {
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
