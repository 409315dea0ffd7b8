import { z } from 'zod';
import { Language } from '../standards/schema.js';
import { RegistryDecision, RegistryReason } from './specialists.js';
import { AbsenceReason, AttestationResult, Category, Violation } from './attestation.js';

/**
 * Records after validation: what the later stages (plan, render, registry) receive. The
 * types are inferred from these schemas and the validator checks its own output against
 * them, so a rule that lets a malformed value through is caught at once.
 */

const Iin = z.string().regex(/^\d{12}$/);
const Date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const DateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/);
const Text = z.string().min(1);

const Person = {
  iin: Iin,
  last_name: Text,
  first_name: Text,
  middle_name: Text.nullable(),
  birth_date: Date.describe('From the IIN when the file gives none'),
  phone: Text.nullable(),
  email: Text.nullable(),
};

/** The card the record was checked against, resolved once so later stages need not. */
const Profession = {
  standard_code: Text,
  standard_version: z.number().int().min(1),
  profession_code: Text,
  level: z.number().int().min(1).max(8),
  language: Language,
};

export const ExamResult = z.strictObject({
  row: z.number().int(),
  ...Person,
  ...Profession,
  exam1_at: DateTime.nullable(),
  exam1_score: z.number().min(0).max(100).nullable(),
  exam2_at: DateTime.nullable(),
  exam2_score: z.number().min(0).max(100).nullable(),
  status: z.enum(['recognized', 'refused', 'no_show']),
  no_show_reason: z.enum(['own_will', 'health']).nullable(),
  /** Only for a no-show for health: the re-sit the centre has set. Absent from records stored before the column existed. */
  resit_date: Date.nullable().default(null),
  protocol_number: Text,
  protocol_date: Date,
  protocol_issuer: Text.nullable().describe('The organization that issued the protocol; the centre when null'),
  exam_region: Text.nullable(),
  exam_city: Text.nullable(),
  exam_address: Text.nullable(),
});
export type ExamResult = z.infer<typeof ExamResult>;

export const Application = z.strictObject({
  row: z.number().int(),
  ...Person,
  ...Profession,
  address_region: Text.nullable(),
  address_city: Text.nullable(),
  address_street: Text,
  application_number: Text,
  application_date: Date,
  // Added after the first ledgers were written: an application stored before it has none.
  contract_date: Date.nullable().default(null),
  voucher_number: Text.nullable(),
});
export type Application = z.infer<typeof Application>;

/** One worker at a sitting of the attestation commission (docs/formats.md, "Attestations"). */
export const Attestation = z.strictObject({
  row: z.number().int(),
  ...Person,
  ...Profession,
  certificate_serial: Text.nullable().describe('A certificate of the register; null when an external recognition document is named'),
  external_issuer: Text.nullable(),
  external_date: Date.nullable(),
  attestation_date: Date,
  result: AttestationResult,
  category: Category.nullable(),
  commission: Text,
  sitting_number: Text,
  absence_reason: AbsenceReason.nullable(),
  return_date: Date.nullable(),
  violation: Violation.nullable(),
  violation_details: Text.nullable(),
});
export type Attestation = z.infer<typeof Attestation>;


/**
 * An application to the registry of specialists with the administrator's decision (seed
 * 003). It earns no document: a registered one becomes a row of the specialists registry.
 * What a registered entry needs is checked by the rules, so it may be null here.
 */
export const RegistryApplication = z.strictObject({
  row: z.number().int(),
  last_name: Text,
  first_name: Text,
  middle_name: Text.nullable(),
  birth_date: Date,
  phone: Text.nullable(),
  email: Text.nullable(),
  address_region: Text.nullable(),
  address_locality: Text.nullable(),
  address_registered: Text.nullable(),
  profession_name: Text,
  experience_years: z.number().min(0).max(70).nullable().describe('Years of work in special social services'),
  education_level: Text.nullable(),
  education_institution: Text.nullable(),
  education_start: Date.nullable(),
  education_end: Date.nullable(),
  education_document: Text.nullable(),
  employer_name: Text.nullable(),
  employer_bin: z.string().regex(/^\d{12}$/).nullable().describe('BIN (БСН / БИН): 12 digits'),
  position: Text.nullable(),
  employment_start: Date.nullable(),
  employment_end: Date.nullable(),
  qualification_category: Text.nullable(),
  qualification_date: Date.nullable(),
  qualification_authority: Text.nullable(),
  registry_date: Date.nullable(),
  received_date: Date,
  decision: RegistryDecision,
  decision_reason: RegistryReason.nullable(),
  decision_date: Date,
});
export type RegistryApplication = z.infer<typeof RegistryApplication>;

export const RECORD_SCHEMAS = { 'exam-results': ExamResult, applications: Application, 'registry-applications': RegistryApplication, attestations: Attestation } as const;
/** A record that earns documents. */
export type ValidRecord = ExamResult | Application | Attestation;
/** Any valid record, whatever its kind. */
export type KindRecord = ValidRecord | RegistryApplication;
export const isRegistryApplication = (record: KindRecord): record is RegistryApplication => 'decision' in record;

/** A person's name as documents and registers print it: surname, name, patronymic if any. */
export const fullName = (p: { last_name: string; first_name: string; middle_name: string | null }) =>
  [p.last_name, p.first_name, p.middle_name].filter((x): x is string => !!x).join(' ');

/**
 * A row a centre's earlier batch gave a sitting (protocol number): its date and who had
 * which result, so a later file's row of that sitting is checked against it (one date,
 * one result per person). The ledger's answer (`Ledger.sittingEntries`).
 */
export const SittingEntry = z.object({
  row: z.number().int(),
  iin: z.string(),
  profession_code: z.string(),
  level: z.number().int(),
  status: z.string().nullable(),
  protocol_date: z.string().nullable(),
});
export type SittingEntry = z.infer<typeof SittingEntry>;
