import { type Bilingual, CATALOGUE, type Code, type MessageParams, message } from './catalogue.js';

/**
 * The one error type for everything a user can cause (bad config, unreadable file, bad
 * arguments). Anything else that is thrown is our bug and keeps its stack trace.
 */
export class TanuError extends Error {
  readonly code: Code;
  readonly text: Bilingual;

  /**
   * `options.text`: the error's own text, word for word, for one that crossed a thread
   * (where it was made from its parameters) instead of the catalogue's text made again.
   */
  constructor(code: Code, params: MessageParams = {}, options?: { cause?: unknown; text?: Bilingual }) {
    const text = options?.text ?? message(code, params);
    super(`${code}: ${text.ru}`, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'TanuError';
    this.code = code;
    this.text = text;
  }
}

export const isTanuError = (e: unknown): e is TanuError => e instanceof TanuError;

/** How long the ledger waits for another process's write lock before giving up. */
export const LEDGER_BUSY_TIMEOUT_MS = 10_000;

/**
 * The operating system's and SQLite's errors that the operator, not a programmer, has to
 * act on: a full disk, a ledger another process holds. Anything else stays as thrown.
 */
export function asTanuError(e: unknown): TanuError | undefined {
  if (isTanuError(e)) return e;
  const { code, path, message } = (e ?? {}) as { code?: unknown; path?: unknown; message?: unknown };
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') {
    const where = typeof path === 'string' ? path : String(message);
    return new TanuError('NO_SPACE', { detail: { kk: where, ru: where } }, { cause: e });
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED') return new TanuError('LEDGER_BUSY', { max: `${LEDGER_BUSY_TIMEOUT_MS / 1000} s` }, { cause: e });
  return undefined;
}

/**
 * A failure that passes by itself (the catalogue's `passing` entries): the one list of
 * them, by which `tanu watch` and `tanu worker` wait `watch.retry_ms` and try the same
 * work again rather than give it up.
 */
export function passes(e: unknown): boolean {
  const known = asTanuError(e);
  return known !== undefined && (CATALOGUE[known.code] as { passing?: true }).passing === true;
}
