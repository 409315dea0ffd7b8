import type { Centre } from '../config/schema.js';
import type { Application, ExamResult, ValidRecord } from '../records/records.js';
import { type DocumentModel, certificateModel, contractModel, protocolModels } from '../render/models.js';
import type { Library } from '../standards/library.js';
import type { Language } from '../standards/schema.js';

/**
 * The plan, pure: which documents a batch issues, with which serials, under which
 * standard, version and card, and exactly what each will print (its model). It is stored
 * in the ledger before anything is rendered, so a crashed batch resumes from what was
 * planned, never from a second guess. It is made record by record as the file streams
 * through validation, so a file of any length is never held whole; protocols, which
 * gather the rows of one protocol number, are planned once the file has been read.
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
  model: DocumentModel;
};

export type PlanContext = {
  centre: Centre;
  library: Library;
  issueDate: string;
  validityYears: (standardCode: string) => number;
  verifyBaseUrl: string;
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

/** The document one record earns: a certificate (given its serial), a contract, or none. */
export function planForRecord(record: ValidRecord, serial: string | null, ctx: PlanContext): PlannedDocument | null {
  if (!('status' in record)) {
    const application = record as Application;
    return { type: 'contract', serial: application.application_number, language: application.language, ...about(application), model: contractModel({ record: application, centre: ctx.centre, library: ctx.library, drawnUp: ctx.issueDate }) };
  }
  if (!needsSerial(record)) return null;
  if (serial === null) throw new Error(`row ${record.row}: a certificate needs a serial`);
  return {
    type: 'certificate',
    serial,
    language: record.language,
    ...about(record),
    model: certificateModel({
      record,
      serial,
      issueDate: ctx.issueDate,
      validityYears: ctx.validityYears(record.standard_code),
      centre: ctx.centre,
      library: ctx.library,
      verifyBaseUrl: ctx.verifyBaseUrl,
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
    model,
  };
}
