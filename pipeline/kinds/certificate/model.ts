import { z } from 'zod';
import type { Centre } from '../../config/schema.js';
import { type ExamResult, fullName } from '../../records/records.js';
import type { Library } from '../../standards/library.js';
import { CentreView, Languages, ProfessionView, RevisionView, centreView, languagesFor, professionView } from '../views.js';

/** What a certificate prints: the holder, the profession and level under its standard, the dates and the verification link. */
export const CertificateModel = z.strictObject({
  type: z.literal('certificate'),
  revision: RevisionView.optional(),
  languages: Languages,
  serial: z.string(),
  centre: CentreView,
  holder: z.strictObject({ full_name: z.string(), iin: z.string() }),
  profession: ProfessionView,
  protocol: z.strictObject({ number: z.string(), date: z.string() }),
  issue_date: z.string(),
  valid_until: z.string(),
  verify_url: z.string(),
});
export type CertificateModel = z.infer<typeof CertificateModel>;

/** `years` after an ISO date; 29 February falls back to 28 February in a common year. */
export function addYears(isoDate: string, years: number): string {
  const [y = 0, m = 1, d = 1] = isoDate.split('-').map(Number);
  const target = new Date(Date.UTC(y + years, m - 1, d));
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

export function certificateModel(args: {
  record: ExamResult;
  serial: string;
  issueDate: string;
  validityYears: number;
  centre: Centre;
  library: Library;
  verifyBaseUrl: string;
  /** The document's secret verification code (plan time): the QR's link works only with it. */
  verifyCode: string;
}): CertificateModel {
  const { record, serial, issueDate, centre } = args;
  return {
    type: 'certificate',
    languages: languagesFor(centre, record.language),
    serial,
    centre: centreView(centre),
    holder: { full_name: fullName(record), iin: record.iin },
    profession: professionView(args.library, record),
    protocol: { number: record.protocol_number, date: record.protocol_date },
    issue_date: issueDate,
    valid_until: addYears(issueDate, args.validityYears),
    verify_url: `${args.verifyBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(serial)}/${args.verifyCode}`,
  };
}
