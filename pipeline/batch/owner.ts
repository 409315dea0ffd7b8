import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a batch: host, process id and the process's start time. The start time tells a
 * live owner from a new process that happens to reuse a dead one's id.
 */

/** The kernel's state and start time (clock ticks since boot) of a process, or null where /proc is not there. */
function procStat(pid: number): { state: string; started: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields 3 and 22; the command name (field 2) may contain spaces and parentheses, so count from its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', started: fields[19] ?? '' };
  } catch {
    return null;
  }
}

export const currentOwner = (): string => `${hostname()}/${process.pid}/${procStat(process.pid)?.started ?? '-'}`;

export function ownerAlive(owner: string): boolean {
  const [host, pidText, started] = owner.split('/');
  // A process on another host cannot be checked from here: its claim stands.
  if (host !== hostname()) return true;
  const pid = Number(pidText);
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = procStat(pid);
  if (now === null) return true;
  // A zombie has exited: only its parent has not collected it yet.
  return now.state !== 'Z' && (started === '-' || now.started === started);
}

/** This process, as it claims batches in the ledger. */
export const OWNER = currentOwner();
