import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { ChromiumRenderer, RenderOptions } from '../render/chromium.js';
import { bundledFonts } from '../render/fonts.js';
import type { VerificationReport, VerifiedDocument } from './package.js';

/**
 * The export's verification report for people: templates/verification (Kazakh and Russian
 * side by side) in the documents' layout and fonts, printed by the same Chromium renderer
 * and prepared for the same PAdES signature as any document.
 */
/** Rows per print: about ten pages, a few seconds of Chromium's layout and a bounded amount of its memory. */
const ROWS_PER_PART = 500;

/**
 * Takes the report's rows as the documents are checked and has Chromium print each full
 * part of the table while the check goes on; the first part, with the facts and totals
 * above the table, is printed last and joined first. The rows of parts not yet printed
 * wait in memory (a few hundred bytes each); their HTML is made only when printed.
 */
export function verificationPrinter(renderer: ChromiumRenderer, templatesDir: string, options: RenderOptions) {
  const hb = Handlebars.create();
  const read = (...parts: string[]) => readFileSync(join(templatesDir, ...parts), 'utf8');
  const template = hb.compile(read('verification', 'template.hbs'), { strict: false });
  const layout = hb.compile(read('layout.hbs'));
  const page = { lang: 'kk', fontCss: bundledFonts().css, baseCss: read('base.css'), documentCss: read('verification', 'style.css') };
  const html = (facts: Omit<VerificationReport, 'documents'> | null, documents: VerifiedDocument[]) =>
    layout({ ...page, body: template({ ...facts, documents, continued: facts === null, sample: options.sample }) });
  const first: VerifiedDocument[] = [];
  let rows: VerifiedDocument[] = [];
  const printed: Promise<Uint8Array>[] = [];
  // One part at a time, as before: with two prints at once the 10,000-document export peaked at 1,223 MB against 794 MB for 1,000.
  let previous: Promise<unknown> = Promise.resolve();
  const printRows = () => {
    const part = rows;
    const pdf = previous.then(() => renderer.printPart(html(null, part)));
    // Awaited when the parts are joined; a failed export may never get there.
    pdf.catch(() => {});
    printed.push(pdf);
    previous = pdf.catch(() => {});
    rows = [];
  };
  return {
    add(document: VerifiedDocument) {
      if (first.length < ROWS_PER_PART) first.push(document);
      else {
        rows.push(document);
        if (rows.length === ROWS_PER_PART) printRows();
      }
    },
    /** The report as one PDF, once every row is in. */
    finish(facts: Omit<VerificationReport, 'documents'>): Promise<Uint8Array> {
      if (rows.length > 0) printRows();
      const head = previous.then(() => renderer.printPart(html(facts, first)));
      return renderer.printParts([head, ...printed], { title: 'Мұрағаттық экспортты тексеру есебі / Отчёт о проверке архивного экспорта', lang: 'kk' }, options);
    },
  };
}
