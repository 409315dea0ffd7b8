import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedConfig, loadConfig } from '../../pipeline/config/load.js';
import { type Issued, issueCertificate, pkcs12 } from '../../pipeline/dev/pki.js';
import { openSigner } from '../../pipeline/sign/keys.js';
import { signaturePreparer, signatureSpace } from '../../pipeline/sign/pades.js';
import { Pkcs11Signer, findObjects, pkcs11Module } from '../../pipeline/sign/pkcs11.js';
import { signDocument } from '../../pipeline/sign/sign.js';
import { Pkcs12Signer } from '../../pipeline/sign/signer.js';
import { tanu } from '../support/cli.js';
import { clock } from '../support/env.js';
import { expectBatchVerifies, files, manifests } from '../support/outbox.js';
import { nssTrusting, opensslVerifies, pdfsig } from '../support/pki.js';
import { examResultsFile, makeProject } from '../support/project.js';
import { SOFTHSM_MODULE, makeSoftHsm } from '../../bench/softhsm.js';
import { chromiumOf, descendants, startTanu, until } from '../reliability/support.js';

/**
 * The centre's key on a token, through PKCS#11: SoftHSM2 tokens made here, the key imported
 * as a hardware token keeps it (sensitive, not extractable). The same key also as a
 * PKCS#12 file, so both kinds of signer can be compared byte for byte.
 */
const dir = mkdtempSync(join(tmpdir(), 'tanu-pkcs11-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PIN = '4831-токен';
const now = clock.now();
const DAY = 86_400_000;
const caName = { commonName: 'Token tests CA', organization: 'Tanu tests' };
const ca = issueCertificate({ subject: caName, notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(Date.now() + 3650 * DAY), ca: true });
const centreCert = (name: string) =>
  issueCertificate({ subject: { commonName: name, organization: 'Tanu tests' }, issuer: { cert: ca, name: caName }, notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(Date.now() + 365 * DAY), ca: false });
const leaf = centreCert('DEMO01 token key');
const other = centreCert('Somebody else');
const caPem = join(dir, 'ca.pem');
writeFileSync(caPem, ca.pem);
const key = (leafCert: Issued, certificate: boolean, alwaysAuthenticate = false) => ({ label: 'signkey', id: 'a1b2', leaf: leafCert, chain: [ca], certificate, alwaysAuthenticate });

let base: LoadedConfig;
const withToken = (pkcs11: Partial<LoadedConfig['signing']['pkcs11']>): LoadedConfig => ({
  ...base,
  signing: { ...base.signing, kind: 'pkcs11', dev_key: false, pkcs11: { module: SOFTHSM_MODULE, token: 'tanu', key: 'signkey', certificate: null, ...pkcs11 } },
});
const env = { TANU_PKCS11_PIN: PIN };
const opened = (config: LoadedConfig, e: NodeJS.ProcessEnv = env) => openSigner(config, e, clock, () => {});

beforeAll(async () => {
  makeSoftHsm(join(dir, 'hsm'), [
    { label: 'tanu', pin: PIN, key: key(leaf, true) },
    { label: 'bare', pin: PIN, key: key(leaf, false) },
    { label: 'counted', pin: PIN, key: key(leaf, true) },
    { label: 'every-time', pin: PIN, key: key(leaf, true, true) },
    // A token that lets the key sign only by hashing for itself.
    { label: 'digesting', pin: PIN, key: { ...key(leaf, true), allowedMechanisms: [pkcs11js.CKM_SHA256_RSA_PKCS] } },
  ]);
  mkdirSync(join(dir, 'project'));
  base = await loadConfig(makeProject(join(dir, 'project')).config, { env: {} });
});

/** A stand-in for a CMS's signed attributes and their digest: what Signer.signDigest is given. */
const attributed = (attributes: Buffer): [Buffer, Buffer] => [createHash('sha256').update(attributes).digest(), attributes];

function tokenSession(label: string) {
  const lib = pkcs11Module(SOFTHSM_MODULE);
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === label);
  if (!slot) throw new Error(`no token ${label}`);
  return { lib, slot, session: lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION) };
}

