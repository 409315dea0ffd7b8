import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Library, inForceOn, loadLibrary, parseStandard, versionOn } from '../../pipeline/standards/library.js';
import { useTmpDir } from '../support/tmp.js';

const tmp = useTmpDir();
let library: Library;
beforeAll(async () => {
  const loaded = await loadLibrary('standards');
  expect(loaded.problems).toEqual([]);
  library = loaded.library;
});

// docs/domain.md (The professional standard in force): the ten cards of Q88100061 with their levels.
const CARDS: [string, number, number][] = [
  ['5320-2-003', 1, 2],
  ['5320-9-006', 2, 3],
  ['2643-9-009', 2, 3],
  ['3412-0-011', 3, 4],
  ['3412-0-008', 4, 4],
  ['3412-0-005', 5, 5],
  ['2635-3-001', 6, 6],
  ['1344-0-004', 7, 7],
  ['1210-0-040', 7, 7],
  ['2379-9-013', 8, 8],
];

describe('the shipped standards library', () => {
  it('holds Q88100061 with all ten cards, their codes, levels and names in both languages', () => {
    const q = library.byCode('Q88100061');
    expect(q?.cards.map((c) => [c.code, c.levels.min, c.levels.max])).toEqual(CARDS);
    for (const card of q?.cards ?? []) {
      expect(card.name.kk).toBeTruthy();
      expect(card.name.ru).toBeTruthy();
      expect(card.labour_functions?.some((f) => f.kind === 'mandatory')).toBe(true);
    }
    expect(q?.cards.find((c) => c.code === '5320-9-006')?.name.ru).toBe('Социальный помощник');
  });

  it('records the revision by Order 109: paragraph 3.9 and cards 4–8, in force from 12.07.2026', () => {
    const q = library.byCode('Q88100061');
    if (!q) throw new Error('no Q88100061');
    expect(q.in_force_from).toBe('2025-01-01');
    const v2 = q.versions[1];
    expect(v2).toMatchObject({ version: 2, order: { number: '109', date: '2026-03-31' }, effective_from: '2026-07-12' });
    expect(v2?.changes.map((c) => [c.paragraph, c.card])).toEqual([
      ['3.9', null],
      ['12', '3412-0-011'],
      ['13', '3412-0-008'],
      ['14', '3412-0-005'],
      ['15', '2635-3-001'],
      ['16', '1344-0-004'],
    ]);
    expect(versionOn(q, '2026-07-11')?.version).toBe(1);
    expect(versionOn(q, '2026-07-12')?.version).toBe(2);
    expect(versionOn(q, '2024-12-31')).toBeUndefined();
    expect(inForceOn(q, '2024-12-31')).toBe(false);
    expect(inForceOn(q, '2025-01-01')).toBe(true);
  });

  it('holds the six 2013 standards of Order 690, repealed from 01.01.2016', () => {
    const old = library.standards.filter((s) => s.approved_by.number === '690');
    expect(old).toHaveLength(6);
    for (const s of old) {
      expect(s.repealed_from).toBe('2016-01-01');
      expect(inForceOn(s, '2015-12-31')).toBe(true);
      expect(inForceOn(s, '2016-01-01')).toBe(false);
      expect(s.cards.length).toBeGreaterThan(0);
    }
  });
});

describe('checking a standard file', () => {
  const good = readFileSync('standards/Q88100061.yaml', 'utf8');

  it('reports a broken value with file, line and path', () => {
    const broken = good.replace(/levels:\n(\s+)min: 1\n(\s+)max: 2/, 'levels:\n$1min: 3\n$2max: two');
    expect(broken).not.toBe(good);
    const { problems } = parseStandard('standards/Q88100061.yaml', broken);
    const line = broken.split('\n').findIndex((l) => l.includes('max: two')) + 1;
    expect(problems).toContainEqual(expect.objectContaining({ file: 'standards/Q88100061.yaml', line, path: 'cards[0].levels.max' }));
  });

  it('reports YAML syntax errors with their line', () => {
    const { problems } = parseStandard('x/Q88100061.yaml', 'code: Q88100061\ntitle: [unclosed\n');
    expect(problems[0]).toMatchObject({ path: '(syntax)' });
    expect(problems[0]?.line).toBeGreaterThan(1);
  });

  it('requires the file to be named after its code, cards to be unique and versions in order', () => {
    expect(parseStandard('standards/other.yaml', good).problems[0]).toMatchObject({ path: 'code' });
    const twice = good.replace("code: 5320-9-006", "code: 5320-2-003");
    expect(parseStandard('standards/Q88100061.yaml', twice).problems.map((p) => p.message.ru)).toContainEqual(expect.stringContaining('встречается дважды'));
    const backwards = good.replace("effective_from: '2026-07-12'", "effective_from: '2024-07-12'");
    expect(parseStandard('standards/Q88100061.yaml', backwards).problems.map((p) => p.message.ru)).toContainEqual(expect.stringContaining('вступает в силу после предыдущей'));
  });

  it('finds a broken file among good ones', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'Q88100061.yaml'), good);
    writeFileSync(join(dir, 'X1.yaml'), 'code: X1\n');
    const { problems, library: lib } = await loadLibrary(dir);
    expect(lib.standards.map((s) => s.code)).toEqual(['Q88100061']);
    expect(problems.every((p) => p.file === join(dir, 'X1.yaml'))).toBe(true);
    expect(problems.map((p) => p.path)).toContain('title');
  });
});
