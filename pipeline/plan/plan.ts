import { randomBytes } from 'node:crypto';
import type { Centre } from '../config/schema.js';
import type { PlanChunk, PlannedRecord } from '../ledger/ledger.js';
import type { Application, ExamResult, ValidRecord } from '../records/records.js';
import { type DocumentModel, certificateModel, contractModel, protocolModels } from '../render/models.js';
import type { Library } from '../standards/library.js';
import type { Language } from '../standards/schema.js';

/**
 * The plan, pure: which documents a batch issues, with which serials, under which
 * standard, version and card, and exactly what each will print (its model). It is stored
 * in the ledger before anything is rendered, so a crashed batch resumes from what was
 * planned, never from a second guess. It is made record by record as the file streams
 * through validation and committed chunk by chunk, so a file of any length is never held
 * whole and its first documents are issued while the rest is still being read; protocols,
 * which gather the rows of one protocol number, are planned once the file has been read.
 */

export type PlannedDocument = {
  type: DocumentModel['type'];
  /** The certificate's serial, or the protocol's or contract's number. */
  serial: string;
  iin: string | null;
  profession_code: string | null;
  level: number | null;
  language: Language;
  standard_code: string;
  standard_version: number;
  card_code: string;
  /** A certificate's secret for its verification link (issue 16); null for other documents. */
  verify_code: string | null;
  model: DocumentModel;
};

export type PlanContext = {
  centre: Centre;
  library: Library;
  issueDate: string;
  validityYears: (standardCode: string) => number;
  verifyBaseUrl: string;
  /** A new certificate's verification code (`newVerifyCode`): chance comes in from outside, so the plan stays a value. */
  verifyCode: () => string;
};

/** A recognized exam result earns a certificate, and so a serial. */
export const needsSerial = (record: ValidRecord): record is ExamResult => 'status' in record && record.status === 'recognized';

/** `{centre}-{yyyy}-{seq:6}` and the like: {seq:N} pads the sequence to N digits. */
export function formatSerial(format: string, values: { centre: string; year: number; seq: number }): string {
  return format.replace(/\{(centre|yyyy|seq)(?::(\d+))?\}/g, (_, key: string, width?: string) => {
    const value = key === 'centre' ? values.centre : key === 'yyyy' ? String(values.year) : String(values.seq);
    return width ? value.padStart(Number(width), '0') : value;
  });
}

const about = (r: ValidRecord) => ({
  iin: r.iin,
  profession_code: r.profession_code,
  level: r.level,
  standard_code: r.standard_code,
  standard_version: r.standard_version,
  card_code: r.profession_code,
});

/**
 * A certificate's verification code: 96 random bits, base64url (16 characters). Serials
 * are sequential, so the page behind the QR needs a secret nobody can count up to.
 */
export const newVerifyCode = () => randomBytes(12).toString('base64url');

/** The document one record earns: a certificate (given its serial), a contract, or none. */
export function planForRecord(record: ValidRecord, serial: string | null, ctx: PlanContext): PlannedDocument | null {
  if (!('status' in record)) {
    const application = record as Application;
    return { type: 'contract', serial: application.application_number, language: application.language, ...about(application), verify_code: null, model: contractModel({ record: application, centre: ctx.centre, library: ctx.library, drawnUp: ctx.issueDate }) };
  }
  if (!needsSerial(record)) return null;
  if (serial === null) throw new Error(`row ${record.row}: a certificate needs a serial`);
  // Decided here and stored with the plan, so a resumed batch prints the same code.
  const verifyCode = ctx.verifyCode();
  return {
    type: 'certificate',
    serial,
    language: record.language,
    ...about(record),
    verify_code: verifyCode,
    model: certificateModel({
      record,
      serial,
      issueDate: ctx.issueDate,
      validityYears: ctx.validityYears(record.standard_code),
      centre: ctx.centre,
      library: ctx.library,
      verifyBaseUrl: ctx.verifyBaseUrl,
      verifyCode,
    }),
  };
}

/** The protocol of one protocol number: every valid exam row of it, in file order. */
export function planProtocol(records: readonly ExamResult[], ctx: PlanContext): PlannedDocument {
  const models = protocolModels({ records, centre: ctx.centre, library: ctx.library });
  const [model] = models;
  const first = records[0];
  if (!model || !first || models.length !== 1) throw new Error('a protocol is planned from the rows of one protocol number');
  return {
    type: 'protocol',
    serial: model.number,
    iin: null,
    profession_code: null,
    level: null,
    language: model.languages[0] ?? first.language,
    standard_code: first.standard_code,
    standard_version: first.standard_version,
    card_code: first.profession_code,
    verify_code: null,
    model,
  };
}

/**
 * The protocol of a sitting whose rows came in more than one file: every row of it, the
 * earlier files' first, issued as the next revision of the protocol already issued, which
 * it supersedes (docs/contracts.md, "Regeneration"). One sitting, one current protocol.
 */
export function planProtocolRevision(records: readonly ExamResult[], ctx: PlanContext, earlier: { id: number; revision: number }): PlannedDocument & { record_id: null; revision: number; supersedes: number } {
  const planned = planProtocol(records, ctx);
  const revision = earlier.revision + 1;
  if (planned.model.type !== 'protocol') throw new Error('a protocol is planned as a protocol');
  return { ...planned, model: { ...planned.model, revision: { number: revision, replaces: earlier.revision } }, record_id: null, revision, supersedes: earlier.id };
}

export type ChunkContext = PlanContext & {
  serialFormat: string;
  /** The year serials are counted in (the issue date's). */
  year: number;
  /** The last sequence number already given for the centre and year. */
  lastSerial: number;
};

/**
 * One chunk of a batch's plan, as a value: each valid record with the document it earns,
 * the certificates numbered on from `lastSerial` in file order. The shell commits it
 * whole or not at all; nothing here reads or writes anything.
 */
export function planChunk(records: readonly ValidRecord[], ctx: ChunkContext): PlanChunk {
  let count = 0;
  const planned = records.map((record): PlannedRecord => {
    const serial = needsSerial(record) ? formatSerial(ctx.serialFormat, { centre: ctx.centre.serial_prefix, year: ctx.year, seq: ctx.lastSerial + ++count }) : null;
    return {
      row: record.row,
      iin: record.iin,
      profession_code: record.profession_code,
      level: record.level,
      status: 'status' in record ? record.status : null,
      protocol_number: 'protocol_number' in record ? record.protocol_number : null,
      data: record,
      document: planForRecord(record, serial, ctx),
    };
  });
  return { records: planned, serials: count > 0 ? { centre: ctx.centre.serial_prefix, year: ctx.year, after: ctx.lastSerial, count } : null };
}
