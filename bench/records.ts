import { iinCheckDigit } from '../pipeline/validate/iin.js';
import type { Library } from '../pipeline/standards/library.js';

/**
 * Exam results for the benchmark: N valid recognized rows with distinct IINs, names with
 * every Kazakh letter, all ten cards of Q88100061 at their levels, both languages, a
 * protocol per hundred rows. Written as a CSV, the way centres send them.
 */
const LAST = ['Әбдіғұлова', 'Өмірзақов', 'Шаһизадаев', 'Қоңыратбаева', 'Ұлықбеков', 'Иванова', 'Сейітқали', 'Үмбетова'];
const FIRST = ['Гүлшаһар', 'Жәңгір', 'Айгерім', 'Ерғали', 'Сергей', 'Мөлдір', 'Нұрлан', 'Әсел'];
const MIDDLE = ['Жеңісқызы', 'Ғалымұлы', 'Петровна', 'Серікқызы', 'Үмбетқұлұлы', ''];

function iin(i: number): string {
  // Birth dates spread over 1960–1999; the serial makes each number distinct.
  for (let serial = i * 3; ; serial++) {
    const year = 1960 + (i % 40);
    const month = (i % 12) + 1;
    const day = (i % 28) + 1;
    const first11 = `${String(year % 100).padStart(2, '0')}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}${i % 2 ? 4 : 3}${String(serial % 10000).padStart(4, '0')}`;
    const check = iinCheckDigit(first11);
    if (check !== null) return `${first11}${check}`;
  }
}

export function benchCsv(n: number, library: Library): string {
  const cards = library.byCode('Q88100061')?.cards ?? [];
  if (cards.length === 0) throw new Error('Q88100061 missing');
  if (n > 40_000) throw new Error('distinct IINs are generated for up to 40,000 rows');
  const header = 'ИИН,Фамилия,Имя,Отчество,Код профессии,Уровень ОРК,Язык,Дата и время первого экзамена,Балл первого экзамена,Дата и время второго экзамена,Балл второго экзамена,Статус,№ протокола,Дата протокола';
  const rows = Array.from({ length: n }, (_, i) => {
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
      `П-${Math.floor(i / 100) + 1}`,
      '12.11.2026',
    ].join(',');
  });
  return `${header}\n${rows.join('\n')}\n`;
}
