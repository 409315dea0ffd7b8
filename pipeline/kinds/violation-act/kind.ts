import type { Attestation, ValidRecord } from '../../records/records.js';
import { isAttestation } from '../attestation-protocol/kind.js';
import type { DocumentKind } from '../kind.js';
import { iinSex } from '../../validate/iin.js';
import { aboutRecord } from '../views.js';
import { ViolationActModel, violationActModel } from './model.js';

const removed = (record: ValidRecord): record is Attestation => isAttestation(record) && record.result === 'removed';

/** The act the commission draws up when it removes a worker for a violation (docs/domain.md): one per removal, in the worker's language. */
export const violationAct: DocumentKind<ViolationActModel> = {
  type: 'violation-act',
  Model: ViolationActModel,
  folder: 'violation-acts',
  template: 'violation-act',
  title: { kk: 'Бұзушылық туралы акт', ru: 'Акт о нарушении' },
  number: (m) => m.number,
  onePage: false,
  // The Russian statement agrees with the worker's sex («отстранена»).
  view: (m) => ({ sex: iinSex(m.worker.iin) }),
  perRecord: {
    earns: removed,
    numbered: false,
    plan(record, _serial, ctx) {
      if (!removed(record)) throw new Error(`row ${record.row}: only a removal earns an act of violation`);
      const model = violationActModel({ record, centre: ctx.centre, library: ctx.library });
      return { type: 'violation-act', serial: model.number, ...aboutRecord(record), verify_code: null, model };
    },
  },
};
