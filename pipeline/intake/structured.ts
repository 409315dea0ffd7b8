import { parse as parseYaml } from 'yaml';
import { TanuError } from '../core/tanu-error.js';
import type { Cell } from './cell.js';

/**
 * JSON and YAML files: `{ kind, centre?, records: [ {...}, ... ] }`. Read whole (they are
 * written by programs, not exported by the hundred thousand), checked for shape, and
 * every record handed on as a table row whose header is its keys.
 */

export type Structured = { kind: string | null; centre: string | null; records: { row: number; fields: [string, Cell | null][] }[] };

const unreadable = (kk: string, ru: string) => new TanuError('FILE_UNREADABLE', { detail: { kk, ru } });

function toCell(value: unknown): Cell | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return undefined;
}

/** Pure: the parsed document in, records out, or a TanuError naming what is wrong. */
export function readStructuredData(data: unknown): Structured {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw unreadable('файлдың жоғарғы деңгейі {kind, records} нысаны болуы тиіс', 'верхний уровень файла должен быть объектом {kind, records}');
  const top = data as Record<string, unknown>;
  const records = top.records;
  if (!Array.isArray(records)) throw unreadable('records өрісі тізім болуы тиіс', 'поле records должно быть списком');
  const kind = typeof top.kind === 'string' ? top.kind : null;
  const centre = typeof top.centre === 'string' ? top.centre : null;
  return {
    kind,
    centre,
    records: records.map((record, i) => {
      if (typeof record !== 'object' || record === null || Array.isArray(record))
        throw unreadable(`records[${i + 1}] жазбасы нысан емес`, `запись records[${i + 1}] не является объектом`);
      return {
        row: i + 1,
        fields: Object.entries(record as Record<string, unknown>).map(([key, value]) => {
          const cell = toCell(value);
          if (cell === undefined)
            throw unreadable(`records[${i + 1}].${key}: мән мәтін немесе сан болуы тиіс`, `records[${i + 1}].${key}: значение должно быть текстом или числом`);
          return [key, cell] as [string, Cell | null];
        }),
      };
    }),
  };
}

export function parseStructuredText(text: string, format: 'json' | 'yaml'): Structured {
  let data: unknown;
  try {
    // YAML aliases get a small budget so that an alias bomb is refused rather than expanded.
    data = format === 'json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100, uniqueKeys: true, logLevel: 'error' });
  } catch (e) {
    const text = (e as Error).message.split('\n')[0] ?? '';
    throw new TanuError('FILE_UNREADABLE', { detail: { kk: `${format.toUpperCase()} синтаксисі бұзылған: ${text}`, ru: `нарушен синтаксис ${format.toUpperCase()}: ${text}` } }, { cause: e });
  }
  return readStructuredData(data);
}
