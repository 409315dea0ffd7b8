import { z } from 'zod';
import { CODES, type Code, type MessageParams, message } from './catalogue.js';

/**
 * One entry of a report: where (row as the user sees it, column), what was received, the
 * stable code and the message in both languages. File-level problems have `row: null`.
 */
export const Issue = z.strictObject({
  row: z.number().int().nullable(),
  column: z.string().nullable(),
  value: z.string().nullable(),
  code: z.enum(CODES as [Code, ...Code[]]),
  message: z.strictObject({ kk: z.string(), ru: z.string() }),
});
export type Issue = z.infer<typeof Issue>;

/**
 * How much of a received value a report repeats. A 5 MB cell is not copied into every
 * report and log line: the report shows its start and says how long it was, and the whole
 * value stays in the received file, kept byte for byte.
 */
export const SHOWN_VALUE_CHARS = 200;

export function shownValue(value: string): string {
  const chars = [...value];
  return chars.length <= SHOWN_VALUE_CHARS ? value : `${chars.slice(0, SHOWN_VALUE_CHARS).join('')}… [${chars.length}]`;
}

export function issue(
  code: Code,
  at: { row?: number | null; column?: string | null; value?: string | null } = {},
  params: MessageParams = {},
): Issue {
  return { row: at.row ?? null, column: at.column ?? null, value: at.value == null ? null : shownValue(at.value), code, message: message(code, params) };
}
