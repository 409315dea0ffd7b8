import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { ChromiumRenderer, RenderOptions } from '../render/chromium.js';
import { bundledFonts } from '../render/fonts.js';
import type { VerificationReport } from './package.js';

/**
 * The export's verification report for people: templates/verification (Kazakh and Russian
 * side by side) in the documents' layout and fonts, printed by the same Chromium renderer
 * and prepared for the same PAdES signature as any document.
 */
/** Rows per print: about ten pages, a few seconds of Chromium's layout and a bounded amount of its memory. */
const ROWS_PER_PART = 500;

export async function verificationPdf(
  renderer: ChromiumRenderer,
  templatesDir: string,
  report: VerificationReport,
  options: RenderOptions,
): Promise<Uint8Array> {
  const hb = Handlebars.create();
  const read = (...parts: string[]) => readFileSync(join(templatesDir, ...parts), 'utf8');
  const template = hb.compile(read('verification', 'template.hbs'), { strict: false });
  const layout = hb.compile(read('layout.hbs'));
  const page = { lang: 'kk', fontCss: bundledFonts().css, baseCss: read('base.css'), documentCss: read('verification', 'style.css') };
  // The facts on the first part, then the documents' table continued part by part.
  const parts: string[] = [];
  for (let first = 0; first === 0 || first < report.documents.length; first += ROWS_PER_PART)
    parts.push(layout({ ...page, body: template({ ...report, documents: report.documents.slice(first, first + ROWS_PER_PART), continued: first > 0, sample: options.sample }) }));
  return renderer.printParts(parts, { title: 'Мұрағаттық экспортты тексеру есебі / Отчёт о проверке архивного экспорта', lang: 'kk' }, options);
}
