import type { Card, Standard } from '../standards/schema.js';
import { type Library, cardOn, inForceOn, versionOn } from '../standards/library.js';

/**
 * Which card a record cites: the profession code, in the standard the record names or,
 * failing that, in whichever standard holds the code and was in force on the record's
 * date. A code may live in a repealed standard and a current one at once.
 */
export type CardMatch =
  | { found: true; standard: Standard; card: Card; version: number }
  | { found: false; problem: 'unknown-standard' | 'unknown-card'; standardCode?: string }
  | { found: false; problem: 'not-in-force'; standard: Standard; card: Card }
  /** No date to decide by (the date cell is bad): the card, if unambiguous, still bounds the level. */
  | { found: false; problem: 'no-date'; card?: Card };

export function resolveCard(library: Library, professionCode: string, standardCode: string | undefined, date: string | undefined): CardMatch {
  if (standardCode !== undefined && !library.byCode(standardCode)) return { found: false, problem: 'unknown-standard', standardCode };
  const candidates = library.cardsByCode(professionCode).filter((c) => standardCode === undefined || c.standard.code === standardCode);
  const first = candidates[0];
  if (!first) return { found: false, problem: 'unknown-card', ...(standardCode ? { standardCode } : {}) };
  if (date === undefined) return candidates.length === 1 ? { found: false, problem: 'no-date', card: first.card } : { found: false, problem: 'no-date' };
  const current = candidates.find((c) => inForceOn(c.standard, date));
  if (!current) return { found: false, problem: 'not-in-force', standard: first.standard, card: first.card };
  const version = versionOn(current.standard, date);
  if (!version) throw new Error(`standard ${current.standard.code} in force on ${date} without a version`);
  // The card as that version words it: its levels may have changed.
  const card = cardOn(current.standard, current.card.code, version.version) ?? current.card;
  return { found: true, standard: current.standard, card, version: version.version };
}
