import { describe, expect, it } from 'vitest';
import { abbreviationsOn, cardOn, parseStandard } from '../../pipeline/standards/library.js';
import { diffStandard } from '../../pipeline/standards/diff.js';
import { q88WithVersion as withVersion, version3 } from '../support/standards.js';

/** A version re-wording card 4's name and levels and abbreviation 9. */
const V3 = version3(`  cards:
  - code: 3412-0-011
    name:
      kk: Әлеуметтік жұмыскердің көмекшісі
      ru: Ассистент социального работника
    levels:
      min: 3
      max: 5
  abbreviations:
  - number: 9
    short: АЖ
    full: ақпараттық жүйе (жаңа редакция)`);

describe('a card as a version words it', () => {
  it('applies every version up to V in order, field by field; other cards and fields stay', () => {
    const { standard, problems } = parseStandard('standards/Q88100061.yaml', withVersion(V3));
    expect(problems).toEqual([]);
    if (!standard) throw new Error('not parsed');
    const before = cardOn(standard, '3412-0-011', 2);
    const after = cardOn(standard, '3412-0-011', 3);
    expect(before?.name.kk).not.toBe('Әлеуметтік жұмыскердің көмекшісі');
    expect(after?.name).toEqual({ kk: 'Әлеуметтік жұмыскердің көмекшісі', ru: 'Ассистент социального работника' });
    expect(after?.levels).toEqual({ min: 3, max: 5 });
    expect(after?.labour_functions).toEqual(before?.labour_functions);
    expect(cardOn(standard, '1210-0-040', 3)).toEqual(cardOn(standard, '1210-0-040', 1));
    expect(abbreviationsOn(standard, 3).find((a) => a.number === 9)?.full).toBe('ақпараттық жүйе (жаңа редакция)');
    expect(abbreviationsOn(standard, 2).find((a) => a.number === 9)?.full).not.toBe('ақпараттық жүйе (жаңа редакция)');
  });

  it('refuses a re-wording of a card the standard lacks, or of a field that is not a card field, at its line', () => {
    const unknownCard = parseStandard('standards/Q88100061.yaml', withVersion(V3.replace('code: 3412-0-011', 'code: 9999-9-999')));
    expect(unknownCard.problems).toEqual([expect.objectContaining({ path: 'versions[2].cards[0].code', message: expect.objectContaining({ ru: expect.stringContaining('9999-9-999') }) })]);
    expect(unknownCard.problems[0]?.line).toBeGreaterThan(1);
    const unknownField = parseStandard('standards/Q88100061.yaml', withVersion(V3.replace('    levels:\n', '    colour: red\n    levels:\n')));
    // Named, at its own line: a methodologist finds the typo without reading the card.
    expect(unknownField.problems).toEqual([
      expect.objectContaining({ path: 'versions[2].cards[0].colour', message: { kk: expect.stringContaining('белгісіз кілт «colour»'), ru: expect.stringContaining('неизвестный ключ «colour»') } }),
    ]);
    const colourLine = withVersion(V3.replace('    levels:\n', '    colour: red\n    levels:\n')).split('\n').findIndex((l) => l.includes('colour: red')) + 1;
    expect(unknownField.problems[0]?.line).toBe(colourLine);
  });

  it('standards diff: field by field, before and after, list items added and removed', () => {
    const { standard } = parseStandard('standards/Q88100061.yaml', withVersion(V3));
    if (!standard) throw new Error('not parsed');
    const changes = diffStandard(standard, 2, 3);
    expect(changes.map((c) => [c.card, c.field])).toEqual([
      ['3412-0-011', 'name'],
      ['3412-0-011', 'levels'],
      [null, 'abbreviations'],
    ]);
    expect(changes[1]).toMatchObject({ label: { kk: 'СБШ деңгейлері', ru: 'уровни ОРК' }, from: { min: 3, max: 4 }, to: { min: 3, max: 5 }, added: [], removed: [] });
    const abbreviations = changes[2];
    expect(abbreviations?.added).toEqual(['9) АЖ – ақпараттық жүйе (жаңа редакция)']);
    expect(abbreviations?.removed).toHaveLength(1);
    expect(abbreviations?.removed[0]).toMatch(/^9\) АЖ – /);
    expect(diffStandard(standard, 3, 3)).toEqual([]);
  });
});
