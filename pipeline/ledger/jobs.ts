import { z } from 'zod';

/**
 * Batches as jobs (docs/deploy.md): the PostgreSQL ledger puts a queued batch's jobs on
 * graphile-worker's queue, in its own database, in the same transaction that plans their
 * documents or publishes their last chunk, so a plan is never without its jobs nor a job
 * without its plan. `tanu worker` runs them (`batch/worker.ts`).
 */

/** Renders, signs and publishes the still-planned documents of one id range of a batch. */
export const ISSUE_TASK = 'tanu_issue';
/** Writes a batch's reports and sealed manifest and records its register rows, once all its documents are done. */
export const COMPLETE_TASK = 'tanu_complete';

export const IssueJob = z.object({ batch: z.string(), first: z.number().int(), last: z.number().int() });
export type IssueJob = z.infer<typeof IssueJob>;
export const CompleteJob = z.object({ batch: z.string() });
export type CompleteJob = z.infer<typeof CompleteJob>;

/** Documents issued in one step (one ledger transaction), on one machine as in an issue job. */
export const ISSUE_CHUNK = 200;

/**
 * A job carries its centre as a flag: a worker without that centre's key forbids the flag
 * and leaves the job to a worker that signs for it.
 */
export const centreFlag = (centre: string) => `centre:${centre}`;

export type JobSpec = { task: string; payload: IssueJob | CompleteJob; key: string; queue: string | null; flags: string[] };

/**
 * Issue jobs for newly planned document ids (ascending), at most `ISSUE_CHUNK` each. Keyed
 * by their range: a job added again while it waits is replaced, not doubled.
 */
export function issueJobs(batch: string, centre: string, ids: readonly number[]): JobSpec[] {
  const jobs: JobSpec[] = [];
  for (let i = 0; i < ids.length; i += ISSUE_CHUNK) {
    const range = ids.slice(i, i + ISSUE_CHUNK);
    const first = range[0];
    const last = range.at(-1);
    if (first === undefined || last === undefined) continue;
    jobs.push({ task: ISSUE_TASK, payload: { batch, first, last }, key: `issue:${batch}:${first}`, queue: null, flags: [centreFlag(centre)] });
  }
  return jobs;
}

/**
 * The completion of a batch: keyed by the batch, and in a queue named after it, so two
 * workers that each publish a last chunk at once still complete it one after the other
 * (and the second finds it complete).
 */
export const completeJob = (batch: string, centre: string): JobSpec => ({
  task: COMPLETE_TASK,
  payload: { batch },
  key: `complete:${batch}`,
  queue: `complete:${batch}`,
  flags: [centreFlag(centre)],
});

/** The SQL that adds one job in the caller's transaction: graphile-worker 0.17's own function. */
export const ADD_JOB = `SELECT graphile_worker.add_job($1, $2::json, queue_name => $3, job_key => $4, flags => $5::text[], max_attempts => 25)`;
export const addJobParams = (job: JobSpec) => [job.task, JSON.stringify(job.payload), job.queue, job.key, job.flags];
