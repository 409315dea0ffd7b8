import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pipeline/cli/main.js';
import { loadConfig } from '../../pipeline/config/load.js';
import { ChromiumRenderer, findChromium } from '../../pipeline/render/chromium.js';
import { certificateModel } from '../../pipeline/kinds/certificate/model.js';
import { contractModel } from '../../pipeline/kinds/contract/model.js';
import { loadKindTemplates, renderDocuments } from '../../pipeline/kinds/registry.js';
import { newVerifyCode } from '../../pipeline/plan/plan.js';
import { sampleApplication, sampleExamResult } from '../../pipeline/dev/sample.js';
import { parseSignedData } from '../../pipeline/sign/cms.js';
import { DEV_KEY_PASSWORD, openSigner } from '../../pipeline/sign/keys.js';
import { signaturePreparer, signatureSpace } from '../../pipeline/sign/pades.js';
import { type SignedFiles, signDocument } from '../../pipeline/sign/sign.js';
import { Pkcs12Signer, type Signer } from '../../pipeline/sign/signer.js';
import { issueCertificate, pkcs12 } from '../../pipeline/dev/pki.js';
import { type Verification, loadTrust, verifyDetached, verifyPdf } from '../../pipeline/sign/verify.js';
import { TanuError } from '../../pipeline/core/tanu-error.js';
import { clock, shippedEnv } from '../support/env.js';
import { type TestPki, makeTestPki, opensslVerifies, pdfsig, write } from '../support/pki.js';

/** Real keys and certificates, real Chromium PDFs, judged by pdfsig and openssl as well as by tanu verify. */
const dir = mkdtempSync(join(tmpdir(), 'tanu-sign-'));
const now = clock.now();
let pki: TestPki;
let prepared: { certificate: Uint8Array; contractPdf: Uint8Array; contractDocx: Uint8Array };
let trust: Awaited<ReturnType<typeof loadTrust>>;

