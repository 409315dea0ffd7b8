import type { Centre } from '../config/schema.js';
import type { Kind } from '../records/columns.js';
import type { Application, ExamResult, ValidRecord } from '../records/records.js';
import { type DocumentModel, certificateModel, contractModel, protocolModels } from '../render/models.js';
import type { Library } from '../standards/library.js';
import type { Language } from '../standards/schema.js';

/**
 * The plan, pure: which documents a batch issues, with which serials, under which
 * standard, version and card, and exactly what each will print (its model). It is stored
 * in the ledger before anything is rendered, so --dry-run is this function alone and a
 * crashed batch resumes from what was planned, never from a second guess.
 */

export type PlannedDocument = {
  type: DocumentModel['type'];
  /** The certificate's serial, or the protocol's or contract's number. */
  serial: string;
  /** Index into the batch's records of the record it is for (null for a protocol). */
  recordIndex: number | null;
  iin: string | null;
  profession_code: string | null;
  level: number | null;
  language: Language;
  standard_code: string;
  standard_version: number;
  card_code: string;
  model: DocumentModel;
};

export type PlanInput = {
  kind: Kind;
  centre: Centre;
  records: readonly ValidRecord[];
  library: Library;
  issueDate: string;
  validityYears: (standardCode: string) => number;
  verifyBaseUrl: string;
  protocolLanguage: Language;
  /** Serials reserved for this batch's certificates, in record order. */
  serials: readonly string[];
};

/** Certificates a batch issues: one per recognized exam result. */
export const recognizedRecords = (kind: Kind, records: readonly ValidRecord[]): ExamResult[] =>
  kind === 'exam-results' ? (records as ExamResult[]).filter((r) => r.status === 'recognized') : [];

/** `{centre}-{yyyy}-{seq:6}` and the like: {seq:N} pads the sequence to N digits. */
export function formatSerial(format: string, values: { centre: string; year: number; seq: number }): string {
  return format.replace(/\{(centre|yyyy|seq)(?::(\d+))?\}/g, (_, key: string, width?: string) => {
    const value = key === 'centre' ? values.centre : key === 'yyyy' ? String(values.year) : String(values.seq);
    return width ? value.padStart(Number(width), '0') : value;
  });
}

export function planDocuments(input: PlanInput): PlannedDocument[] {
  const { kind, centre, records, library } = input;
  const index = new Map(records.map((r, i) => [r, i]));
  const about = (r: ValidRecord) => ({
    iin: r.iin,
    profession_code: r.profession_code,
    level: r.level,
    standard_code: r.standard_code,
    standard_version: r.standard_version,
    card_code: r.profession_code,
  });
  if (kind === 'applications')
    return (records as Application[]).map((r) => ({
      type: 'contract',
      serial: r.application_number,
      recordIndex: index.get(r) ?? null,
      language: r.language,
      ...about(r),
      model: contractModel({ record: r, centre, library }),
    }));

  const recognized = recognizedRecords(kind, records);
  if (recognized.length !== input.serials.length) throw new Error(`planned ${recognized.length} certificates with ${input.serials.length} serials`);
  const certificates: PlannedDocument[] = recognized.map((r, i) => {
    const serial = input.serials[i] as string;
    return {
      type: 'certificate',
      serial,
      recordIndex: index.get(r) ?? null,
      language: r.language,
      ...about(r),
      model: certificateModel({
        record: r,
        serial,
        issueDate: input.issueDate,
        validityYears: input.validityYears(r.standard_code),
        centre,
        library,
        verifyBaseUrl: input.verifyBaseUrl,
      }),
    };
  });
  const exams = records as ExamResult[];
  const protocols: PlannedDocument[] = protocolModels({ records: exams, centre, library, language: input.protocolLanguage }).map((model) => {
    const first = exams.find((r) => r.protocol_number === model.number) as ExamResult;
    return {
      type: 'protocol',
      serial: model.number,
      recordIndex: null,
      iin: null,
      profession_code: null,
      level: null,
      language: input.protocolLanguage,
      standard_code: first.standard_code,
      standard_version: first.standard_version,
      card_code: first.profession_code,
      model,
    };
  });
  return [...certificates, ...protocols];
}
