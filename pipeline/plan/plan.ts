import { randomBytes } from 'node:crypto';
import type { PlanChunk, PlannedRecord } from '../ledger/ledger.js';
import type { PlanContext, PlannedDocument } from '../kinds/kind.js';
import { KIND_LIST } from '../kinds/registry.js';
import type { ValidRecord } from '../records/records.js';

/**
 * The plan, pure: which documents a batch issues, with which serials, under which
 * standard, version and card, and exactly what each will print (its model). It is stored
 * in the ledger before anything is rendered, so a crashed batch resumes from what was
 * planned, never from a second guess. It is made record by record as the file streams
 * through validation and committed chunk by chunk, so a file of any length is never held
 * whole and its first documents are issued while the rest is still being read; protocols,
 * which gather the rows of one sitting, are planned once the file has been read.
 * Which record earns which document, and what it prints, each kind declares
 * (pipeline/kinds/).
 */

export type { PlanContext, PlannedDocument };

/** The kind a record earns one document of, if any (a record earns at most one). */
const earned = (record: ValidRecord) => KIND_LIST.find((k) => k.perRecord?.earns(record))?.perRecord;

/** The sitting a record belongs to (its protocol number), whose document is planned once the file has been read. */
const sittingOf = (record: ValidRecord) => KIND_LIST.map((k) => k.perSitting?.sitting(record) ?? null).find((s) => s !== null) ?? null;

/** Whether a record's document takes a serial from the centre's counter. */
export const needsSerial = (record: ValidRecord) => earned(record)?.numbered === true;

/** `{centre}-{yyyy}-{seq:6}` and the like: {seq:N} pads the sequence to N digits. */
export function formatSerial(format: string, values: { centre: string; year: number; seq: number }): string {
  return format.replace(/\{(centre|yyyy|seq)(?::(\d+))?\}/g, (_, key: string, width?: string) => {
    const value = key === 'centre' ? values.centre : key === 'yyyy' ? String(values.year) : String(values.seq);
    return width ? value.padStart(Number(width), '0') : value;
  });
}

/**
 * A certificate's verification code: 96 random bits, base64url (16 characters). Serials
 * are sequential, so the page behind the QR needs a secret nobody can count up to.
 */
export const newVerifyCode = () => randomBytes(12).toString('base64url');

/** The document one record earns (given its serial when numbered), or none. */
export function planForRecord(record: ValidRecord, serial: string | null, ctx: PlanContext): PlannedDocument | null {
  return earned(record)?.plan(record, serial, ctx) ?? null;
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
      protocol_number: sittingOf(record),
      data: record,
      document: planForRecord(record, serial, ctx),
    };
  });
  return { records: planned, serials: count > 0 ? { centre: ctx.centre.serial_prefix, year: ctx.year, after: ctx.lastSerial, count } : null };
}