beforeAll(async () => {
  pki = makeTestPki(dir, now);
  trust = await loadTrust([pki.caPem]);
  const env = await shippedEnv();
  const centre = env.config.centres[0];
  if (!centre) throw new Error('no centre');
  const templates = loadKindTemplates('templates');
  const renderer = new ChromiumRenderer(templates, { executablePath: findChromium(), concurrency: 1, printBatch: 10 });
  try {
    const space = Math.max(...(await Promise.all([pki.valid, pki.expired, pki.untrusted].map((s) => signatureSpace(s, null)))));
    const [cert, contract] = await renderDocuments(
      renderer,
      templates,
      [
        certificateModel({ record: sampleExamResult(0, 'kk'), serial: 'ALM01-2026-000001', issueDate: '2026-11-23', validityYears: 5, centre, library: env.library, verifyBaseUrl: 'https://x.kz/v', verifyCode: newVerifyCode() }),
        contractModel({ record: sampleApplication('ru'), centre, library: env.library }),
      ],
      { sample: false, now, prepare: signaturePreparer(space) },
    );
    if (!cert || !('pdf' in cert) || !contract || !('pdf' in contract) || !contract.docx) throw new Error('render failed');
    prepared = { certificate: cert.pdf, contractPdf: contract.pdf, contractDocx: contract.docx };
  } finally {
    await renderer.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sign = (signer: Signer, pdf = prepared.certificate, docx?: Uint8Array): Promise<SignedFiles> => signDocument({ pdf, ...(docx ? { docx } : {}) }, signer, null, now);
const failed = (v: Verification) => v.checks.filter((c) => !c.ok).map((c) => c.check);

describe('signing', () => {
  it('embeds PAdES B-B that pdfsig validates over the total document', async () => {
    const { pdf } = await sign(pki.valid);
    const out = pdfsig(write(dir, 'valid.pdf', pdf), pki.nssDir);
    expect(out).toContain('Signature Type: ETSI.CAdES.detached');
    expect(out).toContain('Total document signed');
    expect(out).toContain('Signature Validation: Signature is Valid.');
    expect(out).toContain('Certificate Validation: Certificate is Trusted.');
    expect(verifyPdf('valid.pdf', pdf, trust)).toMatchObject({ valid: true, signer: expect.stringContaining('ALM01 signing key') });
  });

  it('puts a detached CMS beside the PDF and the DOCX that openssl cms -verify accepts', async () => {
    const files = await sign(pki.valid, prepared.contractPdf, prepared.contractDocx);
    const pdfPath = write(dir, 'contract.pdf', files.pdf);
    const docxPath = write(dir, 'contract.docx', files.docx ?? new Uint8Array());
    expect(opensslVerifies(write(dir, 'contract.pdf.p7s', files.pdfSignature), pdfPath, pki.caPem)).toBe(true);
    expect(opensslVerifies(write(dir, 'contract.docx.p7s', files.docxSignature ?? new Uint8Array()), docxPath, pki.caPem)).toBe(true);
    expect(verifyDetached('contract.pdf.p7s', files.pdfSignature, files.pdf, trust).valid).toBe(true);
    expect(pdfsig(pdfPath, pki.nssDir)).toContain('Signature is Valid.');
  });

  it('signs with content-type, message-digest and signing-certificate-v2; the time is in /M, not in the PAdES CMS', async () => {
    const { pdf, pdfSignature } = await sign(pki.valid);
    const text = Buffer.from(pdf).toString('latin1');
    const [, b = '0', c = '0'] = /\/ByteRange \[0 (\d+) (\d+)/.exec(text) ?? [];
    const embedded = parseSignedData(Buffer.from(text.slice(Number(b) + 1, Number(c) - 1), 'hex'));
    expect(embedded.signingTime).toBeNull();
    expect(embedded.essCertHash).not.toBeNull();
    expect(embedded.certificates).toHaveLength(2);
    expect(text).toMatch(/\/M \(D:20261123070000Z\)/);
    expect(parseSignedData(pdfSignature).signingTime?.toISOString()).toBe(now.toISOString());
  });

  it('keeps the rendered bytes: only /ByteRange and /Contents change', async () => {
    const { pdf } = await sign(pki.valid);
    expect(pdf.length).toBe(prepared.certificate.length);
    const differing = [...pdf].filter((byte, i) => byte !== prepared.certificate[i]).length;
    expect(differing).toBeLessThan(20_000);
  });
});

describe('tampering and bad certificates are caught by tanu verify and by the independent tools', () => {
  it('one changed byte anywhere', async () => {
    const { pdf } = await sign(pki.valid);
    const text = Buffer.from(pdf).toString('latin1');
    const contentsStart = text.indexOf('/Contents <') + '/Contents <'.length;
    const contentsEnd = text.indexOf('>', contentsStart);
    const positions = { start: 10, middle: Math.floor(contentsStart / 2), 'cms in /Contents': contentsStart + 40, 'padding in /Contents': contentsEnd - 10, end: pdf.length - 5 };
    for (const [where, at] of Object.entries(positions)) {
      const changed = Buffer.from(pdf);
      changed[at] = changed[at] === 0x31 ? 0x32 : 0x31;
      expect(verifyPdf(where, changed, trust).valid, where).toBe(false);
      if (where !== 'padding in /Contents') expect(pdfsig(write(dir, 'changed.pdf', changed), pki.nssDir), where).not.toContain('Signature is Valid.');
    }
  });

  it('a truncated file', async () => {
    const { pdf, pdfSignature } = await sign(pki.valid);
    const cut = pdf.subarray(0, pdf.length - 100);
    expect(failed(verifyPdf('cut.pdf', cut, trust))).toContain('byte-range');
    expect(pdfsig(write(dir, 'cut.pdf', cut), pki.nssDir)).not.toContain('Total document signed');
    expect(verifyDetached('cut.pdf.p7s', pdfSignature, cut, trust).valid).toBe(false);
    expect(opensslVerifies(write(dir, 'cut.pdf.p7s', pdfSignature), join(dir, 'cut.pdf'), pki.caPem)).toBe(false);
  });

  it('a .p7s swapped with another document’s', async () => {
    const a = await sign(pki.valid);
    const b = await sign(pki.valid, prepared.contractPdf);
    expect(failed(verifyDetached('a.pdf.p7s', b.pdfSignature, a.pdf, trust))).toEqual(['digest']);
    expect(opensslVerifies(write(dir, 'a.pdf.p7s', b.pdfSignature), write(dir, 'a.pdf', a.pdf), pki.caPem)).toBe(false);
  });

  it('a certificate expired at signing time', async () => {
    const { pdf, pdfSignature } = await sign(pki.expired);
    expect(failed(verifyPdf('expired.pdf', pdf, trust))).toEqual(['validity']);
    expect(failed(verifyDetached('expired.pdf.p7s', pdfSignature, pdf, trust))).toEqual(['validity']);
    expect(pdfsig(write(dir, 'expired.pdf', pdf), pki.nssDir)).toContain('Certificate has Expired');
    expect(opensslVerifies(write(dir, 'expired.pdf.p7s', pdfSignature), join(dir, 'expired.pdf'), pki.caPem)).toBe(false);
  });

  it('a certificate from an untrusted authority', async () => {
    const { pdf, pdfSignature } = await sign(pki.untrusted);
    expect(failed(verifyPdf('stranger.pdf', pdf, trust))).toEqual(['chain']);
    expect(pdfsig(write(dir, 'stranger.pdf', pdf), pki.nssDir)).not.toContain('Certificate is Trusted.');
    expect(opensslVerifies(write(dir, 'stranger.pdf.p7s', pdfSignature), join(dir, 'stranger.pdf'), pki.caPem)).toBe(false);
  });

  it('an unsigned PDF: one made with pdf-lib, and a rendered certificate before signing', async () => {
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]).drawText('not signed', { x: 72, y: 760 });
    const plain = await doc.save();
    for (const [name, pdf] of [['plain.pdf', plain], ['rendered.pdf', prepared.certificate]] as const) {
      expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1'), name).toBe('%PDF-');
      expect((await PDFDocument.load(pdf)).getPageCount(), name).toBe(1);
      const verdict = verifyPdf(name, pdf, trust);
      expect(verdict).toMatchObject({ valid: false, signer: null, signed_at: null });
      expect(verdict.checks, name).toEqual([{ check: 'byte-range', ok: false, detail: { kk: 'ішкі қолтаңба жоқ', ru: 'нет встроенной подписи' } }]);
    }
    // The independent tool agrees: no signature at all in the first; in the rendered one an
    // empty signature field (its /ByteRange still the placeholder), which it cannot verify.
    expect(pdfsig(write(dir, 'plain.pdf', plain), pki.nssDir)).toContain('does not contain any signatures');
    const rendered = pdfsig(write(dir, 'rendered.pdf', prepared.certificate), pki.nssDir);
    expect(rendered).toContain('Signer Certificate Common Name: (null)');
    expect(rendered).not.toContain('Signature is Valid.');
  });
});

describe('keys', () => {
  it('a wrong password is refused without ever showing it', () => {
    const p12 = pkcs12(issueCertificate({ subject: { commonName: 'k' }, notBefore: now, notAfter: new Date(now.getTime() + 1e10), ca: false }), [], 'right-pw');
    expect(Pkcs12Signer.fromBytes(p12, 'right-pw').certificates).toHaveLength(1);
    for (const [bytes, password] of [[p12, 'hunter2-secret'], [Buffer.from('not a p12'), 'hunter2-secret']] as const) {
      try {
        Pkcs12Signer.fromBytes(bytes, password);
        throw new Error('accepted');
      } catch (e) {
        expect(e).toBeInstanceOf(TanuError);
        expect((e as TanuError).code).toBe('SIGNING_KEY');
        expect(JSON.stringify({ m: (e as TanuError).message, t: (e as TanuError).text })).not.toContain('hunter2-secret');
      }
    }
  });

  it('a development key is created on first use with a notice, is TEST, and signs documents that verify', async () => {
    const home = join(dir, 'dev');
    mkdirSync(home);
    writeFileSync(join(home, 'pipeline.config.yaml'), readFileSync('pipeline.config.yaml', 'utf8').replace('standards: standards', `standards: ${join(process.cwd(), 'standards')}`));
    const config = await loadConfig(join(home, 'pipeline.config.yaml'), { env: {} });
    const notices: string[] = [];
    const signer = await openSigner(config, {}, clock, (t) => notices.push(t));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('TEST');
    expect(signer.isTest).toBe(true);
    expect(await openSigner(config, {}, clock, (t) => notices.push(t))).toBeInstanceOf(Pkcs12Signer);
    expect(notices).toHaveLength(1);
    expect(Pkcs12Signer.fromBytes(readFileSync(config.signing.key), DEV_KEY_PASSWORD).isTest).toBe(true);
    expect(readFileSync(config.signing.key).length).toBeGreaterThan(0);
    const { statSync } = await import('node:fs');
    expect(statSync(config.signing.key).mode & 0o777).toBe(0o600);

    // tanu verify with the config's trust list (the dev CA): exit 0; after a changed byte: exit 1.
    const files = await signDocument({ pdf: prepared.contractPdf }, signer, null, now);
    const out = join(home, 'out');
    mkdirSync(out);
    write(out, 'c.pdf', files.pdf);
    write(out, 'c.pdf.p7s', files.pdfSignature);
    let printed = '';
    const io = { out: (t: string) => (printed += t), err: () => {}, clock, env: {} };
    expect(await main(['verify', out, '--json', '--config', join(home, 'pipeline.config.yaml')], io)).toBe(0);
    expect(JSON.parse(printed)).toMatchObject({ valid: true, files: [{ kind: 'pdf', valid: true }, { kind: 'p7s', valid: true }] });
    const changed = Buffer.from(files.pdf);
    changed[100] = (changed[100] ?? 0) ^ 1;
    write(out, 'c.pdf', changed);
    expect(await main(['verify', out, '--config', join(home, 'pipeline.config.yaml')], io)).toBe(1);
    // The reasons in the operator's language, never in English.
    for (const [language, reason] of [['ru', 'подписанные байты изменены'], ['kk', 'қол қойылған байттар өзгерген']] as const) {
      printed = '';
      expect(await main(['verify', out, '--language', language, '--config', join(home, 'pipeline.config.yaml')], io)).toBe(1);
      expect(printed).toContain(reason);
      expect(printed).not.toMatch(/the signed bytes|does not verify|trust anchor/);
    }
  });

  it('a real key: no password in the environment is an error naming the variable; a missing file is never replaced', async () => {
    const config = (await shippedEnv()).config;
    const keyPath = write(dir, 'real.p12', pkcs12(issueCertificate({ subject: { commonName: 'real' }, notBefore: now, notAfter: new Date(now.getTime() + 1e10), ca: false }), [], 'pw'));
    const real = { ...config, signing: { ...config.signing, dev_key: false, key: keyPath } };
    await expect(openSigner(real, {}, clock, () => {})).rejects.toMatchObject({ code: 'SIGNING_KEY', text: { ru: expect.stringContaining('TANU_KEY_PASSWORD') } });
    expect((await openSigner(real, { TANU_KEY_PASSWORD: 'pw' }, clock, () => {})).isTest).toBe(false);
    const missing = { ...real, signing: { ...real.signing, key: join(dir, 'nowhere.p12') } };
    await expect(openSigner(missing, { TANU_KEY_PASSWORD: 'pw' }, clock, () => {})).rejects.toMatchObject({ code: 'SIGNING_KEY' });
  });
});
