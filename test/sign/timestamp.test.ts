import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate, pkcs12 } from '../../pipeline/dev/pki.js';
import { devTsa, timestampReply } from '../../pipeline/sign/dev-tsa.js';
import { parseSignedData } from '../../pipeline/sign/cms.js';
import { detachedSignature, signPreparedPdf, signatureSpace, signaturePreparer } from '../../pipeline/sign/pades.js';
import { Pkcs12Signer } from '../../pipeline/sign/signer.js';
import { checkResponse, timestampRequest } from '../../pipeline/sign/timestamp.js';
import { HttpTimestamper } from '../../pipeline/sign/tsa.js';
import { loadTrust, verifyDetached, verifyPdf } from '../../pipeline/sign/verify.js';
import { clock } from '../support/env.js';
import { type TestPki, makeTestPki, pdfsig, write } from '../support/pki.js';
import { type OpensslTsa, opensslVerifiesToken, startOpensslTsa, tsaCertificates } from '../support/tsa.js';

/**
 * B-T signatures with OpenSSL as the TSA: the token over the signature value, checked by
 * Tanu before it is embedded and afterwards by openssl ts -verify, pdfsig and qpdf; and
 * each way a TSA can answer wrongly refused with its own code.
 */
const dir = mkdtempSync(join(tmpdir(), 'tanu-tsa-'));
const now = clock.now();
let pki: TestPki;
let tsa: OpensslTsa;
let trust: Awaited<ReturnType<typeof loadTrust>>;
let stamper: HttpTimestamper;

beforeAll(async () => {
  pki = makeTestPki(dir, now);
  tsa = await startOpensslTsa(join(dir, 'tsa'), new Date(), { slowMs: 2000 });
  trust = await loadTrust([pki.caPem, tsa.caPem]);
  stamper = new HttpTimestamper(tsa.url, { policy: null, timeoutMs: 1000, trust });
});
afterAll(async () => {
  await tsa.close();
  rmSync(dir, { recursive: true, force: true });
});

const content = Buffer.from('manifest bytes\n');
const tokenOf = (cms: Uint8Array) => {
  const parsed = parseSignedData(cms);
  if (!parsed.timestampToken) throw new Error('no signature-time-stamp');
  return { token: parsed.timestampToken, signature: parsed.signature };
};

async function preparedPdf(space: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([300, 200]).drawText('B-T test', { x: 20, y: 100 });
  signaturePreparer(space)(doc, { signingTime: now, reason: 'timestamp test' });
  return doc.save({ useObjectStreams: false });
}

