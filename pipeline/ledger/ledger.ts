import type { RevocationReason } from '../core/catalogue.js';
import type { RegistryApplication, SittingEntry } from '../records/records.js';
import type { RegisterStanding } from '../records/attestation.js';
import type { FileReport } from '../validate/report.js';
import type {
  AttestationMark,
  BatchRow,
  CurrentDocument,
  DocumentCounts,
  DocumentError,
  DocumentFiles,
  DocumentRow,
  DocumentType,
  ExportDocumentRow,
  ExportFilter,
  FileRow,
  OpenResit,
  RecentBatch,
  RegistryRow,
  RejectedRow,
  SpecialistRow,
} from './rows.js';

export type * from './rows.js';

/**
 * The Ledger seam: what was received, planned and published, the serials, the register of
 * recognized persons and an append-only event log. Each method is one step that must not
 * be half-done and is one transaction in the adapter: a chunk of the plan with its
 * serials, a chunk of publications, a batch's completion with its register rows. Async, so
 * an adapter over a database server fits the same seam as the embedded SQLite one
 * (`sqlite.ts`). Rows come back parsed by the schemas of `rows.ts`.
 */
export interface Ledger {
  close(): Promise<void>;

  file(sha256: string): Promise<FileRow | undefined>;
  /**
   * Records an accepted file with its batch and claims the batch for `owner`, unless the
   * same bytes were recorded meanwhile (another process took them first): then that row.
   */
  openBatch(batch: NewBatch, file: FileRow, claim: Claim): Promise<{ opened: true } | { opened: false; known: FileRow }>;
  /** A file set aside unreadable (`file`), or refused before it was read (no row): its event. */
  rejectFile(file: FileRow | null, at: string, data: object): Promise<void>;

  /** The certificate issued to this person for this profession and level in another batch, if any. */
  recognized(iin: string, professionCode: string, level: number, exceptBatch: string): Promise<string | undefined>;
  /** Rows of the file already planned in this batch: a resumed plan skips them. */
  plannedRows(batchId: string): Promise<ReadonlySet<number>>;
  /** The last sequence number given for a centre and year (0 for none). */
  lastSerial(centre: string, year: number): Promise<number>;
  /**
   * Commits one chunk of a plan: its records, their documents and the serials they use,
   * all or nothing. Refused, and nothing written, when the serial counter moved since the
   * plan read it, or when another batch has meanwhile issued a certificate to one of its
   * persons (the plan is then made again).
   */
  commitPlan(batchId: string, chunk: PlanChunk): Promise<CommitResult>;
  /**
   * The model (as stored) of the latest published contract of this person, profession and
   * level that has no act of services rendered yet; undefined when there is none.
   */
  contractToAct(iin: string, professionCode: string, level: number): Promise<unknown>;
  /** Protocol numbers of a batch's records, in the order they first appear. */
  protocolNumbers(batchId: string): Promise<string[]>;
  /** The validated records (as stored) of one protocol number, in file order. */
  protocolRecords(batchId: string, protocolNumber: string): Promise<unknown[]>;
  /**
   * The current document of this type and sitting (its number is the document's serial)
   * that a centre's earlier batch issued (or is issuing), if any: a later file's rows of the
   * same sitting re-issue it.
   */
  currentSittingDocument(type: DocumentType, centre: string, sitting: string, exceptBatch: string): Promise<{ id: number; revision: number } | undefined>;
  /** The validated records of one protocol number in every batch of a centre, earliest batch first, each in file order. */
  sittingRecords(centre: string, protocolNumber: string): Promise<unknown[]>;
  /** The rows of one protocol number in a centre's batches other than this one, earliest batch first, each in file order: what a new row of the sitting must agree with. */
  sittingEntries(centre: string, protocolNumber: string, exceptBatch: string): Promise<SittingEntry[]>;
  /** The plan is complete: the gathered documents, the file's report and the event, in one step. */
  completePlan(batchId: string, done: { documents: (NewDocument | NewRevision)[]; report: FileReport; rejected: RejectedRow[]; at: string; file: string }): Promise<void>;

  /** Takes a batch for this process unless a live process holds it; a dead holder's claim is taken over. */
  claim(batchId: string, claim: Claim): Promise<boolean>;
  release(batchId: string, owner: string): Promise<void>;
  batch(id: string): Promise<BatchRow | undefined>;
  /** The next `limit` still-planned documents after `afterId`. */
  plannedDocuments(batchId: string, afterId: number, limit: number): Promise<DocumentRow[]>;
  documentCounts(batchId: string): Promise<DocumentCounts>;
  /** A chunk's outcome, in one step: published with its files, or failed with its error. */
  markDocuments(updates: readonly DocumentUpdate[]): Promise<void>;
  recordRow(recordId: number): Promise<number | null>;
  /** The first row of a batch's records about this person: the row a document made for them (an act) answers for. */
  personRow(batchId: string, iin: string): Promise<number | null>;
  /** A batch's documents one at a time, for batches too large to hold. */
  eachDocument(batchId: string): AsyncIterable<DocumentRow>;
  /**
   * Register rows of a batch being completed, a page at a time, so a batch of any size is
   * never held whole: they enter the register only with `finishBatch`. The same rows
   * gathered again (a completion resumed after a crash) change nothing.
   */
  gatherRegisterRows(batchId: string, rows: readonly RegistryRow[]): Promise<void>;
  /**
   * The batch is complete, in one step: its state, the register rows gathered for it (a
   * certificate's new revision takes its serial's row over), the event, and the earlier
   * revisions its published documents supersede marked superseded.
   */
  finishBatch(batchId: string, at: string, data: object): Promise<void>;
  /** Batches not yet published (planning or issuing was interrupted), oldest first. */
  unfinishedBatches(): Promise<BatchRow[]>;

