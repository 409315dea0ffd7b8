import { TanuError } from '../core/tanu-error.js';
import type { RenderOptions, Renderer } from './chromium.js';
import { contractDocx } from './docx.js';
import type { DocumentModel } from './models.js';
import type { TemplateSet } from './templates.js';

/**
 * The render stage: models in, files out (a PDF for every document, a DOCX beside each
 * contract). The national platform takes a contract or protocol of at most 5 MB (seed 000),
 * so every file is held to that; one that is larger is an error for its row, not a failure
 * of the batch.
 */

export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

export type RenderedDocument = { model: DocumentModel } & ({ pdf: Uint8Array; pages: number; docx?: Uint8Array } | { error: TanuError });

const tooLarge = () => new TanuError('DOCUMENT_TOO_LARGE', { max: '5 MB' });

export async function renderDocuments(
  renderer: Renderer,
  templates: TemplateSet,
  models: readonly DocumentModel[],
  options: RenderOptions,
): Promise<RenderedDocument[]> {
  const pdfs = await renderer.render(models, options);
  return Promise.all(
    models.map(async (model, i): Promise<RenderedDocument> => {
      const result = pdfs[i];
      if (!result) throw new Error(`renderer returned no result for document ${i}`);
      if ('error' in result) return { model, error: result.error };
      if (result.pdf.length > MAX_DOCUMENT_BYTES) return { model, error: tooLarge() };
      if (model.type !== 'contract') return { model, pdf: result.pdf, pages: result.pages };
      const docx = await contractDocx(model, templates.labels.contract);
      if (docx.length > MAX_DOCUMENT_BYTES) return { model, error: tooLarge() };
      return { model, pdf: result.pdf, pages: result.pages, docx };
    }),
  );
}
