import type { Code, MessageParams } from '../core/catalogue.js';
import { displayDate, readDateText } from '../core/dates.js';
import type { Cell } from '../intake/cell.js';
import type { CellType } from '../records/columns.js';
import { REASON_LABELS, type RegistryReason } from '../records/specialists.js';

/**
 * Reading one cell by its column's type. A value is accepted as written or refused with
 * a code: nothing is corrected. The only conversion is the one docs/formats.md (§4 Values, IIN) states: an
 * IIN stored as a number lost its leading zero, so a numeric cell is left-padded.
 */

export type Parsed = { ok: true; value: string | number } | { ok: false; code: Code; params?: MessageParams };

const ok = (value: string | number): Parsed => ({ ok: true, value });
const fail = (code: Code, params?: MessageParams): Parsed => ({ ok: false, code, ...(params ? { params } : {}) });

const fold = (text: string) => text.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ').replaceAll('ё', 'е');

/** Spellings in kk, ru and en of the coded values, folded. */
export const SPELLINGS = {
  status: {
    // «Мойындалды»: seed 000's other word for recognized.
    recognized: ['танылды', 'мойындалды', 'признан', 'признана', 'recognized'],
    refused: ['танудан бас тарту', 'отказ в признании', 'refused'],
    no_show: ['емтиханға келмеу', 'неявка', 'no_show', 'no-show', 'no show'],
  },
  no_show_reason: {
    // Seed 000's wording first; the older spellings stay accepted.
    own_will: ['өз қалауы бойынша', 'өз еркімен', 'по собственному желанию', 'own_will', 'own will'],
    health: ['денсаулыққа байланысты', 'денсаулығына байланысты', 'по состоянию здоровья', 'health'],
  },
  // docs/formats.md, "Attestations".
  attestation_result: {
    attested: ['аттестатталды', 'аттестован', 'аттестована', 'attested'],
    not_attested: ['аттестатталмады', 'аттестатталмаған', 'не аттестован', 'не аттестована', 'not_attested', 'not attested'],
    no_show: ['келмеді', 'келмеу', 'неявка', 'no_show', 'no-show', 'no show'],
    removed: ['шеттетілді', 'бұзушылық үшін шеттетілді', 'отстранен', 'отстранена', 'отстранен за нарушение', 'отстранена за нарушение', 'removed'],
  },
  category: {
    higher: ['жоғары', 'жоғары санат', 'высшая', 'высшая категория', 'higher'],
    first: ['бірінші', 'бірінші санат', 'первая', 'первая категория', 'first'],
    second: ['екінші', 'екінші санат', 'вторая', 'вторая категория', 'second'],
    none: ['санатсыз', 'без категории', 'none'],
  },
  absence_reason: {
    incapacity: ['еңбекке уақытша қабілетсіздік', 'временная нетрудоспособность', 'incapacity'],
    vacation: ['демалыс', 'отпуск', 'vacation'],
    child_illness: ['кәмелетке толмаған баланың сырқаты', 'баланың сырқаты', 'болезнь несовершеннолетнего ребенка', 'болезнь ребенка', 'child_illness'],
    relative_death: ['жақын туысының қайтыс болуы', 'смерть близкого родственника', 'relative_death'],
    business_trip: ['іссапар', 'командировка', 'business_trip'],
  },
  violation: {
    literature: ['әдебиет', 'әдебиетті пайдалану', 'литература', 'использование литературы', 'literature'],
    device: ['құрылғы', 'электрондық құрылғы', 'ұялы телефон', 'устройство', 'электронное устройство', 'мобильный телефон', 'device'],
  },
  language: {
    kk: ['kk', 'қазақ', 'қазақша', 'қазақ тілі', 'казахский', 'kazakh'],
    ru: ['ru', 'орыс', 'орысша', 'орыс тілі', 'русский', 'russian'],
  },
  // Seed 003, paragraph 9: the administrator's three decisions and their reasons, in the
  // seed's words (and shorter ones), Russian, and the codes.
  decision: {
    register: ['тіркеу', 'тіркелді', 'өтінішті тіркеу', 'зарегистрировать', 'зарегистрировано', 'регистрация', 'register'],
    return: ['қайта қарау', 'қайта қарауға', 'қайтару', 'возврат', 'возврат на доработку', 'на доработку', 'return'],
    refuse: ['бас тарту', 'отказ', 'отказать', 'refuse'],
  },
  decision_reason: {
    profession_mismatch: [...labelled('profession_mismatch'), 'кәсіп атауы сәйкес келмейді', 'несоответствие профессии'],
    false_category: [...labelled('false_category'), 'жалған біліктілік санаты', 'ложная квалификационная категория'],
    incomplete_documents: [...labelled('incomplete_documents'), 'толық емес құжаттар', 'неполный пакет документов', 'истек срок действия документов'],
    employment_mismatch: [...labelled('employment_mismatch'), 'несоответствие сведений о трудовой деятельности'],
    court_ban_social_work: [...labelled('court_ban_social_work'), 'әлеуметтік жұмыс құқығынан айырылу', 'лишение права заниматься социальной работой'],
    court_ban_medical: [...labelled('court_ban_medical'), 'медициналық қызметке тыйым', 'запрет на медицинскую деятельность'],
    incapacity: [...labelled('incapacity'), 'әрекетке қабілетсіз', 'недееспособность', 'ограниченная дееспособность'],
    emigration: [...labelled('emigration'), 'тұрақты тұруға шығу', 'выезд на постоянное место жительства', 'выезд на пмж'],
  },
} as const;

