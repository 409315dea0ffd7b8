import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, readFile as readFileCallback, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../core/clock.js';
import { localNow } from '../core/clock.js';
import { TanuError } from '../core/tanu-error.js';
import type { LoadedConfig } from '../config/load.js';
import type { ExportDocumentRow, ExportFilter } from '../ledger/ledger.js';
import { openLedger } from '../ledger/open.js';
import { MANIFEST, MANIFEST_SIGNATURE } from '../sign/manifest.js';
import { syncDir } from '../publish/publish.js';
import { openSigner } from '../sign/keys.js';
import { signaturePreparer, signatureSpace } from '../sign/pades.js';
import { signDocument } from '../sign/sign.js';
import { openTimestamper } from '../sign/tsa.js';
import { configuredTrust } from '../sign/keys.js';
import { verifyDetached, verifyPdfHashed } from '../sign/verify.js';
import {
  BAGIT_TXT,
  HISTORY_CSV,
  HISTORY_HEADER,
  TRUST_ANCHORS,
  VERIFICATION_JSON,
  VERIFICATION_PDF,
  type VerificationReport,
  type VerifiedDocument,
  bagInfo,
  batchFolder,
  checksumLine,
  checksumLines,
  historyLines,
  packagedPath,
  readme,
} from './package.js';
import { verificationPrinter } from './report-pdf.js';
import { type Selection, describeSelection, toFilter } from './selection.js';
import { type RegisterAnswer, type RegisterFile, type RegisterJob, carriedError } from './registers.js';
import { ZipWriter } from './zip.js';

/**
 * `tanu export`, the I/O shell: streams the selection from the ledger, document by
 * document: read from the outbox, hashed once (compared with the ledger's SHA-256), its
 * signatures checked, and the same bytes written into the zip, so what is packed is what
 * was checked. What the package needs of every document at the end (its manifest line,
 * its row of the verification report and of history.csv) is spooled to files beside the
 * zip, never held, so memory stays the same for 1,000 documents or 100,000. Everything is
 * written under a temporary name, flushed and renamed: a failed export leaves nothing.
 */

export type ExportOptions = {
  selection: Selection;
  out: string;
  allowMissing: boolean;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  notice: (text: string) => void;
  /** Documents checked so far (the selection is streamed: its size is known at the end). */
  onProgress?: (done: number) => void;
};

export type ExportResult = { out: string; documents: number; missing: VerifiedDocument[]; files: number; bytes: number };

/** Documents read from the outbox ahead of the one being checked: the reads wait on the disk while the check uses the CPU. */
const READ_AHEAD = 16;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** PDFs, signatures and XLSX (a zip) do not shrink: stored, not deflated; text, JSON and DOCX are deflated. */
const deflated = (path: string) => !/\.(pdf|p7s|xlsx)$/.test(path);

/**
 * fs.readFile with a callback, promisified: fs/promises' readFile opens, stats, reads and
 * closes in four round trips through the thread pool, and read the 20,000 files of a
 * 10,000-document export in 1.1–1.3 s (1.9–2.1 s of CPU) against 0.7 s (1.3 s) here.
 * Still asynchronous, so reads from a cold disk overlap.
 */
const readFile = promisify(readFileCallback);

