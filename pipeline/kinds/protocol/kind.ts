import type { ExamResult, ValidRecord } from '../../records/records.js';
import type { DocumentKind, PlanContext, PlannedDocument } from '../kind.js';
import { aboutSitting, rowsWithSex, runningHeader } from '../views.js';
import { ProtocolModel, protocolModels } from './model.js';

function counts(model: ProtocolModel) {
  const count = (s: string) => model.rows.filter((r) => r.status === s).length;
  return { total: model.rows.length, recognized: count('recognized'), refused: count('refused'), no_show: count('no_show') };
}

const isExamResult = (record: ValidRecord): record is ExamResult => 'exam1_at' in record;

/** The exam commission's protocol: one per sitting (protocol number), planned once the whole file has been read. */
export const protocol: DocumentKind<ProtocolModel> = {
  type: 'protocol',
  Model: ProtocolModel,
  folder: 'protocols',
  template: 'protocol',
  title: { kk: 'Емтихан комиссиясының хаттамасы', ru: 'Протокол экзаменационной комиссии' },
  number: (m) => m.number,
  onePage: false,
  view: (m, labels) => ({ counts: counts(m), running: runningHeader(m, labels), rows: rowsWithSex(m.rows) }),
  perSitting: {
    sitting: (record) => (isExamResult(record) ? record.protocol_number : null),
    plan: (records, ctx) => (records.every(isExamResult) ? planProtocol(records, ctx) : null),
    revise: (records, ctx, earlier) => (records.every(isExamResult) ? planProtocolRevision(records, ctx, earlier) : null),
  },
};

/** The protocol of one protocol number: every valid exam row of it, in file order. */
export function planProtocol(records: readonly ExamResult[], ctx: PlanContext): PlannedDocument & { model: ProtocolModel } {
  const models = protocolModels({ records, centre: ctx.centre, library: ctx.library });
  const [model] = models;
  const first = records[0];
  if (!model || !first || models.length !== 1) throw new Error('a protocol is planned from the rows of one protocol number');
  return { type: 'protocol', serial: model.number, ...aboutSitting(first), language: model.languages[0] ?? first.language, model };
}

/**
 * The protocol of a sitting whose rows came in more than one file: every row of it, the
 * earlier files' first, issued as the next revision of the protocol already issued, which
 * it supersedes (docs/contracts.md, "Regeneration"). One sitting, one current protocol.
 */
export function planProtocolRevision(records: readonly ExamResult[], ctx: PlanContext, earlier: { id: number; revision: number }): PlannedDocument & { model: ProtocolModel; record_id: null; revision: number; supersedes: number } {
  const planned = planProtocol(records, ctx);
  const revision = earlier.revision + 1;
  return { ...planned, model: { ...planned.model, revision: { number: revision, replaces: earlier.revision } }, record_id: null, revision, supersedes: earlier.id };
}
