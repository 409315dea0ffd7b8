import { type Bilingual, type Code, type MessageParams, message } from './catalogue.js';

/**
 * The one error type for everything a user can cause (bad config, unreadable file, bad
 * arguments). Anything else that is thrown is our bug and keeps its stack trace.
 */
export class TanuError extends Error {
  readonly code: Code;
  readonly text: Bilingual;

  constructor(code: Code, params: MessageParams = {}, options?: { cause?: unknown }) {
    const text = message(code, params);
    super(`${code}: ${text.ru}`, options);
    this.name = 'TanuError';
    this.code = code;
    this.text = text;
  }
}

export const isTanuError = (e: unknown): e is TanuError => e instanceof TanuError;
