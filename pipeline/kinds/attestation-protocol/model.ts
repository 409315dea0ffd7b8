import { z } from 'zod';
import type { Centre } from '../../config/schema.js';
import { addMonths } from '../../core/dates.js';
import { AbsenceReason, AttestationResult, Category, Violation } from '../../records/attestation.js';
import { type Attestation, fullName } from '../../records/records.js';
import type { Library } from '../../standards/library.js';
import { BilingualValue, CentreView, Languages, centreView, professionView, sittingLanguages } from '../views.js';

/** One worker's line in the attestation commission's protocol. */
export const AttestationRow = z.strictObject({
  n: z.number().int(),
  full_name: z.string(),
  /** The name's words, each kept on one line. */
  name_words: z.array(z.string()),
  iin: z.string(),
  /** The document of recognition presented: a serial of the register, or null with the external issuer and date. */
  certificate_serial: z.string().nullable(),
  external: z.strictObject({ issuer: z.string(), date: z.string() }).nullable(),
  profession: z.string(),
  level: z.number().int(),
  attestation_date: z.string(),
  result: AttestationResult,
  category: Category.nullable(),
  absence_reason: AbsenceReason.nullable(),
  /** A rescheduled attestation's last day: one month after the return to work (null when the return date is unknown). */
  due_date: z.string().nullable(),
  violation: Violation.nullable(),
});
export type AttestationRow = z.infer<typeof AttestationRow>;

/** What the attestation commission's protocol prints: the sitting, and every worker of it with the decision. */
export const AttestationProtocolModel = z.strictObject({
  type: z.literal('attestation-protocol'),
  languages: Languages,
  number: z.string(),
  date: z.string(),
  commission: z.string(),
  centre: CentreView,
  professions: z.array(z.strictObject({ code: z.string(), name: BilingualValue, level: z.number().int() })),
  rows: z.array(AttestationRow),
});
export type AttestationProtocolModel = z.infer<typeof AttestationProtocolModel>;

/** The protocol of one sitting: its rows in file order, printed in the languages its workers chose. */
export function attestationProtocolModel(args: { records: readonly Attestation[]; centre: Centre; library: Library }): AttestationProtocolModel {
  const [first] = args.records;
  if (!first) throw new Error('an attestation protocol needs the rows of its sitting');
  const professions = new Map<string, { code: string; name: { kk: string; ru: string }; level: number }>();
  for (const r of args.records) {
    const view = professionView(args.library, r);
    professions.set(`${view.code}|${view.level}`, { code: view.code, name: view.name, level: view.level });
  }
  return {
    type: 'attestation-protocol',
    languages: sittingLanguages(args.centre, args.records),
    number: first.sitting_number,
    date: args.records.map((r) => r.attestation_date).sort().at(-1) ?? first.attestation_date,
    commission: first.commission,
    centre: centreView(args.centre),
    professions: [...professions.values()],
    rows: args.records.map((r, i) => ({
      n: i + 1,
      full_name: fullName(r),
      name_words: fullName(r).split(' '),
      iin: r.iin,
      certificate_serial: r.certificate_serial,
      external: r.certificate_serial === null && r.external_issuer !== null && r.external_date !== null ? { issuer: r.external_issuer, date: r.external_date } : null,
      profession: r.profession_code,
      level: r.level,
      attestation_date: r.attestation_date,
      result: r.result,
      category: r.category,
      absence_reason: r.absence_reason,
      due_date: r.result === 'no_show' && r.return_date !== null ? addMonths(r.return_date, 1) : null,
      violation: r.violation,
    })),
  };
}
