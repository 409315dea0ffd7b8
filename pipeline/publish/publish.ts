import { createHash } from 'node:crypto';
import { chmod, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Publishing to the outbox as docs/contracts.md (Outbox) promises: nothing partial is ever visible. Each
 * file is written under a temporary dot-name, flushed to disk, then renamed into place;
 * the folder is flushed so the rename survives a power cut; `manifest.json` is written
 * last, and its presence is what says a batch is complete.
 */

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
  const dir = dirname(path);
  await makeDirs(dir, modes.dir);
  const temp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  try {
    const handle = await open(temp, 'w', modes.file);
    try {
      // Exactly the configured mode, whatever the umask.
      await handle.chmod(modes.file);
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    // A full disk leaves no partial temp file behind to fill it further.
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

export type ManifestEntry = {
  type: 'certificate' | 'protocol' | 'contract';
  serial: string;
  revision: number;
  file: string;
  sha256: string;
  signature: string;
  iin: string | null;
  profession_code: string | null;
  level: number | null;
  language: string;
  status: 'issued' | 'superseded' | 'revoked';
};

export type Manifest = { batch: string; centre: string; created_at: string; documents: ManifestEntry[] };
