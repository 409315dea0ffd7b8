import { deflateSync } from 'node:zlib';
import { PDFDocument, type PDFPage } from 'pdf-lib';
import { type RenderOptions, finishTitled } from '../render/finish.js';
import { PdfText, type Weight, num } from '../render/pdf-text.js';
import { REVOKED } from '../core/catalogue.js';
import { localNow } from '../core/clock.js';
import { displayDate } from '../core/dates.js';
import type { DocumentType } from '../ledger/ledger.js';
import type { VerificationReport, VerifiedDocument } from './package.js';
import type { Selection } from './selection.js';

/**
 * The export's verification report for people, Kazakh and Russian side by side, drawn
 * straight into the PDF with the bundled fonts: a browser laid the table out at 1–8 ms a
 * row, which capped the export near 100 documents/s (bench/README.md, export round 3).
 * A cover page with the facts and totals, then the table of documents on landscape A4,
 * its header on every page. The PDF is prepared for the same PAdES signature as any
 * document (render/finish.ts finishTitled).
 */

const TITLE = 'Мұрағаттық экспортты тексеру есебі / Отчёт о проверке архивного экспорта';
/** Landscape A4 in points. */
const WIDTH = 841.89;
const HEIGHT = 595.28;
const MARGIN = { left: 28, right: 28, top: 28, bottom: 34 };
const SIZE = 7;
const LINE = 8.4;
const PAD = 2;
const RED = '0.63 0 0 rg';
const BLACK = '0 g';

/** Fixed widths (points), so a row is laid out without looking at any other; the hash column holds 32 hex digits a line. */
const COLUMNS = [
  { title: '№ / Серия', width: 80, repeats: false },
  { title: 'Түрі / Вид', width: 72, repeats: true },
  { title: 'Нұсқа / Ред.', width: 30, repeats: true },
  { title: 'Күйі / Статус', width: 70, repeats: true },
  { title: 'Қолтаңба / Подпись', width: 130, repeats: true },
  { title: 'Қол қойған / Подписант', width: 150, repeats: true },
  { title: 'Уақыты / Время', width: 74, repeats: false },
  { title: 'SHA-256', width: WIDTH - MARGIN.left - MARGIN.right - 606, repeats: false },
] as const;
const VERDICT = 4;
const SAMPLE = 'ҮЛГІ / ОБРАЗЕЦ';

/** A document's type and status as people read them (verification.json keeps the codes). */
const TYPES: Record<DocumentType, string> = {
  certificate: 'тану туралы құжат / документ о признании',
  protocol: 'емтихан хаттамасы / протокол экзамена',
  contract: 'шарт / договор',
  'attestation-protocol': 'аттестаттау хаттамасы / протокол аттестации',
  'violation-act': 'бұзушылық актісі / акт о нарушении',
  'services-act': 'қызметтер актісі / акт оказанных услуг',
};
const STATUSES: Record<VerifiedDocument['status'], string> = {
  issued: 'берілген / выдан',
  superseded: 'ауыстырылған / заменён',
  revoked: `${REVOKED.kk} / ${REVOKED.ru}`,
};
const ALL = 'барлығы / все';

/** An instant as dd.mm.yyyy hh:mm in the installation's time zone. */
const localTime = (iso: string, timeZone: string) => displayDate(localNow({ now: () => new Date(iso) }, timeZone).dateTime);

/** The selection in words (describeSelection's `from=… centre=*` is for programs): one cover line each. */
function selectionLines(s: Selection): [string, string][] {
  const period =
    s.from && s.to
      ? `${displayDate(s.from)} – ${displayDate(s.to)}`
      : s.from
        ? `${displayDate(s.from)} бастап / с ${displayDate(s.from)}`
        : s.to
          ? `${displayDate(s.to)} дейін / по ${displayDate(s.to)}`
          : 'барлық кезең / весь период';
  return [
    ['Берілу кезеңі / Период выдачи', period],
    ['Орталық / Центр', s.centre ?? ALL],
    ['Кәсіп / Профессия', s.profession ?? ALL],
    ['Құжаттың күйі / Статус документа', s.status === 'all' ? ALL : STATUSES[s.status]],
  ];
}

type RowStyle = { header?: boolean; invalid?: boolean };
/** Bold for the header and for an invalid row's verdict; the whole invalid row is red. */
const weightOf = (style: RowStyle, column: number): Weight => (style.header || (style.invalid && column === VERDICT) ? 700 : 400);

/** The hash in two lines of 32 digits: a whole hash, however a viewer copies it. */
const splitHash = (sha256: string) => sha256.replace(/(.{32})(?=.)/g, '$1\n');

function cells(d: VerifiedDocument, timeZone: string): string[] {
  return [
    d.serial,
    TYPES[d.type],
    String(d.revision),
    STATUSES[d.status],
    d.signature_valid ? 'жарамды / верна' : ['ЖАРАМСЫЗ / НЕВЕРНА', ...d.problems].join('\n'),
    d.signer ?? '',
    d.signed_at === null ? '' : localTime(d.signed_at, timeZone),
    d.sha256 === null ? '' : splitHash(d.sha256),
  ];
}

/**
 * Takes the report's rows as the documents are checked and draws each at once; a page's
 * operators are compressed into its content stream when the page is full, so memory holds
 * one page of drawing and pdf-lib's small page objects, not the rows. The cover with the
 * totals, known only at the end, is put in front when the report is finished.
 */
