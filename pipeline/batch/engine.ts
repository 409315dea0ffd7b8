import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, unlink, constants } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { type Clock, localNow } from '../core/clock.js';
import { type Issue, issue } from '../core/issue.js';
import type { LoadedConfig } from '../config/load.js';
import type { BatchRow, DocumentRow, FileRow, Ledger, RegistryRow } from '../ledger/ledger.js';
import { type PlanContext, type PlannedDocument, formatSerial, needsSerial, planForRecord, planProtocol } from '../plan/plan.js';
import { type Manifest, type ManifestEntry, type Modes, removeTempFiles, safeName, sha256, syncDir, writeAtomic, writeDurably } from '../publish/publish.js';
import PQueue from 'p-queue';
import type { Renderer } from '../render/chromium.js';
import type { CertificateModel, DocumentModel } from '../render/models.js';
import { renderDocuments } from '../render/render.js';
import type { TemplateSet } from '../render/templates.js';
import type { ExamResult } from '../records/records.js';
import { signDocument } from '../sign/sign.js';
import type { Signer } from '../sign/signer.js';
import { type Library, effectiveThresholds } from '../standards/library.js';
import { CATALOGUE } from '../core/catalogue.js';
import type { FileReport } from '../validate/report.js';
import { validateFile } from '../validate/validate-file.js';
import { leavesInbox, unsafePath } from '../intake/open.js';
import { currentOwner, ownerAlive } from './owner.js';
import type { Kind } from '../records/columns.js';
import { type RejectedRow, rejectedWorkbook, reportHtml } from '../publish/reports.js';

/**
 * The batch engine: one dropped file in, signed and registered documents out, exactly
 * once. A file is known by its SHA-256: the same bytes dropped again produce nothing new,
 * and a batch a crash interrupted resumes from its plan in the ledger (same serials, same
 * models), re-doing only the documents not yet published.
 */

export type EngineContext = {
  config: LoadedConfig;
  library: Library;
  ledger: Ledger;
  clock: Clock;
  renderer: Renderer;
  templates: TemplateSet;
  signer: Signer;
  /** Bytes reserved in each PDF for the signer's CMS. */
  signatureBytes: number;
  outbox: string;
  /** Permissions of published files and folders. */
  modes: Modes;
  received: string;
  rejected: string;
  /** Structured progress, for logs and the progress bar. */
  onEvent?: (event: EngineEvent) => void;
  /** Seconds spent per stage, for the benchmark. */
  onStage?: (stage: Stage, seconds: number) => void;
};

export type Stage = 'validate' | 'plan' | 'render_wait' | 'sign' | 'write' | 'ledger' | 'complete';

async function timed<T>(ctx: EngineContext, stage: Stage, work: () => Promise<T> | T): Promise<T> {
  if (!ctx.onStage) return work();
  const start = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    ctx.onStage(stage, Number(process.hrtime.bigint() - start) / 1e9);
  }
}

export type EngineEvent =
  | { type: 'planned'; batch: string; documents: number }
  /** An interrupted batch taken up again: `remaining` of its documents are still to be issued. */
  | { type: 'resumed'; batch: string; remaining: number }
  | { type: 'published-chunk'; batch: string; done: number; total: number }
  | { type: 'published'; batch: string; dir: string };

export type FileOutcome =
  | { file: string; outcome: 'published'; batch: string; dir: string; documents: number; failed: number; report: FileReport; resumed: boolean }
  | { file: string; outcome: 'already-published'; batch: string; dir: string; report: FileReport }
  /** Another live process (a second `tanu watch`) is issuing this batch right now. */
  | { file: string; outcome: 'in-progress'; batch: string; dir: string; report: FileReport }
  | { file: string; outcome: 'rejected'; report: FileReport; reportPath: string };

/** How many documents go through render, sign and publish at once: bounds memory whatever the file's size. */
const CHUNK = 200;

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Byte for byte into the received area, named by hash. `tanu watch` removes the dropped
 * file only once the ledger knows it (planned or rejected): a crash before that leaves it
 * in the inbox, where the next start takes it again, so a file is never lost between the two.
 */
async function store(file: string, target: string) {
  await mkdir(join(target, '..'), { recursive: true, mode: 0o700 });
  await copyFile(file, target, constants.COPYFILE_EXCL).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
}

const release = async (file: string, mode: 'copy' | 'move') => {
  if (mode === 'move') await unlink(file).catch(() => {});
};

const isFileLevel = (i: Issue) => i.row === null && CATALOGUE[i.code].severity === 'error';

