import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, CODES } from '../../pipeline/core/catalogue.js';
import { JSON_SCHEMAS } from '../../pipeline/schemas/json-schemas.js';
import { TanuError, passes } from '../../pipeline/core/tanu-error.js';

describe('published schemas and the catalogue', () => {
  it('the committed JSON Schemas match the zod schemas (npm run schemas to refresh)', () => {
    for (const [file, schema] of Object.entries(JSON_SCHEMAS)) {
      expect(JSON.parse(readFileSync(`schemas/${file}`, 'utf8')), file).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  it('the failures that pass (tried again by tanu watch and tanu worker) are the catalogue\'s passing entries, whether thrown as ours or by the system', () => {
    expect(CODES.filter((c) => (CATALOGUE[c] as { passing?: true }).passing)).toEqual([
      'TOKEN_REMOVED',
      // A TSA that is down, slow or answering garbage (a proxy's error page, a reply to another request) is waited for, never a reason to publish below the level.
      'TSA_UNREACHABLE',
      'TSA_TIMEOUT',
      'TSA_REFUSED',
      'TSA_RESPONSE_INVALID',
      'TSA_IMPRINT_MISMATCH',
      'TSA_NONCE_MISMATCH',
      'LEDGER_BUSY',
      'NO_SPACE',
    ]);
    expect(passes(new TanuError('TOKEN_REMOVED', { code: 'tanu' }))).toBe(true);
    expect(passes(Object.assign(new Error('write'), { code: 'ENOSPC' }))).toBe(true);
    expect(passes(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }))).toBe(true);
    // A refused PIN is never tried again; a token that refused a signature needs the operator.
    expect(passes(new TanuError('TOKEN_PIN', { code: 'tanu', value: 'low' }))).toBe(false);
    expect(passes(new TanuError('TOKEN_FAILED'))).toBe(false);
    expect(passes(new Error('a bug'))).toBe(false);
  });

  it('the YAML people edit points at its schema', () => {
    expect(readFileSync('pipeline.config.yaml', 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\/schemas\/config\.schema\.json/);
    expect(readFileSync('standards/Q88100061.yaml', 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/schemas\/standard\.schema\.json/);
  });

  it('carries every code docs/contracts.md lists, and no other, with distinct Kazakh and Russian text', () => {
    // The codes reports have always carried: stable API, never renamed.
    const stableCodes = `FILE_UNREADABLE UNKNOWN_KIND MISSING_COLUMN REQUIRED IIN_FORMAT IIN_CHECKSUM IIN_DATE BIRTH_DATE_MISMATCH NAME_CHARS DATE_FORMAT UNKNOWN_PROFESSION STANDARD_NOT_IN_FORCE LEVEL_OUT_OF_RANGE SCORE_RANGE BELOW_THRESHOLD STATUS_UNKNOWN NO_SHOW_REASON LANGUAGE_UNKNOWN DATE_ORDER FUTURE_DATE DUPLICATE UNKNOWN_COLUMN`.split(' ');
    for (const code of stableCodes) expect(CODES).toContain(code);
    // The table of codes in docs/contracts.md names exactly the catalogue's codes.
    const section = readFileSync('docs/contracts.md', 'utf8').split('### Codes')[1]?.split('\n## ')[0] ?? '';
    const documented = [...new Set([...section.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]))].sort();
    expect(documented).toEqual([...CODES].sort());
    const texts = CODES.map((code) => CATALOGUE[code].text({ min: 1, max: 2, code: 'X', date: '01.01.2026' }));
    for (const [i, text] of texts.entries()) {
      expect(text.ru, CODES[i]).toMatch(/[а-я]/i);
      expect(text.kk, CODES[i]).not.toBe(text.ru);
    }
    // Kazakh text, not Russian copied over: its own letters run through the catalogue.
    expect(texts.filter((t) => /[әғқңөұүһі]/i.test(t.kk)).length).toBeGreaterThan(CODES.length * 0.8);
  });
});
