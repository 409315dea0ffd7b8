import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detachedSignatureOfDigest } from './pades.js';
import type { Signer } from './signer.js';
import type { Timestamper } from './timestamp.js';
import { type Manifest, type ManifestEntry, type Modes, sha256, writeAtomic, writeDurablyBy } from '../publish/publish.js';

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

/** What manifest.json says before its documents: its batch. */
export type ManifestHead = Pick<Manifest, 'batch' | 'centre' | 'created_at'>;

/**
 * Pure: manifest.json's text in pieces, byte for byte what `JSON.stringify(manifest, null,
 * 2)` and a newline would write whole, so the documents can be written one at a time.
 */
export const manifestText = {
  head: (head: ManifestHead) => `${JSON.stringify({ batch: head.batch, centre: head.centre, created_at: head.created_at }, null, 2).slice(0, -2)},\n  "documents": [`,
  entry: (entry: ManifestEntry, first: boolean) => `${first ? '' : ','}\n${JSON.stringify(entry, null, 2).replace(/^/gm, '    ')}`,
  tail: (documents: number, reports: Manifest['reports']) =>
    `${documents === 0 ? ']' : '\n  ]'},\n  "reports": ${JSON.stringify(reports, null, 2).replace(/\n/g, '\n  ')}\n}\n`,
};

/** Characters the manifest file is written in (text.length, not bytes): 100,000 documents are a few hundred writes, not 100,000. */
const WRITE_CHARS = 256 * 1024;

/**
 * Writes manifest.json as its documents are read, so a batch of any size is never held
 * whole, then its signature. `fill` adds the documents one at a time (`add`; `listed()` is
 * how many so far) and writes the reports; the reports present when it returns are hashed
 * into the manifest's end. The
 * manifest is hashed as it is written, for the signature; it is renamed into place only
 * once whole, and manifest.json.p7s follows it. Returns how many documents it lists.
 */
export async function writeManifest(
  dir: string,
  head: ManifestHead,
  fill: (manifest: { add: (entry: ManifestEntry) => Promise<void>; listed: () => number }) => Promise<void>,
  signer: Signer,
  timestamper: Timestamper | null,
  signingTime: Date,
  modes: Modes,
): Promise<number> {
  const digest = createHash(signer.algorithm.digest);
  let documents = 0;
  await writeDurablyBy(
    join(dir, MANIFEST),
    async (handle) => {
      let pending: string[] = [];
      let size = 0;
      const flush = async () => {
        const bytes = Buffer.from(pending.join(''));
        pending = [];
        size = 0;
        digest.update(bytes);
        await handle.writeFile(bytes);
      };
      const put = async (text: string) => {
        pending.push(text);
        size += text.length;
        if (size >= WRITE_CHARS) await flush();
      };
      await put(manifestText.head(head));
      await fill({ add: (entry) => put(manifestText.entry(entry, documents++ === 0)), listed: () => documents });
      await put(manifestText.tail(documents, await reportHashes(dir)));
      await flush();
    },
    modes,
  );
  await writeAtomic(join(dir, MANIFEST_SIGNATURE), await detachedSignatureOfDigest(digest.digest(), signer, timestamper, signingTime), modes);
  return documents;
}

/** The reports present in a batch folder, with their hashes, in REPORT_FILES' order. */
async function reportHashes(dir: string): Promise<Manifest['reports']> {
  const reports: Manifest['reports'] = [];
  for (const file of REPORT_FILES) {
    const bytes = await readFile(join(dir, file)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (bytes) reports.push({ file, sha256: sha256(bytes) });
  }
  return reports;
}