export async function processFile(file: string, ctx: EngineContext, mode: 'copy' | 'move'): Promise<FileOutcome> {
  const { ledger, config } = ctx;
  if (await leavesInbox(file, config.paths.inbox)) return refuseUnsafe(file, ctx, mode);
  const sha = await fileSha256(file);
  const known = ledger.file(sha);
  if (known) return settleKnown(known, file, ctx, mode);

  const ext = extname(file).toLowerCase();
  const stored = join(ctx.received, `${sha}${ext}`);
  await store(file, stored);
  const batchId = sha.slice(0, 12);
  const now = ctx.clock.now();
  const issueDate = localNow(ctx.clock, config.timezone).date;
  const year = Number(issueDate.slice(0, 4));
  const rejectedRows: RejectedRow[] = [];
  let plan: PlanContext | undefined;

  // One write transaction from the first record to the last: each valid record is planned
  // as it streams in (its serial reserved, its document and model stored), so nothing grows
  // with the file but the ledger. The duplicate check against the ledger runs inside it,
  // so two processes cannot both issue the same person's certificate.
  const planned = await ledger
    .transactionAsync(async () => {
      // Another process may have taken the same bytes while this one waited for the lock.
      const meanwhile = ledger.file(sha);
      if (meanwhile) throw new KnownMeanwhile(meanwhile);
      const report = await timed(ctx, 'validate', () =>
        validateFile(
          stored,
          { config, library: ctx.library, clock: ctx.clock },
          (record) => {
            if (!plan) throw new Error('a record before the file was started');
            const recordId = ledger.insertRecord(batchId, {
              row: record.row,
              iin: record.iin,
              profession_code: record.profession_code,
              level: record.level,
              status: 'status' in record ? record.status : null,
              protocol_number: 'protocol_number' in record ? record.protocol_number : null,
              data: record,
            });
            const serial = needsSerial(record)
              ? formatSerial(config.defaults.serial_format, { centre: plan.centre.serial_prefix, year, seq: ledger.reserveSerials(plan.centre.serial_prefix, year, 1)[0] ?? 0 })
              : null;
            const doc = planForRecord(record, serial, plan);
            if (doc) insertPlanned(ledger, batchId, recordId, doc);
          },
          {
            origin: file,
            recognizedBefore: (iin, code, level) => ledger.recognized(iin, code, level)?.serial,
            onRejected: (r) => rejectedRows.push({ row: r.row, cells: Object.fromEntries(r.cells) }),
            onStart: ({ kind, centre: centreId }) => {
              const centre = config.centres.find((c) => c.id === centreId);
              if (!centre) throw new Error(`validated centre ${centreId} missing from config`);
              plan = {
                centre,
                library: ctx.library,
                issueDate,
                validityYears: (code) => effectiveThresholds(config.defaults, ctx.library.byCode(code), centre).validity_years,
                verifyBaseUrl: config.documents.verify_base_url,
              };
              const dir = join(ctx.outbox, centre.id, issueDate, batchId);
              ledger.recordFile({ sha256: sha, name: basename(file), centre: centre.id, kind, received_at: now.toISOString(), stored_path: stored, outcome: 'accepted', batch_id: batchId });
              ledger.insertBatch({ id: batchId, file_sha256: sha, centre: centre.id, kind, created_at: now.toISOString(), issue_date: issueDate, outbox_dir: dir, rows: 0, valid: 0, errors: 0, report_json: '{}', rejected_json: '[]' });
            },
          },
        ),
      );
      // An unreadable file plans nothing: everything written for it is rolled back.
      if (report.errors.some(isFileLevel) || !report.kind || !report.centre || !plan) throw new Rejected(report);
      await timed(ctx, 'plan', () => {
        const context = plan as PlanContext;
        for (const number of ledger.protocolNumbers(batchId))
          insertPlanned(ledger, batchId, null, planProtocol(ledger.protocolRecords(batchId, number) as ExamResult[], context));
        ledger.updateBatchReport(batchId, { rows: report.rows, valid: report.valid, errors: report.errors.length, report_json: JSON.stringify(report), rejected_json: JSON.stringify(rejectedRows) });
        ledger.event(now.toISOString(), 'batch-planned', batchId, { file, sha256: sha, documents: ledger.documentCounts(batchId).total });
      });
      return report;
    })
    .catch((e: unknown) => (e instanceof Rejected || e instanceof KnownMeanwhile ? e : Promise.reject(e)));
  if (planned instanceof KnownMeanwhile) return settleKnown(planned.known, file, ctx, mode);

  if (planned instanceof Rejected) {
    const { report } = planned;
    const rejectedPath = join(ctx.rejected, `${sha}${ext}`);
    await mkdir(ctx.rejected, { recursive: true, mode: 0o700 });
    // The received area holds accepted files only: the rejected one moves over, untouched.
    await rename(stored, rejectedPath);
    await writeSetAsideReport(rejectedPath, report);
    ledger.transaction(() => {
      ledger.recordFile({ sha256: sha, name: basename(file), centre: report.centre, kind: report.kind, received_at: now.toISOString(), stored_path: rejectedPath, outcome: 'rejected', batch_id: null });
      ledger.event(now.toISOString(), 'file-rejected', null, { sha256: sha, file, errors: report.errors.filter(isFileLevel).map((e) => e.code) });
    });
    await release(file, mode);
    return { file, outcome: 'rejected', report, reportPath: `${rejectedPath}.report.json` };
  }
  await release(file, mode);
  ctx.onEvent?.({ type: 'planned', batch: batchId, documents: ledger.documentCounts(batchId).total });
  return execute(batchId, ctx, false, file);
}

