import { type Stats, createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { basename, extname, join, resolve } from 'node:path';
import { TanuError } from '../core/tanu-error.js';
import { UNFINISHED } from '../intake/complete.js';
import { localNow } from '../core/clock.js';
import { leavesInbox, unsafePath } from '../intake/open.js';
import type { FileRow } from '../ledger/ledger.js';
import { safeName, sha256, writeAtomic } from '../publish/publish.js';
import { type FileReport, fileLevelErrors } from '../validate/report.js';
import { scanFile } from '../validate/validate-file.js';
import { type EngineContext, type FileOutcome, pendingReport } from './context.js';
import { runBatch } from './run-batch.js';
import { OWNER, ownerAlive } from './owner.js';

/**
 * Taking a dropped file: known by its SHA-256 (the same bytes again produce nothing new;
 * an interrupted batch resumes), copied byte for byte into the received area, read once
 * for file-level problems (an unreadable file plans nothing and is set aside with its
 * report), then recorded with its batch, which is planned and issued by `runBatch`.
 */

export type TakeMode = 'copy' | 'move';

/**
 * `tanu watch` removes the dropped file only once the ledger knows it (planned or
 * rejected): a crash before that leaves it in the inbox, where the next start takes it
 * again, so a file is never lost between the two. And only if it is still the file that
 * was read: one whose size, time or inode changed since is being written again, and stays
 * for the watcher to take as a new drop.
 */
const release = async (file: string, mode: TakeMode, read: Stats) => {
  if (mode !== 'move') return;
  const now = await stat(file).catch(() => null);
  if (now && !changedSince(read, now)) await unlink(file).catch(() => {});
};

const changedSince = (a: Stats, b: Stats) => a.size !== b.size || a.mtimeMs !== b.mtimeMs || a.ino !== b.ino;

/**
 * The dropped file copied into the received area under a temporary name and hashed as it
 * is read, so the copy is exactly the bytes the hash names; refused if the file changed
 * while it was read (a writer still at work).
 */
async function receive(file: string, dir: string): Promise<{ sha: string; temp: string; read: Stats }> {
  const read = await stat(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!swept.has(dir)) swept.set(dir, sweepAbandonedCopies(dir));
  await swept.get(dir);
  const temp = join(dir, `.${randomUUID()}.tmp-${OWNER.replaceAll('/', '~')}`);
  const hash = createHash('sha256');
  const out = await open(temp, 'wx', 0o600);
  try {
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk as Buffer);
      await out.write(chunk as Buffer);
    }
    await out.sync();
    await out.close();
    if (changedSince(read, await stat(file))) throw new TanuError('FILE_INCOMPLETE', { detail: UNFINISHED.changed });
  } catch (e) {
    await out.close().catch(() => {});
    await rm(temp, { force: true });
    throw e;
  }
  return { sha: hash.digest('hex'), temp, read };
}

// Swept once per folder: one process (the CLI run in-process by tests, a long-lived watcher) may serve several.
const swept = new Map<string, Promise<void>>();
const TEMP_COPY = /^\.[0-9a-f-]{36}\.tmp-(.+)$/;

/**
 * A copy a process was making when it died is a partial file nobody will finish (its
 * original is still in the inbox: it is released only after the ledger knows it). Before
 * this process takes its first file into a folder, such copies of dead processes on this
 * host are removed; a live process's, or another host's, are left to it. `.tmp-<pid>` is
 * how earlier versions named them.
 */
async function sweepAbandonedCopies(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [])) {
    const owner = TEMP_COPY.exec(name)?.[1];
    if (owner === undefined) continue;
    const whose = /^\d+$/.test(owner) ? `${OWNER.split('/')[0]}/${owner}/-` : owner.replaceAll('~', '/');
    if (!ownerAlive(whose)) await rm(join(dir, name), { force: true });
  }
}

