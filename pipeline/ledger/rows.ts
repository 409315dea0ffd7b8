import { z } from 'zod';
import { Issue } from '../core/issue.js';
import { ExamResult, RegistryApplication, fullName } from '../records/records.js';
import { AttestationResult, Category } from '../records/attestation.js';
import { FileReport } from '../validate/report.js';

/**
 * What the ledger holds, as zod schemas: rows are parsed here, at the boundary, so no
 * caller casts parsed JSON. The enums are the one list of document types, statuses,
 * states and event types.
 */

export const DocumentType = z.enum(['certificate', 'protocol', 'contract', 'attestation-protocol', 'violation-act', 'services-act']);
export type DocumentType = z.infer<typeof DocumentType>;
/** What a document is to its readers: in force, replaced by a later revision, or withdrawn. */
export const DocumentStatus = z.enum(['issued', 'superseded', 'revoked']);
export type DocumentStatus = z.infer<typeof DocumentStatus>;
/** How far the engine got with a document. */
export const DocumentState = z.enum(['planned', 'published', 'failed']);
export type DocumentState = z.infer<typeof DocumentState>;
export const BatchState = z.enum(['planned', 'published']);
export type BatchState = z.infer<typeof BatchState>;
export const EventType = z.enum(['batch-planned', 'batch-published', 'file-rejected', 'document-revoked', 'regeneration-planned']);
export type EventType = z.infer<typeof EventType>;

/** A JSON column: text in the database, a checked value in the code. */
const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const Cell: z.ZodType<import('../intake/cell.js').Cell> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.strictObject({ date: z.string() }), z.strictObject({ formula: z.string(), result: Cell.nullable() })]),
);
/** A rejected row as it was sent, for the rejected-rows workbook. */
export const RejectedRow = z.strictObject({ row: z.number().int(), cells: z.record(z.string(), Cell) });
export type RejectedRow = z.infer<typeof RejectedRow>;

export const FileRow = z.object({
  sha256: z.string(),
  name: z.string(),
  centre: z.string().nullable(),
  kind: z.string().nullable(),
  received_at: z.string(),
  stored_path: z.string(),
  outcome: z.enum(['accepted', 'rejected']),
  batch_id: z.string().nullable(),
});
export type FileRow = z.infer<typeof FileRow>;

export const BatchRow = z
  .object({
    id: z.string(),
    file_sha256: z.string(),
    centre: z.string(),
    kind: z.string(),
    created_at: z.string(),
    issue_date: z.string(),
    /** The batch's folder relative to the outbox: `<centre>/<yyyy-mm-dd>/<batch>`. */
    outbox_dir: z.string(),
    state: BatchState,
    /** When the plan was complete: null while records are still being planned (a crash mid-plan resumes it). */
    planned_at: z.string().nullable(),
    rows: z.number().int(),
    valid: z.number().int(),
    errors: z.number().int(),
    report_json: json(FileReport.nullable()),
    rejected_json: json(z.array(RejectedRow)),
    published_at: z.string().nullable(),
    /** Issued by \`tanu worker\` processes from the job queue (PostgreSQL only), not by the process that planned it. */
    queued: z.boolean().default(false),
  })
  .transform(({ report_json, rejected_json, ...rest }) => ({ ...rest, report: report_json, rejected: rejected_json }));
export type BatchRow = z.infer<typeof BatchRow>;

/** A published document's files, relative to its batch folder, and what they hash to. */
export const DocumentFiles = z.strictObject({ pdf: z.string(), pdf_sha256: z.string(), docx: z.string().optional(), docx_sha256: z.string().optional() });
export type DocumentFiles = z.infer<typeof DocumentFiles>;
/** Why a document could not be made: an error of its row. */
export const DocumentError = Issue.pick({ code: true, message: true });
export type DocumentError = z.infer<typeof DocumentError>;

const DocumentColumns = z.object({
  id: z.number().int(),
  batch_id: z.string(),
  record_id: z.number().int().nullable(),
  type: DocumentType,
  serial: z.string(),
  revision: z.number().int(),
  status: DocumentStatus,
  supersedes: z.number().int().nullable(),
  iin: z.string().nullable(),
  profession_code: z.string().nullable(),
  level: z.number().int().nullable(),
  language: z.string(),
  standard_code: z.string(),
  standard_version: z.number().int(),
  card_code: z.string(),
  model_json: json(z.unknown()),
  state: DocumentState,
  error_json: json(DocumentError).nullable(),
  files_json: json(DocumentFiles).nullable(),
  /** The secret part of a certificate's verification link (null for other documents and those issued before it). */
  verify_code: z.string().nullable(),
});

