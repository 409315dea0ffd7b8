import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { ChromiumRenderer } from '../render/chromium.js';
import { bundledFonts } from '../render/fonts.js';
import type { VerificationReport } from './package.js';

/**
 * The export's verification report for people: templates/verification (Kazakh and Russian
 * side by side) in the documents' layout and fonts, printed by the same Chromium renderer
 * and prepared for the same PAdES signature as any document.
 */
export async function verificationPdf(
  renderer: ChromiumRenderer,
  templatesDir: string,
  report: VerificationReport,
  options: { sample: boolean; now: Date; signatureBytes: number },
): Promise<Uint8Array> {
  const hb = Handlebars.create();
  const read = (...parts: string[]) => readFileSync(join(templatesDir, ...parts), 'utf8');
  const body = hb.compile(read('verification', 'template.hbs'), { strict: false })({ ...report, sample: options.sample });
  const html = hb.compile(read('layout.hbs'))({ lang: 'kk', fontCss: bundledFonts().css, baseCss: read('base.css'), documentCss: read('verification', 'style.css'), body });
  return renderer.printPage(html, { title: 'Мұрағаттық экспортты тексеру есебі / Отчёт о проверке архивного экспорта', lang: 'kk' }, options);
}
