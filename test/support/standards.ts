import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shipped Q88100061 with `yaml` (list items of `versions:`) appended after its last version: the way a methodologist adds an order. */
export const q88WithVersion = (yaml: string) =>
  readFileSync('standards/Q88100061.yaml', 'utf8').replace(/\nabbreviations:\n/, `\n${yaml.trimEnd()}\nabbreviations:\n`);

/** Card 4 of Q88100061, and the Kazakh name version 3 below gives it. */
export const CARD4 = '3412-0-011';
export const NEW_NAME = 'Әлеуметтік қызметтер ассистенті';

/** Version 3 of Q88100061 with `body` (its `cards:` and `abbreviations:`), in force from 20.11.2026: after the test files' sitting (12.11), before the pinned today (23.11). */
export const version3 = (body: string) => `- version: 3
  order:
    number: '7'
    date: '2026-11-01'
  effective_from: '2026-11-20'
  changes: []
${body.trimEnd()}`;

/** Version 3 renaming card 4 in Kazakh. */
export const V3 = version3(`  cards:
  - code: ${CARD4}
    name:
      kk: ${NEW_NAME}
      ru: Ассистент социального работника в организациях, предоставляющих специальные социальные услуги`);

/** A copy of the repository's standards for a test project, its config pointed at it: the test may edit it. Returns the folder. */
export function ownStandards(project: { dir: string; config: string }): string {
  const standards = join(project.dir, 'standards');
  cpSync('standards', standards, { recursive: true });
  writeFileSync(project.config, readFileSync(project.config, 'utf8').replace(/standards: .*/, `standards: ${standards}`));
  return standards;
}
