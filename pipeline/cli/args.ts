import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseDateText } from '../core/dates.js';
import { TanuError } from '../core/tanu-error.js';

/**
 * The command line's mistakes, found before anything runs and told in the operator's
 * language: node's own parser (strict) says them in English, and of one option at best.
 * The line is read leniently, token by token, against the same options the strict parse
 * then takes; only a line that passes here is handed to it.
 */

export type CommandLineOptions = NonNullable<ParseArgsConfig['options']>;

/** Edits between two words: a mistyped option within two of a real one is named beside it. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length] ?? 0;
}

const closest = (name: string, options: CommandLineOptions) =>
  Object.keys(options)
    .map((o) => ({ o, d: distance(name, o) }))
    .filter((c) => c.d <= 2 && c.d < name.length)
    .sort((a, b) => a.d - b.d)[0]?.o;

/** What the line says of itself even when it is wrong: the language and config to tell the mistake in. */
export type CommandLineCheck = { mistake: TanuError | undefined; language: string | undefined; config: string | undefined };

export function checkCommandLine(argv: readonly string[], options: CommandLineOptions): CommandLineCheck {
  const { values, tokens } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const found = (mistake: TanuError | undefined): CommandLineCheck => ({ mistake, language: text(values.language), config: text(values.config) });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = options[token.name];
    if (option === undefined) {
      const near = closest(token.name, options);
      return found(new TanuError('UNKNOWN_OPTION', { value: token.rawName, ...(near ? { expected: { kk: `--${near}`, ru: `--${near}` } } : {}) }));
    }
    // A value that looks like an option is taken as a forgotten value, as node's strict parse takes it.
    if (option.type === 'string' && (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))) return found(new TanuError('OPTION_VALUE_MISSING', { value: token.rawName }));
    if (option.type === 'boolean' && token.value !== undefined) return found(new TanuError('OPTION_VALUE_UNEXPECTED', { value: token.rawName }));
  }
  return found(undefined);
}

const DATE = { kk: 'күн КК.АА.ЖЖЖЖ немесе ЖЖЖЖ-АА-КК', ru: 'дата ДД.ММ.ГГГГ или ГГГГ-ММ-ДД' };

/** A date typed on the command line, as a centre writes one (dd.mm.yyyy) or ISO; as ISO. */
export function dateOption(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const date = parseDateText(text, false);
  if (date === null) throw new TanuError('OPTION_VALUE_INVALID', { code: flag, value: text, expected: DATE });
  return date;
}