/**
 * A link leading out of the inbox is never followed: the link itself (not its target) is
 * set aside in the rejected area with its report, and the ledger notes the refusal.
 */
async function refuseUnsafe(file: string, ctx: EngineContext, mode: 'copy' | 'move'): Promise<FileOutcome> {
  const report: FileReport = { file, kind: null, centre: null, rows: 0, valid: 0, errors: [unsafePath(file)], warnings: [] };
  const setAside = join(ctx.rejected, `${sha256(Buffer.from(resolve(file))).slice(0, 16)}-${safeName(basename(file))}`);
  await mkdir(ctx.rejected, { recursive: true, mode: 0o700 });
  if (mode === 'move') await rename(file, setAside);
  await writeSetAsideReport(setAside, report);
  const at = ctx.clock.now().toISOString();
  ctx.ledger.transaction(() => ctx.ledger.event(at, 'file-rejected', null, { file, errors: ['UNSAFE_PATH'] }));
  return { file, outcome: 'rejected', report, reportPath: `${setAside}.report.json` };
}

/** The report beside a file set aside in the rejected area: `<name>.report.json`. */
const writeSetAsideReport = (setAside: string, report: FileReport) => writeAtomic(`${setAside}.report.json`, `${JSON.stringify({ files: [report] }, null, 2)}\n`);

/** Thrown out of the plan's transaction to roll it back when the file turns out unreadable. */
class Rejected {
  constructor(readonly report: FileReport) {}
}

/** Thrown out of the plan's transaction when another process recorded the file first. */
class KnownMeanwhile {
  constructor(readonly known: FileRow) {}
}

/** Bytes the ledger has seen: rejected before, already published, or a batch to resume. */
async function settleKnown(known: FileRow, file: string, ctx: EngineContext, mode: 'copy' | 'move'): Promise<FileOutcome> {
  if (known.outcome === 'rejected') {
    await release(file, mode);
    return { file, outcome: 'rejected', report: rejectedReport(file, known.stored_path), reportPath: `${known.stored_path}.report.json` };
  }
  const batch = known.batch_id === null ? undefined : ctx.ledger.batch(known.batch_id);
  // The dropped file is let go only once the ledger is known to hold its batch.
  if (!batch) throw new Error(`ledger: file ${known.sha256} names missing batch ${known.batch_id}`);
  await release(file, mode);
  const report = JSON.parse(batch.report_json) as FileReport;
  if (batch.state === 'published') return { file, outcome: 'already-published', batch: batch.id, dir: batch.outbox_dir, report };
  return execute(batch.id, ctx, true, file);
}

/** This process, as it claims batches in the ledger. */
const OWNER = currentOwner();

function insertPlanned(ledger: Ledger, batchId: string, recordId: number | null, doc: PlannedDocument) {
  const { model, ...rest } = doc;
  ledger.insertDocument(batchId, recordId, { ...rest, model_json: JSON.stringify(model) });
}

/**
 * Chunk sizes: a small first chunk so the first signed document is on disk within seconds,
 * then larger ones. Memory stays bounded by the chunk, whatever the file's size.
 */
const FIRST_CHUNK = 20;

/**
 * Renders, signs and publishes every document of the batch still planned, then completes
 * it. Chromium renders the next chunk while this process signs and writes the current one;
 * a chunk's files are flushed, their folders synced once, and only then recorded as
 * published, in one transaction.
 */
