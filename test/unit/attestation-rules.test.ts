import { kazakhstanCalendar } from '../../pipeline/core/working-days.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { localNow } from '../../pipeline/core/clock.js';
import { addMonths } from '../../pipeline/core/dates.js';
import type { Cell } from '../../pipeline/intake/cell.js';
import type { RegisterStanding } from '../../pipeline/records/attestation.js';
import { COLUMNS } from '../../pipeline/records/columns.js';
import { buildLibrary, effectiveThresholds, parseStandard } from '../../pipeline/standards/library.js';
import { RecordValidator } from '../../pipeline/validate/validator.js';
import type { ValidationEnv } from '../../pipeline/validate/validate-file.js';
import { shippedEnv } from '../support/env.js';
import { makeIin } from '../support/iin.js';
import { q88WithVersion, version3 } from '../support/standards.js';

/**
 * The rules of the attestation of social workers (docs/domain.md), one case each, through
 * the validator as a file's row goes. The register's answers come from the test here; the
 * SQLite ledger that gives them in production is tested in test/ledger/attestation-ledger.test.ts
 * and end to end in test/batch/attestation.test.ts.
 */
let env: ValidationEnv;
beforeAll(async () => {
  env = await shippedEnv();
});

const WORKER = makeIin('1985-03-15', 'female');
const SERIAL = 'DEMO01-2026-000001';

const row = (over: Record<string, Cell | undefined> = {}): Record<string, Cell | undefined> => ({
  iin: WORKER,
  last_name: 'Әбдірахманова',
  first_name: 'Гүлжан',
  certificate_serial: SERIAL,
  profession_code: '3412-0-008',
  level: '4',
  language: 'қазақ',
  attestation_date: '20.11.2026',
  result: 'Аттестатталды',
  category: 'Жоғары',
  commission: 'Алматы қ. аттестаттау комиссиясы',
  sitting_number: 'АК-3',
  ...over,
});

const standing = (over: Partial<RegisterStanding> = {}): RegisterStanding => ({
  iin: WORKER,
  profession_code: '3412-0-008',
  level: 4,
  issue_date: '2026-11-13',
  status: 'issued',
  revoked_at: null,
  revocation_reason: null,
  superseded_by: null,
  ...over,
});

function validator(register: (serial: string) => RegisterStanding | undefined = (s) => (s === SERIAL ? standing() : undefined), library = env.library) {
  const centre = env.config.centres[0]!;
  return new RecordValidator(
    'attestations',
    {
      library,
      thresholds: (s) => effectiveThresholds(env.config.defaults, s, centre),
      today: localNow(env.clock, env.config.timezone),
      calendar: kazakhstanCalendar(),
      defaultLanguage: 'kk',
      registerStanding: async (serial) => register(serial),
    },
    new Set(COLUMNS.attestations.map((c) => c.key)),
  );
}

async function check(cells: Record<string, Cell | undefined>, v = validator()) {
  const map = new Map(Object.entries(cells).filter((e): e is [string, Cell] => e[1] !== undefined && e[1] !== ''));
  return v.check({ row: 2, cells: map });
}
const codes = (r: Awaited<ReturnType<typeof check>>) => r.errors.map((e) => `${e.column}:${e.code}`);

