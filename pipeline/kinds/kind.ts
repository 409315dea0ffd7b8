import type { z } from 'zod';
import type { Bilingual } from '../core/catalogue.js';
import type { Centre } from '../config/schema.js';
import type { AttestationMark, DocumentType, RegistryRow } from '../ledger/ledger.js';
import type { ValidRecord } from '../records/records.js';
import type { Labels } from '../render/templates.js';
import type { Library } from '../standards/library.js';
import type { Language } from '../standards/schema.js';
import type { ContractModel } from './contract/model.js';

/**
 * A document kind, declared once in its own folder (the way a PDF designer gives each field
 * type one plugin object): what its model is (a zod schema, so the model the ledger hands
 * back is parsed, not assumed), which records earn it and how its model is built, how it
 * prints (template folder, title, one page or many, values beside the model), the files
 * made beside its PDF, and its effect on the register. The engine, render and the manifest
 * ask the registry (`registry.ts`) and never name a kind. See docs/architecture.md.
 */

export type KindModel = { type: DocumentType; languages: Language[] };

/** A document as planned, before the ledger gives it an id. */
export type PlannedDocument = {
  type: DocumentType;
  /** The certificate's serial, or the protocol's or contract's number. */
  serial: string;
  iin: string | null;
  profession_code: string | null;
  level: number | null;
  language: Language;
  standard_code: string;
  standard_version: number;
  card_code: string;
  /** A certificate's secret for its verification link; null for other documents. */
  verify_code: string | null;
  model: KindModel;
};

export type PlanContext = {
  centre: Centre;
  library: Library;
  issueDate: string;
  validityYears: (standardCode: string) => number;
  verifyBaseUrl: string;
  /** A new document's verification code: chance comes in from outside, so the plan stays a value. */
  verifyCode: () => string;
};

export type DocumentKind<M extends KindModel> = {
  type: M['type'];
  Model: z.ZodType<M>;
  /** The outbox folder of a batch its files go in, and so the manifest's paths. */
  folder: string;
  /** The templates/ folder that lays it out (template.hbs, style.css, labels.yaml). */
  template: string;
  /** Its name in PDF metadata, before its number. */
  title: Bilingual;
  /** The number it is known by: a certificate's serial, a protocol's or contract's number. */
  number(model: M): string;
  /** Fills exactly one page: printed many to one PDF and split by page. */
  onePage: boolean;
  /** Template values computed from the model (a QR image, totals, running headers). */
  view?(model: M, labels: Labels): Promise<object> | object;
  /** Files made from the same model beside its PDF (the contract's editable DOCX). */
  beside?(model: M, labels: Labels): Promise<{ docx: Uint8Array }>;
  /** Earned one per record: whether this record earns one, whether it takes a serial from the centre's counter, and its plan. */
  perRecord?: {
    earns(record: ValidRecord): boolean;
    numbered: boolean;
    plan(record: ValidRecord, serial: string | null, ctx: PlanContext): PlannedDocument;
  };
  /**
   * Earned one per sitting (a protocol number, an attestation's sitting), planned once the
   * whole file has been read: the sitting a record belongs to, and the document of a
   * sitting's records (null when they are not this kind's records).
   */
  perSitting?: {
    sitting(record: ValidRecord): string | null;
    plan(records: readonly ValidRecord[], ctx: PlanContext): PlannedDocument | null;
    /**
     * A sitting whose rows come in more than one file: the document an earlier file's batch
     * issued is re-issued as its next revision with the rows of every file (all of
     * `records`). A kind without it issues one document per file's share of the sitting.
     */
    revise?(records: readonly ValidRecord[], ctx: PlanContext, earlier: { id: number; revision: number }): (PlannedDocument & { record_id: null; revision: number; supersedes: number }) | null;
  };
  /**
   * Earned by a record whose person has a contract in the ledger for its profession and
   * level (the act of services rendered, once the exam was sat): planned once the file has
   * been read, one per contract.
   */
  perContract?: {
    earns(record: ValidRecord): boolean;
    plan(record: ValidRecord, contract: ContractModel, ctx: PlanContext): PlannedDocument;
  };
  /** Its row in the register of recognized persons, if it puts one there: a later revision's replaces the earlier's. */
  registerRow?(model: M, at: { centre: string; revision: number }): RegistryRow;
  /** What it puts against certificates already in the register (an attestation's outcome). */
  registerMarks?(model: M): AttestationMark[];
};
