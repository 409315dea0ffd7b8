import { z } from 'zod';
import { CATALOGUE } from '../core/catalogue.js';
import { Issue } from '../core/issue.js';
import { KINDS } from '../records/columns.js';

/** The validation report of design.md: `--json` output and `report.json` of each batch. */
export const FileReport = z.strictObject({
  file: z.string(),
  kind: z.enum(KINDS).nullable(),
  centre: z.string().nullable(),
  rows: z.number().int().min(0).describe('Records read (rows with anything in them)'),
  valid: z.number().int().min(0).describe('Records without errors; 0 when the file has a file-level error'),
  errors: z.array(Issue),
  warnings: z.array(Issue),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .describe("Each known column's header as the file writes it (canonical key → header), in the file's order"),
});
export type FileReport = z.infer<typeof FileReport>;

export const Report = z.strictObject({ files: z.array(FileReport) });
export type Report = z.infer<typeof Report>;

/** An error about the whole file (row null): `tanu run` and `tanu watch` set such a file aside unread. */
export const isFileLevel = (i: Issue) => i.row === null && CATALOGUE[i.code].severity === 'error';

/**
 * design.md: 0 all valid · 1 some rows invalid · 2 a file-level problem. Whatever makes
 * `tanu watch` set a file aside (an unknown centre, a missing column too) is 2 here.
 */
export function exitCode(report: Report): 0 | 1 | 2 {
  if (report.files.some((f) => f.errors.some(isFileLevel))) return 2;
  return report.files.some((f) => f.errors.length > 0) ? 1 : 0;
}
