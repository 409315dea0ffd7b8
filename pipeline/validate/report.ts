import { z } from 'zod';
import { CATALOGUE } from '../core/catalogue.js';
import { Issue } from '../core/issue.js';
import { KINDS } from '../records/columns.js';

/** The validation report of docs/contracts.md (Validation report): `--json` output and `report.json` of each batch. */
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

/**
 * The one rule for what stops a whole file: an error that belongs to no row (unreadable,
 * unknown kind or centre, a missing column, no records). Such a file plans nothing and is
 * set aside; `tanu validate`, `tanu run` and `tanu watch` all decide by this.
 */
export const isFileLevel = (i: Issue) => i.row === null && CATALOGUE[i.code].severity === 'error';

export const fileLevelErrors = (report: FileReport) => report.errors.filter(isFileLevel);

/** docs/contracts.md: 0 all valid · 1 some rows invalid · 2 a file could not be processed at all. */
export function exitCode(report: Report): 0 | 1 | 2 {
  if (report.files.some((f) => fileLevelErrors(f).length > 0)) return 2;
  return report.files.some((f) => f.errors.length > 0) ? 1 : 0;
}