async function preparedPdf() {
  const doc = await PDFDocument.create();
  doc.addPage().drawText('Token');
  const p12 = Pkcs12Signer.fromBytes(pkcs12(leaf, [ca], 'pw'), 'pw');
  signaturePreparer(await signatureSpace(p12, null))(doc, { signingTime: now, reason: 'token test' });
  return { p12, pdf: await doc.save({ useObjectStreams: false }) };
}

describe('signing through PKCS#11', () => {
  it('the key stays on the token, and the token signs byte for byte what the PKCS#12 file signs', async () => {
    const signer = await opened(withToken({}));
    // Logged in, the private value is still refused: the key is sensitive and not extractable.
    const { lib, session } = tokenSession('tanu');
    lib.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
    const [privateKey] = lib.C_FindObjects(session, 10);
    lib.C_FindObjectsFinal(session);
    if (!privateKey) throw new Error('no key on the token');
    expect(() => lib.C_GetAttributeValue(session, privateKey, [{ type: pkcs11js.CKA_PRIVATE_EXPONENT }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
    expect(lib.C_GetAttributeValue(session, privateKey, [{ type: pkcs11js.CKA_EXTRACTABLE }])[0]?.value[0]).toBe(0);
    lib.C_CloseSession(session);

    const { p12, pdf } = await preparedPdf();
    expect(signer.certificates.map((c) => Buffer.from(c).toString('hex'))).toEqual(p12.certificates.map((c) => Buffer.from(c).toString('hex')));
    expect(signer.maxSignatureBytes).toBe(p12.maxSignatureBytes);
    const byToken = await signDocument({ pdf, docx: Buffer.from('docx bytes') }, signer, null, now);
    const byFile = await signDocument({ pdf, docx: Buffer.from('docx bytes') }, p12, null, now);
    expect(Buffer.from(byToken.pdf).equals(Buffer.from(byFile.pdf))).toBe(true);
    expect(Buffer.from(byToken.pdfSignature).equals(Buffer.from(byFile.pdfSignature))).toBe(true);
    expect(Buffer.from(byToken.docxSignature ?? []).equals(Buffer.from(byFile.docxSignature ?? []))).toBe(true);
    // Many at once through the process's few sessions, on libuv's threads: each waits for a
    // free session, and the library locks for itself (a thousand, as SoftHSM2 without its
    // locking flag crashed the process within a few hundred).
    const inputs = Array.from({ length: 1000 }, (_, i) => attributed(Buffer.alloc(200, i % 256)));
    const hexes = (all: Uint8Array[]) => all.map((b) => Buffer.from(b).toString('hex'));
    expect(hexes(await Promise.all(inputs.map((d) => signer.signDigest(...d))))).toEqual(hexes(await Promise.all(inputs.map((d) => p12.signDigest(d[0])))));
    // A second opening in the process is the same signer: one login, one set of sessions.
    expect(await opened(withToken({}))).toBe(signer);
  });

  it('a key marked CKA_ALWAYS_AUTHENTICATE gets its context-specific login for every signature', async () => {
    const { p12 } = await preparedPdf();
    const signer = await opened(withToken({ token: 'every-time' }));
    const input = attributed(Buffer.alloc(200, 7));
    expect(Buffer.from(await signer.signDigest(...input))).toEqual(Buffer.from(await p12.signDigest(input[0])));
    expect(Buffer.from(await signer.signDigest(...input))).toEqual(Buffer.from(await p12.signDigest(input[0])));
  });

  it('a key the token signs only with CKM_SHA256_RSA_PKCS signs the same bytes, the token hashing the signed attributes; openssl verifies them', async () => {
    const { p12, pdf } = await preparedPdf();
    const digesting = await opened(withToken({ token: 'digesting' }));
    if (!(digesting instanceof Pkcs11Signer)) throw new Error('not a token signer');
    expect(digesting.mechanism).toBe('CKM_SHA256_RSA_PKCS');
    // The token itself refuses the key a DigestInfo: the choice is not Tanu's alone.
    const { lib, session } = tokenSession('digesting');
    const [privateKey] = findObjects(lib, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
    if (!privateKey) throw new Error('no key on the token');
    expect(() => lib.C_SignInit(session, { mechanism: pkcs11js.CKM_RSA_PKCS }, privateKey)).toThrow(/CKR_MECHANISM/);
    lib.C_CloseSession(session);
    // Where the token offers both, either can be chosen: the same signatures each way.
    const settings = { module: SOFTHSM_MODULE, token: 'tanu', key: 'signkey', certificate: null };
    const hashing = await Pkcs11Signer.open({ ...settings, mechanism: 'CKM_SHA256_RSA_PKCS' }, PIN);
    const digestInfo = await Pkcs11Signer.open(settings, PIN);
    expect([hashing.mechanism, digestInfo.mechanism]).toEqual(['CKM_SHA256_RSA_PKCS', 'CKM_RSA_PKCS']);
    const docx = Buffer.from('docx bytes');
    const byFile = await signDocument({ pdf, docx }, p12, null, now);
    for (const signer of [digesting, hashing, digestInfo]) {
      const signed = await signDocument({ pdf, docx }, signer, null, now);
      expect(Buffer.from(signed.pdf).equals(Buffer.from(byFile.pdf)), signer.mechanism ?? '').toBe(true);
      expect(Buffer.from(signed.pdfSignature).equals(Buffer.from(byFile.pdfSignature))).toBe(true);
      expect(Buffer.from(signed.docxSignature ?? []).equals(Buffer.from(byFile.docxSignature ?? []))).toBe(true);
    }
    const signed = await signDocument({ pdf, docx }, digesting, null, now);
    const at = join(dir, 'digesting');
    mkdirSync(at);
    for (const [name, bytes] of [['doc.pdf', signed.pdf], ['doc.pdf.p7s', signed.pdfSignature], ['doc.docx', docx], ['doc.docx.p7s', signed.docxSignature ?? Buffer.alloc(0)]] as const) writeFileSync(join(at, name), bytes);
    expect(opensslVerifies(join(at, 'doc.pdf.p7s'), join(at, 'doc.pdf'), caPem)).toBe(true);
    expect(opensslVerifies(join(at, 'doc.docx.p7s'), join(at, 'doc.docx'), caPem)).toBe(true);
    expect(pdfsig(join(at, 'doc.pdf'), nssTrusting(join(dir, 'nss-digesting'), caPem))).toContain('Signature is Valid.');
  });

  it('each refusal at start has its code and kk/ru text', async () => {
    const refusal = async (config: LoadedConfig, e: NodeJS.ProcessEnv = env) => {
      const thrown = await opened(config, e).then(
        () => null,
        (x: unknown) => x as { code: string; text: { kk: string; ru: string } },
      );
      if (!thrown) throw new Error('opened');
      return thrown;
    };
    const notThere = await refusal(withToken({ module: join(dir, 'no-such-module.so') }));
    expect(notThere).toMatchObject({ code: 'TOKEN_MODULE', text: { ru: expect.stringContaining('no-such-module.so'), kk: expect.stringContaining('жүктелмеді') } });
    const notPkcs11 = join(dir, 'not-pkcs11.so');
    writeFileSync(notPkcs11, 'not a library');
    expect(await refusal(withToken({ module: notPkcs11 }))).toMatchObject({ code: 'TOKEN_MODULE' });
    const noToken = await refusal(withToken({ token: 'kaztoken' }));
    expect(noToken.code).toBe('TOKEN_NOT_FOUND');
    for (const found of ['tanu', 'bare', 'counted', 'every-time', 'digesting']) expect(noToken.text.ru).toContain(found);
    expect(noToken.text.kk).toContain('«kaztoken» белгісі бар токен табылмады');
    expect(await refusal(withToken({ key: 'nokey' }))).toMatchObject({ code: 'TOKEN_KEY', text: { kk: expect.stringContaining('nokey'), ru: expect.stringContaining('нет закрытого ключа nokey') } });
    expect(await refusal(withToken({ key: 'id:ffff' }))).toMatchObject({ code: 'TOKEN_KEY' });
    expect(await refusal(withToken({ token: 'bare' }))).toMatchObject({ code: 'TOKEN_CERTIFICATE_MISSING', text: { ru: expect.stringContaining('signing.pkcs11.certificate') } });
    const wrongPem = join(dir, 'other.pem');
    writeFileSync(wrongPem, `${other.pem}${ca.pem}`);
    expect(await refusal(withToken({ token: 'bare', certificate: wrongPem }))).toMatchObject({ code: 'TOKEN_CERTIFICATE_MISMATCH', text: { kk: expect.stringContaining('сәйкес келмейді'), ru: expect.stringContaining('не соответствует') } });
    // The certificate as a file works for a token that has none; the key also by its CKA_ID.
    const rightPem = join(dir, 'right.pem');
    writeFileSync(rightPem, `${leaf.pem}${ca.pem}`);
    expect((await opened(withToken({ token: 'bare', certificate: rightPem, key: 'id:a1b2' }))).certificates).toHaveLength(2);
    expect(await refusal(withToken({}), {})).toMatchObject({ code: 'TOKEN_PIN_MISSING', text: { ru: expect.stringContaining('TANU_PKCS11_PIN') } });
  });

  it('a wrong PIN is tried once and never again; the message says what the token reports of the tries left', async () => {
    const { lib, slot } = tokenSession('counted');
    expect(lib.C_GetTokenInfo(slot).flags & pkcs11js.CKF_USER_PIN_COUNT_LOW).toBe(0);
    const wrong = 'wr0ng-PIN-5521';
    const thrown = await opened(withToken({ token: 'counted' }), { TANU_PKCS11_PIN: wrong }).catch((e: unknown) => e as { code: string; text: { kk: string; ru: string }; message: string });
    expect(thrown).toMatchObject({ code: 'TOKEN_PIN', text: { ru: expect.stringContaining('повторной попытки не будет'), kk: expect.stringContaining('қайта әрекет жасалмайды') } });
    // SoftHSM2 reports a failed login as "count low" (it gives no number): said so in both languages.
    expect(lib.C_GetTokenInfo(slot).flags & pkcs11js.CKF_USER_PIN_COUNT_LOW).not.toBe(0);
    expect((thrown as { text: { ru: string } }).text.ru).toContain('попыток осталось мало');
    expect(JSON.stringify(thrown) + String((thrown as { message: string }).message)).not.toContain(wrong);
  });

  it('tanu keys token lists slots, labels, ids and mechanisms; private objects only on the configured token with its PIN', async () => {
    const listed = await tanu(['keys', 'token', '--json', '--config', base.configFile], { TANU_SIGNING__KIND: 'pkcs11', TANU_SIGNING__PKCS11__TOKEN: 'tanu', TANU_PKCS11_PIN: PIN });
    expect(listed.code, listed.err).toBe(0);
    type Listed = { module: string; slots: { token: { label: string } | null; logged_in: boolean; keys: { label: string; id: string; extractable: boolean; sensitive: boolean; configured: boolean }[]; certificates: { id: string; subject: string }[]; mechanisms: Record<string, boolean>; signing_mechanisms: { name: string; sign: boolean }[]; uses: string | null }[] };
    const json = JSON.parse(listed.out) as Listed;
    expect(json.module).toBe(SOFTHSM_MODULE);
    const tanuSlot = json.slots.find((s) => s.token?.label === 'tanu');
    expect(tanuSlot).toMatchObject({ logged_in: true, keys: [{ label: 'signkey', id: 'a1b2', extractable: false, sensitive: true, configured: true }], mechanisms: { CKM_RSA_PKCS: true }, uses: 'CKM_RSA_PKCS' });
    // The mechanisms as the token itself lists them, each with its CKF_SIGN flag (the oracle: the module asked directly).
    const { lib, slot, session } = tokenSession('tanu');
    lib.C_CloseSession(session);
    const signsWith = (id: number) => lib.C_GetMechanismList(slot).includes(id) && (lib.C_GetMechanismInfo(slot, id).flags & pkcs11js.CKF_SIGN) !== 0;
    expect(signsWith(pkcs11js.CKM_RSA_PKCS) && signsWith(pkcs11js.CKM_SHA256_RSA_PKCS)).toBe(true);
    expect(tanuSlot?.signing_mechanisms.slice(0, 2)).toEqual([{ name: 'CKM_RSA_PKCS', sign: true }, { name: 'CKM_SHA256_RSA_PKCS', sign: true }]);
    for (const m of tanuSlot?.signing_mechanisms ?? []) expect(m.sign, m.name).toBe(signsWith(pkcs11js[m.name as 'CKM_ECDSA']));
    expect(tanuSlot?.signing_mechanisms.map((m) => m.name)).toEqual(expect.arrayContaining(['CKM_SHA512_RSA_PKCS', 'CKM_RSA_PKCS_PSS', 'CKM_ECDSA']));
    expect(tanuSlot?.certificates.map((c) => c.id)).toEqual(expect.arrayContaining(['a1b2']));
    expect(tanuSlot?.certificates.find((c) => c.id === 'a1b2')?.subject).toContain('DEMO01 token key');
    // The PIN is not tried on the other tokens: their keys stay unlisted.
    expect(json.slots.find((s) => s.token?.label === 'counted')).toMatchObject({ logged_in: false, keys: [], uses: null, signing_mechanisms: tanuSlot?.signing_mechanisms });
    expect(listed.out).not.toContain(PIN);
    const people = await tanu(['keys', 'token', '--language', 'kk', '--config', base.configFile], { TANU_SIGNING__PKCS11__TOKEN: 'bare' });
    expect(people.code, people.err).toBe(0);
    expect(people.out).toContain('токен «tanu»');
    expect(people.out).toContain('жабық объектілер көрсетілмейді');
    // What the text says of one token: from its slot's line to the next slot's.
    const slotText = (out: string, token: string) => out.slice(out.indexOf(`токен «${token}»`)).split('\nслот ')[0] ?? '';
    // Not the configured token: its mechanisms, none marked as Tanu's.
    expect(slotText(people.out, 'tanu')).toMatch(/^CKM_RSA_PKCS +иә *$/m);
    expect(slotText(people.out, 'tanu')).toMatch(/^CKM_SHA256_RSA_PKCS +иә *$/m);
    expect(slotText(people.out, 'tanu')).not.toContain('қол қояды');

    // A key that may only be hashed for by the token: Tanu says it signs with CKM_SHA256_RSA_PKCS, though the token offers both.
    const digesting = await tanu(['keys', 'token', '--language', 'ru', '--config', base.configFile], { TANU_SIGNING__KIND: 'pkcs11', TANU_SIGNING__PKCS11__TOKEN: 'digesting', TANU_PKCS11_PIN: PIN });
    expect(digesting.code, digesting.err).toBe(0);
    const digestingSlot = slotText(digesting.out, 'digesting');
    expect(digestingSlot).toMatch(/^CKM_RSA_PKCS +да *$/m);
    expect(digestingSlot).toMatch(/^CKM_SHA256_RSA_PKCS +да +подписывает ключом «signkey»$/m);
    expect(digesting.out.match(/подписывает ключом/g)).toHaveLength(1);
    expect(digesting.out).not.toContain(PIN);
    const digestingJson = JSON.parse((await tanu(['keys', 'token', '--json', '--config', base.configFile], { TANU_SIGNING__PKCS11__TOKEN: 'digesting', TANU_PKCS11_PIN: PIN })).out) as Listed;
    expect(digestingJson.slots.find((s) => s.token?.label === 'digesting')).toMatchObject({ logged_in: true, uses: 'CKM_SHA256_RSA_PKCS', keys: [{ configured: true }] });

    // A key the login does not show: said as a signer would refuse it, nothing used.
    const missing = await tanu(['keys', 'token', '--language', 'ru', '--config', base.configFile], { TANU_SIGNING__PKCS11__TOKEN: 'tanu', TANU_SIGNING__PKCS11__KEY: 'id:ffff', TANU_PKCS11_PIN: PIN });
    expect(missing.code, missing.err).toBe(0);
    expect(missing.out).toContain('На токене «tanu» нет закрытого ключа id:ffff');
    expect(missing.out).not.toContain('подписывает ключом');
  });
});

describe('a batch signed on the token', () => {
  it('tanu run: every PDF verifies with pdfsig and openssl; the PIN is in no output, file, command line or child environment; a wrong PIN stops tanu watch at start', async () => {
    mkdirSync(join(dir, 'batch'));
    const p = makeProject(join(dir, 'batch'));
    writeFileSync(
      p.config,
      readFileSync(p.config, 'utf8')
        // A PIN variable of the centre's own naming (not TANU_*, which no child inherits anyway).
        .replace('kind: pkcs12 ', `kind: pkcs11\n  pkcs11: { module: ${SOFTHSM_MODULE}, token: tanu, key: signkey }\n  pin_env: CENTRE_TOKEN_PIN\n  #`)
        .replace('dev_key: true', 'dev_key: false').replace('level: B-T', 'level: B-B')
        .replace('- var/keys/dev-ca.pem', `- ${caPem}`),
    );
    const file = await examResultsFile(p.dir, 'exam-results-token.csv', 24);
    const childEnv = { SOFTHSM2_CONF: process.env.SOFTHSM2_CONF ?? '', CENTRE_TOKEN_PIN: PIN, TANU_DOCUMENTS__PRINT_BATCH: '4' };
    const run = startTanu(['run', file, '--config', p.config, '--json'], childEnv);
    const pid = run.child.pid ?? 0;
    let ended = false;
    void run.exited.then(() => (ended = true));
    await until(() => ended || (chromiumOf(pid) !== undefined && files(p.outbox).some((f) => f.endsWith('.pdf'))), 60_000, 'Chromium at work under tanu');
    const secret = Buffer.from(PIN).toString('latin1');
    const readOr = (path: string) => {
      try {
        return readFileSync(path).toString('latin1');
      } catch {
        return '';
      }
    };
    let looked = 0;
    for (const child of descendants(pid)) {
      expect(readOr(`/proc/${child}/environ`), `environment of ${readOr(`/proc/${child}/comm`).trim()}`).not.toContain(secret);
      expect(readOr(`/proc/${child}/cmdline`)).not.toContain(secret);
      looked++;
    }
    expect(ended || looked > 0).toBe(true);
    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(0);
    expect(`${run.stdout()}${run.stderr()}`).not.toContain(PIN);
    for (const f of [...files(p.outbox).map((f) => join(p.outbox, f)), ...files(join(p.dir, 'var')).map((f) => join(p.dir, 'var', f))]) expect(readOr(f), f).not.toContain(secret);
    const [manifest] = manifests(p.outbox);
    if (!manifest) throw new Error('nothing published');
    const documents = await expectBatchVerifies(manifest, caPem, nssTrusting(join(dir, 'nss'), caPem));
    expect(documents.length).toBeGreaterThan(24);

    // A wrong PIN: tanu watch refuses at start with exit 2, before planning anything, and does not try again.
    writeFileSync(join(p.inbox, 'exam-results-more.csv'), readFileSync(file));
    const watch = startTanu(['watch', '--config', p.config, '--language', 'kk'], { ...childEnv, CENTRE_TOKEN_PIN: 'wr0ng-PIN-777' });
    expect((await watch.exited).code).toBe(2);
    expect(watch.stderr()).toContain('[TOKEN_PIN]');
    expect(watch.stderr()).toContain('PIN-коды қате');
    expect(watch.stderr()).not.toContain('wr0ng-PIN-777');
    expect(manifests(p.outbox)).toHaveLength(1);
  }, 180_000);
});
