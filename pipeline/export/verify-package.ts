import { X509Certificate, createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import yauzl from 'yauzl';
import type { Bilingual } from '../core/catalogue.js';
import { type Verification, verifyDetachedDigest, verifyPdfHashed } from '../sign/verify.js';
import { BAGIT_TXT, TAG_FILES, TRUST_ANCHORS, parseBagInfo, parseChecksums } from './package.js';

/**
 * `tanu verify FILE.zip`: an export package checked offline from itself alone. The bag's
 * structure and tag files, Payload-Oxum, every hash of manifest-sha256.txt and
 * tagmanifest-sha256.txt, nothing missing and nothing added, and every signature (PAdES in
 * each PDF, every .p7s) against the trust anchors packed with it. Each difference is
 * reported with the file it concerns. Entries are read one at a time: a PDF is held only
 * while its signature is checked.
 */

export type PackageProblem = { file: string; problem: Bilingual };
export type PackageVerification = { file: string; valid: boolean; documents: number; signatures: number; problems: PackageProblem[] };

const say = (kk: string, ru: string): Bilingual => ({ kk, ru });

/** Payload entries read ahead of the one being checked. */
const READ_AHEAD = 8;
const BLOCK = 2 ** 20;
const BLOCKS_KEPT = 16;

/**
 * The package read in blocks of a megabyte for yauzl. Its own reader asks the file for
 * every central directory record and every local header separately, each through a
 * stream: listing 20,000 entries took longer than checking them. Entries are read in the
 * order they are stored, so the same few blocks also serve their data.
 */
class BlockReader extends yauzl.RandomAccessReader {
  private readonly blocks = new Map<number, Promise<Buffer>>();

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {
    super();
  }

  private block(index: number): Promise<Buffer> {
    let block = this.blocks.get(index);
    if (!block) {
      const oldest = this.blocks.keys().next();
      if (this.blocks.size >= BLOCKS_KEPT && !oldest.done) this.blocks.delete(oldest.value);
      const length = Math.max(0, Math.min(BLOCK, this.size - index * BLOCK));
      block = this.handle.read(Buffer.allocUnsafe(length), 0, length, index * BLOCK).then((r) => r.buffer.subarray(0, r.bytesRead));
      this.blocks.set(index, block);
    }
    return block;
  }

  private async range(start: number, end: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let i = Math.floor(start / BLOCK); i * BLOCK < end; i++) {
      const block = await this.block(i);
      parts.push(block.subarray(Math.max(0, start - i * BLOCK), Math.min(block.length, end - i * BLOCK)));
    }
    return parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void) {
    this.range(position, position + length).then(
      (bytes) => {
        if (bytes.length < length) return callback(new Error('unexpected end of file'));
        bytes.copy(buffer, offset);
        callback(null);
      },
      (e: Error) => callback(e),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const stream = new PassThrough();
    this.range(start, end).then(
      (bytes) => stream.end(bytes),
      (e: Error) => stream.destroy(e),
    );
    return stream;
  }

  override close(callback: (err: Error | null) => void) {
    this.handle.close().then(() => callback(null), callback);
  }
}

export async function verifyPackage(zipPath: string, onProgress?: (done: number, total: number) => void): Promise<PackageVerification> {
  const problems: PackageProblem[] = [];
  const result = (documents: number, signatures: number): PackageVerification => ({ file: zipPath, valid: problems.length === 0, documents, signatures, problems });
  let zip: yauzl.ZipFile;
  try {
    const handle = await open(zipPath, 'r');
    const { size } = await handle.stat();
    zip = await yauzl.fromRandomAccessReaderPromise(new BlockReader(handle, size), size, { lazyEntries: true, autoClose: false, strictFileNames: true }).catch(async (e: unknown) => {
      await handle.close();
      throw e;
    });
  } catch (e) {
    problems.push({ file: zipPath, problem: say(`zip оқылмайды: ${(e as Error).message}`, `zip не читается: ${(e as Error).message}`) });
    return result(0, 0);
  }
  try {
    const entries: yauzl.Entry[] = [];
    for await (const entry of zip.eachEntry()) if (!entry.fileName.endsWith('/')) entries.push(entry);
    const roots = [...new Set(entries.map((e) => e.fileName.split('/')[0] ?? ''))];
    const bag = roots.length === 1 ? roots[0] : undefined;
    if (bag === undefined) {
      problems.push({ file: zipPath, problem: say(`бір бума күтілген, табылғаны: ${roots.join(', ')}`, `ожидалась одна папка, найдено: ${roots.join(', ')}`) });
      return result(0, 0);
    }
    const byPath = new Map(entries.map((e) => [e.fileName.slice(bag.length + 1), e]));
    const read = async (path: string) => {
      const entry = byPath.get(path);
      return entry ? readAll(await zip.openReadStreamPromise(entry)) : null;
    };
    const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

    // Tag files: present, bagit.txt as RFC 8493 writes it, each as tagmanifest-sha256.txt says.
    const tags = new Map<string, Buffer>();
    for (const name of [...TAG_FILES, 'tagmanifest-sha256.txt']) {
      const bytes = await read(name);
      if (bytes) tags.set(name, bytes);
      else problems.push({ file: name, problem: say('жоқ', 'отсутствует') });
    }
    if (tags.has('bagit.txt') && tags.get('bagit.txt')?.toString('utf8') !== BAGIT_TXT)
      problems.push({ file: 'bagit.txt', problem: say('BagIt 1.0 декларациясы емес', 'не декларация BagIt 1.0') });
    const tagManifest = parseChecksums(tags.get('tagmanifest-sha256.txt')?.toString('utf8') ?? '');
    const payloadManifest = parseChecksums(tags.get('manifest-sha256.txt')?.toString('utf8') ?? '');
    for (const [listFile, list] of [['tagmanifest-sha256.txt', tagManifest], ['manifest-sha256.txt', payloadManifest]] as const)
      for (const line of list.bad) problems.push({ file: listFile, problem: say(`түсініксіз жол: ${line.slice(0, 100)}`, `непонятная строка: ${line.slice(0, 100)}`) });
    for (const [path, expected] of tagManifest.entries) {
      const bytes = tags.get(path) ?? (path.startsWith('data/') ? null : await read(path));
      if (!bytes) problems.push({ file: path, problem: say('tagmanifest-sha256.txt атайды, бірақ пакетте жоқ', 'указан в tagmanifest-sha256.txt, но его нет в пакете') });
      else if (sha256(bytes) !== expected) problems.push({ file: path, problem: say('SHA-256 tagmanifest-sha256.txt-тегіден өзгеше', 'SHA-256 отличается от tagmanifest-sha256.txt') });
    }
    for (const path of byPath.keys())
      if (!path.startsWith('data/') && path !== 'tagmanifest-sha256.txt' && !tagManifest.entries.has(path))
        problems.push({ file: path, problem: say('tagmanifest-sha256.txt-те жоқ (қосылған)', 'нет в tagmanifest-sha256.txt (добавлен)') });

    const anchors = await read(TRUST_ANCHORS);
    const trust = (anchors?.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));
    if (trust.length === 0) problems.push({ file: TRUST_ANCHORS, problem: say('сенім тамыры жоқ: қолтаңбаларды тексеру мүмкін емес', 'нет корневых сертификатов: подписи проверить нельзя') });

    // The payload, in the package's (sorted) order: a .p7s comes after the file it signs.
    const payload = [...byPath.keys()].filter((p) => p.startsWith('data/'));
    const digests = new Map<string, Buffer>();
    const deferred: [string, Buffer][] = [];
    let octets = 0;
    let documents = 0;
    let signatures = 0;
    const checkSignature = (path: string, verdict: Verification) => {
      signatures++;
      if (!verdict.valid) {
        const why = (lang: 'kk' | 'ru') => verdict.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail[lang]}`).join('; ');
        problems.push({ file: path, problem: say(`қолтаңба жарамсыз: ${why('kk')}`, `подпись неверна: ${why('ru')}`) });
      }
    };
    const checkP7s = (path: string, p7s: Buffer) => {
      const content = digests.get(path.slice(0, -'.p7s'.length));
      if (content) checkSignature(path, verifyDetachedDigest(path, p7s, content, trust));
      else problems.push({ file: path, problem: say('қол қойылған файлы пакетте жоқ', 'подписанного файла нет в пакете') });
    };
    // Entries are read a few ahead of the one being checked: the reads wait on the disk while the checks use the CPU.
    const reading = new Map<number, Promise<Buffer | null>>();
    const readAhead = (i: number) => {
      const path = payload[i];
      if (path === undefined || reading.has(i)) return;
      const bytes = read(path);
      bytes.catch(() => {});
      reading.set(i, bytes);
    };
    for (const [i, path] of payload.entries()) {
      for (let k = i; k < i + READ_AHEAD; k++) readAhead(k);
      const bytes = await reading.get(i);
      reading.delete(i);
      if (!bytes) continue;
      octets += bytes.length;
      // A PDF's whole-file hash comes out of its signature check, which reads it anyway.
      const pdf = path.endsWith('.pdf') ? verifyPdfHashed(path, bytes, trust) : null;
      const digest = pdf?.sha256 ?? createHash('sha256').update(bytes).digest();
      digests.set(path, digest);
      const expected = payloadManifest.entries.get(path);
      if (expected === undefined) problems.push({ file: path, problem: say('manifest-sha256.txt-те жоқ (қосылған)', 'нет в manifest-sha256.txt (добавлен)') });
      else if (digest.toString('hex') !== expected) problems.push({ file: path, problem: say('SHA-256 manifest-sha256.txt-тегіден өзгеше', 'SHA-256 отличается от manifest-sha256.txt') });
      if (pdf) {
        if (path.startsWith('data/batches/')) documents++;
        checkSignature(path, pdf.verification);
      } else if (path.endsWith('.p7s')) {
        if (digests.has(path.slice(0, -'.p7s'.length))) checkP7s(path, bytes);
        else deferred.push([path, bytes]);
      }
      onProgress?.(i + 1, payload.length);
    }
    for (const [path, bytes] of deferred) checkP7s(path, bytes);
    const present = new Set(payload);
    for (const path of payloadManifest.entries.keys())
      if (!present.has(path)) problems.push({ file: path, problem: say('manifest-sha256.txt атайды, бірақ пакетте жоқ', 'указан в manifest-sha256.txt, но его нет в пакете') });

    const oxum = parseBagInfo(tags.get('bag-info.txt')?.toString('utf8') ?? '').get('Payload-Oxum');
    if (oxum !== `${octets}.${payload.length}`)
      problems.push({ file: 'bag-info.txt', problem: say(`Payload-Oxum ${oxum ?? '—'}, ал пакетте ${octets}.${payload.length}`, `Payload-Oxum ${oxum ?? '—'}, а в пакете ${octets}.${payload.length}`) });
    return result(documents, signatures);
  } finally {
    await zip.close();
  }
}
