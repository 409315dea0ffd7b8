import { describe, expect, it } from 'vitest';
import { message } from '../../pipeline/core/catalogue.js';
import { caseEnding, lastWordOf, withEnding } from '../../pipeline/core/kazakh.js';

describe('Kazakh endings after numbers', () => {
  it('reads the last word of a number aloud', () => {
    expect([0, 1, 7, 10, 40, 70, 100, 1500, 2000, 3_000_000, 5_000_000_000].map((n) => lastWordOf(BigInt(n)))).toEqual([
      'нөл', 'бір', 'жеті', 'он', 'қырық', 'жетпіс', 'жүз', 'жүз', 'мың', 'миллион', 'миллиард',
    ]);
  });

  it('the ablative follows harmony and the last sound: 70-тен, 60-тан, 50-ден, 10-нан, 80-нен', () => {
    const ablative = (n: number) => withEnding(n, 'ablative');
    expect([70, 60, 50, 10, 80, 90, 40, 9, 2, 3, 6, 0, 100, 1000, 1_000_000_000].map(ablative)).toEqual([
      '70-тен', '60-тан', '50-ден', '10-нан', '80-нен', '90-нан', '40-тан', '9-дан', '2-ден', '3-тен', '6-дан', '0-ден', '100-ден', '1000-нан', '1000000000-тан',
    ]);
  });

  it('the dative and the locative', () => {
    expect([100, 60, 70, 10, 30, 4].map((n) => withEnding(n, 'dative'))).toEqual(['100-ге', '60-қа', '70-ке', '10-ға', '30-ға', '4-ке']);
    expect([5, 6, 10, 20, 2026].map((n) => withEnding(n, 'locative'))).toEqual(['5-те', '6-да', '10-да', '20-да', '2026-да']);
    expect(caseEnding('жүз', 'dative')).toBe('ге');
  });

  it('a fraction ends like its last digits: 70,5-тен', () => {
    expect(withEnding('70,5', 'ablative')).toBe('70,5-тен');
  });

  it('the catalogue uses it for a configured threshold', () => {
    expect(message('BELOW_THRESHOLD', { min: 60 }).kk).toContain('балл 60-тан кем болмауы тиіс');
    expect(message('BELOW_THRESHOLD', { min: 70 }).kk).toContain('балл 70-тен кем болмауы тиіс');
    expect(message('BELOW_THRESHOLD', { min: 75 }).kk).toContain('балл 75-тен кем болмауы тиіс');
    expect(message('SCORE_RANGE').kk).toBe('Балл 0-ден 100-ге дейінгі сан болуы тиіс');
  });
});
