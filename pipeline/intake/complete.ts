import { open } from 'node:fs/promises';
import type { Bilingual } from '../core/catalogue.js';
import { type Container, containerOf } from './open.js';
import { ZIP_TAIL } from './zip-guard.js';

/**
 * Whether a dropped file has been written to its end, as far as its own format can tell.
 * A copy over a network share pauses longer than any fixed wait, so a size that held still
 * is not enough: `tanu watch` takes a file only when it is also complete by its format.
 *
 * - `complete`: an XLSX whose zip ends with its end record, JSON that parses to its end (or
 *   breaks before its end: damaged, not unfinished, and reported as such when read), a CSV
 *   or YAML whose last line ends;
 * - `unfinished`: the format says the writing has not ended (no zip end record, JSON that
 *   stops inside its last value, no byte written yet);
 * - `unterminated`: a CSV or YAML whose last line does not end. That is all these formats
 *   can say, and some programs leave the last line end out, so such a file is taken once
 *   it has held still past `watch.incomplete_ms`.
 */
export type Completeness = 'complete' | 'unfinished' | 'unterminated';

const EOCD = 0x06054b50;

/** Pure: a zip ends with its end record, whose comment reaches exactly the last byte. */
export function zipEnds(tail: Buffer): boolean {
  for (let at = tail.length - 22; at >= 0; at--) {
    if (tail.readUInt32LE(at) === EOCD && at + 22 + tail.readUInt16LE(at + 20) === tail.length) return true;
  }
  return false;
}

/** Pure: JSON is unfinished when it stops before its last value closes; broken earlier, it is whole but damaged. */
export function jsonEnds(text: string): boolean {
  const body = text.replace(/^\uFEFF/, '').trimEnd();
  if (body === '') return false;
  try {
    JSON.parse(body);
    return true;
  } catch (e) {
    const message = (e as Error).message;
    if (/end of JSON input/i.test(message)) return false;
    const at = /position (\d+)/.exec(message)?.[1];
    return at === undefined || Number(at) < body.length;
  }
}

/** Pure: the last byte ends a line. */
export const lineEnds = (last: number | undefined) => last === 0x0a || last === 0x0d;

export function completeness(container: Container, size: number, tail: Buffer, whole: () => Promise<string>): Promise<Completeness> | Completeness {
  if (size === 0) return 'unfinished';
  if (container === 'xlsx') return zipEnds(tail) ? 'complete' : 'unfinished';
  if (container === 'json') return whole().then((text) => (jsonEnds(text) ? 'complete' : 'unfinished'));
  return lineEnds(tail[tail.length - 1]) ? 'complete' : 'unterminated';
}

/** The shell: reads what the check needs (the last 64 KB; a JSON file whole). A file not of a known format is `complete`: intake refuses it. */
export async function fileCompleteness(path: string): Promise<Completeness> {
  const container = containerOf(path);
  if (!container) return 'complete';
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(Math.min(size, ZIP_TAIL));
    await handle.read(tail, 0, tail.length, size - tail.length);
    return await completeness(container, size, tail, () => handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}

/** What an unfinished file's report says: why Tanu has not taken it yet. */
export const UNFINISHED: Record<Exclude<Completeness, 'complete'> | 'changed', Bilingual> = {
  unfinished: { kk: 'файлдың пішімі бойынша ол соңына дейін жазылмаған', ru: 'по своему формату файл записан не до конца' },
  unterminated: { kk: 'файлдың соңғы жолы аяқталмаған', ru: 'последняя строка файла не закончена' },
  changed: { kk: 'файл оқылып жатқанда өзгерді', ru: 'файл изменился, пока его читали' },
};
