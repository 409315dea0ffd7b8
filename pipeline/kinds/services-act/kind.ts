import type { ExamResult, ValidRecord } from '../../records/records.js';
import { label } from '../../render/templates.js';
import { para, wordDocument } from '../contract/docx.js';
import type { DocumentKind } from '../kind.js';
import { aboutRecord } from '../views.js';
import { ServicesActModel, servicesActModel } from './model.js';
import { actLines } from './lines.js';

/** The candidate sat the exam: recognized or refused (a no-show has not). */
const satExam = (record: ValidRecord): record is ExamResult => 'exam1_at' in record && (record.status === 'recognized' || record.status === 'refused');

/** The act of services rendered: one per contract whose candidate has sat the exam, PDF and an editable DOCX. */
export const servicesAct: DocumentKind<ServicesActModel> = {
  type: 'services-act',
  Model: ServicesActModel,
  folder: 'services-acts',
  template: 'services-act',
  title: { kk: 'Көрсетілген қызметтер актісі', ru: 'Акт оказанных услуг' },
  number: (m) => m.number,
  onePage: false,
  view: (m, labels) => ({ text: Object.fromEntries(m.languages.map((lang) => [lang, actLines(m, labels, lang)])) }),
  beside: async (m, labels) => ({
    docx: await wordDocument(
      m.languages.map((lang) => actLines(m, labels, lang).map((line, i) => para(line, { bold: i === 0 }))),
      `${label(labels, 'title', m.languages[0] ?? 'kk')} № ${m.number}`,
    ),
  }),
  perContract: {
    earns: satExam,
    plan(record, contract, ctx) {
      if (!satExam(record)) throw new Error(`row ${record.row}: only an exam sat earns an act of services`);
      const model = servicesActModel({ contract, record, drawnUp: ctx.issueDate });
      return { type: 'services-act', serial: model.number, ...aboutRecord(record), language: model.languages[0] ?? record.language, verify_code: null, model };
    },
  },
};
