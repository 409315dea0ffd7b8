import { iinCheckDigit } from '../pipeline/validate/iin.js';
import type { Library } from '../pipeline/standards/library.js';

/**
 * Exam results for the benchmark: N valid recognized rows with distinct IINs, names with
 * every Kazakh letter, all ten cards of Q88100061 at their levels, both languages, a
 * protocol per hundred rows (or `protocolSize`). The tests make their files with it too. Written as a CSV, the way centres send them.
 */
const LAST = ['Әбдіғұлова', 'Өмірзақов', 'Шаһизадаев', 'Қоңыратбаева', 'Ұлықбеков', 'Иванова', 'Сейітқали', 'Үмбетова'];
const FIRST = ['Гүлшаһар', 'Жәңгір', 'Айгерім', 'Ерғали', 'Сергей', 'Мөлдір', 'Нұрлан', 'Әсел'];
const MIDDLE = ['Жеңісқызы', 'Ғалымұлы', 'Петровна', 'Серікқызы', 'Үмбетқұлұлы', ''];

/** A distinct valid IIN per index: a birth date from 1960 on and a serial, (date, serial) one-to-one with i. */
function iin(i: number): string {
  const born = new Date(Date.UTC(1960, 0, 1) + (i % 3650) * 86_400_000);
  const yy = String(born.getUTCFullYear() % 100).padStart(2, '0');
  const mm = String(born.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(born.getUTCDate()).padStart(2, '0');
  const serial = Math.floor(i / 3650);
  // A serial whose check digit does not exist is moved to a range no other index uses.
  for (const s of [serial, serial + 5000]) {
    const first11 = `${yy}${mm}${dd}${i % 2 ? 4 : 3}${String(s).padStart(4, '0')}`;
    const check = iinCheckDigit(first11);
    if (check !== null) return `${first11}${check}`;
  }
  throw new Error(`no IIN for index ${i}`);
}

/** Rows `first` to `first + n - 1` of one endless list: files made from disjoint ranges share no person. */
export function benchCsv(n: number, library: Library, options: { protocolSize?: number; first?: number } = {}): string {
  const cards = library.byCode('Q88100061')?.cards ?? [];
  if (cards.length === 0) throw new Error('Q88100061 missing');
  const first = options.first ?? 0;
  if (first + n > 3650 * 5000) throw new Error('too many rows for distinct IINs');
  const header = 'ИИН,Фамилия,Имя,Отчество,Код профессии,Уровень ОРК,Язык,Дата и время первого экзамена,Балл первого экзамена,Дата и время второго экзамена,Балл второго экзамена,Статус,№ протокола,Дата протокола,Область / город республиканского значения,Город или район,Адрес';
  const rows = Array.from({ length: n }, (_, k) => {
    const i = first + k;
    const card = cards[i % cards.length];
    if (!card) throw new Error('no card');
    return [
      iin(i),
      LAST[i % LAST.length],
      FIRST[(i >> 3) % FIRST.length],
      MIDDLE[i % MIDDLE.length],
      card.code,
      card.levels.min + (i % (card.levels.max - card.levels.min + 1)),
      i % 2 ? 'ru' : 'kk',
      '10.11.2026 10:00',
      70 + (i % 31),
      '11.11.2026 10:00',
      75 + (i % 26),
      i % 2 ? 'Признан' : 'Танылды',
      `П-${Math.floor(i / (options.protocolSize ?? 100)) + 1}`,
      '12.11.2026',
      // The exam place seed 000 requires.
      'Алматы',
      'Алматы',
      'Абай даңғылы 1',
    ].join(',');
  });
  return `${header}\n${rows.join('\n')}\n`;
}
