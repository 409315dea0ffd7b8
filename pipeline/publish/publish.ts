import { DocumentStatus, DocumentType } from '../ledger/rows.js';
import { createHash } from 'node:crypto';
import { type FileHandle, chmod, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * Publishing to the outbox as docs/contracts.md (Outbox) promises: nothing partial is ever visible. Each
 * file is written under a temporary dot-name, flushed to disk, then renamed into place;
 * the folder is flushed so the rename survives a power cut; `manifest.json` and then its
 * signature `manifest.json.p7s` are written last (manifest.ts), and their presence is what
 * says a batch is complete.
 */

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/);

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const TEMP = /^\..*\.tmp-\d+$/;

/** Permissions of what is published: the config's `publish.file_mode` and `publish.dir_mode`. */
export type Modes = { file: number; dir: number };
export const DEFAULT_MODES: Modes = { file: 0o644, dir: 0o755 };

/** Creates `dir` and its missing parents with exactly `mode`, whatever the umask. */
async function makeDirs(dir: string, mode: number) {
  const first = await mkdir(dir, { recursive: true, mode });
  if (first === undefined) return;
  for (let d = dir; d.length >= first.length; d = dirname(d)) await chmod(d, mode);
}

/**
 * Temp name, write, fsync, rename: the file is whole under its name or not there at all.
 * The rename itself is made durable by `syncDir`, which a caller publishing many files
 * runs once per folder rather than once per file.
 */
export async function writeDurably(path: string, bytes: Uint8Array | string, modes: Modes = DEFAULT_MODES): Promise<void> {
  await writeDurablyBy(path, (handle) => handle.writeFile(bytes), modes);
}

/** The same, for a file written piece by piece through its handle (the manifest of a large batch). */
export async function writeDurablyBy(path: string, write: (handle: FileHandle) => Promise<void>, modes: Modes = DEFAULT_MODES): Promise<void> {
  await makeDirs(dirname(path), modes.dir);
  await writeWhole(path, async (temp) => {
    const handle = await open(temp, 'w', modes.file);
    try {
      // Exactly the configured mode, whatever the umask.
      await handle.chmod(modes.file);
      await write(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/**
 * `make(temp)` writes the file under a temporary name beside `path`, which is then renamed
 * to `path`: the file is whole under its name or not there. If `make` fails, the temporary
 * file is removed (a full disk is not filled further) and the error thrown.
 */
export async function writeWhole(path: string, make: (temp: string) => Promise<void>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    await make(temp);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/** One file, durable at once (reports, the manifest). */
export async function writeAtomic(path: string, bytes: Uint8Array | string, modes: Modes = DEFAULT_MODES): Promise<void> {
  await writeDurably(path, bytes, modes);
  await syncDir(dirname(path));
}

export async function syncDir(dir: string) {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes temporary files a crash left in a batch folder (they were never visible names). */
export async function removeTempFiles(dir: string): Promise<number> {
  let removed = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) removed += await removeTempFiles(path);
    else if (TEMP.test(e.name)) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

/** A file name from a serial or a document number: letters, digits, ".", "-" and "_" only. */
export const safeName = (id: string) => id.normalize('NFC').replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^\.+/, '_');

/** One published document file in a batch's manifest, with the detached signature beside it. */
export const ManifestEntry = z.strictObject({
  type: DocumentType,
  serial: z.string(),
  revision: z.number().int().min(1),
  file: z.string(),
  sha256: SHA256,
  signature: z.string(),
  iin: z.string().nullable(),
  profession_code: z.string().nullable(),
  level: z.number().int().nullable(),
  language: z.string(),
  status: DocumentStatus,
});
export type ManifestEntry = z.infer<typeof ManifestEntry>;

/** A batch report the manifest vouches for (report.json, report.html, rejected-rows.xlsx). */
export const ManifestReport = z.strictObject({ file: z.string(), sha256: SHA256 });

/**
 * manifest.json: every file of the batch with its SHA-256. It is signed by a detached CMS,
 * manifest.json.p7s, so an edit to it (or, through the hashes, to a report) is seen.
 */
export const Manifest = z.strictObject({
  batch: z.string(),
  centre: z.string(),
  created_at: z.string(),
  documents: z.array(ManifestEntry),
  reports: z.array(ManifestReport),
});
export type Manifest = z.infer<typeof Manifest>;
