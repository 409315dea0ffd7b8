import { basename } from 'node:path';
import { watch as chokidar } from 'chokidar';
import PQueue from 'p-queue';
import { type EngineContext, type FileOutcome, execute, processFile } from './engine.js';

/**
 * `tanu watch`: the inbox daemon. Files are taken one at a time once their writing has
 * finished (their size has held still for `watch.stability_ms`), copied into the received
 * area, processed, and removed from the inbox once the ledger knows them; temporary and
 * lock files are left alone. At start, batches a crash
 * interrupted are resumed first. On SIGINT/SIGTERM it takes no new file, finishes the one
 * in hand and resolves.
 */

/** Names spreadsheet programs and copy tools use while a file is still being written. */
export function isTransient(path: string): boolean {
  const name = basename(path);
  return name.startsWith('.') || name.startsWith('~$') || /\.(part|partial|tmp|crdownload|lock|swp)$/i.test(name) || /^\.~lock\./.test(name);
}

export type Watcher = { stop: () => Promise<void>; idle: () => Promise<void> };

export async function watchInbox(ctx: EngineContext, onOutcome: (o: FileOutcome) => void, onError: (file: string, e: unknown) => void): Promise<Watcher> {
  for (const batch of ctx.ledger.unfinishedBatches()) onOutcome(await execute(batch.id, ctx, true, batch.id));
  const queue = new PQueue({ concurrency: 1 });
  let stopping = false;
  const watcher = chokidar(ctx.config.paths.inbox, {
    ignoreInitial: false,
    depth: 1,
    ignored: (path, stats) => stats?.isFile() === true && isTransient(path),
    awaitWriteFinish: { stabilityThreshold: ctx.config.watch.stability_ms, pollInterval: 100 },
  });
  watcher.on('add', (file) => {
    if (stopping || isTransient(file)) return;
    void queue.add(async () => {
      if (stopping) return;
      try {
        onOutcome(await processFile(file, ctx, 'move'));
      } catch (e) {
        // Another watcher took it first: the file is gone, which is its business now.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        onError(file, e);
      }
    });
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    idle: () => queue.onIdle(),
    stop: async () => {
      stopping = true;
      await watcher.close();
      queue.clear();
      await queue.onIdle();
    },
  };
}
