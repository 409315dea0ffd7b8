import type { AttestationMark } from '../../ledger/ledger.js';
import type { Attestation, ValidRecord } from '../../records/records.js';
import type { DocumentKind, PlanContext, PlannedDocument } from '../kind.js';
import { aboutSitting, rowsWithSex, runningHeader } from '../views.js';
import { AttestationProtocolModel, attestationProtocolModel } from './model.js';

export const isAttestation = (record: ValidRecord): record is Attestation => 'attestation_date' in record;

function counts(model: AttestationProtocolModel) {
  const count = (s: string) => model.rows.filter((r) => r.result === s).length;
  return { total: model.rows.length, attested: count('attested'), not_attested: count('not_attested'), no_show: count('no_show'), removed: count('removed') };
}

/** The attestation commission's protocol (docs/domain.md): one per sitting, planned once the whole file has been read. */
export const attestationProtocol: DocumentKind<AttestationProtocolModel> = {
  type: 'attestation-protocol',
  Model: AttestationProtocolModel,
  folder: 'attestation-protocols',
  template: 'attestation-protocol',
  title: { kk: 'Аттестаттау комиссиясының хаттамасы', ru: 'Протокол аттестационной комиссии' },
  number: (m) => m.number,
  onePage: false,
  view: (m, labels) => ({ counts: counts(m), running: runningHeader(m, labels), rows: rowsWithSex(m.rows) }),
  perSitting: {
    sitting: (record) => (isAttestation(record) ? record.sitting_number : null),
    plan: (records, ctx) => (records.every(isAttestation) ? planAttestationProtocol(records, ctx) : null),
  },
  // A decision (not a rescheduling) on a certificate of the register is put against it; an external document has no row there.
  registerMarks: (m) =>
    m.rows.flatMap((r): AttestationMark[] =>
      r.certificate_serial !== null && r.result !== 'no_show' ? [{ certificate_serial: r.certificate_serial, result: r.result, category: r.category, date: r.attestation_date }] : [],
    ),
};

function planAttestationProtocol(records: readonly Attestation[], ctx: PlanContext): PlannedDocument {
  const model = attestationProtocolModel({ records, centre: ctx.centre, library: ctx.library });
  const first = records[0];
  if (!first) throw new Error('an attestation protocol is planned from the rows of one sitting');
  return { type: 'attestation-protocol', serial: model.number, ...aboutSitting(first), language: model.languages[0] ?? first.language, model };
}
