import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detachedSignature } from './pades.js';
import type { Signer } from './signer.js';
import { type Manifest, type Modes, sha256, writeAtomic } from '../publish/publish.js';

/**
 * Completing a batch's outbox folder: manifest.json lists every document and every report
 * with its SHA-256, and a detached CMS over it, manifest.json.p7s, is written after it.
 * The two together mark a complete batch. A crash between them leaves the batch unfinished
 * in the ledger, so the next run writes both again (from the ledger, the same bytes).
 */

export const MANIFEST = 'manifest.json';
export const MANIFEST_SIGNATURE = 'manifest.json.p7s';

/** The reports a batch folder may hold, each vouched for by the manifest when present. */
export const REPORT_FILES = ['report.json', 'report.html', 'rejected-rows.xlsx'] as const;

/** The manifest before its reports are hashed: what the engine knows from the ledger. */
export type UnsealedManifest = Omit<Manifest, 'reports'>;

export async function sealManifest(dir: string, unsealed: UnsealedManifest, signer: Signer, signingTime: Date, modes: Modes): Promise<Manifest> {
  const reports: Manifest['reports'] = [];
  for (const file of REPORT_FILES) {
    const bytes = await readFile(join(dir, file)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (bytes) reports.push({ file, sha256: sha256(bytes) });
  }
  const manifest: Manifest = { ...unsealed, reports };
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await writeAtomic(join(dir, MANIFEST), bytes, modes);
  await writeAtomic(join(dir, MANIFEST_SIGNATURE), await detachedSignature(bytes, signer, signingTime), modes);
  return manifest;
}
