import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { localNow } from '../../pipeline/core/clock.js';
import { kazakhstanCalendar } from '../../pipeline/core/working-days.js';
import type { Cell } from '../../pipeline/intake/cell.js';
import { COLUMNS } from '../../pipeline/records/columns.js';
import { effectiveThresholds } from '../../pipeline/standards/library.js';
import { REGISTRY_RULES } from '../../pipeline/validate/registry-rules.js';
import { RULES } from '../../pipeline/validate/rules.js';
import { RecordValidator } from '../../pipeline/validate/validator.js';
import { type ValidationEnv, validateFile } from '../../pipeline/validate/validate-file.js';
import { iinCheckDigit } from '../../pipeline/validate/iin.js';
import { shippedEnv } from '../support/env.js';
import { useTmpDir } from '../support/tmp.js';

/** Seed 003's rules, one test each, through the real validator; the clock says 23.11.2026. */

let env: ValidationEnv;
beforeAll(async () => {
  env = await shippedEnv();
});

const BIN = `04054000012${iinCheckDigit('04054000012')}`;

/** A registered application decided on time (received Monday 02.11.2026, due 09.11.2026). */
const registered = (over: Record<string, Cell | undefined> = {}): Record<string, Cell | undefined> => ({
  last_name: 'Серікова',
  first_name: 'Айгерім',
  birth_date: '09.01.2001',
  phone: '+7 701 111 22 33',
  address_region: 'Алматы облысы',
  address_locality: 'Қонаев қ.',
  address_registered: 'Абай к-сі, 12',
  profession_name: 'Әлеуметтік жұмыскер',
  experience_years: '3,5',
  education_level: 'жоғары',
  education_institution: 'ҚазҰУ',
  education_document: 'ЖБ-Б № 1234567',
  employer_name: '«Мейірім» орталығы',
  employer_bin: BIN,
  position: 'әлеуметтік жұмыскер',
  employment_start: '01.09.2022',
  registry_date: '06.11.2026',
  received_date: '02.11.2026',
  decision: 'тіркеу',
  decision_date: '06.11.2026',
  ...over,
});
const returned = (over: Record<string, Cell | undefined> = {}) => registered({ registry_date: undefined, decision: 'қайта қарау', decision_reason: 'кәсіп атауының сәйкес келмеуі', ...over });

async function check(cells: Record<string, Cell | undefined>, movedDays: { from: string; to: string }[] = []) {
  const v = new RecordValidator(
    'registry-applications',
    {
      library: env.library,
      thresholds: (s) => effectiveThresholds(env.config.defaults, s, env.config.centres[0]),
      today: localNow(env.clock, env.config.timezone),
      calendar: kazakhstanCalendar(movedDays),
      defaultLanguage: 'kk',
    },
    new Set(COLUMNS['registry-applications'].map((c) => c.key)),
  );
  return v.check({ row: 2, cells: new Map(Object.entries(cells).filter((e): e is [string, Cell] => e[1] !== undefined && e[1] !== '')) });
}
const codes = (r: Awaited<ReturnType<typeof check>>) => r.errors.map((e) => `${e.column}:${e.code}`);

