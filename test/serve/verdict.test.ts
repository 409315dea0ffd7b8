import { describe, expect, it } from 'vitest';
import { negotiate } from '../../pipeline/serve/pages.js';
import type { CertificateRow } from '../../pipeline/serve/reader.js';
import { redactUrl } from '../../pipeline/serve/server.js';
import { codeMatches, shortName, verify, verifyLegacy } from '../../pipeline/serve/verdict.js';

/** The pure core of the verification service: what a page says given the ledger's rows. */

const row = (over: Partial<CertificateRow>): CertificateRow => ({
  id: 1,
  serial: 'DEMO01-2026-000001',
  revision: 1,
  status: 'issued',
  verify_code: 'AAAAAAAAAAAAAAAA',
  issued: '2026-11-23',
  expires: '2031-11-23',
  profession_code: '3412-0-008',
  profession_kk: 'Әлеуметтік қызметкер',
  profession_ru: 'Социальный работник',
  level: 4,
  centre_kk: 'Орталық',
  centre_ru: 'Центр',
  last_name: 'Жаңғыров',
  first_name: 'Жандос',
  revoked_at: null,
  reason: null,
  ...over,
});

describe('verdicts', () => {
  it('shortens the holder to the last name and an initial', () => {
    expect(shortName({ last_name: 'Жаңғыров', first_name: 'Жандос' })).toBe('Жаңғыров Ж.');
    expect(shortName({ last_name: 'Әбдіғұлова-Өмірзақ', first_name: 'Өркен' })).toBe('Әбдіғұлова-Өмірзақ Ө.');
  });

  it('a code matches only itself; a document without a code matches nothing', () => {
    expect(codeMatches('AAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAA')).toBe(true);
    expect(codeMatches('AAAAAAAAAAAAAAAB', 'AAAAAAAAAAAAAAAA')).toBe(false);
    expect(codeMatches('AAAA', 'AAAAAAAAAAAAAAAA')).toBe(false);
    expect(codeMatches('', null)).toBe(false);
  });

  it('a superseded revision points at the current one; each revision opens with its own code', () => {
    const rows = [row({ status: 'superseded' }), row({ id: 2, revision: 2, verify_code: 'BBBBBBBBBBBBBBBB' })];
    expect(verify(rows, 'AAAAAAAAAAAAAAAA', '2026-11-27')).toMatchObject({ revision: 1, status: 'superseded', current_revision: { revision: 2, url: '/verify/DEMO01-2026-000001/BBBBBBBBBBBBBBBB' } });
    expect(verify(rows, 'BBBBBBBBBBBBBBBB', '2026-11-27')).toMatchObject({ revision: 2, status: 'valid', current_revision: null, holder: 'Жаңғыров Ж.' });
    expect(verify(rows, 'CCCCCCCCCCCCCCCC', '2026-11-27')).toBeNull();
    expect(verify([], 'AAAAAAAAAAAAAAAA', '2026-11-27')).toBeNull();
  });

  it('the status-only page exists only for documents without a code', () => {
    expect(verifyLegacy([row({ verify_code: null })], '2032-01-01')).toEqual({ serial: 'DEMO01-2026-000001', revision: 1, type: 'certificate', status: 'expired' });
    expect(verifyLegacy([row({})], '2026-11-27')).toBeNull();
  });

  it('language: ?lang, else the best of Accept-Language, else the default', () => {
    expect(negotiate('ru', 'kk', 'kk')).toBe('ru');
    expect(negotiate(undefined, 'en-US,ru;q=0.8,kk;q=0.9', 'ru')).toBe('kk');
    expect(negotiate('de', 'en', 'ru')).toBe('ru');
  });

  it('logs keep the serial and drop the code', () => {
    expect(redactUrl('/verify/DEMO01-2026-000001/AbCdEf123?lang=kk')).toBe('/verify/DEMO01-2026-000001/[redacted]');
    expect(redactUrl('/verify/DEMO01-2026-000001?lang=kk')).toBe('/verify/DEMO01-2026-000001');
    expect(redactUrl('/centre')).toBe('/centre');
  });
});
