import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';
import type { Clock } from '../core/clock.js';
import { localNow } from '../core/clock.js';
import { TanuError } from '../core/tanu-error.js';
import type { LoadedConfig } from '../config/load.js';
import { startRenderer } from '../batch/start.js';
import { registerCsv, registerXlsx } from '../publish/register.js';
import type { ExportDocumentRow, Ledger, RegistryRow } from '../ledger/ledger.js';
import { openLedger } from '../ledger/open.js';
import type { ChromiumRenderer } from '../render/chromium.js';
import { MANIFEST, MANIFEST_SIGNATURE } from '../sign/manifest.js';
import { syncDir } from '../publish/publish.js';
import { loadKindTemplates } from '../kinds/registry.js';
import { openSigner } from '../sign/keys.js';
import { signaturePreparer, signatureSpace } from '../sign/pades.js';
import { signDocument } from '../sign/sign.js';
import { loadTrust, verifyDetached, verifyPdf } from '../sign/verify.js';
import {
  BAGIT_TXT,
  HISTORY_CSV,
  type PayloadFile,
  TRUST_ANCHORS,
  VERIFICATION_JSON,
  VERIFICATION_PDF,
  type VerificationReport,
  type VerifiedDocument,
  bagInfo,
  batchFolder,
  checksumLines,
  historyCsv,
  packagedPath,
  payloadOxum,
  readme,
} from './package.js';
import { verificationPdf } from './report-pdf.js';
import { type Selection, describeSelection, toFilter } from './selection.js';
import { FILE_MODE, FIXED_MTIME, withFixedTimes } from './zip.js';

/**
 * `tanu export`, the I/O shell: selects from the ledger, checks every selected document in
 * the outbox against the ledger's SHA-256 and its signatures, then streams one BagIt bag
 * into a zip. Documents are read one at a time (checked first, then streamed into the zip,
 * hashed again on the way so a file changed in between fails the export), so memory holds
 * the selection's metadata, never its PDFs. The zip is written under a temporary name,
 * flushed and renamed: a failed export leaves nothing.
 */

export type ExportOptions = {
  selection: Selection;
  out: string;
  allowMissing: boolean;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  notice: (text: string) => void;
  /** `phase` is 'check' (reading the outbox) or 'zip' (writing the package). */
  onProgress?: (phase: 'check' | 'zip', done: number, total: number) => void;
};

export type ExportResult = { out: string; documents: number; missing: VerifiedDocument[]; files: number; bytes: number };

/** A payload file: read from the outbox (and hashed again while zipped) or made for the package. */
type Payload = PayloadFile & ({ source: string } | { content: Uint8Array });

type Revocations = Awaited<ReturnType<Ledger['revocations']>>;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

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

export async function exportArchive(config: LoadedConfig, options: ExportOptions): Promise<ExportResult> {
  const filter = toFilter(options.selection);
  const selection = describeSelection(options.selection);
  const ledger = await openLedger(config, options.env);
  const rows: ExportDocumentRow[] = [];
  let register: RegistryRow[];
  let revocations: Revocations;
  try {
    for await (const row of ledger.exportDocuments(filter)) rows.push(row);
    register = await ledger.exportRegistry(filter);
    revocations = await ledger.revocations();
  } finally {
    await ledger.close();
  }
  if (rows.length === 0) throw new TanuError('EXPORT_EMPTY', { detail: { kk: selection, ru: selection } });

  // The browser for the verification report starts while the outbox is checked: its launch takes seconds.
  const renderer = startRenderer(config, loadKindTemplates(config.paths.templates), options.env);
  try {
    return await packDocuments(config, options, { rows, register, revocations, selection, renderer });
  } finally {
    await renderer.close();
  }
}

