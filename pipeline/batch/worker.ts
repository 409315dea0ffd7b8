import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Runner, type Task, type TaskList, type WorkerEvents, run } from 'graphile-worker';
import { passes } from '../core/tanu-error.js';
import { COMPLETE_TASK, CompleteJob, ISSUE_TASK, IssueJob, centreFlag } from '../ledger/jobs.js';
import { LEDGER_SESSION, type PostgresOptions, connectPool, quietLogger } from '../ledger/postgres.js';
import { removeTempFiles } from '../publish/publish.js';
import { completeBatch } from './complete.js';
import type { EngineContext, FileOutcome } from './context.js';
import { publishChunk, renderChunk } from './issue-documents.js';

/**
 * `tanu worker` (docs/deploy.md): issues queued batches' jobs from graphile-worker's queue
 * in the ledger's PostgreSQL database, on any machine that mounts the shared outbox.
 *
 * - An issue job renders, signs and publishes the still-planned documents of its id range;
 *   done twice (a worker died after writing), it finds them published and does nothing.
 * - The completion job, added by the ledger with the last chunk's publication, writes the
 *   reports and the sealed manifest and registers the batch, as `tanu run` does.
 * - Leases: graphile-worker 0.17 frees a dead worker's job only after 4 hours. Each worker
 *   here beats in `worker_beats` every quarter of `worker.lease_ms`; a job locked by a
 *   worker not heard from for a whole lease is unlocked (`force_unlock_workers`) by any
 *   other worker, and runs again there.
 * - A worker takes only the jobs of centres it has the key of (`signing.centres`): the
 *   others' centre flags are forbidden to it.
 * - A failure that passes (a token taken out and put back) runs the job again
 *   `watch.retry_ms` later, as `tanu watch` tries a batch again.
 */

/** Jobs one worker process runs at once: one renders in the browser while the other signs and writes. */
const JOBS_PER_PROCESS = 2;

export type WorkerHandle = {
  /** The id this process locks jobs under (its graphile-worker pool's). */
  ids: () => string[];
  /** Finishes the jobs in hand and stops taking new ones. */
  stop: () => Promise<void>;
  /** Settles when the worker has stopped. */
  done: Promise<void>;
};

/** The centre flags a worker must leave alone: every configured centre whose key it does not hold. */
const forbiddenFlags = (ctx: EngineContext): string[] => {
  const signs = ctx.config.signing.centres;
  return signs === undefined ? [] : ctx.config.centres.map((c) => c.id).filter((id) => !signs.includes(id)).map(centreFlag);
};

