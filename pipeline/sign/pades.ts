import { createHash } from 'node:crypto';
import { PDFArray, type PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString } from 'pdf-lib';
import { TanuError } from '../core/tanu-error.js';
import { certParts, signedData } from './cms.js';
import type { Signer } from './signer.js';
import { TOKEN_ROOM, type Timestamper } from './timestamp.js';

/**
 * PAdES baseline B-B inside the PDF and a detached CMS beside it, each B-T when a
 * timestamper is given: the TSA's token over the signature value in the CMS.
 *
 * The PDF is prepared as it is rendered (`signaturePreparer`; pdf-lib already holds it then): a signature
 * field, and a signature dictionary /SubFilter /ETSI.CAdES.detached with the time in /M,
 * a /ByteRange placeholder and a zero-filled /Contents sized for this signer. Signing then
 * only patches bytes: it fills /ByteRange, hashes everything but /Contents and writes the
 * CMS into it. Nothing rewrites the file after that.
 */

const RANGE_PLACEHOLDER = '**********';
const RANGE_PATTERN = new RegExp(`/ByteRange\\s*\\[\\s*0\\s+/\\*{10}\\s+/\\*{10}\\s+/\\*{10}\\s*\\]`);

/**
 * Bytes of /Contents this signer needs: its CMS measured once with a dummy signature, plus
 * room for DER length variation, and for a timestamped level room for the TSA's token.
 */
export async function signatureSpace(signer: Signer, timestamper: Timestamper | null): Promise<number> {
  const dummy = await signedData({
    algorithm: signer.algorithm,
    contentDigest: createHash(signer.algorithm.digest).digest(),
    signer: certParts(signer.certificates[0] ?? Buffer.alloc(0)),
    certificates: signer.certificates,
    sign: async () => Buffer.alloc(signer.maxSignatureBytes, 0xff),
    timestamp: null,
  });
  return dummy.length + 512 + (timestamper ? TOKEN_ROOM : 0);
}

const stampOf = (timestamper: Timestamper | null) => (timestamper ? (signature: Uint8Array) => timestamper.stamp(signature) : null);

/**
 * The prepare step between render and sign: given to the renderer as its `prepare` hook,
 * it adds the signature field and dictionary while pdf-lib holds the document anyway.
 */
export const signaturePreparer =
  (contentsBytes: number) =>
  (doc: PDFDocument, info: { signingTime: Date; reason: string }) =>
    addSignaturePlaceholder(doc, { contentsBytes, ...info });

export function addSignaturePlaceholder(doc: PDFDocument, options: { contentsBytes: number; signingTime: Date; reason: string }) {
  const { context } = doc;
  const byteRange = PDFArray.withContext(context);
  byteRange.push(PDFNumber.of(0));
  for (let i = 0; i < 3; i++) byteRange.push(PDFName.of(RANGE_PLACEHOLDER));
  const signature = context.register(
    context.obj({
      Type: 'Sig',
      Filter: 'Adobe.PPKLite',
      SubFilter: 'ETSI.CAdES.detached',
      ByteRange: byteRange,
      Contents: PDFHexString.of('0'.repeat(options.contentsBytes * 2)),
      M: PDFString.fromDate(options.signingTime),
      Reason: PDFString.of(options.reason),
    }),
  );
  const page = doc.getPage(0);
  const widget = context.register(
    context.obj({ Type: 'Annot', Subtype: 'Widget', FT: 'Sig', Rect: [0, 0, 0, 0], V: signature, T: PDFString.of('Tanu'), F: 132, P: page.ref }),
  );
  const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray) ?? PDFArray.withContext(context);
  annots.push(widget);
  page.node.set(PDFName.of('Annots'), annots);
  doc.catalog.set(PDFName.of('AcroForm'), context.obj({ SigFlags: 3, Fields: [widget] }));
}

/** Fills the placeholder of a prepared PDF: returns the signed file. */
export async function signPreparedPdf(prepared: Uint8Array, signer: Signer, timestamper: Timestamper | null): Promise<Uint8Array> {
  const pdf = Buffer.from(prepared);
  const text = pdf.toString('latin1');
  const range = RANGE_PATTERN.exec(text);
  if (!range) throw new TanuError('SIGNING_KEY', { detail: { kk: 'PDF қол қоюға дайындалмаған', ru: 'PDF не подготовлен к подписи' } });
  const open = text.indexOf('/Contents <', range.index) + '/Contents '.length;
  const close = text.indexOf('>', open);
  if (open < range.index || close < 0) throw new Error('signature dictionary without /Contents');
  const ranges = [0, open, close + 1, pdf.length - close - 1];
  const filled = `/ByteRange [${ranges.join(' ')}]`;
  if (filled.length > range[0].length) throw new Error('ByteRange placeholder too short');
  pdf.write(filled.padEnd(range[0].length, ' '), range.index, 'latin1');

  const digest = createHash(signer.algorithm.digest).update(pdf.subarray(0, open)).update(pdf.subarray(close + 1)).digest();
  const cms = await signedData({
    algorithm: signer.algorithm,
    contentDigest: digest,
    signer: certParts(signer.certificates[0] ?? Buffer.alloc(0)),
    certificates: signer.certificates,
    sign: (digest, attributes) => signer.signDigest(digest, attributes),
    timestamp: stampOf(timestamper),
  });
  const room = (close - open - 1) / 2;
  if (cms.length > room) throw new TanuError('SIGNATURE_SPACE', { max: room });
  pdf.write(Buffer.from(cms).toString('hex').padEnd(room * 2, '0'), open + 1, 'latin1');
  return pdf;
}

/** A detached CMS (.p7s, DER) over the exact bytes of a file, with the signing time. */
export async function detachedSignature(content: Uint8Array, signer: Signer, timestamper: Timestamper | null, signingTime: Date): Promise<Uint8Array> {
  return detachedSignatureOfDigest(createHash(signer.algorithm.digest).update(content).digest(), signer, timestamper, signingTime);
}

/** The same, for content hashed as it was written (with `signer.algorithm.digest`), too large to hold. */
export async function detachedSignatureOfDigest(contentDigest: Buffer, signer: Signer, timestamper: Timestamper | null, signingTime: Date): Promise<Uint8Array> {
  return signedData({
    algorithm: signer.algorithm,
    contentDigest,
    signer: certParts(signer.certificates[0] ?? Buffer.alloc(0)),
    certificates: signer.certificates,
    signingTime,
    sign: (digest, attributes) => signer.signDigest(digest, attributes),
    timestamp: stampOf(timestamper),
  });
}