async function packDocuments(
  config: LoadedConfig,
  options: ExportOptions,
  { rows, register, revocations, selection, renderer }: { rows: readonly ExportDocumentRow[]; register: RegistryRow[]; revocations: Revocations; selection: string; renderer: ChromiumRenderer },
): Promise<ExportResult> {
  const launched = renderer.pid();
  // Awaited before printing; a failed launch must not go unhandled if the check fails first.
  launched.catch(() => {});
  const trustPaths = [];
  for (const p of config.signing.trust) if (await access(p).then(() => true, () => false)) trustPaths.push(p);
  const trust = await loadTrust(trustPaths);
  const anchorsPem = trust.map((c) => c.toString()).join('');
  const now = options.clock.now();
  const asOf = localNow(options.clock, config.timezone).date;
  // Check every document in the outbox: present, the ledger's hash, signatures valid.
  const payload: Payload[] = [];
  const verified: VerifiedDocument[] = [];
  const missing: VerifiedDocument[] = [];
  for (const [i, d] of rows.entries()) {
    const { files } = d;
    const parts: [string, string][] = [[files.pdf, files.pdf_sha256], ...(files.docx && files.docx_sha256 ? [[files.docx, files.docx_sha256] as [string, string]] : [])];
    const problems: string[] = [];
    let signer: string | null = null;
    let signedAt: string | null = null;
    let valid = true;
    const found: Payload[] = [];
    for (const [published, expected] of parts) {
      const path = inOutbox(config, d, published);
      const bytes = await readOrNull(path);
      const p7s = await readOrNull(`${path}.p7s`);
      if (!bytes) problems.push(`${basename(path)}: not in the outbox`);
      else if (sha256(bytes) !== expected) problems.push(`${basename(path)}: SHA-256 differs from the ledger`);
      if (!p7s) problems.push(`${basename(path)}.p7s: not in the outbox`);
      if (!bytes || !p7s || problems.length > 0) continue;
      const checks = [...(path.endsWith('.pdf') ? [verifyPdf(path, bytes, trust)] : []), verifyDetached(`${path}.p7s`, p7s, bytes, trust)];
      for (const c of checks) {
        signer ??= c.signer;
        signedAt ??= c.signed_at;
        if (!c.valid) {
          valid = false;
          problems.push(`${basename(c.file)}: ${c.checks.filter((k) => !k.ok).map((k) => `${k.check}: ${k.detail}`).join('; ')}`);
        }
      }
      found.push({ path: packagedPath(d, published), sha256: expected, bytes: bytes.length, source: path }, { path: `${packagedPath(d, published)}.p7s`, sha256: sha256(p7s), bytes: p7s.length, source: `${path}.p7s` });
    }
    const present = found.length === parts.length * 2;
    const entry: VerifiedDocument = {
      type: d.type,
      serial: d.serial,
      revision: d.revision,
      status: d.status,
      file: packagedPath(d, files.pdf),
      sha256: files.pdf_sha256,
      present,
      signature_valid: present && valid,
      signer,
      signed_at: signedAt,
      problems,
    };
    verified.push(entry);
    if (!present) missing.push(entry);
    else payload.push(...found);
    options.onProgress?.('check', i + 1, rows.length);
  }
  if (missing.length > 0 && !options.allowMissing) {
    const names = missing.slice(0, 10).map((m) => `${m.serial} (${m.problems.join('; ')})`).join(', ') + (missing.length > 10 ? ` … +${missing.length - 10}` : '');
    throw new TanuError('EXPORT_DOCUMENT_MISSING', { detail: { kk: names, ru: names } });
  }

  // The batch manifests the documents came from, with their signatures.
  const batches = new Map(rows.map((d) => [d.batch_id, d]));
  for (const d of batches.values())
    for (const name of [MANIFEST, MANIFEST_SIGNATURE]) {
      const source = inOutbox(config, d, name);
      const bytes = await readOrNull(source);
      if (bytes) payload.push({ path: `${batchFolder(d)}/${name}`, sha256: sha256(bytes), bytes: bytes.length, source });
    }

  const made = (path: string, content: Uint8Array | string) => {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    payload.push({ path, sha256: sha256(bytes), bytes: bytes.length, content: bytes });
  };
  for (const lang of ['kk', 'ru'] as const) {
    made(`data/register/register-${lang}.csv`, registerCsv(register, revocations, lang));
    made(`data/register/register-${lang}.xlsx`, await withFixedTimes(await registerXlsx(register, revocations, lang)));
  }
  made(HISTORY_CSV, historyCsv(rows));
  made(TRUST_ANCHORS, anchorsPem);
  const report: VerificationReport = {
    exported_at: now.toISOString(),
    as_of: asOf,
    selection,
    totals: { documents: verified.length, valid: verified.filter((v) => v.signature_valid).length, invalid: verified.filter((v) => v.present && !v.signature_valid).length, missing: missing.length },
    documents: verified,
  };
  made(VERIFICATION_JSON, `${JSON.stringify(report, null, 2)}\n`);
  // Printed and signed like any document, with the centre's key.
  const signer = await openSigner(config, options.env, options.clock, options.notice);
  await launched;
  const prepared = await verificationPdf(renderer, config.paths.templates, report, { sample: signer.isTest, now, prepare: signaturePreparer(await signatureSpace(signer)) });
  const signed = await signDocument({ pdf: prepared }, signer, now);
  made(VERIFICATION_PDF, signed.pdf);
  made(`${VERIFICATION_PDF}.p7s`, signed.pdfSignature);

  payload.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const centres = [...new Set(rows.map((d) => d.centre))].sort();
  const organization = centres.map((id) => config.centres.find((c) => c.id === id)).map((c, k) => (c ? `${c.name.kk} / ${c.name.ru}` : centres[k])).join('; ');
  const out = resolve(options.out);
  const bag = basename(out).replace(/\.zip$/i, '') || 'tanu-export';
  const firstPdf = payload.find((p) => p.path.endsWith('.pdf') && p.path.startsWith('data/batches/'));
  const tags: [string, string][] = [
    ['bagit.txt', BAGIT_TXT],
    ['bag-info.txt', bagInfo({ organization, date: asOf, selection, documents: verified.length, missing: missing.length, oxum: payloadOxum(payload) })],
    ['manifest-sha256.txt', checksumLines(payload)],
    ['README.txt', readme(bag, { pdf: firstPdf?.path ?? VERIFICATION_PDF, p7s: `${firstPdf?.path ?? VERIFICATION_PDF}.p7s` })],
  ];
  tags.push(['tagmanifest-sha256.txt', checksumLines(tags.map(([path, text]) => ({ path, sha256: sha256(Buffer.from(text)) })))]);

  await writeZip(out, bag, payload, tags, options.onProgress);
  return { out, documents: verified.length, missing, files: payload.length, bytes: payload.reduce((n, p) => n + p.bytes, 0) };
}