async function readOrNull(path: string): Promise<Buffer | null> {
  return readFile(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
}

/**
 * Where a published file is now: under the configured outbox (`--outbox`), which may have
 * moved since publication (an archive copy, another mount), at the same place in it.
 */
const inOutbox = (config: LoadedConfig, d: ExportDocumentRow, inBatch: string) => join(config.paths.outbox, d.outbox_dir, inBatch);

/** A document's published files (PDF, and DOCX for a contract) with their signatures, as read from the outbox. */
type Read = { row: ExportDocumentRow; parts: { published: string; expected: string; path: string; bytes: Buffer | null; p7s: Buffer | null }[] };

async function readDocument(config: LoadedConfig, row: ExportDocumentRow): Promise<Read> {
  const { files } = row;
  const published: [string, string][] = [[files.pdf, files.pdf_sha256], ...(files.docx && files.docx_sha256 ? [[files.docx, files.docx_sha256] as [string, string]] : [])];
  return {
    row,
    parts: await Promise.all(
      published.map(async ([name, expected]) => {
        const path = inOutbox(config, row, name);
        const [bytes, p7s] = await Promise.all([readOrNull(path), readOrNull(`${path}.p7s`)]);
        return { published: name, expected, path, bytes, p7s };
      }),
    ),
  };
}

/** `load` of each item, up to `depth` of them under way ahead of the one handed out. */
async function* ahead<T, U>(items: AsyncIterable<T>, depth: number, load: (item: T) => Promise<U>): AsyncGenerator<U> {
  const queue: Promise<U>[] = [];
  for await (const item of items) {
    const loading = load(item);
    // Awaited in turn below; an export that fails first must not leave it unhandled.
    loading.catch(() => {});
    queue.push(loading);
    if (queue.length >= depth) yield await (queue.shift() as Promise<U>);
  }
  while (queue.length > 0) yield await (queue.shift() as Promise<U>);
}

/** A file written line by line during the export and packed whole at its end. */
class Spool {
  private readonly stream: WriteStream;
  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }
  async write(text: string) {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }
  async close() {
    this.stream.end();
    await finished(this.stream);
  }
  destroy() {
    this.stream.destroy();
  }
}

/** A file written during the export, read back in large pieces, with text before and after it. */
async function* spooled(path: string, before = '', after = ''): AsyncGenerator<Uint8Array | string> {
  yield before;
  yield* createReadStream(path, { highWaterMark: 2 ** 20 });
  yield after;
}

/** Chunks passed through, hashed on the way. */
async function* hashing(chunks: AsyncIterable<Uint8Array>, hash: Hash): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
}

/**
 * writeRegisters in a worker thread: `result` settles with its files or its error (an
 * operating system's error keeps its code, so a full disk is still NO_SPACE); `stop` ends
 * the thread early (an export that failed first).
 */
