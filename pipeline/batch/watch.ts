import { access } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import { watch as chokidar } from 'chokidar';
import PQueue from 'p-queue';
import { type Issue, issue } from '../core/issue.js';
import { asTanuError } from '../core/tanu-error.js';
import { UNFINISHED, fileCompleteness } from '../intake/complete.js';
import type { EngineContext, FileOutcome } from './context.js';
import { runBatch } from './run-batch.js';
import { takeFile } from './take.js';

/**
 * `tanu watch`: the inbox daemon. Files are taken one at a time once their writing has
 * finished (their size has held still for `watch.stability_ms` and they are complete by
 * their own format), copied into the received
 * area, processed, and removed from the inbox once the ledger knows them; temporary and
 * lock files are left alone. At start, batches a crash interrupted are resumed first. A
 * full disk or a ledger another process holds is waited out: the file or batch is tried
 * again `watch.retry_ms` later. On SIGINT/SIGTERM it takes no new file, finishes the one
 * in hand and resolves.
 */

/** Names spreadsheet programs and copy tools use while a file is still being written. */
export function isTransient(path: string): boolean {
  const name = basename(path);
  return name.startsWith('.') || name.startsWith('~$') || /\.(part|partial|tmp|crdownload|lock|swp)$/i.test(name) || /^\.~lock\./.test(name);
}

export type Watcher = {
  stop: () => Promise<void>;
  idle: () => Promise<void>;
  /** Work done between two files, never during one: a new standards library takes effect for the next file. */
  between: (task: () => Promise<void>) => void;
};

/**
 * Errors that pass by themselves: the same work is tried again later. A timestamp
 * authority that is down, slow or answering wrongly is one: nothing was published, and the
 * batch resumes once it answers.
 */
const passing = (e: unknown) =>
  ['NO_SPACE', 'LEDGER_BUSY', 'TSA_UNREACHABLE', 'TSA_TIMEOUT', 'TSA_REFUSED', 'TSA_RESPONSE_INVALID', 'TSA_IMPRINT_MISMATCH', 'TSA_NONCE_MISMATCH'].includes(asTanuError(e)?.code ?? '');

export async function watchInbox(
  ctx: EngineContext,
  /** With the seconds the file took, for the summary's documents per second. */
  onOutcome: (o: FileOutcome, seconds: number) => void,
  onError: (file: string, e: unknown) => void,
  /** A folder below `inbox/<centre>/`, whose files are never read: told once per folder. */
  onIgnoredFolder: (dir: string) => void = () => {},
  /** A file still unfinished by its format after `watch.incomplete_ms`; `taken` when it is taken all the same (a last line that never ends). */
  onIncomplete: (file: string, problem: Issue, taken: boolean) => void = () => {},
): Promise<Watcher> {
  const timed = async (work: () => Promise<FileOutcome>) => {
    const started = process.hrtime.bigint();
    const outcome = await work();
    return { outcome, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  };
  const queue = new PQueue({ concurrency: 1 });
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;

  const later = (task: () => void) => {
    if (stopping) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      task();
    }, ctx.config.watch.retry_ms);
    timers.add(timer);
  };

  /** Batches planned but not finished (a crash, a full disk), unless another live watcher holds them. */
  const resume = () =>
    void queue.add(async () => {
      for (const batch of await ctx.ledger.unfinishedBatches()) {
        if (stopping) return;
        // Planned and on the job queue: the workers' to finish, not this watcher's.
        if (batch.queued && batch.planned_at !== null) continue;
        try {
          const { outcome, seconds } = await timed(() => runBatch(batch.id, ctx, { file: batch.id, resumed: true, claimed: false }));
          if (outcome.outcome !== 'in-progress') onOutcome(outcome, seconds);
        } catch (e) {
          onError(batch.id, e);
          if (passing(e)) later(resume);
        }
      }
    });

  const take = (file: string) =>
    void queue.add(async () => {
      if (stopping) return;
      try {
        const { outcome, seconds } = await timed(() => takeFile(file, ctx, 'move'));
        onOutcome(outcome, seconds);
      } catch (e) {
        // Another watcher took it first: the file is gone, which is its business now.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        // It changed while it was read: still being written, and taken when it holds still ('change').
        if (asTanuError(e)?.code === 'FILE_INCOMPLETE') return;
        onError(file, e);
        if (!passing(e)) return;
        // Still in the inbox: the file is tried again; already planned: its batch is.
        const waiting = await access(file).then(() => true, () => false);
        later(() => (waiting ? take(file) : resume()));
      }
    });

  /**
   * A file that held still is taken once it is also complete by its own format
   * (intake/complete.ts). One that is not waits: a change brings it back here, and once it
   * has held still for `watch.incomplete_ms` it is reported; a CSV or YAML whose last line
   * never ends is then taken as it is, an unfinished XLSX or JSON stays in the inbox.
   */
  const waiting = new Map<string, NodeJS.Timeout>();
  const consider = async (file: string, limitReached = false) => {
    clearTimeout(waiting.get(file));
    waiting.delete(file);
    if (stopping) return;
    const state = await fileCompleteness(file).catch(() => null);
    if (state === null) return;
    if (state === 'complete') return take(file);
    if (!limitReached) {
      const timer = setTimeout(() => void consider(file, true), ctx.config.watch.incomplete_ms);
      waiting.set(file, timer);
      return;
    }
    onIncomplete(file, issue('FILE_INCOMPLETE', { value: basename(file) }, { detail: UNFINISHED[state] }), state === 'unterminated');
    if (state === 'unterminated') take(file);
  };

  resume();
  const watcher = chokidar(ctx.config.paths.inbox, {
    ignoreInitial: false,
    depth: 1,
    // A linked folder is not walked into; a linked file is seen as a link, and refused if it leads out.
    followSymlinks: false,
    ignored: (path, stats) => stats?.isFile() === true && isTransient(path),
    awaitWriteFinish: { stabilityThreshold: ctx.config.watch.stability_ms, pollInterval: 100 },
  });
  // 'change' too: a file left because it was unfinished, or written again after it was read, is a new drop.
  for (const event of ['add', 'change'] as const)
    watcher.on(event, (file) => {
      if (!stopping && !isTransient(file)) void consider(file);
    });
  // inbox/<centre>/<folder>/: deeper than the watcher reads, so its files would sit there unseen.
  watcher.on('addDir', (dir) => {
    if (relative(ctx.config.paths.inbox, dir).split(sep).length === 2) onIgnoredFolder(dir);
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    idle: () => queue.onIdle(),
    between: (task) => void queue.add(task),
    stop: async () => {
      stopping = true;
      timers.forEach((t) => clearTimeout(t));
      waiting.forEach((t) => clearTimeout(t));
      await watcher.close();
      queue.clear();
      await queue.onIdle();
    },
  };
}
