import { describe, expect, it } from 'vitest';
import JSZip from 'jszip';
import { completeness, jsonEnds, lineEnds, zipEnds } from '../../pipeline/intake/complete.js';

describe('a file complete by its own format (intake/complete.ts)', () => {
  it('a zip ends with its end record; cut anywhere before, it does not', async () => {
    const zip = new JSZip();
    zip.file('xl/workbook.xml', '<workbook/>'.repeat(200));
    const whole = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    expect(zipEnds(whole)).toBe(true);
    for (const cut of [1, 10, 21, 22, Math.floor(whole.length / 2)]) expect(zipEnds(whole.subarray(0, whole.length - cut)), `cut ${cut}`).toBe(false);
  });

  it('JSON that stops inside its last value is unfinished; JSON broken before its end is whole (and refused when read)', () => {
    const text = '{"kind":"exam-results","records":[{"iin":"900505300017"}]}';
    expect(jsonEnds(text)).toBe(true);
    expect(jsonEnds(`\uFEFF${text}\n`)).toBe(true);
    for (let cut = 1; cut < text.length; cut++) expect(jsonEnds(text.slice(0, cut)), text.slice(0, cut)).toBe(false);
    expect(jsonEnds('{"kind": exam-results, "records": []}')).toBe(true);
    expect(jsonEnds('')).toBe(false);
  });

  it('a CSV or YAML whose last line does not end is unterminated; an empty file unfinished', async () => {
    expect(lineEnds(0x0a)).toBe(true);
    expect(lineEnds(0x0d)).toBe(true);
    expect(lineEnds(0x41)).toBe(false);
    expect(await completeness('csv', 5, Buffer.from('a,b\r\n'), async () => '')).toBe('complete');
    expect(await completeness('yaml', 3, Buffer.from('a:1'), async () => '')).toBe('unterminated');
    expect(await completeness('xlsx', 0, Buffer.alloc(0), async () => '')).toBe('unfinished');
  });
});