/** A read stream that fails when the bytes are not the ones checked before (changed in between). */
function checkedStream(source: string, expected: string): Transform & { done: Promise<void> } {
  const hash = createHash('sha256');
  let settle: (e?: Error) => void = () => {};
  const done = new Promise<void>((ok, fail) => (settle = (e) => (e ? fail(e) : ok())));
  const check = new Transform({
    transform(chunk: Buffer, _enc, next) {
      hash.update(chunk);
      next(null, chunk);
    },
    flush(next) {
      const actual = hash.digest('hex');
      const error = actual === expected ? undefined : new TanuError('EXPORT_DOCUMENT_MISSING', { detail: { kk: `${source} экспорт кезінде өзгерді`, ru: `${source} изменился во время экспорта` } });
      settle(error);
      next(error);
    },
  });
  createReadStream(source)
    .on('error', (e) => {
      settle(e);
      check.destroy(e);
    })
    .pipe(check);
  return Object.assign(check, { done });
}

async function writeZip(out: string, bag: string, payload: readonly Payload[], tags: readonly [string, string][], onProgress: ExportOptions['onProgress']) {
  const temp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  const zip = new yazl.ZipFile();
  const sink = createWriteStream(temp, { mode: 0o644 });
  zip.outputStream.pipe(sink);
  let failed: (e: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => (failed = reject));
  // Awaited only through the race below; a late failure after success must not go unhandled.
  failure.catch(() => {});
  zip.on('error', failed);
  sink.on('error', failed);
  let done = 0;
  const common = { mtime: FIXED_MTIME, mode: FILE_MODE, forceDosTimestamp: true };
  try {
    for (const p of payload) {
      // PDFs and signatures do not shrink: stored, not deflated; text and tables are deflated.
      const compress = !/\.(pdf|p7s|xlsx)$/.test(p.path);
      const name = `${bag}/${p.path}`;
      if ('content' in p) {
        zip.addBuffer(Buffer.from(p.content), name, { ...common, compress });
        onProgress?.('zip', ++done, payload.length);
      } else
        zip.addReadStreamLazy(name, { ...common, compress, size: p.bytes }, (cb) => {
          const stream = checkedStream(p.source, p.sha256);
          stream.done.catch(failed);
          onProgress?.('zip', ++done, payload.length);
          cb(null, stream);
        });
    }
    for (const [path, text] of tags) zip.addBuffer(Buffer.from(text), `${bag}/${path}`, { ...common, compress: true });
    zip.end();
    await Promise.race([finished(sink), failure]);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, out);
    await syncDir(dirname(out));
  } catch (e) {
    sink.destroy();
    await rm(temp, { force: true });
    throw e;
  }
}
