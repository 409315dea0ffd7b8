import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDocumentTimestamp } from '../../pipeline/sign/doc-timestamp.js';
import { appendDss } from '../../pipeline/sign/dss.js';
import { signPreparedPdf, signatureSpace, signaturePreparer } from '../../pipeline/sign/pades.js';
import { PdfFile, appendUpdate, name, ref } from '../../pipeline/sign/pdf-update.js';
import { changesAfter, pdfSignatures, readDss } from '../../pipeline/sign/pdf-revisions.js';
import { HttpTimestamper } from '../../pipeline/sign/tsa.js';
import { loadTrust, verifyPdf } from '../../pipeline/sign/verify.js';
import { clock } from '../support/env.js';
import { type TestPki, makeTestPki, pdfsig, write } from '../support/pki.js';
import { pdfText } from '../support/poppler.js';
import { type OpensslTsa, opensslVerifiesToken, startOpensslTsa } from '../support/tsa.js';

/** B-LT and B-LTA updates on a real signed PDF, judged by qpdf, pdfsig, openssl ts -verify and pdftotext. */
const dir = mkdtempSync(join(tmpdir(), 'tanu-lta-'));
const now = clock.now();
let pki: TestPki;
let tsa: OpensslTsa;
let stamper: HttpTimestamper;
let signed: Uint8Array;
let prepared: Uint8Array;

beforeAll(async () => {
  pki = makeTestPki(dir, now);
  tsa = await startOpensslTsa(join(dir, 'tsa'), new Date());
  stamper = new HttpTimestamper(tsa.url, { policy: null, timeoutMs: 5000, trust: await loadTrust([pki.caPem, tsa.caPem]) });
  const doc = await PDFDocument.create();
  doc.addPage([300, 200]).drawText('B-LTA test', { x: 20, y: 100 });
  doc.addPage([300, 200]).drawText('page two', { x: 20, y: 100 });
  signaturePreparer(await signatureSpace(pki.valid, null))(doc, { signingTime: now, reason: 'lta test' });
  prepared = await doc.save({ useObjectStreams: false });
  signed = await signPreparedPdf(prepared, pki.valid, null);
});
afterAll(async () => {
  await tsa.close();
  rmSync(dir, { recursive: true, force: true });
});

const qpdfCheck = (pdf: Uint8Array) => {
  try {
    return execFileSync('qpdf', ['--check', write(dir, 'check.pdf', pdf)], { encoding: 'utf8' });
  } catch (e) {
    return `FAILED ${(e as { stdout?: string }).stdout ?? ''}`;
  }
};
const der = (text: string) => Buffer.from(`DER ${text}`);

