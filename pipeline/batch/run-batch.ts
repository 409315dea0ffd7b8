import { join } from 'node:path';
import { completeBatch } from './complete.js';
import type { BatchRow } from '../ledger/ledger.js';
import { type EngineContext, type FileOutcome, pendingReport } from './context.js';
import { issueDocuments } from './issue-documents.js';
import { PlanProgress, planBatch } from './plan-batch.js';
import { OWNER, ownerAlive } from './owner.js';

/**
 * One batch from its plan to its manifest, in the process that holds its claim: the plan
 * is made (or, after a crash, finished) while the documents already planned are rendered,
 * signed and published, so the first certificate of a long file is out within seconds;
 * then the batch is completed. A batch a live process holds is left to it; one stopped by
 * shutdown (`ctx.signal`) is released as it stands, for the next start to resume.
 */
export async function runBatch(batchId: string, ctx: EngineContext, options: { file: string; resumed: boolean; claimed: boolean }): Promise<FileOutcome> {
  const { ledger } = ctx;
  const batch = await ledger.batch(batchId);
  if (!batch) throw new Error(`no batch ${batchId}`);
  const { file, resumed } = options;
  if (!options.claimed && !(await ledger.claim(batchId, { owner: OWNER, alive: ownerAlive, at: ctx.clock.now().toISOString() })))
    return { file, outcome: 'in-progress', batch: batchId, dir: join(ctx.outbox, batch.outbox_dir), report: batch.report ?? pendingReport(file, batch) };
  try {
    if (batch.queued) return await planQueued(batch, ctx, file);
    if (!resumed) ctx.onEvent?.({ type: 'started', batch: batchId });
    const progress = new PlanProgress(batch.planned_at !== null);
    // Issuing follows the plan as it grows; a failed plan stops it at the next chunk.
    const planning = batch.planned_at === null ? planBatch(batch, ctx, { file, progress }) : Promise.resolve();
    // Planning keeps within a lead of issuing, so it must not wait for an issuing that has ended.
    const issuing = issueDocuments(batch, ctx, { resumed, progress }).finally(() => progress.issuingEnded());
    const [planned, issued] = await Promise.allSettled([planning.catch((e: unknown) => progress.fail(e)), issuing]);
    if (planned.status === 'rejected') throw planned.reason;
    if (issued.status === 'rejected') throw issued.reason;
    return await completeBatch(batchId, ctx, { file, resumed });
  } catch (e) {
    if (ctx.signal?.aborted && e === ctx.signal.reason)
      return { file, outcome: 'stopped', batch: batchId, dir: join(ctx.outbox, batch.outbox_dir), report: (await ledger.batch(batchId))?.report ?? pendingReport(file, batch) };
    throw e;
  } finally {
    await ledger.release(batchId, OWNER);
  }
}

/**
 * A queued batch (`ledger.jobs`): this process only plans it; the ledger puts each planned
 * chunk on the job queue as it commits it, and `tanu worker` processes issue and complete it.
 */
async function planQueued(batch: BatchRow, ctx: EngineContext, file: string): Promise<FileOutcome> {
  const dir = join(ctx.outbox, batch.outbox_dir);
  if (batch.planned_at === null) {
    // Nothing issues here, so the plan does not wait for issuing to keep up.
    const progress = new PlanProgress(false);
    progress.issuingEnded();
    await planBatch(batch, ctx, { file, progress });
  }
  const planned = await ctx.ledger.batch(batch.id);
  const report = planned?.report ?? pendingReport(file, batch);
  return { file, outcome: 'queued', batch: batch.id, dir, documents: (await ctx.ledger.documentCounts(batch.id)).total, report };
}