describe('attestation rules', () => {
  it('passes an attested worker with a category, and reads kk, ru and en spellings', async () => {
    const r = await check(row());
    expect(r.errors).toEqual([]);
    expect(r.record).toMatchObject({ result: 'attested', category: 'higher', language: 'kk', certificate_serial: SERIAL, standard_code: 'Q88100061' });
    expect((await check(row({ result: 'аттестован', category: 'первая категория', language: 'русский' }))).record).toMatchObject({ result: 'attested', category: 'first', language: 'ru' });
    expect((await check(row({ result: 'attested', category: 'none' }))).record).toMatchObject({ category: 'none' });
  });

  it('an attested worker must have a category; nobody else gets one', async () => {
    expect(codes(await check(row({ category: undefined })))).toEqual(['category:CATEGORY_REQUIRED']);
    expect(codes(await check(row({ result: 'аттестатталмады' })))).toEqual(['category:CATEGORY_WITHOUT_ATTESTATION']);
    expect(codes(await check(row({ result: 'не аттестован', category: undefined })))).toEqual([]);
  });

  it('a category is one the card provides: a card of «санатсыз» alone, or of no category, gives no higher one', async () => {
    const single = { profession_code: '5320-9-006', level: '3' };
    const v = validator((s) => (s === SERIAL ? standing({ profession_code: '5320-9-006', level: 3 }) : undefined));
    const higher = await check(row({ ...single, category: 'Жоғары' }), v);
    expect(codes(higher)).toEqual(['category:CATEGORY_NOT_ON_CARD']);
    expect(higher.errors[0]?.message.ru).toBe('Карточка профессии 5320-9-006 не предусматривает этой категории; категории карточки: без категории');
    expect(codes(await check(row({ ...single, category: 'санатсыз' }), v))).toEqual([]);
    // The card of every category takes each.
    for (const category of ['жоғары', 'бірінші', 'екінші', 'санатсыз']) expect(codes(await check(row({ category })))).toEqual([]);
    // A version that words card 3412-0-008 without any category: only «без категории» is left.
    const { standard } = parseStandard('Q88100061.yaml', q88WithVersion(version3('  cards:\n  - code: 3412-0-008\n    categories: []')));
    if (!standard) throw new Error('the test standard does not parse');
    const none = validator(undefined, buildLibrary([standard]));
    expect(codes(await check(row({ category: 'бірінші' }), none))).toEqual(['category:CATEGORY_NOT_ON_CARD']);
    expect(codes(await check(row({ category: 'без категории' }), none))).toEqual([]);
  });

  it('a no-show without a valid reason is not attested: the row must say so', async () => {
    const noShow = row({ result: 'неявка', category: undefined });
    const r = await check(noShow);
    expect(codes(r)).toEqual(['absence_reason:NO_SHOW_UNEXCUSED']);
    expect(r.errors[0]?.message.ru).toContain('не аттестован');
    expect(codes(await check({ ...noShow, absence_reason: 'по собственному желанию' }))).toEqual(['absence_reason:ABSENCE_REASON_UNKNOWN']);
  });

  it('each valid reason reschedules, due within one month of the return to work (a warning with the date)', async () => {
    for (const reason of ['Еңбекке уақытша қабілетсіздік', 'отпуск', 'болезнь несовершеннолетнего ребёнка', 'жақын туысының қайтыс болуы', 'командировка']) {
      const r = await check(row({ result: 'келмеді', category: undefined, absence_reason: reason, return_date: '31.01.2027' }));
      expect(r.record, reason).toBeDefined();
      expect(r.errors.map((e) => `${e.column}:${e.code}`)).toEqual(['return_date:ATTESTATION_RESCHEDULED']);
      // 31 January + one month: the last day of February.
      expect(r.errors[0]?.message).toEqual({ kk: expect.stringContaining('28.02.2027-ден кешіктірмей'), ru: expect.stringContaining('не позднее 28.02.2027') });
    }
  });

  it('a valid reason without the return date: RETURN_DATE_MISSING, the row still goes on', async () => {
    const r = await check(row({ result: 'no-show', category: undefined, absence_reason: 'vacation' }));
    expect(codes(r)).toEqual(['return_date:RETURN_DATE_MISSING']);
    expect(r.record).toMatchObject({ result: 'no_show', absence_reason: 'vacation', return_date: null });
  });

  it('a removal needs the violation: prohibited literature or a transmitting device', async () => {
    const removed = row({ result: 'отстранён', category: undefined });
    expect(codes(await check(removed))).toEqual(['violation:VIOLATION_REQUIRED']);
    expect((await check({ ...removed, violation: 'мобильный телефон', violation_details: 'Телефон в кармане' })).record).toMatchObject({ result: 'removed', violation: 'device' });
    expect((await check({ ...removed, violation: 'әдебиет' })).record).toMatchObject({ violation: 'literature' });
    expect(codes(await check({ ...removed, violation: 'шпаргалка' }))).toEqual(['violation:VIOLATION_UNKNOWN']);
  });

  it('the certificate must be in the register, stand, be the worker\'s and predate the attestation', async () => {
    expect(codes(await check(row({ certificate_serial: 'DEMO01-2026-000777' })))).toEqual(['certificate_serial:CERTIFICATE_NOT_IN_REGISTER']);
    const revoked = await check(row(), validator(() => standing({ status: 'revoked', revoked_at: '2026-11-21T09:00:00.000Z', revocation_reason: 'fraud' })));
    expect(codes(revoked)).toEqual(['certificate_serial:CERTIFICATE_REVOKED']);
    expect(revoked.errors[0]?.message.ru).toBe(`Документ № ${SERIAL} отозван 21.11.2026: выявлено мошенничество`);
    expect(revoked.errors[0]?.message.kk).toBe(`№ ${SERIAL} құжаты 21.11.2026 кері шақырылған: алаяқтық анықталды`);
    const superseded = await check(row(), validator(() => standing({ status: 'superseded', superseded_by: 'DEMO01-2026-000009' })));
    expect(codes(superseded)).toEqual(['certificate_serial:CERTIFICATE_SUPERSEDED']);
    expect(superseded.errors[0]?.message.ru).toContain('DEMO01-2026-000009');
    expect(codes(await check(row(), validator(() => standing({ iin: makeIin('1990-01-01', 'male') }))))).toEqual(['certificate_serial:CERTIFICATE_OTHER_PERSON']);
    expect(codes(await check(row({ attestation_date: '12.11.2026' })))).toEqual(['attestation_date:DATE_ORDER']);
  });

  it('without a serial, the issuer and date of an external document of recognition; it must predate the attestation', async () => {
    expect(codes(await check(row({ certificate_serial: undefined })))).toEqual(['certificate_serial:RECOGNITION_DOCUMENT_REQUIRED']);
    expect(codes(await check(row({ certificate_serial: undefined, external_issuer: 'Атамекен ҰКП' })))).toEqual(['certificate_serial:RECOGNITION_DOCUMENT_REQUIRED']);
    const external = await check(row({ certificate_serial: undefined, external_issuer: 'Атамекен ҰКП', external_date: '01.06.2025' }));
    expect(external.errors).toEqual([]);
    expect(external.record).toMatchObject({ certificate_serial: null, external_issuer: 'Атамекен ҰКП', external_date: '2025-06-01' });
    expect(codes(await check(row({ certificate_serial: undefined, external_issuer: 'Атамекен ҰКП', external_date: '21.11.2026' })))).toEqual(['attestation_date:DATE_ORDER']);
  });

  it('dates in the future are refused (clock: 23.11.2026)', async () => {
    expect(codes(await check(row({ attestation_date: '24.11.2026' })))).toEqual(['attestation_date:FUTURE_DATE']);
    expect(codes(await check(row({ certificate_serial: undefined, external_issuer: 'X', external_date: '24.11.2026', attestation_date: '23.11.2026' })))).toContain('external_date:FUTURE_DATE');
  });

  it('unknown result and category spellings are refused, not guessed', async () => {
    expect(codes(await check(row({ result: 'өтті' })))).toEqual(['result:ATTESTATION_RESULT_UNKNOWN']);
    expect(codes(await check(row({ category: 'үшінші' })))).toEqual(['category:CATEGORY_UNKNOWN']);
  });

  it('adds calendar months, keeping to the month\'s last day', () => {
    expect(addMonths('2026-12-15', 1)).toBe('2027-01-15');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-03-31', 1)).toBe('2026-04-30');
  });
});
