import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A config for a workspace of its own (a benchmark's, a test's): the shipped
 * pipeline.config.yaml in `dir`, so inbox, outbox, ledger and keys live there, with the
 * repository's standards and templates. Returns the config's path.
 */
export function writeWorkspaceConfig(dir: string): string {
  const repo = resolve('.');
  const path = join(dir, 'pipeline.config.yaml');
  writeFileSync(
    path,
    readFileSync(join(repo, 'pipeline.config.yaml'), 'utf8')
      .replace('standards: standards', `standards: ${join(repo, 'standards')}`)
      .replace('templates: templates', `templates: ${join(repo, 'templates')}`),
  );
  return path;
}
