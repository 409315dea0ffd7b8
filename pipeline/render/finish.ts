import type { PDFDocument } from 'pdf-lib';

/**
 * The last step of every PDF Tanu makes, printed by Chromium or drawn with pdf-lib (the
 * export's report): the metadata an archive reads (title, language, dates from the Clock)
 * and, when asked, the signature placeholder, while pdf-lib holds the document, so signing
 * later only patches bytes. Saved without object streams so the placeholder stays findable.
 * Its own module so that drawing a PDF does not load the browser driver.
 */

export type RenderOptions = {
  /** Print the sample mark (previews; documents signed with a test key). */
  sample: boolean;
  now: Date;
  /**
   * The prepare step for signing (sign/pades.ts `signaturePreparer`), run on each document
   * while pdf-lib holds it: render knows nothing of signatures, only that a caller may
   * add to the document before it is saved.
   */
  prepare?: (doc: PDFDocument, info: { signingTime: Date; reason: string }) => void;
};

export async function finishTitled(doc: PDFDocument, title: string, lang: 'kk' | 'ru', options: RenderOptions): Promise<{ pdf: Uint8Array; pages: number }> {
  const { now } = options;
  doc.setTitle(title);
  doc.setLanguage(lang === 'kk' ? 'kk-KZ' : 'ru-RU');
  doc.setProducer('Tanu');
  doc.setCreator('Tanu');
  doc.setCreationDate(now);
  doc.setModificationDate(now);
  options.prepare?.(doc, { signingTime: now, reason: title });
  const bytes = await doc.save({ useObjectStreams: options.prepare === undefined });
  return { pdf: bytes, pages: doc.getPageCount() };
}