export async function takeFile(file: string, ctx: EngineContext, mode: TakeMode): Promise<FileOutcome> {
  const { ledger, config } = ctx;
  if (await leavesInbox(file, config.paths.inbox)) return refuseUnsafe(file, ctx, mode);
  const { sha, temp, read } = await receive(file, ctx.received);
  const known = await ledger.file(sha);
  // Bytes rejected before are judged again: the reason may have gone (docs/contracts.md#what-the-ledger-remembers-of-a-file).
  if (known && known.outcome === 'accepted') {
    await rm(temp, { force: true });
    return settleKnown(known, file, ctx, mode, read);
  }
  // New bytes: the browser starts while the file is stored and scanned. Its launch is the
  // longest step before the first certificate (over a second here), the rest a fraction.
  ctx.issuer?.renderer.warm();

  const ext = extname(file).toLowerCase();
  const stored = join(ctx.received, `${sha}${ext}`);
  // The same bytes under the same name: a copy left by an earlier try is replaced by an equal one.
  await rename(temp, stored);
  const scan = await scanFile(stored, { config, library: ctx.library, clock: ctx.clock }, { origin: file });
  const now = ctx.clock.now().toISOString();
  if (!scan.readable) return setAside({ file, sha, ext, stored, report: scan.report, at: now, read }, ctx, mode);

  const batchId = sha.slice(0, 12);
  const issueDate = localNow(ctx.clock, config.timezone).date;
  const fileRow: FileRow = { sha256: sha, name: basename(file), centre: scan.centre, kind: scan.kind, received_at: now, stored_path: stored, outcome: 'accepted', batch_id: batchId };
  const batch = {
    id: batchId,
    file_sha256: sha,
    centre: scan.centre,
    kind: scan.kind,
    created_at: now,
    issue_date: issueDate,
    outbox_dir: join(scan.centre, issueDate, batchId),
    queued: config.ledger.jobs,
  };
  const opened = await ledger.openBatch(batch, fileRow, { owner: OWNER, alive: ownerAlive, at: now });
  // Another process recorded the same bytes while this one read them.
  if (!opened.opened) return settleKnown(opened.known, file, ctx, mode, read);
  await release(file, mode, read);
  return runBatch(batchId, ctx, { file, resumed: false, claimed: true });
}

/** An unreadable file: moved from the received area to the rejected one, untouched, with its report. */
async function setAside(taken: { file: string; sha: string; ext: string; stored: string; report: FileReport; at: string; read: Stats }, ctx: EngineContext, mode: TakeMode): Promise<FileOutcome> {
  const { file, sha, report } = taken;
  const rejectedPath = join(ctx.rejected, `${sha}${taken.ext}`);
  await mkdir(ctx.rejected, { recursive: true, mode: 0o700 });
  await rename(taken.stored, rejectedPath);
  await writeSetAsideReport(rejectedPath, report);
  const row: FileRow = { sha256: sha, name: basename(file), centre: report.centre, kind: report.kind, received_at: taken.at, stored_path: rejectedPath, outcome: 'rejected', batch_id: null };
  await ctx.ledger.rejectFile(row, taken.at, { sha256: sha, file, errors: fileLevelErrors(report).map((e) => e.code) });
  await release(file, mode, taken.read);
  return { file, outcome: 'rejected', report, reportPath: `${rejectedPath}.report.json` };
}

/**
 * A link leading out of the inbox is never followed: the link itself (not its target) is
 * set aside in the rejected area with its report, and the ledger notes the refusal.
 */
async function refuseUnsafe(file: string, ctx: EngineContext, mode: TakeMode): Promise<FileOutcome> {
  const report: FileReport = { file, kind: null, centre: null, rows: 0, valid: 0, errors: [unsafePath(file)], warnings: [] };
  const setAsidePath = join(ctx.rejected, `${sha256(Buffer.from(resolve(file))).slice(0, 16)}-${safeName(basename(file))}`);
  await mkdir(ctx.rejected, { recursive: true, mode: 0o700 });
  if (mode === 'move') await rename(file, setAsidePath);
  await writeSetAsideReport(setAsidePath, report);
  await ctx.ledger.rejectFile(null, ctx.clock.now().toISOString(), { file, errors: ['UNSAFE_PATH'] });
  return { file, outcome: 'rejected', report, reportPath: `${setAsidePath}.report.json` };
}

/** The report beside a file set aside in the rejected area: `<name>.report.json`. */
const writeSetAsideReport = (path: string, report: FileReport) => writeAtomic(`${path}.report.json`, `${JSON.stringify({ files: [report] }, null, 2)}\n`);

/** Bytes the ledger has accepted before: already published, or a batch to resume. */
async function settleKnown(known: FileRow, file: string, ctx: EngineContext, mode: TakeMode, read: Stats): Promise<FileOutcome> {
  const batch = known.batch_id === null ? undefined : await ctx.ledger.batch(known.batch_id);
  // The dropped file is let go only once the ledger is known to hold its batch.
  if (!batch) throw new Error(`ledger: file ${known.sha256} names missing batch ${known.batch_id}`);
  await release(file, mode, read);
  if (batch.state === 'published') return { file, outcome: 'already-published', batch: batch.id, dir: join(ctx.outbox, batch.outbox_dir), report: batch.report ?? pendingReport(file, batch) };
  return runBatch(batch.id, ctx, { file, resumed: true, claimed: false });
}
