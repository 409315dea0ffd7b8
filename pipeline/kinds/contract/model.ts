import { z } from 'zod';
import type { Centre } from '../../config/schema.js';
import { type Application, fullName } from '../../records/records.js';
import type { Library } from '../../standards/library.js';
import { CentreView, Languages, ProfessionView, centreView, languagesFor, professionView } from '../views.js';

/** What the contract for the exam service prints: the parties, the candidate's application, the profession, the payment. */
export const ContractModel = z.strictObject({
  type: z.literal('contract'),
  languages: Languages,
  number: z.string(),
  /** The day the contract was concluded: the application's contract date, else its date; never the batch's day, which may follow the exam. */
  date: z.string(),
  /** The candidate's application the contract answers. */
  application: z.strictObject({ number: z.string(), date: z.string() }),
  centre: CentreView,
  candidate: z.strictObject({
    full_name: z.string(),
    iin: z.string(),
    birth_date: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    address: z.string(),
  }),
  profession: ProfessionView,
  /** A voucher, else the centre's fee, else neither (the price list applies). */
  payment: z.strictObject({ voucher: z.string().nullable(), amount: z.number().nullable(), currency: z.string().nullable() }),
});
export type ContractModel = z.infer<typeof ContractModel>;

export function contractModel(args: { record: Application; centre: Centre; library: Library }): ContractModel {
  const { record, centre } = args;
  return {
    type: 'contract',
    languages: languagesFor(centre, record.language),
    number: record.application_number,
    date: record.contract_date ?? record.application_date,
    application: { number: record.application_number, date: record.application_date },
    centre: centreView(centre),
    candidate: {
      full_name: fullName(record),
      iin: record.iin,
      birth_date: record.birth_date,
      phone: record.phone,
      email: record.email,
      address: [record.address_region, record.address_city, record.address_street].filter((x): x is string => !!x).join(', '),
    },
    profession: professionView(args.library, record),
    payment: record.voucher_number
      ? { voucher: record.voucher_number, amount: null, currency: null }
      : { voucher: null, amount: centre.fee?.amount ?? null, currency: centre.fee?.currency ?? null },
  };
}
