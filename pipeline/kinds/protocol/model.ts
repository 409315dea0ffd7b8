import { z } from 'zod';
import type { Centre } from '../../config/schema.js';
import { ExamResult, fullName } from '../../records/records.js';
import type { Library } from '../../standards/library.js';
import { BilingualValue, CentreView, Languages, RevisionView, centreView, professionView, sittingLanguages } from '../views.js';

/** One candidate's line in the protocol. */
export const ProtocolRow = z.strictObject({
  n: z.number().int(),
  full_name: z.string(),
  /** The name's words, each kept on one line: a double surname never breaks at its hyphen. */
  name_words: z.array(z.string()),
  iin: z.string(),
  profession: z.string(),
  level: z.number().int(),
  exam1_at: z.string().nullable(),
  exam1_score: z.number().nullable(),
  exam2_at: z.string().nullable(),
  exam2_score: z.number().nullable(),
  status: ExamResult.shape.status,
  no_show_reason: ExamResult.shape.no_show_reason,
});
export type ProtocolRow = z.infer<typeof ProtocolRow>;

/** What the exam commission's protocol prints: the sitting, and every candidate of it with their result. */
export const ProtocolModel = z.strictObject({
  type: z.literal('protocol'),
  revision: RevisionView.optional(),
  languages: Languages,
  number: z.string(),
  date: z.string(),
  centre: CentreView,
  /** The organization that issued the protocol, as the file names it; the centre when null. */
  issuer: z.string().nullable(),
  place: z.strictObject({ region: z.string().nullable(), city: z.string().nullable(), address: z.string().nullable() }),
  professions: z.array(z.strictObject({ code: z.string(), name: BilingualValue, level: z.number().int() })),
  rows: z.array(ProtocolRow),
});
export type ProtocolModel = z.infer<typeof ProtocolModel>;

/** One protocol per protocol number: every valid exam row of that number, in file order. */
export function protocolModels(args: { records: readonly ExamResult[]; centre: Centre; library: Library }): ProtocolModel[] {
  const groups = new Map<string, ExamResult[]>();
  for (const r of args.records) groups.set(r.protocol_number, [...(groups.get(r.protocol_number) ?? []), r]);
  return [...groups.entries()].map(([number, rows]) => {
    const first = rows[0] as ExamResult;
    const professions = new Map<string, { code: string; name: { kk: string; ru: string }; level: number }>();
    for (const r of rows) {
      const view = professionView(args.library, r);
      professions.set(`${view.code}|${view.level}`, { code: view.code, name: view.name, level: view.level });
    }
    return {
      type: 'protocol',
      languages: sittingLanguages(args.centre, rows),
      number,
      date: rows.map((r) => r.protocol_date).sort().at(-1) ?? first.protocol_date,
      centre: centreView(args.centre),
      issuer: first.protocol_issuer,
      place: { region: first.exam_region, city: first.exam_city, address: first.exam_address },
      professions: [...professions.values()],
      rows: rows.map((r, i) => ({
        n: i + 1,
        full_name: fullName(r),
        name_words: fullName(r).split(' '),
        iin: r.iin,
        profession: r.profession_code,
        level: r.level,
        exam1_at: r.exam1_at,
        exam1_score: r.exam1_score,
        exam2_at: r.exam2_at,
        exam2_score: r.exam2_score,
        status: r.status,
        no_show_reason: r.no_show_reason,
      })),
    };
  });
}