describe('registry applications (seed 003)', () => {
  it('names every rule once, apart from the other kinds', () => {
    const names = [...RULES, ...REGISTRY_RULES].map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(REGISTRY_RULES.every((r) => r.kinds.length === 1 && r.kinds[0] === 'registry-applications')).toBe(true);
  });

  it('a registered application on time is a record, typed, with nothing reported', async () => {
    const r = await check(registered());
    expect(r.errors).toEqual([]);
    expect(r.record).toMatchObject({ row: 2, decision: 'register', decision_reason: null, experience_years: 3.5, employer_bin: BIN, birth_date: '2001-01-09', registry_date: '2026-11-06' });
  });

  it('registered-entry-complete: registering needs what the form prints', async () => {
    const r = await check(registered({ registry_date: undefined, employer_bin: undefined, address_locality: undefined }));
    expect(codes(r)).toEqual(['address_locality:REQUIRED', 'employer_bin:REQUIRED', 'registry_date:REQUIRED']);
    expect(r.errors[0]?.message.ru).toContain('для внесения в реестр');
    expect(r.record).toBeUndefined();
    // Returned, the same gaps are not errors: the application is not entered.
    expect(codes(await check(returned({ employer_bin: undefined, address_locality: undefined })))).toEqual(['decision:APPLICATION_RETURNED']);
  });

  it('registry-date-only-when-registered', async () => {
    expect(codes(await check(returned({ registry_date: '06.11.2026' })))).toContain('registry_date:REGISTRY_DATE_UNEXPECTED');
  });

  it('contact-given: a phone or an email', async () => {
    expect(codes(await check(registered({ phone: undefined })))).toEqual(['phone:CONTACT_REQUIRED']);
    expect(codes(await check(registered({ phone: undefined, email: 'a@example.kz' })))).toEqual([]);
  });

  it('BIN: 12 digits (a number padded, as a spreadsheet drops the zero), and its check digit', async () => {
    expect(codes(await check(registered({ employer_bin: '0405400001' })))).toEqual(['employer_bin:BIN_FORMAT']);
    expect(codes(await check(registered({ employer_bin: `${BIN.slice(0, 11)}${(Number(BIN[11]) + 1) % 10}` })))).toEqual(['employer_bin:BIN_CHECKSUM']);
    expect((await check(registered({ employer_bin: Number(BIN) }))).record).toMatchObject({ employer_bin: BIN });
  });

  it('decision and reason: spellings in kk and ru, one of the list', async () => {
    expect(codes(await check(registered({ decision: 'келісілді' })))).toEqual(['decision:DECISION_UNKNOWN']);
    expect(codes(await check(returned({ decision_reason: 'басқа себеп' })))).toEqual(['decision_reason:DECISION_REASON_UNKNOWN']);
    expect((await check(returned({ decision: 'Возврат на доработку', decision_reason: 'Несоответствие сведений о трудовой деятельности' }))).record).toMatchObject({ decision: 'return', decision_reason: 'employment_mismatch' });
  });

  it('decision-reason-of-its-decision: required to return or refuse, of that decision, none to register', async () => {
    expect(codes(await check(returned({ decision_reason: undefined })))).toEqual(['decision_reason:DECISION_REASON_REQUIRED']);
    expect(codes(await check(registered({ registry_date: undefined, decision: 'бас тарту' })))).toEqual(['decision_reason:DECISION_REASON_REQUIRED']);
    expect(codes(await check(returned({ decision: 'отказ' })))).toEqual(['decision_reason:DECISION_REASON_MISMATCH']);
    expect(codes(await check(returned({ decision_reason: 'недееспособность' })))).toEqual(['decision_reason:DECISION_REASON_MISMATCH']);
    expect(codes(await check(registered({ decision_reason: 'эмиграция' })))).toEqual(['decision_reason:DECISION_REASON_UNKNOWN']);
    expect(codes(await check(registered({ decision_reason: 'выезд на ПМЖ' })))).toEqual(['decision_reason:DECISION_REASON_MISMATCH']);
  });

  it('returned-or-refused-reported: a warning with the reason, the record goes on', async () => {
    const back = await check(returned());
    expect(back.record).toMatchObject({ decision: 'return', decision_reason: 'profession_mismatch' });
    expect(back.errors).toEqual([expect.objectContaining({ row: 2, column: 'decision', value: 'қайта қарау', code: 'APPLICATION_RETURNED' })]);
    expect(back.errors[0]?.message.kk).toContain('кәсіп атауының сәйкес келмеуі');
    const refused = await check(returned({ decision: 'бас тарту', decision_reason: 'тұрақты тұру үшін Қазақстан Республикасынан тысқары жерлерге шығу' }));
    expect(refused.record).toMatchObject({ decision: 'refuse', decision_reason: 'emigration' });
    expect(codes(refused)).toEqual(['decision:APPLICATION_REFUSED']);
    expect(refused.errors[0]?.message.ru).toContain('выезд за пределы Республики Казахстан');
  });

  it('qualification-complete: a category with its date and authority', async () => {
    expect(codes(await check(registered({ qualification_category: 'екінші санат' })))).toEqual(['qualification_date:REQUIRED', 'qualification_authority:REQUIRED']);
    expect(codes(await check(registered({ qualification_category: 'екінші санат', qualification_date: '15.05.2025', qualification_authority: 'Басқарма' })))).toEqual([]);
  });

  it('registry-dates-in-order', async () => {
    expect(codes(await check(registered({ decision_date: '30.10.2026', registry_date: '30.10.2026' })))).toEqual(['decision_date:DATE_ORDER', 'registry_date:DATE_ORDER']);
    expect(codes(await check(registered({ employment_start: '01.09.2022', employment_end: '01.09.2021' })))).toEqual(['employment_end:DATE_ORDER']);
    expect(codes(await check(registered({ education_start: '01.09.2018', education_end: '30.06.2017' })))).toEqual(['education_end:DATE_ORDER']);
  });

  it('registry-dates-not-in-future and dates that are dates', async () => {
    expect(codes(await check(registered({ registry_date: '24.11.2026' })))).toEqual(['registry_date:FUTURE_DATE']);
    expect(codes(await check(registered({ birth_date: '31.02.2001' })))).toEqual(['birth_date:DATE_NOT_REAL']);
  });

  it('received-under-the-rules: not before seed 003\'s order was registered', async () => {
    const r = await check(registered({ received_date: '23.01.2025', birth_date: '01.01.1990' }));
    expect(codes(r)).toEqual(['received_date:RECEIVED_BEFORE_RULES']);
    expect(r.errors[0]?.message.ru).toContain('24.01.2025');
    expect(codes(await check(registered({ received_date: '24.01.2025', decision_date: '24.01.2025', registry_date: '24.01.2025' })))).toEqual([]);
  });

  it('experience: a number of years', async () => {
    expect(codes(await check(registered({ experience_years: 'үш жыл' })))).toEqual(['experience_years:EXPERIENCE_RANGE']);
    expect(codes(await check(registered({ experience_years: 71 })))).toEqual(['experience_years:EXPERIENCE_RANGE']);
  });

  it('decision-within-five-working-days: late is a warning with the working days late, never an error', async () => {
    // Received Friday 20.03.2026 before Nauryz (21–22.03 a weekend, 23.03 and 24.03 off): due Tuesday 31.03.2026.
    const onTime = await check(registered({ received_date: '20.03.2026', decision_date: '31.03.2026', registry_date: '31.03.2026' }));
    expect(onTime.errors).toEqual([]);
    const late = await check(registered({ received_date: '20.03.2026', decision_date: '02.04.2026', registry_date: '02.04.2026' }));
    expect(late.record).toBeDefined();
    expect(late.errors).toEqual([expect.objectContaining({ column: 'decision_date', code: 'DECISION_OVERDUE' })]);
    expect(late.errors[0]?.message.ru).toBe('Решение принято позже пяти рабочих дней (срок 31.03.2026): опоздание 2 раб. дн.');
    // A day off moved from Saturday 04.04 onto Thursday 26.03 (config) pushes the deadline to Wednesday 01.04: one day late.
    const moved = await check(registered({ received_date: '20.03.2026', decision_date: '02.04.2026', registry_date: '02.04.2026' }), [{ from: '2026-04-04', to: '2026-03-26' }]);
    expect(moved.errors[0]?.message.kk).toBe('Шешім бес жұмыс күні ішінде қабылданбаған (мерзімі 01.04.2026): 1 жұмыс күні кешіктірілді');
  });
});

