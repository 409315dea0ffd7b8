import { displayDate } from './dates.js';

/**
 * The clock is a seam: the pipeline asks it for "now" and never reads the system time
 * itself, so tests can pin the date that "not in the future" and "in force" depend on.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const fixedClock = (iso: string): Clock => {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new Error(`fixedClock: not a date: ${iso}`);
  return { now: () => new Date(at) };
};

/** Local date and time ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM") of an instant in a time zone. */
export function localNow(clock: Clock, timeZone: string): { date: string; dateTime: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(clock.now());
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  const date = `${get('year')}-${get('month')}-${get('day')}`;
  return { date, dateTime: `${date}T${get('hour')}:${get('minute')}` };
}

/** An instant as a clock on the wall there shows it: "dd.mm.yyyy hh:mm" in the time zone. */
export const localTime = (iso: string, timeZone: string) => displayDate(localNow({ now: () => new Date(iso) }, timeZone).dateTime);
