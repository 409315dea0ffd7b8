import { readFileSync } from 'node:fs';

/** The shipped Q88100061 with `yaml` (list items of `versions:`) appended after its last version: the way a methodologist adds an order. */
export const q88WithVersion = (yaml: string) =>
  readFileSync('standards/Q88100061.yaml', 'utf8').replace(/\nabbreviations:\n/, `\n${yaml.trimEnd()}\nabbreviations:\n`);
