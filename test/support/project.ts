import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchCsv } from '../../bench/records.js';
import { writeWorkspaceConfig } from '../../bench/workspace.js';
import { type Library, loadLibrary } from '../../pipeline/standards/library.js';

/**
 * An isolated project for a test: its own config whose inbox, outbox, ledger, received and
 * rejected areas and dev key live in a temporary folder, with the repository's standards
 * and templates. Real SQLite file, real keys: nothing shared with other tests.
 */
export function makeProject(dir: string): { config: string; dir: string; inbox: string; outbox: string; ledger: string } {
  const config = writeWorkspaceConfig(dir);
  for (const sub of ['inbox', 'outbox']) mkdirSync(join(dir, sub), { recursive: true });
  return { config, dir, inbox: join(dir, 'inbox'), outbox: join(dir, 'outbox'), ledger: join(dir, 'var', 'ledger.sqlite') };
}

let library: Library | undefined;

/** An exam-results CSV of `count` recognized people with distinct IINs (from person number `first`), the benchmark's generator, protocols of 50 rows. */
export async function examResultsCsv(count: number, first = 0): Promise<string> {
  library ??= (await loadLibrary(resolve('standards'))).library;
  return benchCsv(count, library, { protocolSize: 50, first });
}

/** `examResultsCsv` written to `dir/name`; returns the path. */
export async function examResultsFile(dir: string, name: string, count: number, first = 0): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, await examResultsCsv(count, first));
  return path;
}
