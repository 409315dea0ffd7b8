import { join } from 'node:path';
import { localNow } from '../core/clock.js';
import { type EngineContext } from '../batch/context.js';
import { OWNER, ownerAlive } from '../batch/owner.js';
import { runBatch } from '../batch/run-batch.js';
import type { CurrentDocument, FileRow } from '../ledger/ledger.js';
import { sha256, writeAtomic } from '../publish/publish.js';
import type { FileReport } from '../validate/report.js';
import { type AffectedDocument, type RegenerationContext, type RegenerationPlan, planRegeneration } from './plan.js';

/**
 * Applying a regeneration: batches per centre (at most `documents.regeneration_batch`
 * documents each) whose plan comes from the ledger instead of a file. Each batch's plan is
 * stored like a received file (its JSON, by SHA-256) and committed with its new revisions
 * in one step; the batch is then issued and completed by the engine like
 * any other (render, sign, publish, manifest), and completing it marks the revisions it
 * replaces superseded and moves their register rows. A crash leaves an unfinished batch,
 * which `resumeRegenerations` (or `tanu watch`) takes up again.
 */

export const REGENERATION_KIND = 'regeneration';

export type Issued = { type: string; serial: string; revision: number; file: string };

/** Batches of earlier regenerations a crash interrupted, issued and completed now. */
export async function resumeRegenerations(ctx: EngineContext): Promise<string[]> {
  const resumed: string[] = [];
  for (const batch of await ctx.ledger.unfinishedBatches()) {
    if (batch.kind !== REGENERATION_KIND) continue;
    const outcome = await runBatch(batch.id, ctx, { file: batch.id, resumed: true, claimed: false });
    if (outcome.outcome === 'published') resumed.push(batch.id);
  }
  return resumed;
}

/**
 * Plans, issues and completes a regeneration over the current documents of its standard,
 * as they come: the affected documents of each centre are issued in batches of
 * `documents.regeneration_batch`, so what is held and what one transaction commits stays
 * the same for 100 documents or 100,000. Returns the plan and the batches' ids, in order.
 */
export async function applyRegeneration(
  documents: AsyncIterable<CurrentDocument>,
  rctx: RegenerationContext,
  ctx: EngineContext,
  why: { reason: string; by: string },
): Promise<{ plan: RegenerationPlan; batches: string[] }> {
  const standard = rctx.standard.code;
  const batches: string[] = [];
  const issue = async (centre: string, affected: AffectedDocument[]) => {
    const now = ctx.clock.now().toISOString();
    const issueDate = localNow(ctx.clock, ctx.config.timezone).date;
    const stored = {
      standard,
      to_version: rctx.version,
      centre,
      reason: why.reason,
      by: why.by,
      at: now,
      documents: affected.map((a) => ({ type: a.type, serial: a.serial, revision: a.revision, fields: a.fields })),
    };
    const bytes = `${JSON.stringify(stored, null, 2)}\n`;
    const sha = sha256(Buffer.from(bytes));
    const path = join(ctx.received, `${sha}.json`);
    await writeAtomic(path, bytes, { file: 0o600, dir: 0o700 });
    const name = `regenerate-${standard}-v${rctx.version}-${centre}.json`;
    const id = sha.slice(0, 12);
    const file: FileRow = { sha256: sha, name, centre, kind: REGENERATION_KIND, received_at: now, stored_path: path, outcome: 'accepted', batch_id: id };
    const report: FileReport = { file: name, kind: null, centre, rows: affected.length, valid: affected.length, errors: [], warnings: [] };
    const result = await ctx.ledger.planRegeneration({
      batch: { id, file_sha256: sha, centre, kind: REGENERATION_KIND, created_at: now, issue_date: issueDate, outbox_dir: join(centre, issueDate, id) },
      file,
      report,
      revisions: affected.map((a) => a.next),
      claim: { owner: OWNER, alive: ownerAlive, at: now },
      event: { standard, to_version: rctx.version, reason: why.reason, by: why.by, documents: affected.length },
    });
    // Another run planned these first: theirs stands, and a rerun plans only what is left.
    if (!result.planned) throw new Error(`regeneration of ${standard}: already planned by another run for ${result.taken.slice(0, 3).join(', ')}`);
    await runBatch(id, ctx, { file: name, resumed: false, claimed: true });
    batches.push(id);
  };
  const size = ctx.config.documents.regeneration_batch;
  const pending = new Map<string, AffectedDocument[]>();
  // The ledger's pages come after the batches already issued by this run, whose new
  // revisions are current documents too: they are this run's, not ones to judge (or count).
  const reissued = new Set<string>();
  const key = (d: { type: string; serial: string }) => `${d.type} ${d.serial}`;
  const before = async function* () {
    for await (const d of documents) if (!reissued.has(key(d))) yield d;
  };
  const plan = await planRegeneration(before(), rctx, async (a) => {
    reissued.add(key(a));
    const gathered = pending.get(a.centre) ?? [];
    gathered.push(a);
    pending.set(a.centre, gathered);
    if (gathered.length < size) return;
    pending.delete(a.centre);
    await issue(a.centre, gathered);
  });
  for (const [centre, affected] of pending) await issue(centre, affected);
  return { plan, batches };
}

/** The documents the batches published, with their PDF relative to the outbox. */
export async function issuedBy(batchIds: readonly string[], ctx: EngineContext): Promise<Issued[]> {
  const issued: Issued[] = [];
  for (const id of batchIds) {
    const batch = await ctx.ledger.batch(id);
    if (!batch) throw new Error(`no batch ${id}`);
    for await (const d of ctx.ledger.eachDocument(id))
      if (d.state === 'published' && d.files) issued.push({ type: d.type, serial: d.serial, revision: d.revision, file: join(batch.outbox_dir, d.files.pdf) });
  }
  return issued;
}
