import { constants, privateEncrypt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSignedData } from '../../pipeline/sign/cms.js';
import { signaturePreparer, signatureSpace } from '../../pipeline/sign/pades.js';
import { issueCertificate } from '../../pipeline/dev/pki.js';
import { signDocument } from '../../pipeline/sign/sign.js';
import { DIGESTS, type Signer } from '../../pipeline/sign/signer.js';
import { loadTrust, verifyDetached, verifyPdf } from '../../pipeline/sign/verify.js';
import { clock } from '../support/env.js';
import { nssTrusting, opensslVerifies, pdfsig, write } from '../support/pki.js';

/**
 * The signer says how it signs, and CMS, PAdES and verification follow it: a signer with
 * SHA-512 (not the PKCS#12 signer's SHA-256) gives signatures that name SHA-512 and that
 * pdfsig, openssl and tanu verify accept.
 */
const dir = mkdtempSync(join(tmpdir(), 'tanu-seam-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const now = clock.now();
const DAY = 86_400_000;

/** PKCS#1 v1.5 signs DigestInfo(SHA-512) || digest (RFC 8017, 9.2). */
const SHA512_DIGEST_INFO = Buffer.from('3051300d060960864801650304020305000440', 'hex');
const SHA512_WITH_RSA = '1.2.840.113549.1.1.13';

describe('the Signer seam', () => {
  it('carries its digest and signature algorithm into the PDF and the detached CMS', async () => {
    const caName = { commonName: 'Seam test CA', organization: 'Tanu tests' };
    const ca = issueCertificate({ subject: caName, notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 365 * DAY), ca: true });
    const leaf = issueCertificate({ subject: { commonName: 'SHA-512 signer', organization: 'Tanu tests' }, issuer: { cert: ca, name: caName }, notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 30 * DAY), ca: false });
    const signer: Signer = {
      certificates: [leaf.der, ca.der],
      algorithm: { digest: 'sha512', signature: SHA512_WITH_RSA, nullParameters: true },
      maxSignatureBytes: 256,
      isTest: true,
      signDigest: async (digest) => privateEncrypt({ key: leaf.key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA512_DIGEST_INFO, digest])),
    };
    const doc = await PDFDocument.create();
    doc.addPage().drawText('Seam');
    signaturePreparer(await signatureSpace(signer, null))(doc, { signingTime: now, reason: 'seam test' });
    const signed = await signDocument({ pdf: await doc.save({ useObjectStreams: false }) }, signer, null, now);

    const caPem = join(dir, 'ca.pem');
    writeFileSync(caPem, ca.pem);
    const pdfPath = write(dir, 'seam.pdf', signed.pdf);
    const p7sPath = write(dir, 'seam.pdf.p7s', signed.pdfSignature);
    const cms = parseSignedData(signed.pdfSignature);
    expect(cms.digestAlgorithm).toBe(DIGESTS.sha512);
    expect(cms.signatureAlgorithm).toBe(SHA512_WITH_RSA);
    expect(pdfsig(pdfPath, nssTrusting(join(dir, 'nss'), caPem))).toMatch(/Signature Validation: Signature is Valid/);
    expect(opensslVerifies(p7sPath, pdfPath, caPem)).toBe(true);
    const trust = await loadTrust([caPem]);
    expect(verifyPdf(pdfPath, signed.pdf, trust).valid).toBe(true);
    expect(verifyDetached(p7sPath, signed.pdfSignature, signed.pdf, trust).valid).toBe(true);
  });
});
