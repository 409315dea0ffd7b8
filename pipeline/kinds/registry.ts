import { z } from 'zod';
import { TanuError } from '../core/tanu-error.js';
import type { DocumentType } from '../ledger/ledger.js';
import type { Renderer } from '../render/chromium.js';
import type { RenderOptions } from '../render/finish.js';
import { type Printable, type TemplateSet, loadTemplates } from '../render/templates.js';
import { attestationProtocol } from './attestation-protocol/kind.js';
import { AttestationProtocolModel } from './attestation-protocol/model.js';
import { certificate } from './certificate/kind.js';
import { CertificateModel } from './certificate/model.js';
import { contract } from './contract/kind.js';
import { ContractModel } from './contract/model.js';
import type { DocumentKind } from './kind.js';
import { protocol } from './protocol/kind.js';
import { ProtocolModel } from './protocol/model.js';
import { servicesAct } from './services-act/kind.js';
import { ServicesActModel } from './services-act/model.js';
import { violationAct } from './violation-act/kind.js';
import { ViolationActModel } from './violation-act/model.js';

/**
 * The document kinds, one entry each: adding a kind is its folder, its line here and its
 * value of the `DocumentType` enum (ledger/rows.ts). Everything that handles documents in
 * general (render, the engine, the manifest, the register) asks this registry.
 */

export const DocumentModel = z.discriminatedUnion('type', [CertificateModel, ProtocolModel, ContractModel, AttestationProtocolModel, ViolationActModel, ServicesActModel]);
export type DocumentModel = z.infer<typeof DocumentModel>;

type ModelOf<T extends DocumentType> = Extract<DocumentModel, { type: T }>;

export const KINDS: { [T in DocumentType]: DocumentKind<ModelOf<T>> } = {
  certificate,
  protocol,
  contract,
  'attestation-protocol': attestationProtocol,
  'violation-act': violationAct,
  'services-act': servicesAct,
};

/** Every kind, each taken for any model (see `asGeneral`). */
export const KIND_LIST: readonly DocumentKind<DocumentModel>[] = Object.values(KINDS).map(asGeneral);

/**
 * A kind taken for any model: sound because `KINDS` maps each type to the kind of that
 * type's model, and a model reaches a kind only through `kindOf(model)`, which looks it up
 * by the model's own type.
 */
function asGeneral(kind: (typeof KINDS)[DocumentType]): DocumentKind<DocumentModel> {
  return kind as unknown as DocumentKind<DocumentModel>;
}

export const kindOf = (model: DocumentModel): DocumentKind<DocumentModel> => asGeneral(KINDS[model.type]);

/** A stored model, parsed by its kind's schema: what is issued after a crash is checked, not assumed. */
export function parseModel(type: DocumentType, stored: unknown): DocumentModel {
  return KINDS[type].Model.parse(stored);
}

/** The templates every kind needs, from the configured folder. */
export const loadKindTemplates = (dir: string): TemplateSet => loadTemplates(dir, KIND_LIST.map((k) => k.template));

/** How a model prints: its kind's template, title and the values its template lays out. */
export async function printable(model: DocumentModel, templates: TemplateSet): Promise<Printable> {
  const kind = kindOf(model);
  const lang = model.languages[0] ?? 'kk';
  const view = await kind.view?.(model, templates.labels(kind.template));
  // Strict templates need the key: a first issue has no revision to print.
  return { template: kind.template, languages: model.languages, title: `${kind.title[lang]} № ${kind.number(model)}`, onePage: kind.onePage, values: { revision: null, ...model, ...view } };
}

/**
 * The national platform takes a contract or protocol of at most 5 MB (seed 000, see
 * docs/domain.md), so every file is held to that; one that is larger is an error for its
 * row, not a failure of the batch.
 */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

export type RenderedDocument = { model: DocumentModel } & ({ pdf: Uint8Array; pages: number; docx?: Uint8Array } | { error: TanuError });

const tooLarge = () => new TanuError('DOCUMENT_TOO_LARGE', { max: '5 MB' });

/** Models in, files out: a PDF for every document and what its kind makes beside it. */
export async function renderDocuments(renderer: Renderer, templates: TemplateSet, models: readonly DocumentModel[], options: RenderOptions): Promise<RenderedDocument[]> {
  const pdfs = await renderer.render(await Promise.all(models.map((m) => printable(m, templates))), options);
  return Promise.all(
    models.map(async (model, i): Promise<RenderedDocument> => {
      const result = pdfs[i];
      if (!result) throw new Error(`renderer returned no result for document ${i}`);
      if ('error' in result) return { model, error: result.error };
      if (result.pdf.length > MAX_DOCUMENT_BYTES) return { model, error: tooLarge() };
      const kind = kindOf(model);
      if (!kind.beside) return { model, pdf: result.pdf, pages: result.pages };
      const { docx } = await kind.beside(model, templates.labels(kind.template));
      if (docx.length > MAX_DOCUMENT_BYTES) return { model, error: tooLarge() };
      return { model, pdf: result.pdf, pages: result.pages, docx };
    }),
  );
}
