import type { Signer } from './signer.js';
import { detachedSignature, signPreparedPdf } from './pades.js';

/**
 * The sign stage for one document: the PAdES signature inside the prepared PDF, then a
 * detached CMS over the final PDF bytes, and one over the DOCX of a contract. The PDF is
 * not touched after its embedded signature, so both signatures cover the same bytes.
 */
export type SignedFiles = { pdf: Uint8Array; pdfSignature: Uint8Array; docx?: Uint8Array; docxSignature?: Uint8Array };

export async function signDocument(files: { pdf: Uint8Array; docx?: Uint8Array }, signer: Signer, signingTime: Date): Promise<SignedFiles> {
  const pdf = await signPreparedPdf(files.pdf, signer);
  const pdfSignature = await detachedSignature(pdf, signer, signingTime);
  if (!files.docx) return { pdf, pdfSignature };
  return { pdf, pdfSignature, docx: files.docx, docxSignature: await detachedSignature(files.docx, signer, signingTime) };
}
