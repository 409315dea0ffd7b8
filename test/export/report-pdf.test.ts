import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VerifiedDocument } from '../../pipeline/export/package.js';
import { verificationPrinter } from '../../pipeline/export/report-pdf.js';
import { Selection } from '../../pipeline/export/selection.js';
import { expectAllIn, expectOnOneLine, pdfFonts, pdfPageLines } from '../support/poppler.js';

/**
 * The verification report's table drawn without a browser, read back by poppler's
 * pdftotext -layout: every row, every problem and every hash whole, the headers on every
 * page, nothing cut.
 */

const sha = (k: number) => createHash('sha256').update(String(k)).digest('hex');
const LONG_PROBLEM =
  'DEMO01-2026-000007.pdf: signature: қолтаңба құжатпен сәйкес келмейді, подпись не соответствует документу; chain: сертификат тізбегі сенім тізіміне жетпейді / цепочка не доходит до доверенного списка; время подписи вне срока действия сертификата';

/** More problems than a page has lines: the row goes on over the next page. */
const MANY_PROBLEMS = Array.from({ length: 70 }, (_, i) => `problem-${i + 1}: мәселе ${i + 1} / проблема ${i + 1}`);

function document(k: number): VerifiedDocument {
  const invalid = k % 7 === 3 || k === 40;
  return {
    type: k % 5 === 0 ? 'attestation-protocol' : 'certificate',
    serial: `DEMO01-2026-${String(k).padStart(6, '0')}`,
    revision: 1 + (k % 3),
    status: k % 11 === 0 ? 'superseded' : 'issued',
    file: `documents/DEMO01-2026-${String(k).padStart(6, '0')}.pdf`,
    sha256: sha(k),
    present: true,
    signature_valid: !invalid,
    signer: k % 2 ? 'Әбдіғұлова Гүлнар Серікқызы, Оқу орталығы «Өрлеу»' : 'Демо центр сертификации',
    signed_at: `2026-11-27T10:${String(k % 60).padStart(2, '0')}:00.000Z`,
    problems: k === 40 ? MANY_PROBLEMS : invalid ? [`DEMO01-2026-${String(k).padStart(6, '0')}.pdf.p7s: not in the outbox`, k === 3 ? LONG_PROBLEM : `ұзақ мерзім ${k} / срок ${k}`] : [],
  };
}

const HEADERS = ['№ / Серия', 'Түрі / Вид', 'Күйі / Статус', 'Қолтаңба / Подпись', 'Қол қойған / Подписант', 'Уақыты / Время', 'SHA-256'];

describe('verification report PDF', () => {
  it('draws every row whole, with Kazakh and Russian headers on every page and the sample mark', async () => {
    const documents = Array.from({ length: 80 }, (_, k) => document(k + 1));
    const report = await verificationPrinter({ sample: true, now: new Date('2026-11-27T12:00:00Z') }, 'Asia/Almaty');
    for (const d of documents) report.add(d);
    const pdf = await report.finish(
      {
        exported_at: '2026-11-27T12:00:00.000Z',
        as_of: '2026-11-27',
        selection: 'from=2026-11-01 to=* centre=* profession=* status=all',
        totals: { documents: 80, valid: 69, invalid: 11, missing: 0 },
      },
      Selection.parse({ from: '2026-11-01', centre: null }),
    );

    const pages = pdfPageLines(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    const all = pages.flat();
    const [cover = [], ...table] = pages;
    expectAllIn(cover.join('\n'), ['Мұрағаттық экспортты тексеру есебі', 'Отчёт о проверке архивного экспорта', 'Құжаттар / Документов', 'Бет / Стр. 1']);
    // The facts in words and dd.mm.yyyy (Almaty's time), not the codes of verification.json.
    expectAllIn(cover.join('\n'), ['Экспорт уақыты / Время экспорта', '27.11.2026 17:00', 'Статус на дату', '27.11.2026', '01.11.2026 бастап / с 01.11.2026', 'Орталық / Центр', 'барлығы / все']);
    expect(cover.join('\n')).not.toMatch(/from=|centre=|\*|2026-11-27/);
    table.forEach((lines, i) => {
      const page = lines.join('\n');
      expectAllIn(page, [...HEADERS, 'ҮЛГІ / ОБРАЗЕЦ', `Бет / Стр. ${i + 2}`]);
      // The narrow revision column breaks its header; both halves are there.
      expectAllIn(page, ['Нұсқа', 'Ред.']);
    });
    expect(cover.join('\n')).toContain('ҮЛГІ / ОБРАЗЕЦ');

    expectOnOneLine(all, documents.map((d) => d.serial));
    // Each hash in two halves of 32 digits, each half whole on a line.
    expectOnOneLine(
      all,
      documents.flatMap((d) => [d.sha256?.slice(0, 32) ?? '', d.sha256?.slice(32) ?? '']),
    );
    const invalid = documents.filter((d) => !d.signature_valid);
    expect(all.filter((l) => l.includes('ЖАРАМСЫЗ / НЕВЕРНА'))).toHaveLength(invalid.length);
    expect(all.filter((l) => l.includes('жарамды / верна'))).toHaveLength(documents.length - invalid.length);
    // Problems are wrapped in their column, between the other columns' text: every word of each is there, in order, after its row's serial.
    const words = all.join(' ').split(' ');
    for (const d of invalid) {
      let at = words.indexOf(d.serial);
      for (const word of d.problems.flatMap((p) => p.split(' '))) {
        const found = words.indexOf(word, at + 1);
        expect(found, `"${word}" of ${d.serial}'s problems`).toBeGreaterThan(at);
        at = found;
      }
    }
    expect(all.some((l) => l.includes('Әбдіғұлова Гүлнар'))).toBe(true);
    // Type, status and time as people read them.
    // Each row's first line begins its type's and status's words (they wrap in their narrow columns).
    for (const d of documents) {
      const line = all.find((l) => l.startsWith(`${d.serial} `)) ?? '';
      expect(line).toContain(d.type === 'certificate' ? 'тану туралы' : 'аттестаттау');
      expect(line).toContain(d.status === 'issued' ? 'берілген /' : 'ауыстырылған');
    }
    expect(all.join('\n')).toContain('27.11.2026 15:01');
    expect(all.join('\n')).not.toMatch(/attestation-protocol|certificate|issued|superseded|2026-11-27T/);

    const fonts = pdfFonts(pdf);
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.every((f) => f.embedded)).toBe(true);
  });

  it('shows a character no bundled font has as its code instead of dropping it', async () => {
    const report = await verificationPrinter({ sample: false, now: new Date('2026-11-27T12:00:00Z') }, 'Asia/Almaty');
    report.add({ ...document(1), signer: 'Центр 中 ✓' });
    const pdf = await report.finish({ exported_at: '2026-11-27T12:00:00.000Z', as_of: '2026-11-27', selection: 'all', totals: { documents: 1, valid: 1, invalid: 0, missing: 0 } }, Selection.parse({}));
    const all = pdfPageLines(pdf).flat().join('\n');
    expectAllIn(all, ['[U+4E2D]', '[U+2713]', 'Центр']);
    expect(all).not.toContain('ОБРАЗЕЦ');
  });
});
