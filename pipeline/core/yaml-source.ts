import { type Bilingual, readSchemaMessage } from './catalogue.js';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';

/**
 * YAML that people edit (the config, the standards) is checked against its zod schema and
 * every problem is pointed at a file, a line and a key path, so a methodologist can fix
 * the YAML without reading code.
 */
/** A problem at a line of a YAML file, worded in both languages for whoever reads it. */
export type LocatedProblem = { file: string; line: number; path: string; message: Bilingual };

export type YamlSource = { data: unknown; lineOf: (path: readonly PropertyKey[]) => number };

export const formatPath = (path: readonly PropertyKey[]) =>
  path.length === 0 ? '(top level)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replaceAll('.[', '[');

/** Parses YAML keeping positions; `lineOf` finds the deepest existing node on a path. */
export function parseYamlSource(file: string, text: string): { ok: true; source: YamlSource } | { ok: false; problems: LocatedProblem[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0)
    return {
      ok: false,
      problems: doc.errors.map((e) => ({ file, line: counter.linePos(e.pos[0]).line, path: '(syntax)', message: syntax(e.message.split('\n')[0] ?? e.code) })),
    };
  let data: unknown;
  try {
    // A small alias budget: a hostile "billion laughs" file is refused, not expanded.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, problems: [{ file, line: 1, path: '(syntax)', message: syntax((e as Error).message) }] };
  }
  const lineOf = (path: readonly PropertyKey[]) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
    }
    return 1;
  };
  return { ok: true, source: { data, lineOf } };
}

export function locateIssues<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): { ok: true; value: z.infer<S> } | { ok: false; problems: LocatedProblem[] } {
  const read = parseYamlSource(file, text);
  if (!read.ok) return read;
  const parsed = schema.safeParse(read.source.data);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.flatMap((issue) =>
      issueLocations(issue).map((at) => ({ file, line: read.source.lineOf(at), path: formatPath(at), message: zodIssueText(issue, at) })),
    ),
  };
}

/**
 * Where a problem is shown: an unknown key at its own line and path, one problem per key
 * (`nmae` under a card), not at its parent's, which would leave the reader to find it.
 */
export const issueLocations = (issue: z.core.$ZodIssue): PropertyKey[][] =>
  issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [[...issue.path]];

/** The YAML parser's own words (English, technical) behind a bilingual lead. */
const syntax = (detail: string): Bilingual => ({ kk: `YAML синтаксисі қате: ${detail}`, ru: `ошибка синтаксиса YAML: ${detail}` });

const TYPES: Record<string, Bilingual> = {
  number: { kk: 'сан', ru: 'число' },
  string: { kk: 'мәтін', ru: 'строка' },
  boolean: { kk: 'true немесе false', ru: 'true или false' },
  object: { kk: 'кілттер тобы', ru: 'набор ключей' },
  array: { kk: 'тізім', ru: 'список' },
};

/**
 * What is wrong with one key, in the operator's languages: zod's own messages are English
 * ("Unrecognized key", "expected number"). Messages the schema itself words (formats,
 * cross-checks) are shown as written.
 */
export function zodIssueText(issue: z.core.$ZodIssue, at: readonly PropertyKey[]): Bilingual {
  switch (issue.code) {
    case 'unrecognized_keys':
      // A secret typed into the file: say where it belongs instead.
      if (String(at.at(-1)).toLowerCase().includes('password')) {
        const env = at[0] === 'ledger' ? 'ledger.password_env' : 'signing.password_env';
        return {
          kk: `құпия сөз баптаулар файлына жазылмайды: оны ${env} атаған орта айнымалысына қойыңыз`,
          ru: `пароль не пишется в файл настроек: задайте его в переменной окружения, названной в ${env}`,
        };
      }
      if (String(at.at(-1)).toLowerCase() === 'pin')
        return {
          kk: 'PIN-код баптаулар файлына жазылмайды: оны signing.pin_env атаған орта айнымалысына қойыңыз',
          ru: 'PIN-код не пишется в файл настроек: задайте его в переменной окружения, названной в signing.pin_env',
        };
      return { kk: `белгісіз кілт «${String(at.at(-1))}» (қате жазылған ба?)`, ru: `неизвестный ключ «${String(at.at(-1))}» (опечатка?)` };
    case 'invalid_type': {
      const expected = TYPES[issue.expected] ?? { kk: issue.expected, ru: issue.expected };
      // zod keeps no input by default; its own message says whether the key was absent.
      return /received undefined$/.test(issue.message)
        ? { kk: `міндетті кілт жоқ (${expected.kk} күтіледі)`, ru: `нет обязательного ключа (ожидается ${expected.ru})` }
        : { kk: `${expected.kk} болуы тиіс`, ru: `ожидается ${expected.ru}` };
    }
    case 'invalid_format':
    case 'custom':
      if (readSchemaMessage(issue.message)) return readSchemaMessage(issue.message) as Bilingual;
      return { kk: issue.message, ru: issue.message };
    case 'too_small':
      return { kk: `кемінде ${String(issue.minimum)}`, ru: `не меньше ${String(issue.minimum)}` };
    case 'too_big':
      return { kk: `ең көбі ${String(issue.maximum)}`, ru: `не больше ${String(issue.maximum)}` };
    case 'invalid_value': {
      const list = issue.values.map(String).join(', ');
      return { kk: `рұқсат етілгені: ${list}`, ru: `допустимо: ${list}` };
    }
    default:
      return readSchemaMessage(issue.message) ?? { kk: issue.message, ru: issue.message };
  }
}
