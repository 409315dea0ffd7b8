import { dirname, join } from 'node:path';
import PQueue from 'p-queue';
import type { BatchRow, DocumentRow, DocumentUpdate } from '../ledger/ledger.js';
import { ISSUE_CHUNK } from '../ledger/jobs.js';
import { removeTempFiles, safeName, sha256, syncDir, writeDurably } from '../publish/publish.js';
import { KINDS, parseModel, renderDocuments } from '../kinds/registry.js';
import { signDocument } from '../sign/sign.js';
import { type EngineContext, issuerOf, timed } from './context.js';
import type { PlanProgress } from './plan-batch.js';

/**
 * Issuing a batch's planned documents, chunk by chunk: Chromium renders the next chunk
 * while this process signs and writes the current one; a chunk's files are flushed, their
 * folders synced once, and only then recorded as published, in one step. Chunks are read
 * from the ledger as they are needed, following the plan while it is still being made:
 * memory is bounded by the chunk whatever the file's size.
 */

/** Documents of a chunk being signed at once: enough to keep a TSA's round trips overlapping. */
const SIGNING_AT_ONCE = 16;

/** A small first chunk so the first signed document is on disk within seconds. */
const FIRST_CHUNK = 4;

export async function issueDocuments(batch: BatchRow, ctx: EngineContext, options: { resumed: boolean; progress: PlanProgress }): Promise<void> {
  const { ledger } = ctx;
  const { progress } = options;
  const signingTime = new Date(batch.created_at);
  const dir = join(ctx.outbox, batch.outbox_dir);
  await removeTempFiles(dir);
  const counts = await ledger.documentCounts(batch.id);
  if (options.resumed) ctx.onEvent?.({ type: 'resumed', batch: batch.id, remaining: counts.planned });
  let done = counts.total - counts.planned;

  let lastId = 0;
  /** Up to `size` planned documents, waiting for the plan when it has none yet; none once the plan is complete and issued. */
  const take = async (size: number): Promise<DocumentRow[] | undefined> => {
    for (;;) {
      const mark = progress.mark;
      const ended = progress.ended;
      const rows = await ledger.plannedDocuments(batch.id, lastId, size);
      if (rows.length > 0) {
        lastId = rows.at(-1)?.id ?? lastId;
        progress.took(rows.length);
        return rows;
      }
      progress.check();
      if (ended) return undefined;
      await progress.changedSince(mark);
    }
  };
  const render = (chunk: DocumentRow[]) => renderChunk(chunk, ctx, signingTime);

  const publish = async (chunk: DocumentRow[], rendered: Awaited<ReturnType<typeof render>>) => {
    await publishChunk(batch, chunk, rendered, ctx);
    done += chunk.length;
    // The total grows while the plan is made: counted for whoever listens, and only then.
    if (ctx.onEvent) ctx.onEvent({ type: 'published-chunk', batch: batch.id, done, total: (await ledger.documentCounts(batch.id)).total });
  };
  const printed = async (printing: ReturnType<typeof render>) => {
    const rendered = await timed(ctx, 'render_wait', () => printing);
    // Shutdown stops here, before anything of this chunk is signed or written: a rendered
    // chunk has no side effects, so it is dropped and rendered again on resume.
    ctx.signal?.throwIfAborted();
    return rendered;
  };

  const first = await take(FIRST_CHUNK);
  if (!first) return;
  // The first chunk goes to disk before the next is templated and printed, which would take the CPU it needs.
  await publish(first, await printed(render(first)));
  progress.published();
  let chunk = await take(ISSUE_CHUNK);
  let next = chunk ? render(chunk) : undefined;
  while (chunk) {
    const rendered = await printed(next as ReturnType<typeof render>);
    // The next chunk prints while this one is signed and written.
    const following = await take(ISSUE_CHUNK);
    next = following ? render(following) : undefined;
    // If publishing this chunk fails, the next render must not become an unhandled rejection.
    next?.catch(() => {});
    await publish(chunk, rendered);
    chunk = following;
  }
}

