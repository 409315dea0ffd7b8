import { z } from 'zod';
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
});
export type FileReport = z.infer<typeof FileReport>;

export const Report = z.strictObject({ files: z.array(FileReport) });
export type Report = z.infer<typeof Report>;

/** `tanu validate`'s exit (docs/contracts.md, Command line): 0 all valid · 1 some rows invalid · 2 a file could not be read at all. */
export function exitCode(report: Report): 0 | 1 | 2 {
  const unreadable = report.files.some((f) => f.errors.some((e) => e.row === null && ['FILE_UNREADABLE', 'FILE_TOO_LARGE', 'UNKNOWN_KIND', 'UNSAFE_PATH'].includes(e.code)));
  if (unreadable) return 2;
  return report.files.some((f) => f.errors.length > 0) ? 1 : 0;
}
