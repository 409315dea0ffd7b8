import { getGender, inclineFirstname, inclineLastname, inclineMiddlename } from 'lvovich';

/**
 * A person's name as Russian prose needs it: «в лице руководителя Алимовой Гульнар
 * Сериковны». lvovich declines Russian names, but guesses the sex from the first name and
 * takes a Kazakh woman's name such as «Гульнар» for a man's («Гульнара»); so the sex is
 * decided first (the patronymic's ending, or the IIN where the document has one) and passed
 * to each part, and lvovich leaves a Kazakh female first name undeclined, as Russian does.
 */

export type Sex = 'male' | 'female';

/** The sex a full name ("Last First Middle") shows by its patronymic, Russian or Kazakh; else lvovich's reading of the whole name. */
export function sexOfName(fullName: string): Sex | null {
  const [last = '', first = '', middle] = fullName.split(' ');
  if (middle && /(вна|чна|қызы|кызы|кизи)$/iu.test(middle)) return 'female';
  if (middle && /(ич|ұлы|улы|оглы|угли)$/iu.test(middle)) return 'male';
  const guessed = getGender({ first, last, ...(middle ? { middle } : {}) });
  return guessed === 'male' || guessed === 'female' ? guessed : null;
}

/** A Russian patronymic («Сериковна») declines; a Kazakh one («Серікқызы», «Болатұлы») stays as it is. */
const RUSSIAN_PATRONYMIC = /(вна|чна|ич)$/iu;

/**
 * A full name ("Last First Middle") in the genitive («Алимова Гульнар Сериковна» →
 * «Алимовой Гульнар Сериковны»). A name whose sex cannot be told, or that is not three or
 * fewer words, is left as written: undeclined is better than declined wrongly.
 */
export function genitiveName(fullName: string, sex: Sex | null = sexOfName(fullName)): string {
  const words = fullName.split(' ');
  const [last, first, middle] = words;
  if (sex === null || last === undefined || first === undefined || words.length > 3) return fullName;
  return [
    last.split('-').map((part) => inclineLastname(part, 'genitive', sex)).join('-'),
    first.split('-').map((part) => inclineFirstname(part, 'genitive', sex)).join('-'),
    ...(middle === undefined ? [] : [RUSSIAN_PATRONYMIC.test(middle) ? inclineMiddlename(middle, 'genitive', sex) : middle]),
  ].join(' ');
}
