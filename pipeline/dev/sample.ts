import type { LoadedConfig } from '../config/load.js';
import type { Application, Attestation, ExamResult } from '../records/records.js';
import type { Library } from '../standards/library.js';
import type { Language } from '../standards/schema.js';
import type { DocumentType } from '../ledger/ledger.js';
import { certificateModel } from '../kinds/certificate/model.js';
import { contractModel } from '../kinds/contract/model.js';
import { protocolModels } from '../kinds/protocol/model.js';
import { attestationProtocolModel } from '../kinds/attestation-protocol/model.js';
import { violationActModel } from '../kinds/violation-act/model.js';
import { servicesActModel } from '../kinds/services-act/model.js';
import type { DocumentModel } from '../kinds/registry.js';

/**
 * Sample documents for `tanu preview` and the benchmark: a holder whose name has every
 * Kazakh letter, the demo centre, the first cards of Q88100061. Never written to a ledger.
 */

const person = {
  iin: '850315400015',
  // ә ғ қ ң ө ұ ү һ і: every letter Kazakh adds to Cyrillic, in one name.
  last_name: 'Әбдіғұлова-Өмірзақ',
  first_name: 'Гүлшаһар',
  middle_name: 'Жеңісқызы',
  birth_date: '1985-03-15',
  phone: '+7 701 000 00 00',
  email: null,
};

/** Every other sample row: a man born in 2003 (an IIN with a leading zero in a spreadsheet). */
const second = { last_name: 'Шаһизадаев', first_name: 'Жәңгір', middle_name: 'Үмбетқұлұлы', iin: '030721501234', birth_date: '2003-07-21' };

/** The person, card and language of sample row `n`, whatever the kind of record. */
const sampleRow = (n: number, language: Language) => ({
  row: n + 2,
  ...person,
  ...(n % 2 === 1 ? second : {}),
  standard_code: 'Q88100061',
  standard_version: 2,
  profession_code: '3412-0-008',
  level: 4,
  language,
});

export function sampleExamResult(n: number, language: Language): ExamResult {
  return {
    ...sampleRow(n, language),
    exam1_at: '2026-11-10T10:00',
    exam1_score: 85,
    exam2_at: '2026-11-11T10:00',
    exam2_score: 78,
    status: n % 5 === 3 ? 'refused' : n % 5 === 4 ? 'no_show' : 'recognized',
    no_show_reason: n % 5 === 4 ? 'health' : null,
    resit_date: null,
    ...(n % 5 === 3 ? { exam1_score: 52, exam2_score: 61 } : {}),
    ...(n % 5 === 4 ? { exam1_at: null, exam1_score: null, exam2_at: null, exam2_score: null } : {}),
    protocol_number: 'ХТ-9',
    protocol_date: '2026-11-12',
    protocol_issuer: null,
    exam_region: 'Алматы',
    exam_city: 'Алматы',
    exam_address: 'Абай даңғылы, 1',
  };
}

export function sampleApplication(language: Language): Application {
  return {
    row: 2,
    ...person,
    standard_code: 'Q88100061',
    standard_version: 2,
    profession_code: '3412-0-008',
    level: 4,
    language,
    address_region: 'Алматы',
    address_city: 'Алматы',
    address_street: 'Абай даңғылы, 10, 5-пәтер',
    application_number: 'Ө-2026-0001',
    application_date: '2026-11-02',
    contract_date: '2026-11-04',
    voucher_number: null,
  };
}

/** A sitting of the attestation commission: attested (higher category), rescheduled (vacation), removed (a telephone), not attested. */
export function sampleAttestation(n: number, language: Language): Attestation {
  const results = [
    { result: 'attested', category: 'higher' },
    { result: 'no_show', absence_reason: 'vacation', return_date: '2026-12-01' },
    { result: 'removed', violation: 'device', violation_details: 'Ұялы телефон / мобильный телефон' },
    { result: 'not_attested' },
  ] as const;
  return {
    ...sampleRow(n, language),
    certificate_serial: `DEMO01-2026-00000${n + 1}`,
    external_issuer: null,
    external_date: null,
    attestation_date: '2026-11-20',
    category: null,
    commission: 'Алматы қаласы ӘҚБ аттестаттау комиссиясы',
    sitting_number: 'АК-3',
    absence_reason: null,
    return_date: null,
    violation: null,
    violation_details: null,
    ...results[n % results.length]!,
  };
}

export function sampleModel(type: DocumentType, languages: 'kk' | 'ru' | 'both', config: LoadedConfig, library: Library, issueDate: string): DocumentModel {
  const base = config.centres.find((c) => c.id === config.default_centre) ?? config.centres[0];
  if (!base) throw new Error('config has no centre');
  const centre = { ...base, bilingual_documents: languages === 'both' };
  const language: Language = languages === 'ru' ? 'ru' : 'kk';
  if (type === 'certificate')
    return certificateModel({
      record: sampleExamResult(0, language),
      serial: `${centre.serial_prefix}-${issueDate.slice(0, 4)}-000001`,
      issueDate,
      validityYears: config.defaults.validity_years,
      centre,
      library,
      verifyBaseUrl: config.documents.verify_base_url,
      // A sample's link leads nowhere real: its code says so.
      verifyCode: 'SAMPLE',
    });
  if (type === 'protocol') {
    const [protocol] = protocolModels({ records: [0, 1, 2, 3, 4].map((n) => sampleExamResult(n, language)), centre, library });
    if (!protocol) throw new Error('no sample protocol');
    return protocol;
  }
  if (type === 'attestation-protocol') return attestationProtocolModel({ records: [0, 1, 2, 3].map((n) => sampleAttestation(n, language)), centre, library });
  if (type === 'violation-act') return violationActModel({ record: sampleAttestation(2, language), centre, library });
  const contract = contractModel({ record: sampleApplication(language), centre, library });
  if (type === 'services-act') return servicesActModel({ contract, record: sampleExamResult(0, language), drawnUp: issueDate });
  return contract;
}