/** A chunk rendered, each document parsed by its kind's schema: what a resumed batch prints is checked, not assumed. */
export function renderChunk(chunk: readonly DocumentRow[], ctx: EngineContext, signingTime: Date) {
  const { renderer, templates, signer, prepare } = issuerOf(ctx);
  return renderDocuments(
    renderer,
    templates,
    chunk.map((d) => parseModel(d.type, d.model)),
    { sample: signer.isTest, now: signingTime, prepare },
  );
}

/**
 * A rendered chunk signed, written durably into the batch's folder (files flushed, their
 * folders synced once) and only then recorded as published (or failed with its error) in
 * one ledger step. The same on one machine and in a `tanu worker`.
 */
export async function publishChunk(batch: BatchRow, chunk: readonly DocumentRow[], rendered: Awaited<ReturnType<typeof renderChunk>>, ctx: EngineContext): Promise<void> {
  const { signer, timestamper } = issuerOf(ctx);
  const signingTime = new Date(batch.created_at);
  const dir = join(ctx.outbox, batch.outbox_dir);
  const updates: DocumentUpdate[] = [];
  const dirs = new Set<string>();
  const writes = new PQueue({ concurrency: 8 });
  const written: Promise<unknown>[] = [];
  // The chunk's documents are signed SIGNING_AT_ONCE at a time: the RSA is the CPU's one at
  // a time, but a TSA's round trips overlap instead of adding up, and no request waits
  // behind a whole chunk's (its timeout measures the TSA, not this queue). Any failure (a
  // TSA down) throws before anything of the chunk is recorded: the chunk is not published.
  const signs = new PQueue({ concurrency: SIGNING_AT_ONCE });
  const signing = await timed(ctx, 'sign', () =>
    Promise.all(
      chunk.map((_, i) => {
        const result = rendered[i];
        if (!result) throw new Error('renderer lost a document');
        return 'error' in result ? null : signs.add(() => signDocument({ pdf: result.pdf, ...(result.docx ? { docx: result.docx } : {}) }, signer, timestamper, signingTime), { throwOnTimeout: true });
      }),
    ).catch((e: unknown) => {
      // The chunk is lost already: the documents not yet begun ask the TSA nothing more.
      signs.clear();
      throw e;
    }),
  );
  for (const [i, doc] of chunk.entries()) {
    const result = rendered[i];
    const signed = signing[i];
    if (!result || 'error' in result || !signed) {
      if (result && 'error' in result) updates.push({ id: doc.id, state: 'failed', error: { code: result.error.code, message: result.error.text } });
      continue;
    }
    // A later revision sits beside its serial's first: `<serial>.r2.pdf` (docs/contracts.md, "Outbox").
    const name = join(KINDS[doc.type].folder, `${safeName(doc.serial)}${doc.revision > 1 ? `.r${doc.revision}` : ''}`);
    const base = join(dir, name);
    dirs.add(dirname(base));
    const outputs: [string, Uint8Array][] = [
      [`${base}.pdf`, signed.pdf],
      [`${base}.pdf.p7s`, signed.pdfSignature],
    ];
    // The ledger keeps them relative to the batch folder: the outbox may move.
    const files: Extract<DocumentUpdate, { state: 'published' }>['files'] = { pdf: `${name}.pdf`, pdf_sha256: sha256(signed.pdf) };
    if (signed.docx && signed.docxSignature) {
      outputs.push([`${base}.docx`, signed.docx], [`${base}.docx.p7s`, signed.docxSignature]);
      files.docx = `${name}.docx`;
      files.docx_sha256 = sha256(signed.docx);
    }
    for (const [path, bytes] of outputs) written.push(writes.add(() => writeDurably(path, bytes, ctx.modes)));
    updates.push({ id: doc.id, state: 'published', files });
  }
  await timed(ctx, 'write', async () => {
    await Promise.all(written);
    for (const dir of dirs) await syncDir(dir);
  });
  await timed(ctx, 'ledger', () => ctx.ledger.markDocuments(updates));
}
