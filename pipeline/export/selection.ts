import { z } from 'zod';
import type { ExportFilter } from '../ledger/ledger.js';

/**
 * What `tanu export` packs: published documents whose batch was issued between two dates
 * (inclusive), of one centre, one profession, in one status, or any of these. Every
 * revision of a selected serial is packed with it, so a superseded document travels with
 * the one that replaced it.
 */

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date written YYYY-MM-DD');

export const Selection = z.strictObject({
  from: IsoDate.nullable().default(null),
  to: IsoDate.nullable().default(null),
  centre: z.string().min(1).nullable().default(null),
  profession: z.string().min(1).nullable().default(null),
  status: z.enum(['issued', 'superseded', 'revoked', 'all']).default('all'),
});
export type Selection = z.infer<typeof Selection>;

export const toFilter = (s: Selection): ExportFilter => ({ from: s.from, to: s.to, centre: s.centre, profession: s.profession, status: s.status === 'all' ? null : s.status });

/** The selection in words, for bag-info.txt and the reports: `from=… to=… centre=… profession=… status=…`. */
export const describeSelection = (s: Selection) =>
  [`from=${s.from ?? '*'}`, `to=${s.to ?? '*'}`, `centre=${s.centre ?? '*'}`, `profession=${s.profession ?? '*'}`, `status=${s.status}`].join(' ');