describe('registry application files', () => {
  const tmp = useTmpDir();
  const summary = async (file: string) => {
    const report = await validateFile(file, env);
    return { kind: report.kind, rows: report.rows, valid: report.valid, issues: [...report.errors, ...report.warnings].map((i) => `${i.row}:${i.column}:${i.code}`) };
  };

  it('a Russian CSV with ";" and a Kazakh workbook, kinds told by the file name', async () => {
    expect(await summary('test/fixtures/registry-applications-ru.csv')).toEqual({ kind: 'registry-applications', rows: 2, valid: 2, issues: ['3:decision:APPLICATION_REFUSED'] });
    expect(await summary('test/fixtures/registry-applications-kk.xlsx')).toEqual({ kind: 'registry-applications', rows: 2, valid: 1, issues: ['5:decision:DECISION_UNKNOWN'] });
  });

  it('the kind told by the columns alone, and YAML with canonical keys', async () => {
    const csv = join(tmp(), 'from-the-portal.csv');
    writeFileSync(csv, 'Фамилия;Имя;Дата рождения;Наименование профессии;Дата поступления заявления;Решение администратора;Причина решения;Дата решения\nКим;Ольга;01.02.1990;Социальный работник;02.11.2026;возврат;неполный пакет документов;03.11.2026\n');
    expect(await summary(csv)).toMatchObject({ kind: 'registry-applications', valid: 0, issues: ['2:phone:CONTACT_REQUIRED', '2:decision:APPLICATION_RETURNED'] });
    const yaml = join(tmp(), 'applicants.yaml');
    writeFileSync(yaml, `kind: registry-applications
records:
  - { last_name: Ким, first_name: Ольга, birth_date: "1990-02-01", email: olga@example.kz, profession_name: Социальный работник,
      received_date: "2026-11-02", decision: refuse, decision_reason: court_ban_medical, decision_date: "2026-11-03" }
`);
    expect(await summary(yaml)).toEqual({ kind: 'registry-applications', rows: 1, valid: 1, issues: ['1:decision:APPLICATION_REFUSED'] });
  });
});
