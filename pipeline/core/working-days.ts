import { createRequire } from 'node:module';
import type Holidays from 'date-holidays';

// Loaded at the first holiday asked for, synchronously (the rules are synchronous): its
// tables take a third of a second to load, and most files never count working days.
const load = createRequire(import.meta.url);

/**
 * Working days in Kazakhstan, for deadlines counted in them: seed 003, paragraph 9, gives
 * the registry's administrator five working days after an application to decide
 * (docs/formats.md, "Registry applications"). A working day is a Monday to Friday
 * that is not a public holiday (date-holidays' table for KZ, with the Labour Code's rule
 * that a holiday falling on a weekend moves to the next working day), and the government's
 * yearly moves of days off (`calendar.moved_days` in the configuration), which no library
 * can know ahead: a day off moved from a Saturday to a weekday makes that Saturday a
 * working day and the weekday a day off. Dates are ISO strings (core/dates.ts), so a day
 * never shifts with a time zone. Days are counted one by one: callers keep the span short
 * (the registry's deadline rule counts only between dates it has bounded).
 */

/** One government move: the day off `from` (it becomes a working day) is taken on `to` (a day off). */
export type MovedDay = { from: string; to: string };

export type WorkingCalendar = {
  isWorkingDay: (date: string) => boolean;
  /** The `n`-th working day after `date` (`date` itself never counts). */
  addWorkingDays: (date: string, n: number) => string;
  /** How many working days lie after `from`, up to and including `to` (0 when `to` is not after `from`). */
  workingDaysAfter: (from: string, to: string) => number;
};

const DAY_MS = 86_400_000;
// Parsed as ISO text, not Date.UTC(y, …), which reads a year below 100 as 19yy.
const toUtc = (date: string) => new Date(`${date}T00:00:00Z`).getTime();
const fromUtc = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const nextDay = (date: string) => fromUtc(toUtc(date) + DAY_MS);

export function kazakhstanCalendar(moved: readonly MovedDay[] = []): WorkingCalendar {
  let holidays: Holidays | undefined;
  const byYear = new Map<number, ReadonlySet<string>>();
  // Only public holidays are days off; observances and the like are worked.
  const publicHolidays = (year: number) => {
    let set = byYear.get(year);
    if (!set) {
      holidays ??= new (load('date-holidays') as typeof Holidays)('KZ');
      set = new Set(holidays.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
      byYear.set(year, set);
    }
    return set;
  };
  const worked = new Set(moved.map((m) => m.from));
  const off = new Set(moved.map((m) => m.to));

  const isWorkingDay = (date: string) => {
    if (off.has(date)) return false;
    if (worked.has(date)) return true;
    const weekday = new Date(toUtc(date)).getUTCDay();
    return weekday !== 0 && weekday !== 6 && !publicHolidays(Number(date.slice(0, 4))).has(date);
  };

  const addWorkingDays = (date: string, n: number) => {
    let day = date;
    for (let left = n; left > 0; ) {
      day = nextDay(day);
      if (isWorkingDay(day)) left--;
    }
    return day;
  };

  const workingDaysAfter = (from: string, to: string) => {
    let count = 0;
    for (let day = nextDay(from); day <= to; day = nextDay(day)) if (isWorkingDay(day)) count++;
    return count;
  };

  return { isWorkingDay, addWorkingDays, workingDaysAfter };
}
