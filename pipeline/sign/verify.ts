import { X509Certificate, createHash, verify as verifySignature } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Manifest } from '../publish/publish.js';
import { certParts, derOf, parseSignedData } from './cms.js';
import { type DigestName, digestNamed } from './signer.js';

/**
 * Verification of what Tanu signs, for `tanu verify` and archives: a PDF's embedded
 * signature and a detached .p7s. Each check is reported on its own, so an operator sees
 * what failed, not only that something did: the byte range covers the whole file but the
 * signature, the digest matches, the signature verifies with the signer's certificate,
 * the signing-certificate-v2 attribute names that certificate, the chain reaches a trust
 * anchor from config, and every certificate was valid at signing time.
 */

export type CheckName = 'byte-range' | 'digest' | 'signature' | 'signing-certificate' | 'chain' | 'validity' | 'manifest';
export type Check = { check: CheckName; ok: boolean; detail: string };
export type Verification = {
  file: string;
  kind: 'pdf' | 'p7s' | 'manifest';
  valid: boolean;
  signer: string | null;
  signed_at: string | null;
  checks: Check[];
};

const ok = (check: CheckName, detail: string): Check => ({ check, ok: true, detail });
const bad = (check: CheckName, detail: string): Check => ({ check, ok: false, detail });

/** PDF dates: D:YYYYMMDDHHmmSS with Z or ±HH'mm'. */
export function parsePdfDate(value: string): Date | null {
  const m = /^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|([+-])(\d{2})'?(\d{2})'?)?/.exec(value);
  if (!m) return null;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offset = m[8] ? (m[8] === '+' ? 1 : -1) * (Number(m[9]) * 60 + Number(m[10])) * 60_000 : 0;
  return new Date(utc - offset);
}

/** Length of the DER element at the start of a buffer (tag, length, content). */
function derLength(bytes: Uint8Array): number {
  const first = bytes[1] ?? 0;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[2 + i] ?? 0);
  return 2 + count + length;
}

/** Checks a CMS over content it digests with the algorithm the CMS names: everything but the byte range. */
function checkCms(cms: Uint8Array, digestOf: (name: DigestName) => Buffer | null, trust: readonly X509Certificate[], fallbackTime: Date | null): Omit<Verification, 'file' | 'kind'> {
  const checks: Check[] = [];
  let parsed;
  try {
    parsed = parseSignedData(cms);
  } catch (e) {
    return { valid: false, signer: null, signed_at: null, checks: [bad('signature', `unreadable CMS: ${(e as Error).message}`)] };
  }
  const signerDer = parsed.certificates.find((der) => {
    const parts = certParts(der);
    return Buffer.compare(derOf(parts.issuer), Buffer.from(parsed.signer.issuer)) === 0 && Buffer.compare(derOf(parts.serial), Buffer.from(parsed.signer.serial)) === 0;
  });
  if (!signerDer) return { valid: false, signer: null, signed_at: null, checks: [bad('signature', "the signer's certificate is not in the signature")] };
  const signer = new X509Certificate(signerDer);
  const time = parsed.signingTime ?? fallbackTime;

  const digestName = digestNamed(parsed.digestAlgorithm);
  if (!digestName) return { valid: false, signer: signer.subject, signed_at: null, checks: [bad('digest', `unknown digest algorithm ${parsed.digestAlgorithm}`)] };
  checks.push(
    parsed.messageDigest && Buffer.compare(parsed.messageDigest, digestOf(digestName) ?? Buffer.alloc(0)) === 0
      ? ok('digest', 'SHA-256 of the signed bytes matches')
      : bad('digest', 'the signed bytes have changed: their SHA-256 differs from the signed one'),
  );
  const signatureOk = (() => {
    try {
      return verifySignature(digestName, parsed.signedAttributes, signer.publicKey, parsed.signature);
    } catch {
      return false;
    }
  })();
  checks.push(signatureOk ? ok('signature', `RSA/SHA-256 by ${signer.subject.replaceAll('\n', ', ')}`) : bad('signature', 'the signature does not verify with the signer\'s certificate'));
  const certHash = createHash('sha256').update(signerDer).digest();
  checks.push(
    parsed.essCertHash && Buffer.compare(parsed.essCertHash, certHash) === 0
      ? ok('signing-certificate', 'signing-certificate-v2 names the signer\'s certificate')
      : bad('signing-certificate', 'signing-certificate-v2 is missing or names another certificate'),
  );

  const path = chainOf(signer, parsed.certificates.map((d) => new X509Certificate(d)), trust);
  checks.push(path.trusted ? ok('chain', `reaches trust anchor ${path.anchor}`) : bad('chain', path.reason));
  if (time) {
    const expired = path.certs.find((c) => new Date(c.validFrom) > time || new Date(c.validTo) < time);
    checks.push(
      expired
        ? bad('validity', `${expired.subject.replaceAll('\n', ', ')} was not valid on ${time.toISOString()} (${expired.validFrom} – ${expired.validTo})`)
        : ok('validity', `every certificate valid on ${time.toISOString()}`),
    );
  } else checks.push(bad('validity', 'no signing time'));
  return { valid: checks.every((c) => c.ok), signer: signer.subject.replaceAll('\n', ', '), signed_at: time?.toISOString() ?? null, checks };
}