/** A reason's labels and its code, folded: what the export prints reads back. */
function labelled(reason: RegistryReason): string[] {
  const label = REASON_LABELS[reason];
  return [fold(label.kk), fold(label.ru), reason];
}

function lookup<T extends string>(table: Record<T, readonly string[]>, text: string): T | undefined {
  const folded = fold(text);
  return (Object.keys(table) as T[]).find((key) => table[key].includes(folded));
}

/** A coded value by one of its spellings (a card's wording of a category reads as a centre's cell does). */
export const spelledAs = <T extends keyof typeof SPELLINGS>(type: T, text: string) => lookup<string>(SPELLINGS[type], text) as keyof (typeof SPELLINGS)[T] | undefined;

/**
 * Letters of the Kazakh Cyrillic, Russian and Latin alphabets (with the Kazakh Latin
 * letters), words joined by a space, hyphen or apostrophe. A "?" left by a lossy export,
 * markup or a formula fails here.
 */
const LETTER = "A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІіÄäĞğÑñÖöŞşŪūÜüİı";
const NAME = new RegExp(`^[${LETTER}]+(?:[ \\-'’ʼ][${LETTER}]+)*$`);

export const isValidName = (text: string) => NAME.test(text);

/**
 * Why a name is refused, when the fix is known: a "?" where a letter was (a Windows-1251
 * save has no Kazakh letters), or two spaces in a row; else NAME_CHARS.
 */
function nameProblem(text: string): Code {
  if (text.includes('?') && isValidName(text.replaceAll('?', 'а'))) return 'NAME_ENCODING';
  if (/\s{2,}/.test(text) && isValidName(text.replace(/\s+/g, ' '))) return 'NAME_DOUBLE_SPACE';
  return 'NAME_CHARS';
}

/**
 * The longest name part and free text a document can carry. The longest Kazakh and
 * Russian surnames, double-barrelled, stay well under the first; anything longer is a
 * column mix-up or hostile input, refused before any other check looks at it.
 */
export const MAX_CHARS = { name: 100, text: 1000 } as const;

/** Years of work: more than a working life is a column mix-up. */
const MAX_YEARS = 70;

function scalar(cell: Cell): string | number | boolean | { date: string } {
  // A formula's result stands for numbers and dates; names and texts must be typed, so there the formula itself is judged.
  return typeof cell === 'object' && 'formula' in cell ? (cell.result === null ? `=${cell.formula}` : scalar(cell.result)) : cell;
}

/** The code of a coded value that is none of the accepted spellings. */
const UNKNOWN_VALUE: Record<keyof typeof SPELLINGS, Code> = {
  status: 'STATUS_UNKNOWN',
  no_show_reason: 'NO_SHOW_REASON',
  language: 'LANGUAGE_UNKNOWN',
  attestation_result: 'ATTESTATION_RESULT_UNKNOWN',
  category: 'CATEGORY_UNKNOWN',
  absence_reason: 'ABSENCE_REASON_UNKNOWN',
  violation: 'VIOLATION_UNKNOWN',
  decision: 'DECISION_UNKNOWN',
  decision_reason: 'DECISION_REASON_UNKNOWN',
};

