import { X509Certificate, createHash, verify as verifySignature } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Bilingual } from '../core/catalogue.js';
import { Manifest } from '../publish/publish.js';
import { isTanuError } from '../core/tanu-error.js';
import { type Known, chainOf, knownCertificate } from './chain.js';
import { type ParsedSignedData, derLength, parseSignedData } from './cms.js';
import { type DigestName, digestNamed } from './signer.js';
import { checkToken } from './timestamp.js';

/**
 * Verification of what Tanu signs, for `tanu verify` and archives: a PDF's embedded
 * signature and a detached .p7s. Each check is reported on its own, so an operator sees
 * what failed, not only that something did: the byte range covers the whole file but the
 * signature, the digest matches, the signature verifies with the signer's certificate,
 * the signing-certificate-v2 attribute names that certificate, the chain reaches a trust
 * anchor from config, and every certificate was valid at signing time. A signature with a
 * signature-time-stamp (B-T) has its token checked too (over the signature value, signed
 * by a timestamping certificate that chains to a trust anchor and was valid then), and its
 * signing time is the token's genTime, not the time the signer claims.
 */

export type CheckName = 'byte-range' | 'digest' | 'signature' | 'signing-certificate' | 'timestamp' | 'chain' | 'validity' | 'manifest';
/** `detail` in both languages: the operator reads it in theirs (`tanu verify --language`). */
export type Check = { check: CheckName; ok: boolean; detail: Bilingual };
export type Verification = {
  file: string;
  kind: 'pdf' | 'p7s' | 'manifest';
  valid: boolean;
  signer: string | null;
  signed_at: string | null;
  /** The baseline level actually present: B-T when a valid signature timestamp is there; null when no signature could be read. */
  level: 'B-B' | 'B-T' | null;
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

/** Checks a CMS over content it digests with the algorithm the CMS names: everything but the byte range. */
function checkCms(cms: Uint8Array, digestOf: (name: DigestName) => Buffer | null, trust: readonly X509Certificate[], fallbackTime: Date | null): Omit<Verification, 'file' | 'kind'> {
  const checks: Check[] = [];
  let parsed: ParsedSignedData;
  let carried: Known[];
  try {
    parsed = parseSignedData(cms);
    carried = parsed.certificates.map(knownCertificate);
  } catch (e) {
    return { valid: false, signer: null, signed_at: null, level: null, checks: [bad('signature', `CMS оқылмады: ${(e as Error).message}`, `CMS не читается: ${(e as Error).message}`)] };
  }
  const { issuer, serial } = parsed.signer;
  const signer = carried.find((c) => Buffer.compare(c.issuer, issuer) === 0 && Buffer.compare(c.serial, serial) === 0);
  if (!signer) return { valid: false, signer: null, signed_at: null, level: null, checks: [bad('signature', 'қолтаңбада қол қоюшының сертификаты жоқ', 'в подписи нет сертификата подписанта')] };
  const stamp = parsed.timestampToken ? timestampCheck(parsed.timestampToken, parsed.signature, trust) : null;
  if (stamp) checks.push(stamp.check);
  const time = stamp?.genTime ?? parsed.signingTime ?? fallbackTime;

  const digestName = digestNamed(parsed.digestAlgorithm);
  if (!digestName) return { valid: false, signer: signer.cert.subject, signed_at: null, level: null, checks: [bad('digest', `белгісіз хэш алгоритмі ${parsed.digestAlgorithm}`, `неизвестный алгоритм хэша ${parsed.digestAlgorithm}`)] };
  checks.push(
    parsed.messageDigest && Buffer.compare(parsed.messageDigest, digestOf(digestName) ?? Buffer.alloc(0)) === 0
      ? ok('digest', `қол қойылған байттардың ${digestName.toUpperCase()} сәйкес келеді`, `${digestName.toUpperCase()} подписанных байтов совпадает`)
      : bad('digest', `қол қойылған байттар өзгерген: ${digestName.toUpperCase()} сәйкес келмейді`, `подписанные байты изменены: ${digestName.toUpperCase()} не совпадает`),
  );
  const signatureOk = (() => {
    try {
      return verifySignature(digestName, parsed.signedAttributes, signer.cert.publicKey, parsed.signature);
    } catch {
      return false;
    }
  })();
  checks.push(
    signatureOk
      ? ok('signature', `${digestName.toUpperCase()}, қол қойған: ${signer.subject}`, `${digestName.toUpperCase()}, подписант: ${signer.subject}`)
      : bad('signature', 'қолтаңба қол қоюшының сертификатымен расталмайды', 'подпись не проверяется сертификатом подписанта'),
  );
  checks.push(
    parsed.essCertHash && Buffer.compare(parsed.essCertHash, signer.sha256) === 0
      ? ok('signing-certificate', 'signing-certificate-v2 қол қоюшының сертификатын көрсетеді', 'signing-certificate-v2 указывает сертификат подписанта')
      : bad('signing-certificate', 'signing-certificate-v2 жоқ немесе басқа сертификатты көрсетеді', 'signing-certificate-v2 отсутствует или указывает другой сертификат'),
  );

  const path = chainOf(signer, carried, trust);
  checks.push(
    path.trusted
      ? ok('chain', `сенімді куәландырушы орталыққа жетеді: ${path.anchor}`, `доходит до доверенного удостоверяющего центра: ${path.anchor}`)
      : bad('chain', 'сенімді куәландырушы орталыққа (баптаулардағы signing.trust) тізбек жоқ', 'нет цепочки до доверенного удостоверяющего центра (signing.trust в настройках)'),
  );
  if (time) {
    const expired = path.certs.find((c) => c.validFrom > time || c.validTo < time);
    checks.push(
      expired
        ? bad(
            'validity',
            `${expired.subject} ${time.toISOString()} кезінде жарамсыз болған (${expired.cert.validFrom} – ${expired.cert.validTo})`,
            `${expired.subject} не действовал на ${time.toISOString()} (${expired.cert.validFrom} – ${expired.cert.validTo})`,
          )
        : ok('validity', `барлық сертификат ${time.toISOString()} кезінде жарамды`, `все сертификаты действовали на ${time.toISOString()}`),
    );
  } else checks.push(bad('validity', 'қол қою уақыты жоқ', 'нет времени подписания'));
  return { valid: checks.every((c) => c.ok), signer: signer.subject, signed_at: time?.toISOString() ?? null, level: stamp?.genTime ? 'B-T' : 'B-B', checks };
}

/** The signature-time-stamp checked over the signature value; its genTime when it holds. */
function timestampCheck(token: Uint8Array, signature: Uint8Array, trust: readonly X509Certificate[]): { check: Check; genTime: Date | null } {
  try {
    const facts = checkToken(token, createHash('sha256').update(signature).digest(), trust);
    const at = facts.genTime.toISOString();
    return { check: ok('timestamp', `уақыт белгісі ${at}, TSA: ${facts.tsa}`, `метка времени ${at}, TSA: ${facts.tsa}`), genTime: facts.genTime };
  } catch (e) {
    if (!isTanuError(e)) throw e;
    return { check: { check: 'timestamp', ok: false, detail: e.text }, genTime: null };
  }
}

const isSpace = (byte: number | undefined) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c || byte === 0x0b || byte === 0xa0;
const isDigit = (byte: number | undefined) => byte !== undefined && byte >= 0x30 && byte <= 0x39;
const BYTE_RANGE = Buffer.from('/ByteRange');

/** `/ByteRange [a b c d]` at `at` (the bytes the pattern `/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]` reads), or null. */
function byteRangeAt(bytes: Buffer, at: number): [number, number, number, number] | null {
  let i = at + BYTE_RANGE.length;
  while (isSpace(bytes[i])) i++;
  if (bytes[i++] !== 0x5b) return null;
  const values: number[] = [];
  for (let k = 0; k < 4; k++) {
    const before = i;
    while (isSpace(bytes[i])) i++;
    if (k > 0 && i === before) return null;
    const digits = i;
    while (isDigit(bytes[i])) i++;
    if (i === digits) return null;
    values.push(Number(bytes.toString('latin1', digits, i)));
  }
  while (isSpace(bytes[i])) i++;
  return bytes[i] === 0x5d ? (values as [number, number, number, number]) : null;
}

/**
 * A PDF's embedded signature checked, and the SHA-256 of the whole file from the same pass
 * (for an archive, which compares it with the ledger's or the manifest's): when the
 * signature's digest is SHA-256, the hash of the bytes before /Contents is forked, so the
 * file is hashed about once instead of twice. The PDF is scanned as bytes, never decoded
 * into one string.
 */
export function verifyPdfHashed(file: string, pdf: Uint8Array, trust: readonly X509Certificate[]): { verification: Verification; sha256: Buffer } {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const whole = () => createHash('sha256').update(bytes).digest();
  let matches = 0;
  let last: { at: number; range: [number, number, number, number] } | undefined;
  for (let at = bytes.indexOf(BYTE_RANGE); at >= 0; at = bytes.indexOf(BYTE_RANGE, at + 1)) {
    const range = byteRangeAt(bytes, at);
    if (!range) continue;
    matches++;
    last = { at, range };
  }
  if (!last) return { verification: { file, kind: 'pdf', valid: false, signer: null, signed_at: null, level: null, checks: [bad('byte-range', 'ішкі қолтаңба жоқ', 'нет встроенной подписи')] }, sha256: whole() };
  const [a, b, c, d] = last.range;
  const covers = a === 0 && b < c && c + d === bytes.length && bytes[b] === 0x3c && bytes[c - 1] === 0x3e && matches === 1;
  const rangeCheck = covers
    ? ok('byte-range', `[0 ${b}] [${c} ${d}] қолтаңбадан басқа бүкіл файлды қамтиды`, `[0 ${b}] [${c} ${d}] покрывают весь файл, кроме подписи`)
    : matches > 1
      ? bad('byte-range', 'бірнеше қолтаңба немесе кейінгі редакция бар', 'больше одной подписи или более поздняя редакция')
      : bad('byte-range', `[${a} ${b} ${c} ${d}] аралығы ${bytes.length} байт файлды қамтымайды`, `диапазон [${a} ${b} ${c} ${d}] не покрывает файл из ${bytes.length} байт`);
  if (!covers && !(b < c && c <= bytes.length)) return { verification: { file, kind: 'pdf', valid: false, signer: null, signed_at: null, level: null, checks: [rangeCheck] }, sha256: whole() };
  const contents = Buffer.from(bytes.toString('latin1', b + 1, c - 1), 'hex');
  // /Contents is the CMS and then zero padding; anything else there is an alteration.
  const cmsLength = derLength(contents);
  const cms = contents.subarray(0, cmsLength);
  if (contents.subarray(cmsLength).some((byte) => byte !== 0))
    return {
      verification: { file, kind: 'pdf', valid: false, signer: null, signed_at: null, level: null, checks: [rangeCheck, bad('signature', '/Contents ішінде қолтаңбадан кейін толтырғыштан басқа байттар бар', 'в /Contents после подписи есть байты помимо заполнителя')] },
      sha256: whole(),
    };
  const head = bytes.subarray(0, b);
  const tail = bytes.subarray(c, Math.min(c + d, bytes.length));
  let sha256: Buffer | undefined;
  const digest = (name: DigestName) => {
    const ranges = createHash(name).update(head);
    // The whole file is the same bytes with /Contents between: its hash continues from the head's.
    if (name === 'sha256' && covers) sha256 = ranges.copy().update(bytes.subarray(b, c)).update(tail).digest();
    return ranges.update(tail).digest();
  };
  const dict = bytes.lastIndexOf('<<', last.at);
  const end = bytes.indexOf('>>', c);
  const m = dict >= 0 && end >= 0 ? /\/M\s*\((D:[^)]+)\)/.exec(bytes.toString('latin1', dict, end)) : null;
  const result = checkCms(cms, digest, trust, m?.[1] ? parsePdfDate(m[1]) : null);
  return { verification: { file, kind: 'pdf', ...result, valid: result.valid && covers, checks: [rangeCheck, ...result.checks] }, sha256: sha256 ?? whole() };
}

export function verifyPdf(file: string, pdf: Uint8Array, trust: readonly X509Certificate[]): Verification {
  return verifyPdfHashed(file, pdf, trust).verification;
}

/** A detached CMS over `content`; `contentSha256`, when the caller hashed it already, saves hashing it again. */
export function verifyDetached(file: string, p7s: Uint8Array, content: Uint8Array, trust: readonly X509Certificate[], contentSha256?: Buffer): Verification {
  return { file, kind: 'p7s', ...checkCms(p7s, (name) => (name === 'sha256' && contentSha256 ? contentSha256 : createHash(name).update(content).digest()), trust, null) };
}

/** A detached CMS checked against the SHA-256 of its content, for content already hashed (an archive package). */
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
    : { valid: false, signer: null, signed_at: null, level: null, checks: [bad('signature', `${basename(file)}.p7s жоқ: манифестке қол қойылмаған`, `нет ${basename(file)}.p7s: манифест не подписан`)] };
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
            : { file, kind: 'p7s', valid: false, signer: null, signed_at: null, level: null, checks: [bad('digest', `қол қойылған файл ${contentOf(file)} жоқ`, `нет подписанного файла ${contentOf(file)}`)] },
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