  /**
   * The current documents of a standard that print its wording (certificates and protocols
   * published and neither superseded nor revoked), with their batch's centre, one at a
   * time in id order.
   */
  currentDocuments(standardCode: string): AsyncIterable<CurrentDocument>;
  /**
   * A regeneration's plan, in one step: its file (the plan as stored), its batch with the
   * plan complete, the new revisions, the claim and the event. Refused, with nothing
   * written, when a document it would supersede is no longer current or already has a
   * successor not failed (another run planned it first): the serials are returned.
   */
  planRegeneration(plan: { batch: NewBatch; file: FileRow; report: FileReport; revisions: readonly NewRevision[]; claim: Claim; event: object }): Promise<{ planned: true } | { planned: false; taken: string[] }>;

  recentBatches(limit: number): Promise<RecentBatch[]>;
  /** A certificate of the register by serial (its latest published revision), with whether it still stands; undefined when the register has no such certificate. */
  registerStanding(serial: string): Promise<RegisterStanding | undefined>;
  /**
   * Puts attestations' outcomes against their certificates in the register, each only if it
   * is not older than the one already there: done again after a crash, it changes nothing.
   */
  recordAttestations(marks: readonly AttestationMark[]): Promise<void>;

  /**
   * Records a chunk of a registry-applications batch's registered applications, in one
   * step; a row the batch already holds is left as it is, so a resumed plan may add it again.
   */
  addSpecialists(batchId: string, records: readonly RegistryApplication[]): Promise<void>;
  /** The registry of specialists: the rows of published batches, by date entered, then batch and row. */
  specialists(): Promise<SpecialistRow[]>;
  /** No-shows for health still owed a re-sit (no later exam result of that person, profession and level), by re-sit date, undated last. */
  openResits(): Promise<OpenResit[]>;

  /**
   * Revokes a certificate's current (latest published) revision with the date and reason,
   * and records the event; a revision already revoked is left as it was. Undefined when no
   * published certificate has this serial.
   */
  revoke(serial: string, reason: RevocationReason, note: string | null, at: string): Promise<Revocation | undefined>;
  /** Revoked certificates by serial, for the register's status column. */
  revocations(): Promise<Map<string, { revoked_at: string; reason: RevocationReason }>>;

  /**
   * The published documents an export selection names, with every revision of each
   * selected serial, in (type, serial, revision) order; dates are the batch's issue date,
   * inclusive. One at a time: rows, never files.
   */
  exportDocuments(filter: ExportFilter): AsyncIterable<ExportDocumentRow>;
  /** The register rows of the selection's certificates (EVERYTHING: the whole register), by centre and serial; one at a time. */
  exportRegistry(filter: ExportFilter): AsyncIterable<RegistryRow>;
}

export type Revocation = { outcome: 'revoked' | 'already-revoked'; revision: number; revoked_at: string; reason: RevocationReason };

export type Claim = { owner: string; alive: (owner: string) => boolean; at: string };

export type NewBatch = {
  id: string;
  file_sha256: string;
  centre: string;
  kind: string;
  created_at: string;
  issue_date: string;
  outbox_dir: string;
  /** Issued as jobs by \`tanu worker\` processes (\`ledger.jobs\`, docs/deploy.md): an adapter without a queue refuses it. */
  queued?: boolean;
};

/** A document as planned: what it is, whom and which card it concerns, and exactly what it will print. */
export type NewDocument = {
  type: DocumentType;
  serial: string;
  iin: string | null;
  profession_code: string | null;
  level: number | null;
  language: string;
  standard_code: string;
  standard_version: number;
  card_code: string;
  model: unknown;
  /** A certificate's verification code, decided with its plan. */
  verify_code: string | null;
};

/** A new revision of a current document: the same serial and record, the next revision, the document it supersedes. */
export type NewRevision = NewDocument & { record_id: number | null; revision: number; supersedes: number };

export type PlannedRecord = {
  row: number;
  iin: string;
  profession_code: string;
  level: number;
  status: string | null;
  protocol_number: string | null;
  data: unknown;
  document: NewDocument | null;
};

export type PlanChunk = {
  records: readonly PlannedRecord[];
  /** The serials the chunk's documents use: the counter moves from `after` to `after + count`. */
  serials: { centre: string; year: number; after: number; count: number } | null;
};

export type CommitResult =
  | { committed: true }
  | { committed: false; reason: 'serials-moved' }
  /** Rows whose person another batch has meanwhile recognized, with that certificate. */
  | { committed: false; reason: 'recognized'; rows: { row: number; serial: string }[] };

export type DocumentUpdate = { id: number; state: 'published'; files: DocumentFiles } | { id: number; state: 'failed'; error: DocumentError };

