import { isoDate } from '../core/dates.js';

/**
 * The IIN (docs/domain.md, The IIN): YYMMDD of birth, a century-and-sex digit, a four-digit serial and a
 * check digit. Pure functions, shared by the validation rules and the test generators.
 */

const FIRST_WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const SECOND_WEIGHTS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

const weighted = (digits: readonly number[], weights: readonly number[]) =>
  weights.reduce((sum, w, i) => sum + w * (digits[i] ?? 0), 0) % 11;

/** The check digit for the first 11 digits, or null when the number can never be issued. */
export function iinCheckDigit(first11: string): number | null {
  const digits = [...first11].map(Number);
  const first = weighted(digits, FIRST_WEIGHTS);
  if (first !== 10) return first;
  const second = weighted(digits, SECOND_WEIGHTS);
  return second === 10 ? null : second;
}


export function iinChecksumOk(iin: string): boolean {
  return iinCheckDigit(iin.slice(0, 11)) === Number(iin[11]);
}

const CENTURY: Record<string, number> = { '1': 1800, '2': 1800, '3': 1900, '4': 1900, '5': 2000, '6': 2000 };

/** The birth date inside an IIN ("YYYY-MM-DD"), or a reason it has none. */
export function iinBirthDate(iin: string): { date: string } | { problem: 'century' | 'date' } {
  const century = CENTURY[iin[6] ?? ''];
  if (century === undefined) return { problem: 'century' };
  const date = isoDate(century + Number(iin.slice(0, 2)), Number(iin.slice(2, 4)), Number(iin.slice(4, 6)));
  return date ? { date } : { problem: 'date' };
}

/** The sex the IIN's 7th digit gives (odd male, even female; docs/domain.md), or null for a digit no IIN has. */
export function iinSex(iin: string): 'male' | 'female' | null {
  const digit = Number(iin[6]);
  return digit >= 1 && digit <= 6 ? (digit % 2 === 1 ? 'male' : 'female') : null;
}
