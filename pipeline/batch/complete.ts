import { join } from 'node:path';
import type { AttestationMark, DocumentRow, RegistryRow } from '../ledger/ledger.js';
import { writeManifest } from '../sign/manifest.js';
import { type ManifestEntry, writeAtomic } from '../publish/publish.js';
import { rejectedWorkbook, reportHtml } from '../publish/reports.js';
import { kindOf, parseModel } from '../kinds/registry.js';
import { isKind } from '../records/columns.js';
import { z } from 'zod';
import { type EngineContext, type FileOutcome, issuerOf, timed } from './context.js';

/** Register rows and marks sent to the ledger at a time. */
const LEDGER_PAGE = 1000;

/** A stored record of any kind, read for its row number only. */
const StoredRow = z.object({ row: z.number().int() });

/**
 * Completing a batch once every planned document is published or failed with its error:
 * the reports, then `manifest.json` with their hashes and its signature `manifest.json.p7s`
 * (together they mean the batch is complete), then the batch's state and its certificates'
 * register rows (gathered in the ledger meanwhile) in one step. Done again after a crash,
 * it writes the same files.
 */
export async function completeBatch(batchId: string, ctx: EngineContext, options: { file: string; resumed: boolean }): Promise<FileOutcome> {
  return timed(ctx, 'complete', async () => {
    const { ledger } = ctx;
    const batch = await ledger.batch(batchId);
    if (!batch?.report) throw new Error(`batch ${batchId} is not planned`);
    const counts = await ledger.documentCounts(batchId);
    if (counts.planned > 0) throw new Error(`batch ${batchId}: ${counts.planned} documents still planned at completion`);
    const dir = join(ctx.outbox, batch.outbox_dir);
    const report = structuredClone(batch.report);
    // A document is an error of a row, never of the file: a sitting's (a protocol's) is its first row's.
    const rowOf = async (d: DocumentRow): Promise<number | null> => {
      if (d.record_id !== null) return ledger.recordRow(d.record_id);
      const [first] = await ledger.protocolRecords(batchId, d.serial);
      if (first !== undefined) return StoredRow.parse(first).row;
      // An act made for one person (of services, of violation): their row answers for it.
      return d.iin === null ? null : ledger.personRow(batchId, d.iin);
    };
    const rejectedFile = batch.rejected.length > 0 && isKind(batch.kind) ? 'rejected-rows.xlsx' : null;
    // One pass over the documents, one row at a time: each goes into the manifest as it is
    // read, its register row and attestation marks to the ledger a page at a time, so a batch
    // of any size is never held whole. The reports are written last, inside the manifest
    // they are vouched for by.
    const documents = await writeManifest(
      dir,
      { batch: batchId, centre: batch.centre, created_at: batch.created_at },
      async (manifest) => {
        let registry: RegistryRow[] = [];
        let marks: AttestationMark[] = [];
        const flush = async () => {
          if (registry.length > 0) await ledger.gatherRegisterRows(batchId, registry);
          // Before the batch is finished, so a crash in between records them again (they are idempotent).
          if (marks.length > 0) await ledger.recordAttestations(marks);
          registry = [];
          marks = [];
        };
        for await (const d of ledger.eachDocument(batchId)) {
          if (d.state === 'failed') {
            // A document that could not be made is an error of its row, reported with the rest.
            if (!d.error) throw new Error(`document ${d.serial} failed without its error`);
            report.errors.push({ row: await rowOf(d), column: null, value: d.serial, ...d.error });
            continue;
          }
          for (const entry of manifestEntries(d)) await manifest.add(entry);
          const model = parseModel(d.type, d.model);
          const row = kindOf(model).registerRow?.(model, { centre: batch.centre, revision: d.revision });
          if (row) registry.push(row);
          marks.push(...(kindOf(model).registerMarks?.(model) ?? []));
          if (registry.length + marks.length >= LEDGER_PAGE) await flush();
        }
        await flush();
        await writeAtomic(join(dir, 'report.json'), `${JSON.stringify({ batch: batchId, files: [report] }, null, 2)}\n`, ctx.modes);
        if (rejectedFile && isKind(batch.kind)) {
          // The centre's own file, kept byte for byte in the received area: a workbook is returned as its own sheet.
          const received = await ledger.file(batch.file_sha256);
          const source = received ? { path: received.stored_path, name: received.name } : undefined;
          await writeAtomic(join(dir, rejectedFile), await rejectedWorkbook(batch.kind, batch.rejected, report, ctx.config.operator_language, source), ctx.modes);
        }
        await writeAtomic(
          join(dir, 'report.html'),
          reportHtml(join(ctx.config.paths.templates, 'report.hbs'), { batch: batchId, created_at: batch.created_at, documents: manifest.listed(), report, rejectedFile, rejected: batch.rejected }),
          ctx.modes,
        );
      },
      issuerOf(ctx).signer,
      issuerOf(ctx).timestamper,
      new Date(batch.created_at),
      ctx.modes,
    );
    await ledger.finishBatch(batchId, ctx.clock.now().toISOString(), { documents, resumed: options.resumed });
    ctx.onEvent?.({ type: 'published', batch: batchId, dir });
    return {
      file: options.file,
      outcome: 'published',
      batch: batchId,
      dir,
      documents: counts.published,
      failed: counts.failed,
      report,
      resumed: options.resumed,
    };
  });
}

function manifestEntries(d: DocumentRow): ManifestEntry[] {
  const files = d.files;
  if (!files) throw new Error(`document ${d.serial} is published without its files`);
  const entry = (path: string, hash: string): ManifestEntry => ({
    type: d.type,
    serial: d.serial,
    revision: d.revision,
    file: path,
    sha256: hash,
    signature: `${path}.p7s`,
    iin: d.iin,
    profession_code: d.profession_code,
    level: d.level,
    language: d.language,
    status: d.status,
  });
  return [entry(files.pdf, files.pdf_sha256), ...(files.docx && files.docx_sha256 ? [entry(files.docx, files.docx_sha256)] : [])];
}