export async function runWorker(
  ctx: EngineContext,
  connection: PostgresOptions,
  /** A batch completed here, with the seconds since it was opened: its rate is the whole queue's, not this worker's. */
  onOutcome: (o: FileOutcome, seconds: number) => void,
  /** A job's failure that passes (`passes`), with the job's key: it runs again `watch.retry_ms` later. */
  onError: (job: string, e: unknown) => void,
): Promise<WorkerHandle> {
  const { ledger } = ctx;
  // Its own pool: graphile-worker holds a connection to listen for new jobs, besides those its jobs and the beats use.
  const pool = await connectPool(connection, { ...LEDGER_SESSION, max: JOBS_PER_PROCESS + 2 });
  const ids = new Set<string>();
  const events: WorkerEvents = new EventEmitter();
  // graphile-worker 0.17 locks jobs in the name of the worker pool, not of its workers.
  events.on('pool:create', ({ workerPool }) => ids.add(workerPool.id));

  /**
   * A job whose failure passes (`passes`: a token taken out, a full disk) is put back on
   * the queue to run again `watch.retry_ms` later, as `tanu watch` tries again, and this
   * one ends: failed instead, it would wait longer each time (graphile-worker's backoff
   * reaches hours) and be given up after its 25th attempt. The job keeps its key, queue
   * and flags; the time is the database's, as the queue's own.
   */
  const retried =
    (task: Task): Task =>
    async (payload, helpers) => {
      try {
        await task(payload, helpers);
      } catch (e) {
        if (!passes(e)) throw e;
        const { job } = helpers;
        onError(job.key ?? job.task_identifier, e);
        await helpers.withPgClient((client) =>
          client.query(
            `SELECT graphile_worker.add_job($1, $2::json, queue_name => (SELECT queue_name FROM graphile_worker._private_job_queues WHERE id = $3),
               run_at => now() + $4::interval, job_key => $5, flags => $6::text[], max_attempts => $7)`,
            [job.task_identifier, JSON.stringify(payload), job.job_queue_id, `${ctx.config.watch.retry_ms} milliseconds`, job.key, Object.keys(job.flags ?? {}), job.max_attempts],
          ),
        );
      }
    };

  const taskList: TaskList = {
    [ISSUE_TASK]: retried(async (payload) => {
      const job = IssueJob.parse(payload);
      const batch = await ledger.batch(job.batch);
      if (!batch || batch.state === 'published') return;
      const chunk = (await ledger.plannedDocuments(job.batch, job.first - 1, job.last - job.first + 1)).filter((d) => d.id <= job.last);
      if (chunk.length === 0) return;
      await publishChunk(batch, chunk, await renderChunk(chunk, ctx, new Date(batch.created_at)), ctx);
      if (ctx.onEvent) {
        const counts = await ledger.documentCounts(batch.id);
        ctx.onEvent({ type: 'published-chunk', batch: batch.id, done: counts.total - counts.planned, total: counts.total });
      }
    }),
    [COMPLETE_TASK]: retried(async (payload) => {
      const { batch: id } = CompleteJob.parse(payload);
      const batch = await ledger.batch(id);
      if (!batch || batch.state === 'published') return;
      // Every document is done: what a dead worker left half-written goes before the manifest is made.
      await removeTempFiles(join(ctx.outbox, batch.outbox_dir));
      const outcome = await completeBatch(id, ctx, { file: batch.id, resumed: false });
      onOutcome(outcome, (ctx.clock.now().getTime() - Date.parse(batch.created_at)) / 1000);
    }),
  };

  const lease = `${ctx.config.worker.lease_ms} milliseconds`;
  const beat = async () => {
    const host = hostname();
    const centres = (ctx.config.signing.centres ?? ctx.config.centres.map((c) => c.id)).join(',');
    for (const id of ids)
      await pool.query(
        `INSERT INTO worker_beats (worker_id, host, centres, started_at, beat_at) VALUES ($1, $2, $3, now(), now())
         ON CONFLICT (worker_id) DO UPDATE SET beat_at = now()`,
        [id, host, centres],
      );
    // Jobs whose worker has not beaten for a lease (or never did) go back to the queue.
    await pool.query(
      `SELECT graphile_worker.force_unlock_workers(ARRAY(
         SELECT DISTINCT j.locked_by FROM graphile_worker._private_jobs j
         WHERE j.locked_by IS NOT NULL AND j.locked_at < now() - $1::interval
           AND NOT EXISTS (SELECT 1 FROM worker_beats w WHERE w.worker_id = j.locked_by AND w.beat_at > now() - $1::interval)))`,
      [lease],
    );
    await pool.query(`DELETE FROM worker_beats WHERE beat_at < now() - 10 * $1::interval`, [lease]);
  };
  // A beat that fails (the server restarting) is tried again at the next; it never stops the worker.
  const beating = setInterval(() => void beat().catch(() => undefined), Math.floor(ctx.config.worker.lease_ms / 4));

  let runner: Runner;
  try {
    runner = await run({
      pgPool: pool,
      taskList,
      concurrency: JOBS_PER_PROCESS,
      pollInterval: ctx.config.worker.poll_ms,
      forbiddenFlags: forbiddenFlags(ctx),
      noHandleSignals: true,
      logger: quietLogger,
      events,
    });
  } catch (e) {
    clearInterval(beating);
    await pool.end();
    throw e;
  }
  await beat().catch(() => undefined);
  const done = runner.promise.finally(async () => {
    clearInterval(beating);
    await pool.end();
  });
  return {
    ids: () => [...ids],
    stop: async () => {
      await runner.stop();
      await done;
    },
    done,
  };
}
