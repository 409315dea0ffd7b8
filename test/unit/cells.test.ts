import { describe, expect, it } from 'vitest';
import { isValidName, parseCell } from '../../pipeline/validate/cells.js';

const value = (r: ReturnType<typeof parseCell>) => (r.ok ? r.value : r.code);

describe('cells', () => {
  it('accepts names in Kazakh, Russian and Latin letters with space, hyphen and apostrophe', () => {
    for (const name of ['Әбдірахманова-Өмірзақ', 'Ғалымжан', 'Қуаныш Ұлы', 'Шаһизада', 'Үміт', 'Жәңгір', 'Ёлкина', "O'Neil", 'D’Artagnan', 'Ayaulym', 'Şäkärim']) {
      expect(isValidName(name), name).toBe(true);
    }
  });

  it('refuses what a lossy export, markup or a formula leaves in a name', () => {
    for (const name of ['?мирзакова', 'Иванов1', '<b>Иван</b>', '=HYPERLINK("x")', 'Иван  Петров', '-Иван', "Иван'", 'Ivan_Petrov', '']) {
      expect(isValidName(name), name).toBe(false);
    }
    expect(value(parseCell('name', { formula: 'A1', result: 'Иван' }))).toBe('NAME_CHARS');
  });

  it('says what to fix when it is known: a "?" a Windows-1251 save left for a Kazakh letter, two spaces in a row', () => {
    expect(value(parseCell('name', '?мирзакова'))).toBe('NAME_ENCODING');
    expect(value(parseCell('name', 'Н?рл?н'))).toBe('NAME_ENCODING');
    expect(value(parseCell('name', 'Иван  Петров'))).toBe('NAME_DOUBLE_SPACE');
    // Anything else wrong in the name is still NAME_CHARS, with or without those.
    for (const name of ['Иван?1', 'Иван  <b>', 'Ivan_Petrov']) expect(value(parseCell('name', name)), name).toBe('NAME_CHARS');
  });

  it('pads a numeric IIN cell to 12 digits, never a text one', () => {
    expect(value(parseCell('iin', 30721512345))).toBe('030721512345');
    expect(value(parseCell('iin', ' 850315400015 '))).toBe('850315400015');
    expect(value(parseCell('iin', 8.5e11 + 0.5))).toBe('IIN_FORMAT');
    expect(value(parseCell('iin', '8503154000'))).toBe('IIN_FORMAT');
  });

  it('tells an IIN a spreadsheet wrote as a number: the leading zero dropped, or the exponent form', () => {
    expect(value(parseCell('iin', '30721512345'))).toBe('IIN_LEADING_ZERO');
    for (const text of ['8.50315E+11', '8,80523E+11', '8,80523e11']) expect(value(parseCell('iin', text)), text).toBe('IIN_EXPONENT');
    // A BIN keeps its own code.
    expect(value(parseCell('bin', '30721512345'))).toBe('BIN_FORMAT');
  });

  it('reads scores 0–100 with either decimal mark', () => {
    expect(value(parseCell('score', '90,5'))).toBe(90.5);
    expect(value(parseCell('score', '70'))).toBe(70);
    expect(value(parseCell('score', 100))).toBe(100);
    for (const bad of ['101', '-1', 'жақсы', '7O', 101]) expect(value(parseCell('score', bad)), String(bad)).toBe('SCORE_RANGE');
  });

  it('reads levels as integers only', () => {
    expect(value(parseCell('level', '4'))).toBe(4);
    expect(value(parseCell('level', 4))).toBe(4);
    for (const bad of ['4.5', 'IV', '4-деңгей', 4.5]) expect(value(parseCell('level', bad)), String(bad)).toBe('LEVEL_OUT_OF_RANGE');
  });

  it('reads statuses, no-show reasons and languages in kk, ru and en', () => {
    expect(['Танылды', 'Признан', 'recognized', ' ПРИЗНАН '].map((s) => value(parseCell('status', s)))).toEqual(Array(4).fill('recognized'));
    expect(['Танудан бас тарту', 'Отказ в признании', 'refused'].map((s) => value(parseCell('status', s)))).toEqual(Array(3).fill('refused'));
    expect(['Емтиханға келмеу', 'Неявка', 'no_show'].map((s) => value(parseCell('status', s)))).toEqual(Array(3).fill('no_show'));
    expect(['өз еркімен', 'По собственному желанию', 'own_will'].map((s) => value(parseCell('no_show_reason', s)))).toEqual(Array(3).fill('own_will'));
    expect(['денсаулығына байланысты', 'по состоянию здоровья', 'health'].map((s) => value(parseCell('no_show_reason', s)))).toEqual(Array(3).fill('health'));
  });

  it("accepts seed 000's own spellings, in any case", () => {
    expect(['өз қалауы бойынша', 'Өз қалауы бойынша', 'ӨЗ ҚАЛАУЫ БОЙЫНША'].map((s) => value(parseCell('no_show_reason', s)))).toEqual(Array(3).fill('own_will'));
    expect(['Денсаулыққа байланысты', 'денсаулыққа байланысты', 'ДЕНСАУЛЫҚҚА БАЙЛАНЫСТЫ'].map((s) => value(parseCell('no_show_reason', s)))).toEqual(Array(3).fill('health'));
    expect(['Мойындалды', 'мойындалды'].map((s) => value(parseCell('status', s)))).toEqual(Array(2).fill('recognized'));
    expect(['kk', 'қазақ', 'Казахский'].map((s) => value(parseCell('language', s)))).toEqual(['kk', 'kk', 'kk']);
    expect(['ru', 'орыс', 'Русский'].map((s) => value(parseCell('language', s)))).toEqual(['ru', 'ru', 'ru']);
    expect(value(parseCell('status', 'өтті'))).toBe('STATUS_UNKNOWN');
    expect(value(parseCell('language', 'English'))).toBe('LANGUAGE_UNKNOWN');
    expect(value(parseCell('no_show_reason', 'ауа райы'))).toBe('NO_SHOW_REASON');
  });

  it('a date in the right form that names no real day, month or time is DATE_NOT_REAL, with the fix; a wrong form stays DATE_FORMAT', () => {
    const problem = (r: ReturnType<typeof parseCell>) => (r.ok ? r.value : { code: r.code, detail: r.params?.detail?.ru });
    expect(problem(parseCell('date', '29.02.2026'))).toEqual({ code: 'DATE_NOT_REAL', detail: 'последний день этого месяца – 28.02.2026' });
    expect(problem(parseCell('date', '31.11.2026'))).toEqual({ code: 'DATE_NOT_REAL', detail: 'последний день этого месяца – 30.11.2026' });
    expect(problem(parseCell('date', '2026-11-31'))).toEqual({ code: 'DATE_NOT_REAL', detail: 'последний день этого месяца – 30.11.2026' });
    expect(problem(parseCell('date', '12.13.2026'))).toEqual({ code: 'DATE_NOT_REAL', detail: 'месяц от 01 до 12' });
    expect(problem(parseCell('datetime', '10.11.2026 25:00'))).toEqual({ code: 'DATE_NOT_REAL', detail: 'часы от 00 до 23, минуты от 00 до 59' });
    expect(value(parseCell('date', '29.02.2028'))).toBe('2028-02-29');
    for (const bad of ['2026/11/12', '12.11.26', '12.11.2026 10:00']) expect(value(parseCell('date', bad)), bad).toBe('DATE_FORMAT');
  });

  it('takes Excel dates as they are and refuses a time in a date-only column', () => {
    expect(value(parseCell('date', { date: '2026-11-12' }))).toBe('2026-11-12');
    expect(value(parseCell('date', { date: '2026-11-12T09:30' }))).toBe('DATE_FORMAT');
    expect(value(parseCell('datetime', { date: '2026-11-12T09:30' }))).toBe('2026-11-12T09:30');
    expect(value(parseCell('date', 46338))).toBe('DATE_FORMAT');
    expect(value(parseCell('datetime', { formula: 'TODAY()', result: { date: '2026-11-12' } }))).toBe('2026-11-12');
  });
});
