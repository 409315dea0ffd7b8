import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import pkcs11js from 'pkcs11js';
import type { Issued } from '../pipeline/dev/pki.js';
import { pkcs11Module } from '../pipeline/sign/pkcs11.js';

/**
 * SoftHSM2 tokens made by a test or the benchmark, in a folder of its own (SOFTHSM2_CONF), so nothing
 * global changes. The key is imported as a hardware token keeps one: sensitive and not
 * extractable. SoftHSM reads its token folder when the library is initialised, so every
 * token of a test file is made at once, before the first signer opens.
 */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const SO_PIN = '87654321';

export type TokenSpec = {
  label: string;
  pin: string;
  /** The signing key and its certificate, imported with this label and CKA_ID. */
  key?: {
    label: string;
    id: string;
    leaf: Issued;
    chain: readonly Issued[];
    certificate: boolean;
    alwaysAuthenticate?: boolean;
    /** CKA_ALLOWED_MECHANISMS: the only mechanisms the token lets the key sign with (every one when unset). */
    allowedMechanisms?: readonly number[];
  };
};

export function makeSoftHsm(dir: string, tokens: readonly TokenSpec[]): { conf: string } {
  mkdirSync(join(dir, 'tokens'), { recursive: true });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  for (const t of tokens) execFileSync('softhsm2-util', ['--init-token', '--free', '--label', t.label, '--pin', t.pin, '--so-pin', SO_PIN], { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe' });
  const lib = pkcs11Module(SOFTHSM_MODULE);
  for (const t of tokens) {
    if (!t.key) continue;
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === t.label);
    if (!slot) throw new Error(`token ${t.label} not made`);
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    lib.C_Login(session, pkcs11js.CKU_USER, t.pin);
    const jwk = t.key.leaf.key.export({ format: 'jwk' });
    const big = (v: string | undefined) => Buffer.from(v ?? '', 'base64url');
    const id = Buffer.from(t.key.id, 'hex');
    lib.C_CreateObject(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_ALWAYS_AUTHENTICATE, value: t.key.alwaysAuthenticate ?? false },
      // An array of CK_ULONG: 8 bytes little-endian each on x86-64 Linux.
      ...(t.key.allowedMechanisms ? [{ type: pkcs11js.CKA_ALLOWED_MECHANISMS, value: Buffer.concat(t.key.allowedMechanisms.map((m) => Buffer.from(new BigUint64Array([BigInt(m)]).buffer))) }] : []),
      { type: pkcs11js.CKA_LABEL, value: t.key.label },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_MODULUS, value: big(jwk.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: big(jwk.e) },
      { type: pkcs11js.CKA_PRIVATE_EXPONENT, value: big(jwk.d) },
      { type: pkcs11js.CKA_PRIME_1, value: big(jwk.p) },
      { type: pkcs11js.CKA_PRIME_2, value: big(jwk.q) },
      { type: pkcs11js.CKA_EXPONENT_1, value: big(jwk.dp) },
      { type: pkcs11js.CKA_EXPONENT_2, value: big(jwk.dq) },
      { type: pkcs11js.CKA_COEFFICIENT, value: big(jwk.qi) },
    ]);
    const certificates = t.key.certificate ? [{ cert: t.key.leaf, id }, ...t.key.chain.map((cert, i) => ({ cert, id: Buffer.from([0xca, i]) }))] : [];
    for (const { cert, id: certId } of certificates)
      lib.C_CreateObject(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: `${t.key.label} certificate` },
        { type: pkcs11js.CKA_ID, value: certId },
        { type: pkcs11js.CKA_SUBJECT, value: subjectDer(cert.der) },
        { type: pkcs11js.CKA_VALUE, value: Buffer.from(cert.der) },
      ]);
    lib.C_Logout(session);
    lib.C_CloseSession(session);
  }
  return { conf };
}

/** A certificate's subject Name as encoded in it (tbsCertificate: version, serial, signature, issuer, validity, subject). */
function subjectDer(der: Uint8Array): Buffer {
  const tbs = (forge.asn1.fromDer(forge.util.binary.raw.encode(der)).value as forge.asn1.Asn1[])[0];
  const subject = (tbs?.value as forge.asn1.Asn1[])[5];
  if (!subject) throw new Error('not a v3 certificate');
  return Buffer.from(forge.asn1.toDer(subject).getBytes(), 'binary');
}

/**
 * The folder SoftHSM2 keeps one token in, under `makeSoftHsm`'s `dir`: moved away, the
 * token is gone for every process using it (as a token pulled out of its reader), and
 * moved back, it is there again.
 */
export function tokenFolder(dir: string, label: string): string {
  const tokens = join(dir, 'tokens');
  const padded = Buffer.from(label.padEnd(32, ' '));
  const found = readdirSync(tokens).find((uuid) => readFileSync(join(tokens, uuid, 'token.object')).includes(padded));
  if (!found) throw new Error(`no SoftHSM2 token ${label} in ${tokens}`);
  return join(tokens, found);
}
