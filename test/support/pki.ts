import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Issued, issueCertificate, pkcs12 } from '../../pipeline/dev/pki.js';
import { Pkcs12Signer } from '../../pipeline/sign/signer.js';

/**
 * A test PKI made with the same code as `tanu keys dev`: a trusted CA with a valid and an
 * expired signing certificate, and a CA nobody trusts. Real keys, real certificates: only
 * which key signs is chosen by the test.
 */
export type TestPki = {
  dir: string;
  caPem: string;
  valid: Pkcs12Signer;
  expired: Pkcs12Signer;
  untrusted: Pkcs12Signer;
  /** An NSS database trusting the CA, for pdfsig. */
  nssDir: string;
};

const DAY = 24 * 3600 * 1000;

export function makeTestPki(dir: string, now: Date): TestPki {
  const caName = { commonName: 'Tanu tests root CA', organization: 'Tanu tests' };
  const ca = issueCertificate({ subject: caName, notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(now.getTime() + 3650 * DAY), ca: true });
  const leaf = (name: string, issuer: Issued, issuerName: typeof caName, from: number, to: number) =>
    issueCertificate({ subject: { commonName: name, organization: 'Tanu tests' }, issuer: { cert: issuer, name: issuerName }, notBefore: new Date(now.getTime() + from * DAY), notAfter: new Date(now.getTime() + to * DAY), ca: false });
  const signer = (cert: Issued, chain: Issued[]) => Pkcs12Signer.fromBytes(pkcs12(cert, chain, 'secret-pw'), 'secret-pw');
  const otherName = { commonName: 'Somebody else CA', organization: 'Elsewhere' };
  const other = issueCertificate({ subject: otherName, notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(now.getTime() + 3650 * DAY), ca: true });
  const caPem = join(dir, 'ca.pem');
  writeFileSync(caPem, ca.pem);
  const nssDir = nssTrusting(join(dir, 'nss'), caPem);
  return {
    dir,
    caPem,
    valid: signer(leaf('ALM01 signing key', ca, caName, -1, 365), [ca]),
    expired: signer(leaf('ALM01 expired key', ca, caName, -20, -10), [ca]),
    untrusted: signer(leaf('Stranger key', other, otherName, -1, 365), [other]),
    nssDir,
  };
}

/** An NSS database (what pdfsig reads) trusting one CA. */
export function nssTrusting(nssDir: string, caPem: string): string {
  mkdirSync(nssDir, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${nssDir}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', `sql:${nssDir}`, '-n', 'tanu-tests-ca', '-t', 'CT,C,C', '-i', caPem]);
  return nssDir;
}

/** pdfsig's verdict. It exits 0 even for a bad signature, so its text is what counts. */
export function pdfsig(pdfPath: string, nssDir: string): string {
  try {
    return execFileSync('pdfsig', ['-nssdir', `sql:${nssDir}`, pdfPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
}

/** openssl cms -verify over a detached signature: true when OpenSSL accepts it. */
export function opensslVerifies(p7sPath: string, contentPath: string, caPem: string): boolean {
  try {
    execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', p7sPath, '-content', contentPath, '-CAfile', caPem, '-out', '/dev/null'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export const write = (dir: string, name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
