import type { Application, ValidRecord } from '../../records/records.js';
import type { DocumentKind } from '../kind.js';
import { aboutRecord, headInParties } from '../views.js';
import { contractDocx, paymentLine } from './docx.js';
import { ContractModel, contractModel } from './model.js';

const isApplication = (record: ValidRecord): record is Application => 'application_number' in record;

/** The contract for the exam service: one per application, numbered by it, with an editable DOCX beside the PDF. */
export const contract: DocumentKind<ContractModel> = {
  type: 'contract',
  Model: ContractModel,
  folder: 'contracts',
  template: 'contract',
  title: { kk: 'Қызметтер көрсету шарты', ru: 'Договор оказания услуг' },
  number: (m) => m.number,
  onePage: false,
  // The lines the DOCX words alike, so the two never disagree.
  view: (m, labels) => ({
    parties_head: Object.fromEntries(m.languages.map((lang) => [lang, headInParties(m.centre.head, lang)])),
    payment_line: Object.fromEntries(m.languages.map((lang) => [lang, paymentLine(m.payment, labels, lang)])),
  }),
  beside: async (m, labels) => ({ docx: await contractDocx(m, labels) }),
  perRecord: {
    earns: isApplication,
    numbered: false,
    plan(record, _serial, ctx) {
      if (!isApplication(record)) throw new Error(`row ${record.row}: only an application earns a contract`);
      return {
        type: 'contract',
        serial: record.application_number,
        ...aboutRecord(record),
        verify_code: null,
        model: contractModel({ record, centre: ctx.centre, library: ctx.library }),
      };
    },
  },
};
