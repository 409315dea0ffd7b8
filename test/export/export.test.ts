import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer as readAll } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { tanu } from '../support/cli.js';
import { files, manifests, readManifest } from '../support/outbox.js';
import { nssTrusting, opensslVerifies, pdfsig } from '../support/pki.js';
import { examResultsFile, makeProject } from '../support/project.js';

/**
 * tanu export and tanu verify FILE.zip end to end: a real batch issued with real Chromium,
 * SQLite and the development PKI, exported, unpacked with unzip and checked by the common
 * tools an archivist has (sha256sum, openssl, pdfsig), then tampered with in each way the
 * package must catch.
 */

let dir: string;
let project: ReturnType<typeof makeProject>;
let zip: string;
const bag = 'archive';

const inProject = (args: string[]) => tanu([...args, '--config', project.config]);

/** The package unpacked with Info-ZIP's unzip, as an archivist would. */
function unpack(zipPath: string, into: string): string {
  mkdirSync(into, { recursive: true });
  execFileSync('unzip', ['-q', zipPath, '-d', into]);
  return join(into, bag);
}

/** A copy of the package with entries changed (bytes → new bytes, or null to drop) and some added. */
async function tampered(name: string, change: (path: string, bytes: Buffer) => Buffer | null, added: Record<string, string> = {}): Promise<string> {
  const source = await yauzl.openPromise(zip, { lazyEntries: true });
  const target = new yazl.ZipFile();
  const out = join(dir, name);
  const written = readAll(target.outputStream).then((b) => writeFileSync(out, b));
  for await (const entry of source.eachEntry()) {
    const bytes = change(entry.fileName.slice(bag.length + 1), await readAll(await source.openReadStreamPromise(entry)));
    if (bytes) target.addBuffer(bytes, entry.fileName);
  }
  for (const [path, text] of Object.entries(added)) target.addBuffer(Buffer.from(text), `${bag}/${path}`);
  target.end();
  await written;
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tanu-export-'));
  project = makeProject(dir);
  const file = await examResultsFile(project.inbox, 'exam-results-export.csv', 6);
  const run = await inProject(['run', file]);
  expect(run.code, run.err).toBe(0);
  zip = join(dir, `${bag}.zip`);
  const exported = await inProject(['export', '--out', zip, '--json']);
  expect(exported.code, exported.err).toBe(0);
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tanu export', () => {
  it('makes a bag that tanu verify, sha256sum, openssl and pdfsig all accept, with the packaged CA alone', async () => {
    const verified = await inProject(['verify', zip]);
    expect(verified.code, verified.out).toBe(0);
    expect(verified.out).toContain('пакет верен (документов 7');

    const root = unpack(zip, join(dir, 'unpacked'));
    expect(readdirSync(root).sort()).toEqual(['README.txt', 'bag-info.txt', 'bagit.txt', 'data', 'manifest-sha256.txt', 'tagmanifest-sha256.txt']);
    const sums = execFileSync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: root, encoding: 'utf8' });
    expect(sums).not.toMatch(/FAILED/);
    expect(execFileSync('sha256sum', ['-c', 'tagmanifest-sha256.txt'], { cwd: root, encoding: 'utf8' })).toContain('bag-info.txt: OK');

    const payload = files(join(root, 'data'));
    const pdfs = payload.filter((f) => f.endsWith('.pdf'));
    // Six certificates, one protocol, the verification report.
    expect(pdfs).toHaveLength(8);
    for (const wanted of ['history.csv', 'register/register-kk.csv', 'register/register-ru.xlsx', 'verification/verification.json', 'trust-anchors.pem'])
      expect(payload).toContain(wanted);
    expect(payload.filter((f) => f.endsWith('manifest.json.p7s'))).toHaveLength(1);

    const ca = join(root, 'data', 'trust-anchors.pem');
    const nss = nssTrusting(join(dir, 'nss'), ca);
    for (const pdf of pdfs) {
      const path = join(root, 'data', pdf);
      expect(opensslVerifies(`${path}.p7s`, path, ca), pdf).toBe(true);
      expect(pdfsig(path, nss), pdf).toContain('Signature is Valid.');
    }
    const [manifest] = payload.filter((f) => f.endsWith('manifest.json'));
    expect(opensslVerifies(join(root, 'data', `${manifest}.p7s`), join(root, 'data', manifest ?? ''), ca)).toBe(true);

    const report = JSON.parse(readFileSync(join(root, 'data', 'verification', 'verification.json'), 'utf8'));
    expect(report.totals).toEqual({ documents: 7, valid: 7, invalid: 0, missing: 0 });
    expect(report.documents[0]).toMatchObject({ serial: 'DEMO01-2026-000001', status: 'issued', signature_valid: true, signed_at: expect.any(String) });
    expect(readFileSync(join(root, 'data', 'history.csv'), 'utf8').split('\r\n')[1]).toMatch(/^DEMO01-2026-000001,certificate,1,1,issued,/);
    expect(readFileSync(join(root, 'data', 'register', 'register-kk.csv'), 'utf8')).toContain('ЖСН');
    expect(readFileSync(join(root, 'data', 'register', 'register-ru.csv'), 'utf8')).toContain('ИИН');
    const info = readFileSync(join(root, 'bag-info.txt'), 'utf8');
    expect(info).toMatch(/^Payload-Oxum: \d+\.\d+$/m);
    expect(info).toContain('Source-Organization: ');

    // PDFs are stored, not deflated; every entry carries the same fixed time.
    const entries = await yauzl.openPromise(zip, { lazyEntries: true });
    for await (const entry of entries.eachEntry()) {
      if (entry.fileName.endsWith('.pdf')) expect(entry.compressionMethod, entry.fileName).toBe(0);
      expect(entry.getLastModDate().toISOString()).toBe('2000-01-01T00:00:00.000Z');
    }
  });

  it("README.txt's commands, run as written, check the unpacked package", () => {
    const root = unpack(zip, join(dir, 'readme-run'));
    const text = readFileSync(join(root, 'README.txt'), 'utf8');
    expect(text).toContain('ҚАЗАҚША');
    expect(text).toContain('ПО-РУССКИ');
    // The Kazakh and Russian parts give the same commands; run the first set from where the bag was unpacked.
    const commands = text.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim());
    const once = commands.slice(0, commands.length / 2);
    expect(commands.slice(commands.length / 2)).toEqual(once);
    const output = execFileSync('bash', ['-e', '-c', once.join('\n')], { cwd: join(root, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(output).not.toMatch(/FAILED/);
    expect(output).toContain('Signature is Valid.');
  });

  it('exported twice, the same selection gives the same payload hashes', async () => {
    const again = join(dir, 'again', `${bag}.zip`);
    mkdirSync(join(dir, 'again'));
    expect((await inProject(['export', '--out', again])).code).toBe(0);
    const manifestOf = (z: string, into: string) => readFileSync(join(unpack(z, into), 'manifest-sha256.txt'), 'utf8').split('\n');
    const [first, second] = [manifestOf(zip, join(dir, 'first-unpacked')), manifestOf(again, join(dir, 'again-unpacked'))];
    // The package's own signed report is signed anew, at B-T with a new timestamp (its nonce
    // is random): those two files differ; everything else is the same bytes.
    const signedReport = (line: string) => /data\/verification\/verification\.pdf(\.p7s)?$/.test(line);
    expect(first.filter(signedReport)).toHaveLength(2);
    expect(second.filter((line) => !signedReport(line))).toEqual(first.filter((line) => !signedReport(line)));
    expect(second.filter(signedReport)).not.toEqual(first.filter(signedReport));
  });

  it('through the real bin from another working directory: its register, made in a worker thread, is the same', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'tanu-elsewhere-'));
    try {
      const out = join(dir, 'bin', `${bag}.zip`);
      mkdirSync(join(dir, 'bin'));
      execFileSync(process.execPath, [join(process.cwd(), 'bin', 'tanu.js'), 'export', '--config', project.config, '--out', out], { cwd: elsewhere, stdio: 'pipe' });
      expect((await tanu(['verify', out])).code).toBe(0);
      const registerLines = (z: string, into: string) =>
        readFileSync(join(unpack(z, into), 'manifest-sha256.txt'), 'utf8')
          .split('\n')
          .filter((line) => line.includes('data/register/'));
      const viaBin = registerLines(out, join(dir, 'bin-unpacked'));
      expect(viaBin).toHaveLength(4);
      expect(viaBin).toEqual(registerLines(zip, join(dir, 'first-unpacked-register')));
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('a changed byte, a deleted file, an added file and an edited bag-info.txt each fail tanu verify, named', async () => {
    const pdf = 'data/batches/DEMO01/2026-11-23';
    const flipped = await tampered('byte.zip', (path, bytes) => {
      if (!path.endsWith('DEMO01-2026-000003.pdf')) return bytes;
      const copy = Buffer.from(bytes);
      copy[2000] = (copy[2000] ?? 0) ^ 0x01;
      return copy;
    });
    const deleted = await tampered('deleted.zip', (path, bytes) => (path.endsWith('DEMO01-2026-000004.pdf.p7s') ? null : bytes));
    const added = await tampered('added.zip', (_, bytes) => bytes, { 'data/extra.pdf': '%PDF-1.7 not ours' });
    const edited = await tampered('info.zip', (path, bytes) => (path === 'bag-info.txt' ? Buffer.from(bytes.toString('utf8').replace(/Tanu-Documents: \d+/, 'Tanu-Documents: 99')) : bytes));

    const byte = await inProject(['verify', flipped]);
    expect(byte.code).toBe(1);
    expect(byte.out).toMatch(new RegExp(`${pdf}/\\w+/certificates/DEMO01-2026-000003\\.pdf: SHA-256 отличается от manifest-sha256\\.txt`));
    expect(byte.out).toMatch(/DEMO01-2026-000003\.pdf: подпись неверна: digest/);
    expect(byte.out).toMatch(/DEMO01-2026-000003\.pdf\.p7s: подпись неверна: digest/);

    const gone = await inProject(['verify', deleted]);
    expect(gone.code).toBe(1);
    expect(gone.out).toMatch(/DEMO01-2026-000004\.pdf\.p7s: указан в manifest-sha256\.txt, но его нет в пакете/);
    expect(gone.out).toMatch(/bag-info\.txt: Payload-Oxum/);

    const extra = await inProject(['verify', added, '--language', 'kk']);
    expect(extra.code).toBe(1);
    expect(extra.out).toContain('data/extra.pdf: manifest-sha256.txt-те жоқ (қосылған)');
    expect(extra.out).toContain('пакет ЖАРАМСЫЗ');

    const info = await inProject(['verify', edited, '--json']);
    expect(info.code).toBe(1);
    expect(JSON.parse(info.out).packages[0].problems).toEqual([{ file: 'bag-info.txt', problem: expect.objectContaining({ ru: 'SHA-256 отличается от tagmanifest-sha256.txt' }) }]);
  });

  it('an empty selection exits 1 with a bilingual message and writes nothing', async () => {
    const out = join(dir, 'empty', 'nothing.zip');
    mkdirSync(join(dir, 'empty'));
    const result = await inProject(['export', '--centre', 'NOWHERE', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('[EXPORT_EMPTY] Таңдауға бірде-бір жарияланған құжат кірмейді');
    expect(result.err).toContain('[EXPORT_EMPTY] В выборку не попал ни один опубликованный документ');
    expect(readdirSync(join(dir, 'empty'))).toEqual([]);
    const before = await inProject(['export', '--to', '2026-11-22', '--out', out]);
    expect(before.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe('tanu verify on a batch folder', () => {
  it('an edited manifest.json, an edited report.json or a missing manifest.json.p7s is invalid', async () => {
    const [manifestPath] = manifests(project.outbox);
    if (!manifestPath) throw new Error('no manifest');
    const batch = join(manifestPath, '..');
    expect((await inProject(['verify', batch])).code).toBe(0);

    const original = readFileSync(manifestPath);
    const manifest = readManifest(manifestPath);
    const first = manifest.documents[0];
    if (!first) throw new Error('empty manifest');
    first.level = (first.level ?? 0) + 1;
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    const edited = await inProject(['verify', batch]);
    expect(edited.code).toBe(1);
    expect(edited.out).toMatch(/manifest\.json\s+НЕВЕРНА.*digest: подписанные байты изменены/);
    writeFileSync(manifestPath, original);

    const reportPath = join(batch, 'report.json');
    const report = readFileSync(reportPath);
    writeFileSync(reportPath, report.toString('utf8').replace('"valid": 6', '"valid": 5'));
    const reportEdited = await inProject(['verify', batch]);
    expect(reportEdited.code).toBe(1);
    expect(reportEdited.out).toContain('report.json не совпадает с хэшем в манифесте');
    writeFileSync(reportPath, report);

    copyFileSync(`${manifestPath}.p7s`, join(dir, 'manifest.p7s'));
    unlinkSync(`${manifestPath}.p7s`);
    const unsigned = await inProject(['verify', batch]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.out).toContain('нет manifest.json.p7s: манифест не подписан');
    copyFileSync(join(dir, 'manifest.p7s'), `${manifestPath}.p7s`);
    expect((await inProject(['verify', batch])).code).toBe(0);
  });
});

describe('tanu export with a document gone from the outbox', () => {
  it('fails naming it, writes nothing; with --allow-missing lists it in the verification report', async () => {
    // The outbox as an archive copy elsewhere (--outbox), with one certificate gone from it.
    const moved = join(dir, 'moved-outbox');
    cpSync(project.outbox, moved, { recursive: true });
    const [manifestPath] = manifests(moved);
    if (!manifestPath) throw new Error('no manifest');
    unlinkSync(join(manifestPath, '..', 'certificates', 'DEMO01-2026-000002.pdf'));
    const out = join(dir, 'missing', 'archive.zip');
    mkdirSync(join(dir, 'missing'));
    expect((await inProject(['export', '--out', join(dir, 'from-original.zip')])).code).toBe(0);
    const failed = await inProject(['export', '--outbox', moved, '--out', out]);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('[EXPORT_DOCUMENT_MISSING]');
    expect(failed.err).toContain('DEMO01-2026-000002 (DEMO01-2026-000002.pdf: not in the outbox)');
    expect(readdirSync(join(dir, 'missing'))).toEqual([]);

    const allowed = await inProject(['export', '--outbox', moved, '--out', out, '--allow-missing']);
    expect(allowed.code, allowed.err).toBe(0);
    expect(allowed.out).toContain('нет: DEMO01-2026-000002');
    const root = unpack(out, join(dir, 'missing-unpacked'));
    const report = JSON.parse(readFileSync(join(root, 'data', 'verification', 'verification.json'), 'utf8'));
    expect(report.totals).toMatchObject({ documents: 7, missing: 1 });
    expect(report.documents.find((d: { serial: string }) => d.serial === 'DEMO01-2026-000002')).toMatchObject({ present: false, signature_valid: false });
    expect(files(join(root, 'data')).some((f) => f.includes('DEMO01-2026-000002'))).toBe(false);
    // What was packaged still verifies.
    expect((await inProject(['verify', out])).code).toBe(0);
  });
});
