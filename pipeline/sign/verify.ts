import { X509Certificate, createHash, verify as verifySignature } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Bilingual } from '../core/catalogue.js';
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
/** `detail` in both languages: the operator reads it in theirs (`tanu verify --language`). */
export type Check = { check: CheckName; ok: boolean; detail: Bilingual };
export type Verification = {
  file: string;
  kind: 'pdf' | 'p7s' | 'manifest';
  valid: boolean;
  signer: string | null;
  signed_at: string | null;
  checks: Check[];
};

const ok = (check: CheckName, kk: string, ru: string): Check => ({ check, ok: true, detail: { kk, ru } });
const bad = (check: CheckName, kk: string, ru: string): Check => ({ check, ok: false, detail: { kk, ru } });

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
    return { valid: false, signer: null, signed_at: null, checks: [bad('signature', `CMS оқылмады: ${(e as Error).message}`, `CMS не читается: ${(e as Error).message}`)] };
  }
  const signerDer = parsed.certificates.find((der) => {
    const parts = certParts(der);
    return Buffer.compare(derOf(parts.issuer), Buffer.from(parsed.signer.issuer)) === 0 && Buffer.compare(derOf(parts.serial), Buffer.from(parsed.signer.serial)) === 0;
  });
  if (!signerDer) return { valid: false, signer: null, signed_at: null, checks: [bad('signature', 'қолтаңбада қол қоюшының сертификаты жоқ', 'в подписи нет сертификата подписанта')] };
  const signer = new X509Certificate(signerDer);
  const time = parsed.signingTime ?? fallbackTime;

  const digestName = digestNamed(parsed.digestAlgorithm);
  if (!digestName) return { valid: false, signer: signer.subject, signed_at: null, checks: [bad('digest', `белгісіз хэш алгоритмі ${parsed.digestAlgorithm}`, `неизвестный алгоритм хэша ${parsed.digestAlgorithm}`)] };
  checks.push(
    parsed.messageDigest && Buffer.compare(parsed.messageDigest, digestOf(digestName) ?? Buffer.alloc(0)) === 0
      ? ok('digest', `қол қойылған байттардың ${digestName.toUpperCase()} сәйкес келеді`, `${digestName.toUpperCase()} подписанных байтов совпадает`)
      : bad('digest', `қол қойылған байттар өзгерген: ${digestName.toUpperCase()} сәйкес келмейді`, `подписанные байты изменены: ${digestName.toUpperCase()} не совпадает`),
  );
  const signatureOk = (() => {
    try {
      return verifySignature(digestName, parsed.signedAttributes, signer.publicKey, parsed.signature);
    } catch {
      return false;
    }
  })();
  checks.push(
    signatureOk
      ? ok('signature', `${digestName.toUpperCase()}, қол қойған: ${signer.subject.replaceAll('\n', ', ')}`, `${digestName.toUpperCase()}, подписант: ${signer.subject.replaceAll('\n', ', ')}`)
      : bad('signature', 'қолтаңба қол қоюшының сертификатымен расталмайды', 'подпись не проверяется сертификатом подписанта'),
  );
  const certHash = createHash('sha256').update(signerDer).digest();
  checks.push(
    parsed.essCertHash && Buffer.compare(parsed.essCertHash, certHash) === 0
      ? ok('signing-certificate', 'signing-certificate-v2 қол қоюшының сертификатын көрсетеді', 'signing-certificate-v2 указывает сертификат подписанта')
      : bad('signing-certificate', 'signing-certificate-v2 жоқ немесе басқа сертификатты көрсетеді', 'signing-certificate-v2 отсутствует или указывает другой сертификат'),
  );

  const path = chainOf(signer, parsed.certificates.map((d) => new X509Certificate(d)), trust);
  checks.push(
    path.trusted
      ? ok('chain', `сенімді куәландырушы орталыққа жетеді: ${path.anchor}`, `доходит до доверенного удостоверяющего центра: ${path.anchor}`)
      : bad('chain', 'сенімді куәландырушы орталыққа (баптаулардағы signing.trust) тізбек жоқ', 'нет цепочки до доверенного удостоверяющего центра (signing.trust в настройках)'),
  );
  if (time) {
    const expired = path.certs.find((c) => new Date(c.validFrom) > time || new Date(c.validTo) < time);
    checks.push(
      expired
        ? bad(
            'validity',
            `${expired.subject.replaceAll('\n', ', ')} ${time.toISOString()} кезінде жарамсыз болған (${expired.validFrom} – ${expired.validTo})`,
            `${expired.subject.replaceAll('\n', ', ')} не действовал на ${time.toISOString()} (${expired.validFrom} – ${expired.validTo})`,
          )
        : ok('validity', `барлық сертификат ${time.toISOString()} кезінде жарамды`, `все сертификаты действовали на ${time.toISOString()}`),
    );
  } else checks.push(bad('validity', 'қол қою уақыты жоқ', 'нет времени подписания'));
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
  return { trusted: false as const, certs };
}

