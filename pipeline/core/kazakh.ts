/**
 * Kazakh case endings after a number written in digits ("70-тен", "60-тан", "50-ден"). The
 * ending follows the number as it is read aloud: the vowel harmony of its last word (front
 * жетпіс, back алпыс) and that word's last sound (a vowel or voiced consonant, a nasal, a
 * voiceless consonant). Messages and documents that put an ending after a number use this,
 * so a threshold set to 60 or 75 in a config is never followed by a wrong one.
 */

export type KazakhCase = 'ablative' | 'dative' | 'locative';

const UNITS = ['', 'бір', 'екі', 'үш', 'төрт', 'бес', 'алты', 'жеті', 'сегіз', 'тоғыз'];
const TENS = ['', 'он', 'жиырма', 'отыз', 'қырық', 'елу', 'алпыс', 'жетпіс', 'сексен', 'тоқсан'];
const POWERS: [bigint, string][] = [
  [1_000_000_000_000n, 'триллион'],
  [1_000_000_000n, 'миллиард'],
  [1_000_000n, 'миллион'],
  [1000n, 'мың'],
];

/** The last word of a whole number read aloud: 70 → жетпіс, 100 → жүз, 2000 → мың, 0 → нөл. */
export function lastWordOf(n: bigint): string {
  if (n < 0n) return lastWordOf(-n);
  if (n === 0n) return 'нөл';
  if (n % 10n !== 0n) return UNITS[Number(n % 10n)] as string;
  if (n % 100n !== 0n) return TENS[Number((n % 100n) / 10n)] as string;
  // A round number is read ending in the largest power it is a whole multiple of's name, e.g. 3000 → үш мың.
  for (const [power, word] of POWERS) if (n % power === 0n) return word;
  return 'жүз'; // a multiple of a hundred and of no higher power: 1500 → бір мың бес жүз
}

const BACK = /[аоұыя]/;
const FRONT = /[әеіөүэ]/;
const VOWEL = /[аоұыяәеіөүэиую]/;
const NASAL = /[мнң]/;
/** Sonorants and voiced consonants take the voiced endings; б в г д are devoiced at the end of a word (миллиардтан). */
const VOICED = /[лрйзжуи]/;

/** Back (а-) or front (е-) harmony: the word's last vowel that decides it (и, у, ю are neutral). */
function isBack(word: string): boolean {
  for (const ch of [...word].reverse()) {
    if (BACK.test(ch)) return true;
    if (FRONT.test(ch)) return false;
  }
  return false;
}

/** The ending a Kazakh word takes in a case: суффикс by harmony and last sound. */
export function caseEnding(word: string, kase: KazakhCase): string {
  const last = word.at(-1) ?? '';
  const back = isBack(word);
  const soft = VOWEL.test(last) || VOICED.test(last);
  const nasal = NASAL.test(last);
  switch (kase) {
    case 'ablative':
      return nasal ? (back ? 'нан' : 'нен') : soft ? (back ? 'дан' : 'ден') : back ? 'тан' : 'тен';
    case 'dative':
      return soft || nasal ? (back ? 'ға' : 'ге') : back ? 'қа' : 'ке';
    case 'locative':
      return soft || nasal ? (back ? 'да' : 'де') : back ? 'та' : 'те';
  }
}

/** A number in digits with its case ending: (70, 'ablative') → "70-тен". Fractions end like their last digit ("70,5-тен"). */
export function withEnding(n: number | string, kase: KazakhCase): string {
  const text = String(n);
  const digits = /(\d+)\D*$/.exec(text)?.[1] ?? '0';
  return `${text}-${caseEnding(lastWordOf(BigInt(digits)), kase)}`;
}
