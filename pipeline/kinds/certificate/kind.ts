import { qrSvg } from '../../render/templates.js';
import type { ExamResult, ValidRecord } from '../../records/records.js';
import type { DocumentKind } from '../kind.js';
import { aboutRecord } from '../views.js';
import { CertificateModel, certificateModel } from './model.js';

/** A recognized exam result earns a certificate, and so a serial. */
const recognized = (record: ValidRecord): record is ExamResult => 'status' in record && record.status === 'recognized';

/** The document of recognition: one page, a serial from the centre's counter, a QR to the verification service, a row in the register. */
export const certificate: DocumentKind<CertificateModel> = {
  type: 'certificate',
  Model: CertificateModel,
  folder: 'certificates',
  template: 'certificate',
  title: { kk: 'Кәсіптік біліктілікті тану туралы құжат', ru: 'Документ о признании профессиональной квалификации' },
  number: (m) => m.serial,
  onePage: true,
  view: async (m) => ({ qr_svg: await qrSvg(m.verify_url) }),
  perRecord: {
    earns: recognized,
    numbered: true,
    plan(record, serial, ctx) {
      if (!recognized(record)) throw new Error(`row ${record.row}: only a recognized exam result earns a certificate`);
      if (serial === null) throw new Error(`row ${record.row}: a certificate needs a serial`);
      // Decided here and stored with the plan, so a resumed batch prints the same code.
      const verifyCode = ctx.verifyCode();
      return {
        type: 'certificate',
        serial,
        ...aboutRecord(record),
        verify_code: verifyCode,
        model: certificateModel({
          record,
          serial,
          issueDate: ctx.issueDate,
          validityYears: ctx.validityYears(record.standard_code),
          centre: ctx.centre,
          library: ctx.library,
          verifyBaseUrl: ctx.verifyBaseUrl,
          verifyCode,
        }),
      };
    },
  },
  registerRow: (m, { centre, revision }) => ({
    certificate_serial: m.serial,
    revision,
    iin: m.holder.iin,
    full_name: m.holder.full_name,
    profession_code: m.profession.code,
    profession_kk: m.profession.name.kk,
    profession_ru: m.profession.name.ru,
    level: m.profession.level,
    centre,
    issue_date: m.issue_date,
    expiry_date: m.valid_until,
    // Until the holder is attested (Ledger.recordAttestations).
    attestation_result: null,
    attestation_category: null,
    attestation_date: null,
  }),
};
