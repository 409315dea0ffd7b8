/**
 * Calendar dates travel through Tanu as ISO strings ("YYYY-MM-DD", date-times as
 * "YYYY-MM-DDTHH:MM", local to the centre): they compare correctly as strings, print
 * without time-zone surprises, and a record never changes day because of UTC.
 */

export const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

export function isoDate(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A date's text as read: the ISO value; or written in a form Tanu reads but naming no real
 * day (31.11, 29.02 of a common year: the last day of that month is given), month (13) or
 * time (25:00); or in no form Tanu reads.
 */
export type DateReading = { date: string } | { problem: 'format' } | { problem: 'no-such-day'; lastDay: string } | { problem: 'no-such-month' } | { problem: 'no-such-time' };

/**
 * Reads what centres write: "dd.mm.yyyy" (their spreadsheets) or ISO "yyyy-mm-dd" (JSON,
 * YAML); with `withTime`, an optional " hh:mm" (or ISO "Thh:mm") after the date. Anything
 * else is a problem: a date is never guessed.
 */
export function readDateText(text: string, withTime: boolean): DateReading {
  const t = text.trim();
  const m =
    /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t) ??
    /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (!m || (m[4] !== undefined && !withTime)) return { problem: 'format' };
  const iso = t.includes('-');
  const [year, month, day] = (iso ? [m[1], m[2], m[3]] : [m[3], m[2], m[1]]).map(Number) as [number, number, number];
  if (month < 1 || month > 12) return { problem: 'no-such-month' };
  const date = isoDate(year, month, day);
  if (!date) return { problem: 'no-such-day', lastDay: isoDate(year, month, daysInMonth(year, month)) ?? '' };
  if (m[4] === undefined) return { date };
  const hh = Number(m[4]);
  const mm = Number(m[5]);
  if (hh > 23 || mm > 59) return { problem: 'no-such-time' };
  return { date: `${date}T${pad2(hh)}:${pad2(mm)}` };
}

/** `readDateText`'s value, or null for any problem. */
export function parseDateText(text: string, withTime: boolean): string | null {
  const read = readDateText(text, withTime);
  return 'date' in read ? read.date : null;
}

/** "2026-03-15" → "15.03.2026"; "2026-03-15T09:30" → "15.03.2026 09:30". */
export function displayDate(isoValue: string): string {
  const [date = '', time] = isoValue.split('T');
  const [y, m, d] = date.split('-');
  return `${d}.${m}.${y}${time ? ` ${time}` : ''}`;
}

/** The calendar part of a date or date-time. */
export const datePart = (isoValue: string) => isoValue.slice(0, 10);

/**
 * The same day `months` calendar months later, or the month's last day when it has no such
 * day ("within one month" of 31 January ends on 28 or 29 February): the law counts in
 * calendar months, not in days.
 */
export function addMonths(isoValue: string, months: number): string {
  const [y = 0, m = 1, d = 1] = datePart(isoValue).split('-').map(Number);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return isoDate(year, month, Math.min(d, daysInMonth(year, month))) ?? isoValue;
}