export async function verificationPrinter(options: RenderOptions, timeZone: string) {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const text = await PdfText.embed(doc);
  let page: PDFPage | undefined;
  let ops: string[] = [];
  let tablePages = 0;
  let y = 0;
  let rowsOnPage = 0;

  // node:zlib rather than pdf-lib's flateStream: pako's deflate was the largest share of the report's CPU time.
  const flush = () => {
    if (page) page.node.addContentStream(doc.context.register(doc.context.stream(deflateSync(ops.join('\n')), { Filter: 'FlateDecode' })));
    ops = [];
  };
  /** What every page has: the sample mark, the report's name and its number. */
  const frame = (number: number) => {
    if (options.sample) ops.push(RED, text.show(SAMPLE, WIDTH - MARGIN.right - text.width(SAMPLE, 11, 700), HEIGHT - MARGIN.top + 6, 11, 700), BLACK);
    const footer = MARGIN.bottom - 18;
    const numbered = `Бет / Стр. ${number}`;
    ops.push('0.35 g', text.show(TITLE, MARGIN.left, footer, 6.5, 400), text.show(numbered, WIDTH - MARGIN.right - text.width(numbered, 6.5, 400), footer, 6.5, 400), BLACK);
  };
  const newPage = (at?: number) => {
    flush();
    page = at === undefined ? doc.addPage([WIDTH, HEIGHT]) : doc.insertPage(at, [WIDTH, HEIGHT]);
    text.use(page);
    // The cover, put in front at the end, is page 1.
    frame(at === undefined ? ++tablePages + 1 : at + 1);
    y = HEIGHT - MARGIN.top;
    rowsOnPage = 0;
  };

  /**
   * One row, wrapped in its columns; a row that does not fit goes to the next page whole,
   * and one taller than a page is continued there line by line.
   */
  const row = (values: readonly string[], style: RowStyle) => {
    const lines = values.map((v, i) => text.wrap(v, (COLUMNS[i]?.width ?? 0) - 2 * PAD, SIZE, weightOf(style, i), style.header || COLUMNS[i]?.repeats));
    const height = Math.max(...lines.map((l) => l.length));
    for (let from = 0; from < height; ) {
      const fit = Math.floor((y - MARGIN.bottom - 2 * PAD) / LINE);
      if (!style.header && (fit <= 0 || (fit < height - from && rowsOnPage > 0))) {
        newTablePage();
        continue;
      }
      const n = Math.min(fit, height - from);
      const bottom = y - n * LINE - 2 * PAD;
      if (style.header) ops.push(`0.9 g ${MARGIN.left} ${num(bottom)} ${WIDTH - MARGIN.left - MARGIN.right} ${num(y - bottom)} re f`);
      ops.push(style.invalid ? RED : BLACK);
      let x = MARGIN.left;
      COLUMNS.forEach((column, i) => {
        (lines[i] ?? []).slice(from, from + n).forEach((line, k) => ops.push(text.show(line, x + PAD, y - PAD - (k + 0.8) * LINE, SIZE, weightOf(style, i), style.header || column.repeats)));
        x += column.width;
      });
      ops.push(`${BLACK} 0.7 G 0.3 w ${MARGIN.left} ${num(bottom)} m ${WIDTH - MARGIN.right} ${num(bottom)} l S`);
      y = bottom;
      from += n;
      if (!style.header) rowsOnPage++;
    }
  };
  const header = COLUMNS.map((c) => c.title);
  const newTablePage = () => {
    newPage();
    row(header, { header: true });
  };
  newTablePage();

  return {
    add(document: VerifiedDocument) {
      row(cells(document, timeZone), { invalid: !document.signature_valid });
    },
    /** The report as one PDF, once every row is in. */
    async finish(facts: Omit<VerificationReport, 'documents'>, selection: Selection): Promise<Uint8Array> {
      newPage(0);
      cover(facts, selection);
      flush();
      return (await finishTitled(doc, TITLE, 'kk', options)).pdf;
    },
  };

  function cover(facts: Omit<VerificationReport, 'documents'>, selection: Selection) {
    let top = HEIGHT - MARGIN.top - 30;
    for (const title of ['Мұрағаттық экспортты тексеру есебі', 'Отчёт о проверке архивного экспорта']) {
      ops.push(text.show(title, (WIDTH - text.width(title, 13, 700)) / 2, top, 13, 700));
      top -= 18;
    }
    top -= 12;
    const rows: [string, string | number][] = [
      ['Экспорт уақыты / Время экспорта', localTime(facts.exported_at, timeZone)],
      ['Күйі қай күнге / Статус на дату', displayDate(facts.as_of)],
      ...selectionLines(selection),
      ['Құжаттар / Документов', facts.totals.documents],
      ['Қолтаңбасы жарамды / Подпись верна', facts.totals.valid],
      ['Жарамсыз / Неверна', facts.totals.invalid],
      ['Табылмады немесе өзгерген / Нет или изменён', facts.totals.missing],
    ];
    const [labelWidth, valueWidth] = [230, WIDTH - MARGIN.left - MARGIN.right - 240];
    for (const [label, value] of rows) {
      const labels = text.wrap(label, labelWidth, 9, 400);
      const values = text.wrap(String(value), valueWidth, 9, 400);
      labels.forEach((line, k) => ops.push('0.27 g', text.show(line, MARGIN.left, top - k * 12, 9, 400)));
      values.forEach((line, k) => ops.push(BLACK, text.show(line, MARGIN.left + 240, top - k * 12, 9, 400)));
      top -= Math.max(labels.length, values.length) * 12 + 4;
    }
  }
}
