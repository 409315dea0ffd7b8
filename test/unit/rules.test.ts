import { beforeAll, describe, expect, it } from 'vitest';
import { localNow } from '../../pipeline/core/clock.js';
import { kazakhstanCalendar } from '../../pipeline/core/working-days.js';
import type { Cell } from '../../pipeline/intake/cell.js';
import { COLUMNS, type Kind } from '../../pipeline/records/columns.js';
import { effectiveThresholds } from '../../pipeline/standards/library.js';
import { RULES } from '../../pipeline/validate/rules.js';
import { RecordValidator } from '../../pipeline/validate/validator.js';
import type { ValidationEnv } from '../../pipeline/validate/validate-file.js';
import { makeIin } from '../support/iin.js';
import { shippedEnv } from '../support/env.js';

let env: ValidationEnv;
beforeAll(async () => {
  env = await shippedEnv();
});

const PERSON = makeIin('1985-03-15', 'female');

const exam = (over: Record<string, Cell | undefined> = {}): Record<string, Cell | undefined> => ({
  iin: PERSON,
  last_name: 'Әбдірахманова',
  first_name: 'Гүлжан',
  profession_code: '3412-0-008',
  level: '4',
  exam1_at: '10.11.2026 10:00',
  exam1_score: '85',
  exam2_at: '11.11.2026 10:00',
  exam2_score: '78',
  status: 'Танылды',
  protocol_number: 'П-1',
  protocol_date: '12.11.2026',
  exam_region: 'Алматы',
  exam_city: 'Алматы',
  exam_address: 'Абай даңғылы, 1',
  ...over,
});

function validator(kind: Kind = 'exam-results', centreOverrides?: object) {
  const centre = { ...env.config.centres[0]!, ...(centreOverrides ? { overrides: centreOverrides } : {}) };
  return new RecordValidator(
    kind,
    {
      library: env.library,
      thresholds: (s) => effectiveThresholds(env.config.defaults, s, centre),
      today: localNow(env.clock, env.config.timezone),
      calendar: kazakhstanCalendar(),
      defaultLanguage: 'kk',
    },
    new Set(COLUMNS[kind].map((c) => c.key)),
  );
}

function check(cells: Record<string, Cell | undefined>, v = validator(), row = 2) {
  const map = new Map(Object.entries(cells).filter((e): e is [string, Cell] => e[1] !== undefined && e[1] !== ''));
  return v.check({ row, cells: map });
}
const codes = (r: Awaited<ReturnType<typeof check>>) => r.errors.map((e) => `${e.column}:${e.code}`);

