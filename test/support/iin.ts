import { iinCheckDigit } from '../../pipeline/validate/iin.js';

/**
 * A valid IIN for a birth date and sex: the first serial from `serial` on whose check digit
 * exists. Used to make fixtures and property tests, never by the pipeline.
 */
export function makeIin(isoBirthDate: string, sex: 'male' | 'female', serial = 1): string {
  const [y = '', m = '', d = ''] = isoBirthDate.split('-');
  const year = Number(y);
  const base = year < 1900 ? 1 : year < 2000 ? 3 : 5;
  const centuryDigit = base + (sex === 'female' ? 1 : 0);
  for (let s = serial; s < 10_000; s++) {
    const first11 = `${y.slice(2)}${m}${d}${centuryDigit}${String(s).padStart(4, '0')}`;
    const check = iinCheckDigit(first11);
    if (check !== null) return `${first11}${check}`;
  }
  throw new Error(`no IIN for ${isoBirthDate}`);
}