export function parseCell(type: CellType, cell: Cell): Parsed {
  const isFormula = typeof cell === 'object' && 'formula' in cell;
  if (type === 'name' || type === 'text') {
    if (isFormula) return type === 'name' ? fail('NAME_CHARS') : ok(`=${cell.formula}`);
    if (typeof cell === 'object') return type === 'name' ? fail('NAME_CHARS') : ok(cell.date);
    const text = String(cell).trim();
    const length = [...text].length;
    if (length > MAX_CHARS[type]) return fail('VALUE_TOO_LONG', { value: String(length), max: MAX_CHARS[type] });
    if (type === 'name') return isValidName(text) ? ok(text) : fail(nameProblem(text));
    return ok(text);
  }
  const v = scalar(cell);
  switch (type) {
    // A BIN is read as the IIN: a spreadsheet drops the leading zero of either.
    case 'iin':
    case 'bin': {
      const bad = type === 'iin' ? 'IIN_FORMAT' : 'BIN_FORMAT';
      if (typeof v === 'number') return Number.isInteger(v) && v > 0 && v < 1e12 ? ok(String(v).padStart(12, '0')) : fail(bad);
      const text = typeof v === 'string' ? v.trim() : '';
      if (/^\d{12}$/.test(text)) return ok(text);
      // What a spreadsheet makes of a number column, told apart so the centre knows to format the column as text.
      if (type === 'iin' && /^\d{11}$/.test(text)) return fail('IIN_LEADING_ZERO');
      if (type === 'iin' && /^\d([.,]\d+)?E\+?\d+$/i.test(text)) return fail('IIN_EXPONENT');
      return fail(bad);
    }
    case 'date':
    case 'datetime': {
      const withTime = type === 'datetime';
      const expected = withTime
        ? { kk: 'кк.аа.жжжж сс:мм', ru: 'дд.мм.гггг чч:мм' }
        : { kk: 'кк.аа.жжжж', ru: 'дд.мм.гггг' };
      if (typeof v === 'object') return !withTime && v.date.includes('T') ? fail('DATE_FORMAT', { expected }) : ok(v.date);
      if (typeof v !== 'string') return fail('DATE_FORMAT', { expected });
      const read = readDateText(v, withTime);
      if ('date' in read) return ok(read.date);
      // The form is right and the day is not: saying "wrong format" sent centres hunting for a format error.
      switch (read.problem) {
        case 'format':
          return fail('DATE_FORMAT', { expected });
        case 'no-such-day':
          return fail('DATE_NOT_REAL', { value: v.trim(), detail: { kk: `бұл айдың соңғы күні – ${displayDate(read.lastDay)}`, ru: `последний день этого месяца – ${displayDate(read.lastDay)}` } });
        case 'no-such-month':
          return fail('DATE_NOT_REAL', { value: v.trim(), detail: { kk: 'ай 01-ден 12-ге дейін', ru: 'месяц от 01 до 12' } });
        case 'no-such-time':
          return fail('DATE_NOT_REAL', { value: v.trim(), detail: { kk: 'сағат 00–23, минут 00–59', ru: 'часы от 00 до 23, минуты от 00 до 59' } });
      }
    }
    case 'score': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,3}([.,]\d+)?$/.test(v.trim()) ? Number(v.trim().replace(',', '.')) : NaN;
      return Number.isFinite(n) && n >= 0 && n <= 100 ? ok(n) : fail('SCORE_RANGE');
    }
    case 'level': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
      return Number.isInteger(n) ? ok(n) : fail('LEVEL_OUT_OF_RANGE', { min: 1, max: 8, code: 'СБШ / ОРК' });
    }
    case 'years': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,2}([.,]\d+)?$/.test(v.trim()) ? Number(v.trim().replace(',', '.')) : NaN;
      return Number.isFinite(n) && n >= 0 && n <= MAX_YEARS ? ok(n) : fail('EXPERIENCE_RANGE', { max: MAX_YEARS });
    }
    case 'status':
    case 'no_show_reason':
    case 'language':
    case 'decision':
    case 'decision_reason':
    case 'attestation_result':
    case 'category':
    case 'absence_reason':
    case 'violation': {
      const found = typeof v === 'string' ? lookup<string>(SPELLINGS[type], v) : undefined;
      return found ? ok(found) : fail(UNKNOWN_VALUE[type]);
    }
  }
}