describe('validation rules', () => {
  it('lists every rule once, by name', async () => {
    const names = RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('passes a good row and resolves its card, version and defaults', async () => {
    const r = (await check(exam()));
    expect(r.errors).toEqual([]);
    expect(r.record).toMatchObject({ standard_code: 'Q88100061', standard_version: 2, birth_date: '1985-03-15', language: 'kk', level: 4, exam2_score: 78 });
  });

  it('picks version 1 of the standard before Order 109 took effect', async () => {
    const r = (await check(exam({ exam1_at: '10.03.2026 10:00', exam2_at: '11.03.2026 10:00', protocol_date: '12.03.2026' })));
    expect(r.record).toMatchObject({ standard_version: 1 });
  });

  it('IIN: checksum, embedded date and the birth date column', async () => {
    expect(codes((await check(exam({ iin: `${PERSON.slice(0, 11)}${(Number(PERSON[11]) + 1) % 10}` }))))).toEqual(['iin:IIN_CHECKSUM']);
    expect(codes((await check(exam({ iin: makeIin('1985-03-15', 'female').replace(/^(\d{6})4/, '$17') }))))).toContain('iin:IIN_DATE');
    expect(codes((await check(exam({ iin: makeIin('2030-01-01', 'male') }))))).toContain('iin:IIN_DATE');
    expect(codes((await check(exam({ birth_date: '16.03.1985' }))))).toEqual(['birth_date:BIRTH_DATE_MISMATCH']);
    expect(codes((await check(exam({ birth_date: '15.03.1985' }))))).toEqual([]);
  });

  it('a card unknown, a standard not in force on the protocol date, a repealed 2013 standard', async () => {
    expect(codes((await check(exam({ profession_code: '9999-0-001' }))))).toEqual(['profession_code:UNKNOWN_PROFESSION']);
    expect(codes((await check(exam({ standard_code: 'KS2013-690-1' }))))).toEqual(['profession_code:UNKNOWN_PROFESSION']);
    expect(codes((await check(exam({ standard_code: 'NOPE' }))))).toEqual(['standard_code:UNKNOWN_PROFESSION']);
    const before = exam({ exam1_at: '10.12.2024 10:00', exam2_at: '11.12.2024 10:00', protocol_date: '31.12.2024' });
    expect(codes((await check(before)))).toEqual(['profession_code:STANDARD_NOT_IN_FORCE']);
    expect(codes((await check({ ...before, protocol_date: '01.01.2025', exam1_at: '01.01.2025 09:00', exam2_at: '01.01.2025 12:00' })))).toEqual([]);
    const repealed = exam({ profession_code: 'KS2013-690-1.3', level: '5', exam1_at: '10.11.2026 10:00', protocol_date: '12.11.2026' });
    expect(codes((await check(repealed)))).toEqual(['profession_code:STANDARD_NOT_IN_FORCE']);
    expect(codes((await check({ ...repealed, exam1_at: '10.12.2015 10:00', exam2_at: '11.12.2015 10:00', protocol_date: '31.12.2015' })))).toEqual([]);
  });

  it('level inside the card range, bounds included', async () => {
    expect(codes((await check(exam({ profession_code: '5320-2-003', level: '1' }))))).toEqual([]);
    expect(codes((await check(exam({ profession_code: '5320-2-003', level: '2' }))))).toEqual([]);
    expect(codes((await check(exam({ profession_code: '5320-2-003', level: '3' }))))).toEqual(['level:LEVEL_OUT_OF_RANGE']);
    expect((await check(exam({ profession_code: '5320-2-003', level: '3' }))).errors[0]?.message.ru).toContain('от 1 до 2');
  });

  it('scores: equal to the threshold passes, below it is an error only for recognized', async () => {
    expect(codes((await check(exam({ exam1_score: '70', exam2_score: '70' }))))).toEqual([]);
    expect(codes((await check(exam({ exam1_score: '69.9' }))))).toEqual(['exam1_score:BELOW_THRESHOLD']);
    expect(codes((await check(exam({ exam1_score: '69', exam2_score: '10' }))))).toEqual(['exam1_score:BELOW_THRESHOLD', 'exam2_score:BELOW_THRESHOLD']);
    expect(codes((await check(exam({ exam1_score: '40', status: 'Отказ в признании' }))))).toEqual([]);
    expect(codes((await check(exam({ exam1_score: undefined }))))).toEqual(['exam1_score:REQUIRED']);
    expect(codes((await check(exam({ exam2_score: undefined }))))).toEqual(['exam2_score:REQUIRED']);
    expect(codes((await check(exam({ exam1_score: '150' }))))).toEqual(['exam1_score:SCORE_RANGE']);
  });

  it('thresholds come from the centre, and from the centre per standard', async () => {
    expect(codes((await check(exam({ exam1_score: '72' }), validator('exam-results', { pass_threshold: 75 }))))).toEqual(['exam1_score:BELOW_THRESHOLD']);
    expect(codes((await check(exam({ exam1_score: '72' }), validator('exam-results', { pass_threshold: 75, standards: { Q88100061: { pass_threshold: 60 } } }))))).toEqual([]);
  });

  it('no-show: needs a reason and no exam date', async () => {
    const noShow = exam({ status: 'Неявка', exam1_at: undefined, exam1_score: undefined, exam2_at: undefined, exam2_score: undefined });
    expect(codes((await check(noShow)))).toEqual(['no_show_reason:NO_SHOW_REASON']);
    expect(codes((await check({ ...noShow, no_show_reason: 'өз еркімен' })))).toEqual([]);
    expect(codes((await check({ ...noShow, status: 'Танудан бас тарту', no_show_reason: undefined })))).toEqual(['exam1_at:REQUIRED']);
  });

  it('a no-show for health is rescheduled: its re-sit date is asked for, belongs to that case alone and follows the sitting', async () => {
    const health = exam({ status: 'Неявка', no_show_reason: 'по состоянию здоровья', exam1_at: undefined, exam1_score: undefined, exam2_at: undefined, exam2_score: undefined });
    expect(codes(await check(health))).toEqual(['resit_date:RESIT_DATE_MISSING']);
    // A re-sit is in the future by nature: never FUTURE_DATE.
    expect(codes(await check({ ...health, resit_date: '15.12.2026' }))).toEqual([]);
    expect(codes(await check({ ...health, resit_date: '12.11.2026' }))).toEqual(['resit_date:DATE_ORDER']);
    expect(codes(await check({ ...health, no_show_reason: 'өз еркімен', resit_date: '15.12.2026' }))).toEqual(['resit_date:RESIT_DATE_UNEXPECTED']);
    expect(codes(await check(exam({ resit_date: '15.12.2026' })))).toEqual(['resit_date:RESIT_DATE_UNEXPECTED']);
    const record = (await check({ ...health, resit_date: '15.12.2026' })).record;
    expect(record).toMatchObject({ status: 'no_show', no_show_reason: 'health', resit_date: '2026-12-15' });
  });

  it('dates: in order, not in the future (the clock says 23.11.2026 noon in Almaty)', async () => {
    expect(codes((await check(exam({ exam2_at: '09.11.2026 10:00' }))))).toEqual(['exam2_at:DATE_ORDER']);
    expect(codes((await check(exam({ protocol_date: '10.11.2026', exam2_at: '10.11.2026 15:00' }))))).toEqual([]);
    expect(codes((await check(exam({ protocol_date: '09.11.2026' }))))).toEqual(['protocol_date:DATE_ORDER']);
    expect(codes((await check(exam({ protocol_date: '23.11.2026' }))))).toEqual([]);
    expect(codes((await check(exam({ protocol_date: '24.11.2026' }))))).toEqual(['protocol_date:FUTURE_DATE']);
    expect(codes((await check(exam({ exam2_at: '23.11.2026 12:30', protocol_date: '23.11.2026' }))))).toEqual(['exam2_at:FUTURE_DATE']);
    expect(codes((await check(exam({ protocol_date: '2026-13-01' }))))).toEqual(['protocol_date:DATE_NOT_REAL']);
  });

  it('a row gets every error it has', async () => {
    const r = (await check(exam({ iin: '123', last_name: 'Ив4нов', level: 'IV', status: 'maybe', language: 'de', protocol_date: 'вчера' })));
    expect(codes(r)).toEqual(['iin:IIN_FORMAT', 'last_name:NAME_CHARS', 'level:LEVEL_OUT_OF_RANGE', 'language:LANGUAGE_UNKNOWN', 'status:STATUS_UNKNOWN', 'protocol_date:DATE_FORMAT']);
    for (const e of r.errors) {
      expect(e.row).toBe(2);
      expect(e.message.kk.length).toBeGreaterThan(5);
      expect(e.message.ru.length).toBeGreaterThan(5);
      expect(e.message.kk).not.toBe(e.message.ru);
    }
    expect(r.errors.find((e) => e.column === 'last_name')?.value).toBe('Ив4нов');
  });

  it('a required cell left empty', async () => {
    expect(codes((await check(exam({ first_name: undefined, protocol_number: '  ' }))))).toEqual(['first_name:REQUIRED', 'protocol_number:REQUIRED']);
  });

  it('duplicates: the second recognition of a person, profession and level, not the first', async () => {
    const v = validator();
    expect(codes((await check(exam(), v, 2)))).toEqual([]);
    expect(codes((await check(exam({ level: '4' }), v, 3)))).toEqual(['iin:DUPLICATE']);
    expect((await check(exam(), v, 4)).errors[0]?.message.ru).toContain('в строке 2');
    expect(codes((await check(exam({ profession_code: '3412-0-011', level: '4' }), v, 5)))).toEqual([]);
    expect(codes((await check(exam({ status: 'Отказ в признании', protocol_number: 'П-2' }), v, 6)))).toEqual([]);
  });

  it('an invalid first occurrence does not make the next one a duplicate', async () => {
    const v = validator();
    expect(codes((await check(exam({ exam1_score: '10' }), v, 2)))).toEqual(['exam1_score:BELOW_THRESHOLD']);
    expect(codes((await check(exam(), v, 3)))).toEqual([]);
  });

  it('applications: the standard must be in force on the application date', async () => {
    const app = {
      iin: PERSON,
      last_name: 'Әбдірахманова',
      first_name: 'Гүлжан',
      address_street: 'Абай даңғылы, 10',
      profession_code: '3412-0-008',
      level: '4',
      application_number: 'Ө-1',
      application_date: '02.11.2026',
    };
    const v = validator('applications');
    expect((await check(app, v)).record).toMatchObject({ language: 'kk', voucher_number: null, standard_code: 'Q88100061' });
    expect(codes((await check({ ...app, application_date: '02.11.2024' }, v)))).toEqual(['profession_code:STANDARD_NOT_IN_FORCE']);
    expect(codes((await check({ ...app, application_date: '02.12.2026' }, v)))).toEqual(['application_date:FUTURE_DATE']);
    expect(codes((await check({ ...app, address_street: undefined }, v)))).toEqual(['address_street:REQUIRED']);
  });

  it('the exam place is required, each of region, city or district and address (seed 000): a blank one is an error of its own', async () => {
    const r = await check(exam({ exam_city: undefined }));
    expect(r.record).toBeUndefined();
    expect(r.errors.map((e) => [e.row, e.column, e.code])).toEqual([[2, 'exam_city', 'EXAM_LOCATION_MISSING']]);
    expect(r.errors[0]?.message.ru).toContain('область, город или район и адрес обязательны');
    expect(codes(await check(exam({ exam_region: undefined, exam_city: undefined, exam_address: undefined })))).toEqual([
      'exam_region:EXAM_LOCATION_MISSING',
      'exam_city:EXAM_LOCATION_MISSING',
      'exam_address:EXAM_LOCATION_MISSING',
    ]);
  });

  it('a protocol number has one date, and gives a person one result (in the file)', async () => {
    const v = validator();
    const other = makeIin('1990-01-01', 'male');
    expect(codes(await check(exam(), v, 2))).toEqual([]);
    const later = await check(exam({ iin: other, protocol_date: '20.11.2026' }), v, 3);
    expect(codes(later)).toEqual(['protocol_date:PROTOCOL_DATE_CONFLICT']);
    expect(later.errors[0]?.message.ru).toBe('Протокол № П-1 датирован 12.11.2026 (в строке 2): у протокола одна дата, исправьте дату или номер протокола');
    expect(later.errors[0]?.message.kk).toContain('2-жолда');
    // Another protocol number has its own date.
    expect(codes(await check(exam({ iin: other, protocol_number: 'П-2', protocol_date: '20.11.2026' }), v, 4))).toEqual([]);
    const refused = await check(exam({ status: 'Отказ в признании' }), v, 5);
    expect(codes(refused)).toEqual(['status:PROTOCOL_RESULT_CONFLICT']);
    expect(refused.errors[0]?.message.ru).toContain('«Признан», в строке 2');
    const absent = { status: 'Неявка', no_show_reason: 'по собственному желанию', exam1_at: undefined, exam1_score: undefined, exam2_at: undefined, exam2_score: undefined };
    expect(codes(await check(exam(absent), v, 6))).toEqual(['status:PROTOCOL_RESULT_CONFLICT']);
    // The same person at another level of the card is another exam.
    expect(codes(await check(exam({ ...absent, profession_code: '3412-0-011', level: '3' }), v, 7))).toEqual([]);
  });
});
