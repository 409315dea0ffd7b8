import { z } from 'zod';
import type { Centre } from '../../config/schema.js';
import { Violation } from '../../records/attestation.js';
import { type Attestation, fullName } from '../../records/records.js';
import type { Library } from '../../standards/library.js';
import { CentreView, Languages, ProfessionView, centreView, languagesFor, professionView } from '../views.js';

/** What the act of a violation at an attestation prints: who, when, at which sitting, what was found, that the worker was removed. */
export const ViolationActModel = z.strictObject({
  type: z.literal('violation-act'),
  languages: Languages,
  number: z.string(),
  date: z.string(),
  commission: z.string(),
  sitting_number: z.string(),
  centre: CentreView,
  worker: z.strictObject({ full_name: z.string(), iin: z.string() }),
  profession: ProfessionView,
  violation: Violation,
  details: z.string().nullable(),
});
export type ViolationActModel = z.infer<typeof ViolationActModel>;

/**
 * The act's number: the sitting's and the file row of the removal, so one removal has one
 * act however often the file is read, and no personal number is in the number or the file
 * name (docs/contracts.md, "Outbox"). Acts issued before carry `<sitting>-<IIN>` and are
 * read as they were: the number is only ever stored and printed, never taken apart.
 */
export const violationActNumber = (r: Attestation) => `${r.sitting_number}-${r.row}`;

export function violationActModel(args: { record: Attestation; centre: Centre; library: Library }): ViolationActModel {
  const r = args.record;
  if (r.violation === null) throw new Error(`row ${r.row}: a removal without its violation reached the act`);
  return {
    type: 'violation-act',
    languages: languagesFor(args.centre, r.language),
    number: violationActNumber(r),
    date: r.attestation_date,
    commission: r.commission,
    sitting_number: r.sitting_number,
    centre: centreView(args.centre),
    worker: { full_name: fullName(r), iin: r.iin },
    profession: professionView(args.library, r),
    violation: r.violation,
    details: r.violation_details,
  };
}