function registersInWorker(job: RegisterJob): { result: Promise<RegisterFile[]>; stop: () => Promise<void> } {
  // Through bin/ts-worker.js, which registers the TypeScript loader in the thread (Node 20 does not pass it on).
  const worker = new Worker(new URL('../../bin/ts-worker.js', import.meta.url), { workerData: { module: new URL('./registers-worker.ts', import.meta.url).href, job } });
  const result = new Promise<RegisterFile[]>((resolve, reject) => {
    worker.once('message', (answer: RegisterAnswer) => {
      if ('files' in answer) resolve(answer.files);
      else reject(carriedError(answer));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the register's worker thread exited (${code}) without an answer`)));
  });
  result.catch(() => {});
  return { result, stop: async () => void (await worker.terminate()) };
}

export async function exportArchive(config: LoadedConfig, options: ExportOptions): Promise<ExportResult> {
  const filter = toFilter(options.selection);
  const selection = describeSelection(options.selection);
  const ledger = await openLedger(config, options.env);
  try {
    const rows = ledger.exportDocuments(filter)[Symbol.asyncIterator]();
    const first = await rows.next();
    if (first.done) throw new TanuError('EXPORT_EMPTY', { detail: { kk: selection, ru: selection } });
    const all = (async function* () {
      yield first.value;
      for (let next = await rows.next(); !next.done; next = await rows.next()) yield next.value;
    })();
    return await packDocuments(config, options, { rows: all, filter, selection });
  } finally {
    await ledger.close();
  }
}

async function packDocuments(
  config: LoadedConfig,
  options: ExportOptions,
  { rows, filter, selection }: { rows: AsyncIterable<ExportDocumentRow>; filter: ExportFilter; selection: string },
): Promise<ExportResult> {
  const trust = await configuredTrust(config);
  const now = options.clock.now();
  const asOf = localNow(options.clock, config.timezone).date;
  // The report's rows are drawn while the documents are checked: it needs the signer's kind now.
  const signer = await openSigner(config, options.env, options.clock, options.notice);
  const timestamper = await openTimestamper(config, options.env, options.clock, trust);
  const report = await verificationPrinter({ sample: signer.isTest, now, prepare: signaturePreparer(await signatureSpace(signer, timestamper)) }, config.timezone);

  const out = resolve(options.out);
  const bag = basename(out).replace(/\.zip$/i, '') || 'tanu-export';
  const temp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  await mkdir(temp);
  let zip: ZipWriter | undefined;
  const spools: Spool[] = [];
  // The register is made beside the documents' check, on the other core (registers.ts).
  const registers = registersInWorker({ config, env: options.env, filter, dir: temp });
  try {
    const writer = (zip = await ZipWriter.create(join(temp, 'package.zip')));
    const [manifest, documents, history] = ['manifest-sha256.txt', 'documents.json', 'history.csv'].map((name) => new Spool(join(temp, name))) as [Spool, Spool, Spool];
    spools.push(manifest, documents, history);
    await history.write(HISTORY_HEADER);
    const payload = { files: 0, bytes: 0 };
    const pack = async (path: string, bytes: Uint8Array, hash: string) => {
      await writer.add(`${bag}/${path}`, bytes, { compress: deflated(path) });
      await manifest.write(checksumLine({ path, sha256: hash }));
      payload.files++;
      payload.bytes += bytes.length;
    };

    const totals = { documents: 0, valid: 0, invalid: 0, missing: 0 };
    const missing: VerifiedDocument[] = [];
    const batches = new Map<string, ExportDocumentRow>();
    const centres = new Set<string>();
    let firstPdf: string | undefined;
    let serial: ExportDocumentRow[] = [];
    for await (const { row: d, parts } of ahead(rows, READ_AHEAD, (row) => readDocument(config, row))) {
      const problems: string[] = [];
      let signer: string | null = null;
      let signedAt: string | null = null;
      let valid = true;
      const found: { path: string; bytes: Uint8Array; sha256: string }[] = [];
      for (const { published, expected, path, bytes, p7s } of parts) {
        const pdf = bytes && path.endsWith('.pdf') ? verifyPdfHashed(path, bytes, trust) : null;
        const digest = pdf ? pdf.sha256 : bytes ? createHash('sha256').update(bytes).digest() : null;
        if (!bytes) problems.push(`${basename(path)}: not in the outbox`);
        else if (digest?.toString('hex') !== expected) problems.push(`${basename(path)}: SHA-256 differs from the ledger`);
        if (!p7s) problems.push(`${basename(path)}.p7s: not in the outbox`);
        if (!bytes || !p7s || !digest || problems.length > 0) continue;
        const checks = [...(pdf ? [pdf.verification] : []), verifyDetached(`${path}.p7s`, p7s, bytes, trust, digest)];
        for (const c of checks) {
          signer ??= c.signer;
          signedAt ??= c.signed_at;
          if (!c.valid) {
            valid = false;
            problems.push(`${basename(c.file)}: ${c.checks.filter((k) => !k.ok).map((k) => `${k.check}: ${k.detail}`).join('; ')}`);
          }
        }
        found.push({ path: packagedPath(d, published), bytes, sha256: expected }, { path: `${packagedPath(d, published)}.p7s`, bytes: p7s, sha256: sha256(p7s) });
      }
      const present = found.length === parts.length * 2;
      const entry: VerifiedDocument = {
        type: d.type,
        serial: d.serial,
        revision: d.revision,
        status: d.status,
        file: packagedPath(d, d.files.pdf),
        sha256: d.files.pdf_sha256,
        present,
        signature_valid: present && valid,
        signer,
        signed_at: signedAt,
        problems,
      };
      totals.documents++;
      if (entry.signature_valid) totals.valid++;
      else if (present) totals.invalid++;
      if (!present) {
        totals.missing++;
        missing.push(entry);
      }
      // A document missing without --allow-missing fails the export: the rest is still checked, to name them all, but no longer packed.
      if (present && (missing.length === 0 || options.allowMissing)) for (const f of found) await pack(f.path, f.bytes, f.sha256);
      firstPdf ??= present ? found[0]?.path : undefined;
      await documents.write(`${totals.documents > 1 ? ',\n' : ''}${JSON.stringify(entry, null, 2).replace(/^/gm, '    ')}`);
      report.add(entry);
      batches.set(d.batch_id, d);
      centres.add(d.centre);
      if (serial[0] && (serial[0].type !== d.type || serial[0].serial !== d.serial)) {
        await history.write(historyLines(serial));
        serial = [];
      }
      serial.push(d);
      options.onProgress?.(totals.documents);
    }
    await history.write(historyLines(serial));
    await Promise.all([documents.close(), history.close()]);
    if (missing.length > 0 && !options.allowMissing) {
      const names = missing.slice(0, 10).map((m) => `${m.serial} (${m.problems.join('; ')})`).join(', ') + (missing.length > 10 ? ` … +${missing.length - 10}` : '');
      throw new TanuError('EXPORT_DOCUMENT_MISSING', { detail: { kk: names, ru: names } });
    }
    const packMade = (path: string, content: Uint8Array | string) => {
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      return pack(path, bytes, sha256(bytes));
    };
    /** A made file streamed as its chunks come, hashed on the way. */
    const packStreamed = async (path: string, pieces: AsyncIterable<Uint8Array | string>) => {
      const hash = createHash('sha256');
      let bytes = 0;
      const chunks = async function* () {
        for await (const piece of pieces) {
          const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
          bytes += chunk.length;
          yield chunk;
        }
      };
      await writer.addStream(`${bag}/${path}`, hashing(chunks(), hash), { compress: deflated(path) });
      return { path, sha256: hash.digest('hex'), bytes };
    };
    const packStreamedPayload = async (path: string, pieces: AsyncIterable<Uint8Array | string>) => {
      const packed = await packStreamed(path, pieces);
      await manifest.write(checksumLine(packed));
      payload.files++;
      payload.bytes += packed.bytes;
    };

    // The batch manifests the documents came from, with their signatures.
    for (const d of batches.values())
      for (const name of [MANIFEST, MANIFEST_SIGNATURE]) {
        const bytes = await readOrNull(inOutbox(config, d, name));
        if (bytes) await packMade(`${batchFolder(d)}/${name}`, bytes);
      }
    for (const file of await registers.result) await packStreamedPayload(file.packaged, spooled(file.path));
    await packStreamedPayload(HISTORY_CSV, spooled(history.path));
    await packMade(TRUST_ANCHORS, trust.map((c) => c.toString()).join(''));
    const facts: Omit<VerificationReport, 'documents'> = { exported_at: now.toISOString(), as_of: asOf, selection, totals };
    // verification.json as JSON.stringify(report, null, 2) writes it, with the documents' rows from their spool.
    const head = JSON.stringify({ ...facts, documents: [] }, null, 2);
    await packStreamedPayload(VERIFICATION_JSON, spooled(documents.path, `${head.slice(0, head.lastIndexOf('[]'))}[\n`, '\n  ]\n}\n'));
    // Signed like any document, with the centre's key.
    const signed = await signDocument({ pdf: await report.finish(facts, options.selection) }, signer, timestamper, now);
    await packMade(VERIFICATION_PDF, signed.pdf);
    await packMade(`${VERIFICATION_PDF}.p7s`, signed.pdfSignature);

    const centreIds = [...centres].sort();
    const organization = centreIds.map((id) => config.centres.find((c) => c.id === id)).map((c, k) => (c ? `${c.name.kk} / ${c.name.ru}` : centreIds[k])).join('; ');
    const example = firstPdf ?? VERIFICATION_PDF;
    const tags = [
      { path: 'bagit.txt', text: BAGIT_TXT },
      { path: 'bag-info.txt', text: bagInfo({ organization, date: asOf, selection, documents: totals.documents, missing: missing.length, oxum: `${payload.bytes}.${payload.files}` }) },
      { path: 'README.txt', text: readme(bag, { pdf: example, p7s: `${example}.p7s` }) },
    ].map(({ path, text }) => ({ path, bytes: Buffer.from(text), sha256: sha256(Buffer.from(text)) }));
    for (const t of tags.slice(0, 2)) await writer.add(`${bag}/${t.path}`, t.bytes, { compress: true });
    await manifest.close();
    const manifestFile = await packStreamed('manifest-sha256.txt', spooled(manifest.path));
    for (const t of tags.slice(2)) await writer.add(`${bag}/${t.path}`, t.bytes, { compress: true });
    await writer.add(`${bag}/tagmanifest-sha256.txt`, Buffer.from(checksumLines([...tags, manifestFile])), { compress: true });
    await writer.close();
    await rename(join(temp, 'package.zip'), out);
    await syncDir(dirname(out));
    return { out, documents: totals.documents, missing, files: payload.files, bytes: payload.bytes };
  } catch (e) {
    await registers.stop();
    await zip?.abort().catch(() => {});
    for (const spool of spools) spool.destroy();
    throw e;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
