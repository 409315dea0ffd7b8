import type { Signer } from './signer.js';
import type { Timestamper } from './timestamp.js';
import { detachedSignature, signPreparedPdf } from './pades.js';

/**
 * The sign stage for one document: the PAdES signature inside the prepared PDF, then a
 * detached CMS over the final PDF bytes, and one over the DOCX of a contract. The PDF is
 * not touched after its embedded signature, so both signatures cover the same bytes. With
 * a timestamper each signature is B-T; the DOCX's is made while the PDF's waits for its
 * token, so a TSA's latency is paid twice per document, not three times.
 */
export type SignedFiles = { pdf: Uint8Array; pdfSignature: Uint8Array; docx?: Uint8Array; docxSignature?: Uint8Array };

export async function signDocument(files: { pdf: Uint8Array; docx?: Uint8Array }, signer: Signer, timestamper: Timestamper | null, signingTime: Date): Promise<SignedFiles> {
  const docxSignature = files.docx ? detachedSignature(files.docx, signer, timestamper, signingTime) : undefined;
  // Awaited below in any case: a failure of the PDF's must not leave it unhandled.
  docxSignature?.catch(() => {});
  const pdf = await signPreparedPdf(files.pdf, signer, timestamper);
  const pdfSignature = await detachedSignature(pdf, signer, timestamper, signingTime);
  if (!files.docx || !docxSignature) return { pdf, pdfSignature };
  return { pdf, pdfSignature, docx: files.docx, docxSignature: await docxSignature };
}