export async function execute(batchId: string, ctx: EngineContext, resumed: boolean, file: string): Promise<FileOutcome> {
  const { ledger } = ctx;
  const batch = ledger.batch(batchId);
  if (!batch) throw new Error(`no batch ${batchId}`);
  if (!ledger.claim(batchId, OWNER, ownerAlive, ctx.clock.now().toISOString()))
    return { file, outcome: 'in-progress', batch: batchId, dir: batch.outbox_dir, report: JSON.parse(batch.report_json) as FileReport };
  try {
    return await issueDocuments(batch, ctx, resumed, file);
  } finally {
    ledger.release(batchId, OWNER);
  }
}

async function issueDocuments(batch: BatchRow, ctx: EngineContext, resumed: boolean, file: string): Promise<FileOutcome> {
  const { ledger } = ctx;
  const batchId = batch.id;
  const signingTime = new Date(batch.created_at);
  await removeTempFiles(batch.outbox_dir);
  const counts = ledger.documentCounts(batchId);
  // Chunks are read from the ledger as they are needed: a batch of any size is never held whole.
  let lastId = 0;
  const nextChunk = (size: number): DocumentRow[] | undefined => {
    const rows = ledger.plannedDocuments(batchId, lastId, size);
    lastId = rows.at(-1)?.id ?? lastId;
    return rows.length > 0 ? rows : undefined;
  };
  const render = (chunk: DocumentRow[]) =>
    renderDocuments(ctx.renderer, ctx.templates, chunk.map((d) => JSON.parse(d.model_json) as DocumentModel), {
      sample: ctx.signer.isTest,
      now: signingTime,
      signatureBytes: ctx.signatureBytes,
    });
  let done = counts.total - counts.planned;
  if (resumed) ctx.onEvent?.({ type: 'resumed', batch: batchId, remaining: counts.planned });
  let chunk = nextChunk(FIRST_CHUNK);
  let next = chunk ? render(chunk) : undefined;
  while (chunk) {
    const rendered = await timed(ctx, 'render_wait', () => next as ReturnType<typeof render>);
    const following = nextChunk(CHUNK);
    next = following ? render(following) : undefined;
    // If publishing this chunk fails, the next render must not become an unhandled rejection.
    next?.catch(() => {});
    const updates: { id: number; state: 'published' | 'failed'; detail: object }[] = [];
    const dirs = new Set<string>();
    const writes = new PQueue({ concurrency: 8 });
    const written: Promise<unknown>[] = [];
    for (const [i, doc] of chunk.entries()) {
      const result = rendered[i];
      if (!result) throw new Error('renderer lost a document');
      if ('error' in result) {
        updates.push({ id: doc.id, state: 'failed', detail: { code: result.error.code, message: result.error.text } });
        continue;
      }
      const signed = await timed(ctx, 'sign', () => signDocument({ pdf: result.pdf, ...(result.docx ? { docx: result.docx } : {}) }, ctx.signer, signingTime));
      const base = join(batch.outbox_dir, `${doc.type}s`, safeName(doc.serial));
      dirs.add(dirname(base));
      const files: { pdf: string; pdf_sha256: string; docx?: string; docx_sha256?: string } = { pdf: `${base}.pdf`, pdf_sha256: sha256(signed.pdf) };
      const outputs: [string, Uint8Array][] = [
        [`${base}.pdf`, signed.pdf],
        [`${base}.pdf.p7s`, signed.pdfSignature],
      ];
      if (signed.docx && signed.docxSignature) {
        outputs.push([`${base}.docx`, signed.docx], [`${base}.docx.p7s`, signed.docxSignature]);
        files.docx = `${base}.docx`;
        files.docx_sha256 = sha256(signed.docx);
      }
      for (const [path, bytes] of outputs) written.push(writes.add(() => writeDurably(path, bytes, ctx.modes)));
      updates.push({ id: doc.id, state: 'published', detail: files });
    }
    await timed(ctx, 'write', async () => {
      await Promise.all(written);
      for (const dir of dirs) await syncDir(dir);
    });
    await timed(ctx, 'ledger', () => ledger.transaction(() => updates.forEach((u) => ledger.markDocument(u.id, u.state, u.detail))));
    done += chunk.length;
    ctx.onEvent?.({ type: 'published-chunk', batch: batchId, done, total: counts.total });
    chunk = following;
  }
  return timed(ctx, 'complete', () => complete(batchId, ctx, resumed, file));
}

