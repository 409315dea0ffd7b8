import { describe, expect, it } from 'vitest';
import { kazakhstanCalendar } from '../../pipeline/core/working-days.js';

describe('working days in Kazakhstan', () => {
  const calendar = kazakhstanCalendar();

  it('skips a weekend', () => {
    // Friday 13.11.2026 + 1 working day is Monday 16.11.2026.
    expect(calendar.addWorkingDays('2026-11-13', 1)).toBe('2026-11-16');
    expect(calendar.addWorkingDays('2026-11-16', 5)).toBe('2026-11-23');
  });

  it('skips Nauryz (21–23 March) and the days off it moves from the weekend', () => {
    // 2025: Nauryz on Fri 21, Sat 22, Sun 23 March; the two weekend days move to Mon 24 and Tue 25.
    for (const day of ['2025-03-21', '2025-03-22', '2025-03-23', '2025-03-24', '2025-03-25']) expect(calendar.isWorkingDay(day), day).toBe(false);
    expect(calendar.isWorkingDay('2025-03-26')).toBe(true);
    // Applied Thursday 20.03.2025: the fifth working day after is Tuesday 01.04.2025.
    expect(calendar.addWorkingDays('2025-03-20', 5)).toBe('2025-04-01');
    expect(calendar.workingDaysAfter('2025-04-01', '2025-04-03')).toBe(2);
    expect(calendar.workingDaysAfter('2025-03-20', '2025-03-25')).toBe(0);
  });

  it('takes the government moves of days off from the configuration', () => {
    // 01–02.01.2026 are holidays, 03–04.01 a weekend: the first working day after 31.12.2025 is Monday 05.01.
    expect(calendar.addWorkingDays('2025-12-31', 1)).toBe('2026-01-05');
    // A move of the day off from Saturday 03.01 to Monday 05.01 (an example, not a real decree).
    const moved = kazakhstanCalendar([{ from: '2026-01-03', to: '2026-01-05' }]);
    expect(moved.isWorkingDay('2026-01-03')).toBe(true);
    expect(moved.isWorkingDay('2026-01-05')).toBe(false);
    expect(moved.addWorkingDays('2025-12-31', 1)).toBe('2026-01-03');
    expect(moved.addWorkingDays('2025-12-31', 2)).toBe('2026-01-06');
  });

  it('counts the working days between two dates', () => {
    expect(calendar.workingDaysAfter('2026-11-13', '2026-11-20')).toBe(5);
    expect(calendar.workingDaysAfter('2026-11-20', '2026-11-13')).toBe(0);
  });
});