describe('B-T: the signature-time-stamp', () => {
  it('a .p7s carries a token over its signature value that openssl ts -verify accepts, and tanu verify reads it', async () => {
    tsa.behave(() => 'ok');
    const p7s = await detachedSignature(content, pki.valid, stamper, now);
    const { token, signature } = tokenOf(p7s);
    expect(await opensslVerifiesToken(dir, token, signature, tsa)).toBe(true);
    // The oracle can fail: the same token over other bytes is refused.
    expect(await opensslVerifiesToken(dir, token, Buffer.from('other'), tsa)).toBe(false);
    const verified = verifyDetached('x.p7s', p7s, content, trust);
    expect(verified.valid).toBe(true);
    expect(verified.level).toBe('B-T');
    expect(verified.checks.find((c) => c.check === 'timestamp')?.ok).toBe(true);
    // signed_at is the token's genTime, not the signing-time the signer claims.
    expect(verified.signed_at).not.toBe(now.toISOString());
    // Without the TSA's root in trust the token is not believed.
    const alone = verifyDetached('x.p7s', p7s, content, await loadTrust([pki.caPem]));
    expect(alone.valid).toBe(false);
    expect(alone.level).toBe('B-B');
    expect(alone.checks.find((c) => c.check === 'timestamp')?.ok).toBe(false);
    // B-B as before: no token, level B-B.
    const plain = verifyDetached('x.p7s', await detachedSignature(content, pki.valid, null, now), content, trust);
    expect([plain.valid, plain.level, plain.signed_at]).toEqual([true, 'B-B', now.toISOString()]);
  });

  it("a PDF's PAdES signature carries the token within its /Contents: pdfsig and qpdf --check still accept it", async () => {
    tsa.behave(() => 'ok');
    const space = await signatureSpace(pki.valid, stamper);
    expect(space).toBeGreaterThan(await signatureSpace(pki.valid, null));
    const pdf = await signPreparedPdf(await preparedPdf(space), pki.valid, stamper);
    const path = write(dir, 'bt.pdf', pdf);
    expect(pdfsig(path, pki.nssDir)).toMatch(/Signature is Valid/);
    execFileSync('qpdf', ['--check', path], { stdio: 'pipe' });
    const verified = verifyPdf(path, pdf, trust);
    expect([verified.valid, verified.level]).toEqual([true, 'B-T']);
    const cms = parseSignedData(Buffer.from(Buffer.from(pdf).toString('latin1').match(/\/Contents <([0-9a-f]+)>/)?.[1] ?? '', 'hex'));
    expect(cms.timestampToken).not.toBeNull();
    expect(await opensslVerifiesToken(dir, cms.timestampToken ?? Buffer.alloc(0), cms.signature, tsa)).toBe(true);
  });

  it('each wrong answer is refused with its code before anything is embedded', async () => {
    const cases = [
      ['down', 'TSA_UNREACHABLE'],
      ['garbage', 'TSA_RESPONSE_INVALID'],
      ['wrong-imprint', 'TSA_IMPRINT_MISMATCH'],
      ['slow', 'TSA_TIMEOUT'],
    ] as const;
    for (const [behaviour, code] of cases) {
      tsa.behave(() => behaviour);
      await expect(detachedSignature(content, pki.valid, stamper, now), behaviour).rejects.toMatchObject({ code, text: { kk: expect.any(String), ru: expect.any(String) } });
    }
    tsa.behave(() => 'ok');
    // A TSA nobody trusts.
    const untrusted = new HttpTimestamper(tsa.url, { policy: null, timeoutMs: 1000, trust: await loadTrust([pki.caPem]) });
    await expect(detachedSignature(content, pki.valid, untrusted, now)).rejects.toMatchObject({ code: 'TSA_UNTRUSTED' });
    // Nothing listens.
    const nowhere = new HttpTimestamper('http://127.0.0.1:9/', { policy: null, timeoutMs: 1000, trust });
    await expect(detachedSignature(content, pki.valid, nowhere, now)).rejects.toMatchObject({ code: 'TSA_UNREACHABLE' });
  });

  it('a reply to another request (its nonce), a TSA certificate without the timeStamping purpose, or one expired at genTime is refused', async () => {
    const data = Buffer.from('signature value');
    const signerOf = (purpose: boolean, from: number, to: number) => {
      const made = tsaCertificates(join(dir, `tsa-${purpose}-${from}`), now, { purpose });
      const day = 24 * 3600 * 1000;
      const leaf = issueCertificate({
        subject: { commonName: 'Test TSA', organization: 'Tanu tests' },
        issuer: { cert: made.ca, name: { commonName: 'Tanu tests TSA root', organization: 'Tanu tests' } },
        notBefore: new Date(now.getTime() + from * day),
        notAfter: new Date(now.getTime() + to * day),
        ca: false,
        timeStamping: purpose,
      });
      return { signer: devTsa(Pkcs12Signer.fromBytes(pkcs12(leaf, [made.ca], 'pw'), 'pw')), caPem: made.caPem };
    };
    const good = signerOf(true, -1, 365);
    const goodTrust = await loadTrust([good.caPem]);
    const asked = timestampRequest(data, null);
    const granted = await timestampReply(asked.der, good.signer, now);
    expect(checkResponse(granted, asked, goodTrust).genTime.toISOString()).toBe(now.toISOString());
    const other = timestampRequest(data, null);
    expect(() => checkResponse(granted, other, goodTrust)).toThrow(expect.objectContaining({ code: 'TSA_NONCE_MISMATCH' }));

    const noPurpose = signerOf(false, -1, 365);
    await expect(timestampReply(asked.der, noPurpose.signer, now).then((r) => checkResponse(r, asked, goodTrust))).rejects.toMatchObject({ code: 'TSA_CERTIFICATE' });
    const expired = signerOf(true, -20, -10);
    const expiredTrust = await loadTrust([expired.caPem]);
    await expect(timestampReply(asked.der, expired.signer, now).then((r) => checkResponse(r, asked, expiredTrust))).rejects.toMatchObject({ code: 'TSA_CERTIFICATE' });
    // The same certificate at a genTime inside its validity is accepted: the refusal was its validity.
    const earlier = new Date(now.getTime() - 15 * 24 * 3600 * 1000);
    expect(checkResponse(await timestampReply(asked.der, expired.signer, earlier), asked, expiredTrust).genTime.toISOString()).toBe(earlier.toISOString());
    // A token whose signature does not hold: the last byte of the signature value (the end of the reply) changed.
    const tampered = Buffer.from(granted);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => checkResponse(tampered, asked, goodTrust)).toThrow(expect.objectContaining({ code: 'TSA_SIGNATURE' }));
    // Over other data: the imprint is not the signature's.
    expect(() => checkResponse(granted, timestampRequest(Buffer.from('other'), null), goodTrust)).toThrow(expect.objectContaining({ code: 'TSA_IMPRINT_MISMATCH' }));
  });
});

describe('a TSA answering without end', () => {
  it('is given up past a megabyte with TSA_RESPONSE_INVALID, not read whole', async () => {
    const { createServer } = await import('node:http');
    let sent = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
      const chunk = Buffer.alloc(64 * 1024);
      const more = () => {
        // 64 MB at most, in case the client never stops reading.
        while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 64 * 1024 * 1024) res.once('drain', more);
        else res.end();
      };
      more();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as import('node:net').AddressInfo;
    try {
      await expect(new HttpTimestamper(`http://127.0.0.1:${port}/`, { policy: null, timeoutMs: 10_000, trust }).stamp(Buffer.from('x'))).rejects.toMatchObject({ code: 'TSA_RESPONSE_INVALID' });
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