export const DocumentRow = DocumentColumns.transform(({ model_json, error_json, files_json, ...rest }) => ({ ...rest, model: model_json, error: error_json, files: files_json }));
export type DocumentRow = z.infer<typeof DocumentRow>;

export const RegistryRow = z.object({
  certificate_serial: z.string(),
  /** The certificate's current revision: a regeneration moves the row to its new one. */
  revision: z.number().int(),
  iin: z.string(),
  full_name: z.string(),
  profession_code: z.string(),
  profession_kk: z.string(),
  profession_ru: z.string(),
  level: z.number().int(),
  centre: z.string(),
  issue_date: z.string(),
  expiry_date: z.string(),
  /** The latest attestation of the holder on this certificate (docs/domain.md); null until one is recorded. */
  attestation_result: AttestationResult.nullable(),
  attestation_category: Category.nullable(),
  attestation_date: z.string().nullable(),
});
export type RegistryRow = z.infer<typeof RegistryRow>;

/** An attestation's outcome for the register: the certificate it was presented on, what was decided, which category, when. */
export const AttestationMark = z.strictObject({
  certificate_serial: z.string(),
  result: AttestationResult,
  category: Category.nullable(),
  date: z.string(),
});
export type AttestationMark = z.infer<typeof AttestationMark>;

export const DocumentCounts = z.object({ total: z.number().int(), planned: z.number().int(), published: z.number().int(), failed: z.number().int() });
export type DocumentCounts = z.infer<typeof DocumentCounts>;

export const RecentBatch = z.intersection(BatchRow, z.object({ documents: z.number().int(), failed: z.number().int(), file_name: z.string() }));
export type RecentBatch = z.infer<typeof RecentBatch>;

/** What `tanu export` selects by; null is "any". */
export const ExportFilter = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  centre: z.string().nullable(),
  profession: z.string().nullable(),
  status: DocumentStatus.nullable(),
});
export type ExportFilter = z.infer<typeof ExportFilter>;
/** No filter: every published document, the whole register. */
export const EVERYTHING: ExportFilter = { from: null, to: null, centre: null, profession: null, status: null };

/** A selected document revision with its batch and revocation: a revision that supersedes another is of the same serial. */
export const ExportDocumentRow = DocumentColumns.pick({
  id: true,
  batch_id: true,
  type: true,
  serial: true,
  revision: true,
  status: true,
  supersedes: true,
  iin: true,
  profession_code: true,
  level: true,
  language: true,
})
  .extend({
    files_json: json(DocumentFiles),
    centre: z.string(),
    issue_date: z.string(),
    outbox_dir: z.string(),
    published_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    revocation_reason: z.string().nullable(),
  })
  .transform(({ files_json, ...rest }) => ({ ...rest, files: files_json }));
export type ExportDocumentRow = z.infer<typeof ExportDocumentRow>;

/** A row of the registry of specialists: a registered application as validated, with its batch's centre. */
export const SpecialistRow = z
  .object({
    batch_id: z.string(),
    row: z.number().int(),
    centre: z.string(),
    registry_date: z.string(),
    record_json: json(RegistryApplication),
  })
  .transform(({ record_json, ...rest }) => ({ ...rest, record: record_json }));
export type SpecialistRow = z.infer<typeof SpecialistRow>;

/**
 * A no-show for health whose exams the centre still owes (seed 000: rescheduled, not
 * closed): no later batch holds an exam result of this person for this profession and
 * level. `resit_date` is the re-sit the file named, null when none was set yet.
 */
export const OpenResit = z
  .object({
    batch_id: z.string(),
    row: z.number().int(),
    centre: z.string(),
    data_json: json(ExamResult),
  })
  .transform(({ data_json: r, ...rest }) => ({
    ...rest,
    iin: r.iin,
    full_name: fullName(r),
    profession_code: r.profession_code,
    level: r.level,
    protocol_number: r.protocol_number,
    protocol_date: r.protocol_date,
    resit_date: r.resit_date,
  }));
export type OpenResit = z.infer<typeof OpenResit>;

/** A current (issued, published) certificate or protocol of a standard, as a regeneration plans from it. */
export const CurrentDocument = DocumentColumns.pick({
  id: true,
  record_id: true,
  type: true,
  serial: true,
  revision: true,
  iin: true,
  profession_code: true,
  level: true,
  language: true,
  standard_code: true,
  standard_version: true,
  card_code: true,
  verify_code: true,
})
  .extend({ model_json: json(z.unknown()), centre: z.string() })
  .transform(({ model_json, ...rest }) => ({ ...rest, model: model_json }));
export type CurrentDocument = z.infer<typeof CurrentDocument>;

/** The current revision of a sitting's document (a protocol), which a later file's rows of the sitting re-issue. */
export const SittingRevision = z.object({ id: z.number().int(), revision: z.number().int() });