function chainOf(leaf: X509Certificate, carried: readonly X509Certificate[], trust: readonly X509Certificate[]) {
  const certs = [leaf];
  let current = leaf;
  for (let depth = 0; depth < 8; depth++) {
    const anchor = trust.find((a) => a.fingerprint256 === current.fingerprint256 || (current.checkIssued(a) && current.verify(a.publicKey)));
    if (anchor) {
      if (anchor.fingerprint256 !== current.fingerprint256) certs.push(anchor);
      return { trusted: true as const, anchor: anchor.subject.replaceAll('\n', ', '), certs };
    }
    const issuer = carried.find((c) => c.fingerprint256 !== current.fingerprint256 && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer) break;
    certs.push(issuer);
    current = issuer;
  }
  return { trusted: false as const, reason: 'no path to a trusted certificate authority (signing.trust in the config)', certs };
}

export function verifyPdf(file: string, pdf: Uint8Array, trust: readonly X509Certificate[]): Verification {
  const bytes = Buffer.from(pdf);
  const text = bytes.toString('latin1');
  const matches = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const last = matches.at(-1);
  if (!last) return { file, kind: 'pdf', valid: false, signer: null, signed_at: null, checks: [bad('byte-range', 'no embedded signature')] };
  const [a, b, c, d] = last.slice(1, 5).map(Number) as [number, number, number, number];
  const covers = a === 0 && b < c && c + d === bytes.length && bytes[b] === 0x3c && bytes[c - 1] === 0x3e && matches.length === 1;
  const rangeCheck = covers
    ? ok('byte-range', `[0 ${b}] [${c} ${d}] cover the whole file but the signature`)
    : bad('byte-range', matches.length > 1 ? 'more than one signature or a later revision' : `the byte range [${a} ${b} ${c} ${d}] does not cover the file of ${bytes.length} bytes`);
  if (!covers && !(b < c && c <= bytes.length)) return { file, kind: 'pdf', valid: false, signer: null, signed_at: null, checks: [rangeCheck] };
  const contents = Buffer.from(text.slice(b + 1, c - 1), 'hex');
  // /Contents is the CMS and then zero padding; anything else there is an alteration.
  const cmsLength = derLength(contents);
  const cms = contents.subarray(0, cmsLength);
  if (contents.subarray(cmsLength).some((byte) => byte !== 0))
    return { file, kind: 'pdf', valid: false, signer: null, signed_at: null, checks: [rangeCheck, bad('signature', 'bytes other than padding follow the signature in /Contents')] };
  const digest = (name: DigestName) => createHash(name).update(bytes.subarray(0, b)).update(bytes.subarray(c, Math.min(c + d, bytes.length))).digest();
  const dict = text.lastIndexOf('<<', last.index);
  const m = /\/M\s*\((D:[^)]+)\)/.exec(text.slice(dict, text.indexOf('>>', c)));
  const result = checkCms(cms, digest, trust, m?.[1] ? parsePdfDate(m[1]) : null);
  return { file, kind: 'pdf', ...result, valid: result.valid && covers, checks: [rangeCheck, ...result.checks] };
}

export function verifyDetached(file: string, p7s: Uint8Array, content: Uint8Array, trust: readonly X509Certificate[]): Verification {
  return { file, kind: 'p7s', ...checkCms(p7s, (name) => createHash(name).update(content).digest(), trust, null) };
}

/** A detached CMS checked against the SHA-256 of its content, for content read as a stream (an archive package). */
export function verifyDetachedDigest(file: string, p7s: Uint8Array, contentSha256: Buffer, trust: readonly X509Certificate[]): Verification {
  return { file, kind: 'p7s', ...checkCms(p7s, (name) => (name === 'sha256' ? contentSha256 : null), trust, null) };
}

