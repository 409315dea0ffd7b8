import { describe, expect, it } from 'vitest';
import { fixedClock, localNow } from '../../pipeline/core/clock.js';
import { displayDate, parseDateText } from '../../pipeline/core/dates.js';

describe('dates', () => {
  it('reads dd.mm.yyyy and ISO, with and without time', () => {
    expect(parseDateText('15.03.2026', false)).toBe('2026-03-15');
    expect(parseDateText(' 5.3.2026 ', false)).toBe('2026-03-05');
    expect(parseDateText('2026-03-15', false)).toBe('2026-03-15');
    expect(parseDateText('15.03.2026 09:05', true)).toBe('2026-03-15T09:05');
    expect(parseDateText('2026-03-15T09:05', true)).toBe('2026-03-15T09:05');
    expect(parseDateText('15.03.2026', true)).toBe('2026-03-15');
  });

  it('refuses what it would have to guess', () => {
    for (const bad of ['2026/03/15', '15-03-2026', '03.15.2026', '29.02.2025', '31.04.2026', '15.03.26', 'завтра', '15.03.2026 24:00', '']) {
      expect(parseDateText(bad, true), bad).toBeNull();
    }
    expect(parseDateText('15.03.2026 09:05', false)).toBeNull();
    expect(parseDateText('29.02.2024', false)).toBe('2024-02-29');
  });

  it('prints dates as dd.mm.yyyy', () => {
    expect(displayDate('2026-03-05')).toBe('05.03.2026');
    expect(displayDate('2026-03-05T09:30')).toBe('05.03.2026 09:30');
  });

  it('decides today in the centre time zone, not UTC', () => {
    // 20:30 UTC on the 23rd is already the 24th in Almaty (UTC+5).
    expect(localNow(fixedClock('2026-11-23T20:30:00Z'), 'Asia/Almaty')).toEqual({ date: '2026-11-24', dateTime: '2026-11-24T01:30' });
  });
});
