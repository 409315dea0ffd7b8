import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import type { Manifest } from '../../pipeline/publish/publish.js';
import { loadTrust, verifyManifest } from '../../pipeline/sign/verify.js';
import { opensslVerifies, pdfsig } from './pki.js';

/** Every file under `dir`, relative, sorted. */
export function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

export const manifests = (outbox: string) => files(outbox).filter((f) => f.endsWith('manifest.json')).map((f) => join(outbox, f));
export const readManifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Manifest;
/** The outbox holds exactly one batch, complete: its manifest and the manifest's signature, written last. */
export const oneBatchSealed = (outbox: string) => manifests(outbox).length === 1 && files(outbox).some((f) => f.endsWith('manifest.json.p7s'));

/** What a crash must never leave visible: a temporary name from writeDurably. */
export const tempFiles = (dir: string) => files(dir).filter((f) => /\.tmp-\d+$/.test(f));

/**
 * A published batch checked as an archivist would: the manifest's signature and hashes by Tanu, then
 * every PDF by pdfsig (the signature inside) and every .p7s by openssl (the one beside).
 * Returns the documents it checked.
 */
export async function expectBatchVerifies(manifestPath: string, caPem: string, nssDir: string): Promise<Manifest['documents']> {
  const manifest = readManifest(manifestPath);
  const verified = await verifyManifest(manifestPath, await loadTrust([caPem]));
  expect(verified.valid, `${manifestPath}: ${JSON.stringify(verified.checks.filter((c) => !c.ok))}`).toBe(true);
  for (const d of manifest.documents) {
    const path = join(manifestPath, '..', d.file);
    if (d.file.endsWith('.pdf')) expect(pdfsig(path, nssDir), d.file).toContain('Signature is Valid.');
    expect(opensslVerifies(join(manifestPath, '..', d.signature), path, caPem), d.signature).toBe(true);
  }
  return manifest.documents;
}