/** The file a .p7s signs: its own name without .p7s. */
export const contentOf = (p7sPath: string) => p7sPath.slice(0, -'.p7s'.length);

async function* signedFiles(path: string): AsyncGenerator<string> {
  if ((await stat(path)).isDirectory()) {
    for (const entry of (await readdir(path)).sort()) yield* signedFiles(join(path, entry));
  } else if (/\.(pdf|p7s)$/i.test(path) || basename(path) === 'manifest.json') yield path;
}

/** Every file under a folder, relative to it, sorted. */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(join(dir, prefix), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? join(prefix, entry.name) : entry.name;
    if (entry.isDirectory()) found.push(...(await filesUnder(dir, rel)));
    else found.push(rel);
  }
  return found;
}

/**
 * An outbox batch's manifest: signed by manifest.json.p7s beside it (so an edited manifest
 * is caught), every document and report it lists is there with the SHA-256 it gives, every
 * document has its signature beside it, and no other file is in the batch folder.
 */
export async function verifyManifest(file: string, trust: readonly X509Certificate[]): Promise<Verification> {
  const dir = dirname(file);
  const problems: string[] = [];
  const bytes = await readFile(file);
  const p7s = await readFile(`${file}.p7s`).catch(() => null);
  const signed: Omit<Verification, 'file' | 'kind'> = p7s
    ? verifyDetached(file, p7s, bytes, trust)
    : { valid: false, signer: null, signed_at: null, checks: [bad('signature', `${basename(file)}.p7s is missing: the manifest is not signed`)] };
  let manifest: Manifest | undefined;
  try {
    manifest = Manifest.parse(JSON.parse(bytes.toString('utf8')));
  } catch (e) {
    problems.push(`unreadable manifest: ${(e as Error).message.split('\n')[0]}`);
  }
  const listed = new Set([basename(file), `${basename(file)}.p7s`]);
  const hashed = [...(manifest?.documents ?? []), ...(manifest?.reports ?? [])];
  for (const entry of hashed) {
    listed.add(entry.file);
    const content = await readFile(join(dir, entry.file)).catch(() => null);
    if (!content) problems.push(`${entry.file} is missing`);
    else if (createHash('sha256').update(content).digest('hex') !== entry.sha256) problems.push(`${entry.file} differs from its manifest hash`);
  }
  for (const entry of manifest?.documents ?? []) {
    listed.add(entry.signature);
    if (!(await stat(join(dir, entry.signature)).catch(() => null))) problems.push(`${entry.signature} is missing`);
  }
  if (manifest && !manifest.reports.some((r) => r.file === 'report.json')) problems.push('report.json is not in the manifest');
  for (const rel of await filesUnder(dir)) if (!listed.has(rel)) problems.push(`${rel} is not in the manifest`);
  const check: Check = problems.length === 0 ? ok('manifest', `${manifest?.documents.length ?? 0} documents and ${manifest?.reports.length ?? 0} reports, every hash matches`) : bad('manifest', problems.join('; '));
  return { file, kind: 'manifest', ...signed, valid: signed.valid && check.ok, checks: [...signed.checks, check] };
}

/** Every PDF, .p7s and batch manifest under the given files and folders. */
export async function verifyPaths(paths: readonly string[], trust: readonly X509Certificate[]): Promise<Verification[]> {
  const results: Verification[] = [];
  for (const root of paths)
    for await (const file of signedFiles(root)) {
      if (basename(file) === 'manifest.json') results.push(await verifyManifest(file, trust));
      else if (file.toLowerCase().endsWith('.pdf')) results.push(verifyPdf(file, await readFile(file), trust));
      else {
        const content = await readFile(contentOf(file)).catch(() => null);
        results.push(
          content
            ? verifyDetached(file, await readFile(file), content, trust)
            : { file, kind: 'p7s', valid: false, signer: null, signed_at: null, checks: [bad('digest', `the signed file ${contentOf(file)} is missing`)] },
        );
      }
    }
  return results;
}

export async function loadTrust(paths: readonly string[]): Promise<X509Certificate[]> {
  const anchors: X509Certificate[] = [];
  for (const path of paths) {
    const text = await readFile(path, 'utf8');
    for (const pem of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) anchors.push(new X509Certificate(pem));
  }
  return anchors;
}