describe('DSS and document timestamp', () => {
  it('appendDss adds validation data, a second time without duplicates, keeping the first', () => {
    const once = appendDss(signed, { certs: [der('a'), der('b')], ocsps: [der('o')], crls: [] });
    expect(qpdfCheck(once)).toContain('No syntax or stream encoding errors');
    expect(readDss(signed)).toEqual({ certs: [], ocsps: [], crls: [] });
    const twice = appendDss(once, { certs: [der('b'), der('c')], ocsps: [], crls: [der('crl')] });
    expect(qpdfCheck(twice)).toContain('No syntax or stream encoding errors');
    expect(readDss(twice)).toEqual({ certs: [der('a'), der('b'), der('c')], ocsps: [der('o')], crls: [der('crl')] });
    expect(appendDss(twice, { certs: [der('a')], ocsps: [], crls: [] })).toBe(twice);
    expect(pdfsig(write(dir, 'dss.pdf', twice), pki.nssDir)).toContain('Signature is Valid.');
    expect(changesAfter(twice, pdfSignatures(twice)[0]?.revisionEnd ?? 0)).toEqual({ ok: true });
  });

  it('a document timestamp over the file with its DSS: pdfsig, qpdf and openssl ts -verify accept it; the text is unchanged', async () => {
    const withDss = appendDss(signed, { certs: [der('a')], ocsps: [], crls: [] });
    const lta = await appendDocumentTimestamp(withDss, stamper);
    expect(qpdfCheck(lta)).toContain('No syntax or stream encoding errors');
    const sigs = pdfSignatures(lta);
    expect(sigs.map((s) => [s.kind, s.subFilter])).toEqual([
      ['signature', 'ETSI.CAdES.detached'],
      ['document-timestamp', 'ETSI.RFC3161'],
    ]);
    const [signature, stamp] = sigs;
    if (!signature || !stamp) throw new Error('missing');
    expect(signature.revisionEnd).toBe(signed.length);
    // A field prepared but not signed is no signature.
    expect(pdfSignatures(prepared)).toEqual([]);
    expect(stamp.revisionEnd).toBe(lta.length);
    expect(stamp.byteRange[0]).toBe(0);
    const b = Buffer.from(lta);
    const covered = Buffer.concat([b.subarray(0, stamp.byteRange[1]), b.subarray(stamp.byteRange[2], stamp.byteRange[2] + stamp.byteRange[3])]);
    expect(await opensslVerifiesToken(dir, stamp.contents, covered, tsa)).toBe(true);
    expect(await opensslVerifiesToken(dir, stamp.contents, Buffer.concat([covered, Buffer.from('x')]), tsa)).toBe(false);
    const out = pdfsig(write(dir, 'lta.pdf', lta), pki.nssDir);
    // poppler 22 reads the timestamp (its TSA signer, the whole file covered) but does not
    // verify /ETSI.RFC3161 ("Signature Type: unknown"): openssl ts -verify above is the oracle for it.
    const [first = '', second = ''] = out.split('Signature #2:');
    expect(first).toContain('Signature Validation: Signature is Valid.');
    expect(first).toContain('Not total document signed');
    expect(second).toContain('Signer Certificate Common Name: Tanu tests TSA');
    expect(second).toContain('Total document signed');
    expect(pdfText(lta)).toBe(pdfText(signed));
    expect(changesAfter(lta, signature.revisionEnd)).toEqual({ ok: true });
    // Today's verifyPdf judges one revision (Helper C makes it read several): the signed
    // revision, cut at its end, is the signed file byte for byte and still verifies.
    expect(Buffer.compare(Buffer.from(lta.subarray(0, signature.revisionEnd)), Buffer.from(signed))).toBe(0);
    expect(verifyPdf('signed.pdf', lta.subarray(0, signature.revisionEnd), await loadTrust([pki.caPem])).valid).toBe(true);
    // Timestamped again (what tanu extend does), still one signature and two timestamps, all in order.
    const again = await appendDocumentTimestamp(appendDss(lta, { certs: [der('tsa')], ocsps: [], crls: [] }), stamper);
    expect(pdfSignatures(again).map((s) => s.kind)).toEqual(['signature', 'document-timestamp', 'document-timestamp']);
    expect(qpdfCheck(again)).toContain('No syntax or stream encoding errors');
    expect(changesAfter(again, signature.revisionEnd)).toEqual({ ok: true });
  });

  it('changesAfter refuses a rewritten page content and a new visible annotation', () => {
    const end = pdfSignatures(signed)[0]?.revisionEnd ?? 0;
    const file = new PdfFile(signed);
    const page = file.firstPage();
    const content = file.size;
    const rewritten = new Map(page.dict);
    rewritten.set('Contents', ref(content));
    const newContent = appendUpdate(file, [
      { number: content, value: { dict: new Map(), data: Buffer.from('BT /F1 12 Tf 20 50 Td (forged) Tj ET') } },
      { number: page.number, value: rewritten },
    ]).pdf;
    expect(qpdfCheck(newContent)).toContain('No syntax or stream encoding errors');
    expect(changesAfter(newContent, end)).toMatchObject({ ok: false, detail: { ru: expect.stringContaining('/Contents') } });
    // The oracle agrees the first signature no longer covers the whole file.
    expect(pdfsig(write(dir, 'forged.pdf', newContent), pki.nssDir)).not.toContain('Total document signed');

    const annot = file.size;
    const annotated = new Map(page.dict);
    annotated.set('Annots', [...((file.resolve(page.dict.get('Annots')) as never[]) ?? []), ref(annot)]);
    const visible = appendUpdate(file, [
      { number: annot, value: new Map<string, never>([['Type', name('Annot') as never], ['Subtype', name('Square') as never], ['Rect', [10, 10, 200, 100] as never]]) },
      { number: page.number, value: annotated },
    ]).pdf;
    expect(qpdfCheck(visible)).toContain('No syntax or stream encoding errors');
    expect(changesAfter(visible, end)).toMatchObject({ ok: false, detail: { ru: expect.stringMatching(/видимую аннотацию|изменён \/Annots/) } });
  });

  it('a file with an xref stream and object streams gets xref-stream updates that qpdf reads', async () => {
    const doc = await PDFDocument.create();
    doc.addPage([300, 200]).drawText('object streams', { x: 20, y: 100 });
    const packed = await doc.save({ useObjectStreams: true });
    expect(new PdfFile(packed).usesXrefStreams).toBe(true);
    const lta = await appendDocumentTimestamp(appendDss(packed, { certs: [der('a')], ocsps: [der('o')], crls: [] }), stamper);
    expect(Buffer.from(lta).subarray(packed.length).toString('latin1')).not.toMatch(/\nxref\n/);
    expect(new PdfFile(lta).usesXrefStreams).toBe(true);
    expect(qpdfCheck(lta)).toContain('No syntax or stream encoding errors');
    expect(readDss(lta)).toEqual({ certs: [der('a')], ocsps: [der('o')], crls: [] });
    const [stamp, ...rest] = pdfSignatures(lta);
    if (!stamp) throw new Error('no timestamp');
    expect([stamp.kind, rest.length]).toEqual(['document-timestamp', 0]);
    const b = Buffer.from(lta);
    const covered = Buffer.concat([b.subarray(0, stamp.byteRange[1]), b.subarray(stamp.byteRange[2])]);
    expect(await opensslVerifiesToken(dir, stamp.contents, covered, tsa)).toBe(true);
    expect(pdfText(lta)).toBe(pdfText(packed));
  });
});
