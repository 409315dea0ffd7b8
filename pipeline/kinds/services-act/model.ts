import { z } from 'zod';
import type { ExamResult } from '../../records/records.js';
import { ContractModel } from '../contract/model.js';
import { CentreView, Languages, ProfessionView } from '../views.js';

/**
 * The act of services rendered (docs/domain.md): the centre states that the service its
 * contract promised (the recognition procedure) was rendered once the candidate sat the
 * exam, whatever the outcome. Printed in the contract's languages.
 */
export const ServicesActModel = z.strictObject({
  type: z.literal('services-act'),
  languages: Languages,
  /** The contract's number: one act per contract. */
  number: z.string(),
  /** The day the act is drawn up (the batch's issue date). */
  date: z.string(),
  contract: z.strictObject({ number: z.string(), date: z.string() }),
  centre: CentreView,
  customer: z.strictObject({ full_name: z.string(), iin: z.string() }),
  profession: ProfessionView,
  /** The exam's protocol: the service was rendered when it was held. */
  protocol: z.strictObject({ number: z.string(), date: z.string() }),
  payment: ContractModel.shape.payment,
});
export type ServicesActModel = z.infer<typeof ServicesActModel>;

export function servicesActModel(args: { contract: ContractModel; record: ExamResult; drawnUp: string }): ServicesActModel {
  const { contract, record } = args;
  return {
    type: 'services-act',
    languages: contract.languages,
    number: contract.number,
    date: args.drawnUp,
    contract: { number: contract.number, date: contract.date },
    centre: contract.centre,
    customer: { full_name: contract.candidate.full_name, iin: contract.candidate.iin },
    profession: contract.profession,
    protocol: { number: record.protocol_number, date: record.protocol_date },
    payment: contract.payment,
  };
}
