import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { access, chmod, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import forge from 'node-forge';

/**
 * Certificates for a development PKI (`tanu keys dev`) and for tests: a root CA and a
 * centre's signing certificate, marked TEST in their organisation so that every document
 * they sign carries the sample mark and can never pass for a real one.
 */

/** The mark the development PKI puts in its certificates' organisation: a signer seeing it marks every document a sample. */
export const TEST_MARK = '(TEST)';

export type Issued = { key: KeyObject; der: Uint8Array; pem: string };

type Name = { commonName: string; organization?: string };

const toForgeKey = (key: KeyObject) => forge.pki.privateKeyFromPem(key.export({ format: 'pem', type: 'pkcs1' }).toString());

export function issueCertificate(args: {
  subject: Name;
  issuer?: { cert: Issued; name: Name };
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  /** A timestamp authority's certificate: the critical extendedKeyUsage timeStamping that RFC 3161 requires of it. */
  timeStamping?: boolean;
  bits?: number;
}): Issued {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: args.bits ?? 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ format: 'pem', type: 'spki' }).toString());
  // A positive serial of 16 random bytes (the top bit cleared).
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = args.notBefore;
  cert.validity.notAfter = args.notAfter;
  const attrs = (n: Name) => [{ name: 'commonName', value: n.commonName }, ...(n.organization ? [{ name: 'organizationName', value: n.organization }] : []), { name: 'countryName', value: 'KZ' }];
  cert.setSubject(attrs(args.subject));
  cert.setIssuer(attrs(args.issuer?.name ?? args.subject));
  cert.setExtensions([
    { name: 'basicConstraints', cA: args.ca, critical: true },
    args.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    ...(args.timeStamping ? [{ name: 'extKeyUsage', timeStamping: true, critical: true }] : []),
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(toForgeKey(args.issuer?.cert.key ?? privateKey), forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { key: privateKey, der, pem: forge.pki.certificateToPem(cert) };
}

export function pkcs12(leaf: Issued, chain: readonly Issued[], password: string): Uint8Array {
  const certs = [leaf, ...chain].map((c) => forge.pki.certificateFromPem(c.pem));
  const asn = forge.pkcs12.toPkcs12Asn1(toForgeKey(leaf.key), certs, password, { algorithm: 'aes256', friendlyName: 'tanu' });
  return Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary');
}

export const DEV_ORGANIZATION = `Tanu development PKI ${TEST_MARK}`;

/**
 * A root CA (10 years), a centre's certificate (3 years) and a TEST timestamp authority's
 * (3 years) from `now`, written owner-only; the TSA's PKCS#12 has the key's password. The
 * files appear whole (temp name, then link or rename). Without `replace`, two processes
 * starting together on a fresh install agree on one set: the CA is linked exclusively
 * first, and whoever loses that race waits for the winner's keys.
 */
export async function createDevPki(args: {
  keyPath: string;
  caPath: string;
  tsaPath: string;
  password: string;
  centre: string;
  now: Date;
  replace: boolean;
}): Promise<{ created: boolean }> {
  const year = 365 * 24 * 3600 * 1000;
  const notBefore = new Date(args.now.getTime() - 24 * 3600 * 1000);
  const caName = { commonName: 'Tanu TEST root CA', organization: DEV_ORGANIZATION };
  const ca = issueCertificate({ subject: caName, notBefore, notAfter: new Date(args.now.getTime() + 10 * year), ca: true });
  const centre = issueCertificate({
    subject: { commonName: `${args.centre} TEST signing key`, organization: DEV_ORGANIZATION },
    issuer: { cert: ca, name: caName },
    notBefore,
    notAfter: new Date(args.now.getTime() + 3 * year),
    ca: false,
  });
  const tsa = issueCertificate({
    subject: { commonName: 'Tanu TEST timestamp authority', organization: DEV_ORGANIZATION },
    issuer: { cert: ca, name: caName },
    notBefore,
    notAfter: new Date(args.now.getTime() + 3 * year),
    ca: false,
    timeStamping: true,
  });
  for (const path of [args.keyPath, args.caPath, args.tsaPath]) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = (path: string) => `${path}.tmp-${process.pid}`;
  for (const [path, leaf] of [
    [args.keyPath, centre],
    [args.tsaPath, tsa],
  ] as const) {
    await writeFile(temp(path), pkcs12(leaf, [ca], args.password), { mode: 0o600 });
    await chmod(temp(path), 0o600);
  }
  await writeFile(temp(args.caPath), ca.pem);
  // The CA first, the keys after it: a key never exists without the CA it chains to.
  const keys = [args.tsaPath, args.keyPath];
  try {
    if (args.replace) {
      for (const path of [args.caPath, ...keys]) await rename(temp(path), path);
      return { created: true };
    }
    try {
      await link(temp(args.caPath), args.caPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      await waitFor(args.keyPath);
      return { created: false };
    }
    for (const path of keys) await link(temp(path), path);
    return { created: true };
  } finally {
    for (const path of [args.caPath, ...keys]) await rm(temp(path), { force: true });
  }
}

/** The other process's key, which follows its CA within moments. */
async function waitFor(path: string) {
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (await access(path).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path}: its CA exists but the key never appeared (tanu keys dev --force makes a new pair)`);
}