async function complete(batchId: string, ctx: EngineContext, resumed: boolean, file: string): Promise<FileOutcome> {
  const { ledger } = ctx;
  const batch = ledger.batch(batchId);
  if (!batch) throw new Error(`no batch ${batchId}`);
  // A batch is complete only when every planned document is published or failed with its error.
  const counts = ledger.documentCounts(batchId);
  if (counts.planned > 0) throw new Error(`batch ${batchId}: ${counts.planned} documents still planned at completion`);
  const report = JSON.parse(batch.report_json) as FileReport;
  // One pass over the documents, one row at a time; what is kept is small per document.
  const entries: ManifestEntry[] = [];
  const registry: RegistryRow[] = [];
  const failed: DocumentRow[] = [];
  for (const d of ledger.eachDocument(batchId)) {
    if (d.state === 'failed') {
      failed.push(d);
      continue;
    }
    entries.push(...manifestEntries(d, batch.outbox_dir));
    if (d.type !== 'certificate') continue;
    const m = JSON.parse(d.model_json) as CertificateModel;
    registry.push({
      certificate_serial: m.serial,
      iin: m.holder.iin,
      full_name: m.holder.full_name,
      profession_code: m.profession.code,
      profession_kk: m.profession.name.kk,
      profession_ru: m.profession.name.ru,
      level: m.profession.level,
      centre: batch.centre,
      issue_date: m.issue_date,
      expiry_date: m.valid_until,
    });
  }
  // A document that could not be made is an error of its row, reported with the rest.
  for (const d of failed) {
    const error = JSON.parse(d.error_json ?? '{}') as { code: Issue['code']; message: Issue['message'] };
    report.errors.push({ row: d.record_id === null ? null : ledger.recordRow(d.record_id), column: null, value: d.serial, code: error.code, message: error.message });
  }
  const manifest: Manifest = { batch: batchId, centre: batch.centre, created_at: batch.created_at, documents: entries };
  await writeAtomic(join(batch.outbox_dir, 'report.json'), `${JSON.stringify({ batch: batchId, files: [report] }, null, 2)}\n`, ctx.modes);
  const rejected = (JSON.parse(batch.rejected_json) as RejectedRow[]).sort((a, b) => a.row - b.row);
  const rejectedFile = rejected.length > 0 ? 'rejected-rows.xlsx' : null;
  if (rejectedFile) await writeAtomic(join(batch.outbox_dir, rejectedFile), await rejectedWorkbook(batch.kind as Kind, rejected, report, ctx.config.operator_language), ctx.modes);
  await writeAtomic(
    join(batch.outbox_dir, 'report.html'),
    reportHtml(join(ctx.config.paths.templates, 'report.hbs'), { batch: batchId, created_at: batch.created_at, documents: entries.length, report, rejectedFile, rejected }),
    ctx.modes,
  );
  await writeAtomic(join(batch.outbox_dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, ctx.modes);
  const at = ctx.clock.now().toISOString();
  ledger.transaction(() => {
    ledger.finishBatch(batchId, at, registry);
    ledger.event(at, 'batch-published', batchId, { documents: entries.length, resumed });
  });
  ctx.onEvent?.({ type: 'published', batch: batchId, dir: batch.outbox_dir });
  return {
    file,
    outcome: 'published',
    batch: batchId,
    dir: batch.outbox_dir,
    documents: counts.published,
    failed: counts.failed,
    report,
    resumed,
  };
}

function manifestEntries(d: DocumentRow, dir: string): ManifestEntry[] {
  const files = JSON.parse(d.files_json ?? '{}') as { pdf: string; pdf_sha256: string; docx?: string; docx_sha256?: string };
  const entry = (path: string, hash: string): ManifestEntry => ({
    type: d.type,
    serial: d.serial,
    revision: d.revision,
    file: relative(dir, path),
    sha256: hash,
    signature: `${relative(dir, path)}.p7s`,
    iin: d.iin,
    profession_code: d.profession_code,
    level: d.level,
    language: d.language,
    status: d.status,
  });
  return [entry(files.pdf, files.pdf_sha256), ...(files.docx && files.docx_sha256 ? [entry(files.docx, files.docx_sha256)] : [])];
}

function rejectedReport(file: string, storedPath: string): FileReport {
  return {
    file,
    kind: null,
    centre: null,
    rows: 0,
    valid: 0,
    errors: [issue('FILE_UNREADABLE', {}, { detail: { kk: `бұрын қабылданбаған, есебі: ${storedPath}.report.json`, ru: `отклонён ранее, отчёт: ${storedPath}.report.json` } })],
    warnings: [],
  };
}