export function verifyPdf(file: string, pdf: Uint8Array, trust: readonly X509Certificate[]): Verification {
  const bytes = Buffer.from(pdf);
  const text = bytes.toString('latin1');
  const matches = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  const last = matches.at(-1);
  if (!last) return { file, kind: 'pdf', valid: false, signer: null, signed_at: null, checks: [bad('byte-range', 'ішкі қолтаңба жоқ', 'нет встроенной подписи')] };
  const [a, b, c, d] = last.slice(1, 5).map(Number) as [number, number, number, number];
  const covers = a === 0 && b < c && c + d === bytes.length && bytes[b] === 0x3c && bytes[c - 1] === 0x3e && matches.length === 1;
  const rangeCheck = covers
    ? ok('byte-range', `[0 ${b}] [${c} ${d}] қолтаңбадан басқа бүкіл файлды қамтиды`, `[0 ${b}] [${c} ${d}] покрывают весь файл, кроме подписи`)
    : matches.length > 1
      ? bad('byte-range', 'бірнеше қолтаңба немесе кейінгі редакция бар', 'больше одной подписи или более поздняя редакция')
      : bad('byte-range', `[${a} ${b} ${c} ${d}] аралығы ${bytes.length} байт файлды қамтымайды`, `диапазон [${a} ${b} ${c} ${d}] не покрывает файл из ${bytes.length} байт`);
  if (!covers && !(b < c && c <= bytes.length)) return { file, kind: 'pdf', valid: false, signer: null, signed_at: null, checks: [rangeCheck] };
  const contents = Buffer.from(text.slice(b + 1, c - 1), 'hex');
  // /Contents is the CMS and then zero padding; anything else there is an alteration.
  const cmsLength = derLength(contents);
  const cms = contents.subarray(0, cmsLength);
  if (contents.subarray(cmsLength).some((byte) => byte !== 0))
    return { file, kind: 'pdf', valid: false, signer: null, signed_at: null, checks: [rangeCheck, bad('signature', '/Contents ішінде қолтаңбадан кейін толтырғыштан басқа байттар бар', 'в /Contents после подписи есть байты помимо заполнителя')] };
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
  const problems: Bilingual[] = [];
  const bytes = await readFile(file);
  const p7s = await readFile(`${file}.p7s`).catch(() => null);
  const signed: Omit<Verification, 'file' | 'kind'> = p7s
    ? verifyDetached(file, p7s, bytes, trust)
    : { valid: false, signer: null, signed_at: null, checks: [bad('signature', `${basename(file)}.p7s жоқ: манифестке қол қойылмаған`, `нет ${basename(file)}.p7s: манифест не подписан`)] };
  let manifest: Manifest | undefined;
  try {
    manifest = Manifest.parse(JSON.parse(bytes.toString('utf8')));
  } catch (e) {
    problems.push({ kk: `манифест оқылмады: ${(e as Error).message.split('\n')[0]}`, ru: `манифест не читается: ${(e as Error).message.split('\n')[0]}` });
  }
  const listed = new Set([basename(file), `${basename(file)}.p7s`]);
  const hashed = [...(manifest?.documents ?? []), ...(manifest?.reports ?? [])];
  for (const entry of hashed) {
    listed.add(entry.file);
    const content = await readFile(join(dir, entry.file)).catch(() => null);
    if (!content) problems.push({ kk: `${entry.file} жоқ`, ru: `${entry.file} отсутствует` });
    else if (createHash('sha256').update(content).digest('hex') !== entry.sha256)
      problems.push({ kk: `${entry.file} манифесттегі хэшке сәйкес келмейді`, ru: `${entry.file} не совпадает с хэшем в манифесте` });
  }
  for (const entry of manifest?.documents ?? []) {
    listed.add(entry.signature);
    if (!(await stat(join(dir, entry.signature)).catch(() => null))) problems.push({ kk: `${entry.signature} жоқ`, ru: `${entry.signature} отсутствует` });
  }
  if (manifest && !manifest.reports.some((r) => r.file === 'report.json')) problems.push({ kk: 'report.json манифестте жоқ', ru: 'report.json нет в манифесте' });
  for (const rel of await filesUnder(dir)) if (!listed.has(rel)) problems.push({ kk: `${rel} манифестте жоқ`, ru: `${rel} нет в манифесте` });
  const documents = manifest?.documents.length ?? 0;
  const reports = manifest?.reports.length ?? 0;
  const check: Check =
    problems.length === 0
      ? ok('manifest', `${documents} құжат пен ${reports} есеп, барлық хэш сәйкес`, `документов: ${documents}, отчётов: ${reports}, все хэши совпадают`)
      : bad('manifest', problems.map((p) => p.kk).join('; '), problems.map((p) => p.ru).join('; '));
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
            : { file, kind: 'p7s', valid: false, signer: null, signed_at: null, checks: [bad('digest', `қол қойылған файл ${contentOf(file)} жоқ`, `нет подписанного файла ${contentOf(file)}`)] },
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
