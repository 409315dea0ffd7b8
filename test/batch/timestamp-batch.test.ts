import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSignedData } from '../../pipeline/sign/cms.js';
import { tanu } from '../support/cli.js';
import { files, manifests, readManifest } from '../support/outbox.js';
import { nssTrusting, pdfsig } from '../support/pki.js';
import { examResultsCsv as examResultsCsvText, examResultsFile, makeProject } from '../support/project.js';
import { type OpensslTsa, type TsaBehaviour, opensslVerifiesToken, startOpensslTsa } from '../support/tsa.js';
import { useTmpDir } from '../support/tmp.js';
import { until } from '../reliability/support.js';

/**
 * `tanu run` at level B-T against OpenSSL as the TSA: every signature of the batch carries
 * a timestamp that OpenSSL accepts; and a TSA that goes down mid-batch, answers over other
 * data, or answers too slowly publishes nothing below the level: the run stops with the
 * error, and a second run with a working TSA publishes each document exactly once.
 */
const tmp = useTmpDir();
let tsa: OpensslTsa;
let tsaDir: string;

beforeAll(async () => {
  tsaDir = mkdtempSync(join(tmpdir(), 'tanu-tsa-'));
  tsa = await startOpensslTsa(tsaDir, new Date(), { slowMs: 2500 });
});
afterAll(async () => {
  await tsa.close();
  rmSync(tsaDir, { recursive: true, force: true });
});

/** A project at B-T whose TSA is the OpenSSL one, trusted beside the dev CA. */
function project() {
  const p = makeProject(tmp());
  const text = readFileSync(p.config, 'utf8')
    .replace('    url: null ', `    url: ${tsa.url} `)
    .replace('    timeout_ms: 10000 ', '    timeout_ms: 1000 ')
    .replace('    - var/keys/dev-ca.pem ', `    - ${tsa.caPem}\n    - var/keys/dev-ca.pem `);
  expect(text).toContain(tsa.url);
  writeFileSync(p.config, text);
  return p;
}

const run = (p: ReturnType<typeof project>, file: string) => tanu(['run', file, '--config', p.config]);
const pdfs = (outbox: string) => files(outbox).filter((f) => f.endsWith('.pdf'));

type Verified = { valid: boolean; files: { file: string; kind: string; valid: boolean; level: string; signed_at: string | null }[] };
async function verified(p: ReturnType<typeof project>): Promise<Verified> {
  const result = await tanu(['verify', p.outbox, '--json', '--config', p.config]);
  return JSON.parse(result.out) as Verified;
}

describe('tanu run at B-T', () => {
  it('every PDF, .p7s and manifest signature is B-T, the tokens verify with openssl ts -verify, pdfsig and qpdf accept the PDFs', async () => {
    tsa.behave(() => 'ok');
    const p = project();
    const file = await examResultsFile(p.dir, 'exam.csv', 6);
    const before = tsa.requests();
    const result = await run(p, file);
    expect(result.code, result.err).toBe(0);
    const report = await verified(p);
    expect(report.valid).toBe(true);
    expect(report.files.length).toBeGreaterThan(6 * 2);
    expect(new Set(report.files.map((f) => f.level))).toEqual(new Set(['B-T']));
    expect(report.files.every((f) => f.signed_at !== null)).toBe(true);
    // Two stamps per document (its PDF and its .p7s) and one for the manifest.
    const documents = readManifest(manifests(p.outbox)[0] ?? '').documents.length;
    expect(tsa.requests() - before).toBe(documents * 2 + 1);

    const [first] = pdfs(p.outbox);
    if (!first) throw new Error('no PDF published');
    const pdf = join(p.outbox, first);
    const p7s = readFileSync(`${pdf}.p7s`);
    const { timestampToken, signature } = parseSignedData(p7s);
    expect(await opensslVerifiesToken(p.dir, timestampToken ?? Buffer.alloc(0), signature, tsa)).toBe(true);
    const manifestCms = parseSignedData(readFileSync(`${manifests(p.outbox)[0]}.p7s`));
    expect(await opensslVerifiesToken(p.dir, manifestCms.timestampToken ?? Buffer.alloc(0), manifestCms.signature, tsa)).toBe(true);
    const nss = nssTrusting(join(p.dir, 'nss'), join(p.dir, 'var', 'keys', 'dev-ca.pem'));
    expect(pdfsig(pdf, nss)).toMatch(/Signature is Valid/);
    execFileSync('qpdf', ['--check', pdf], { stdio: 'pipe' });
  });

  /** A fault, how the TSA answers from the next request, the code, and the documents published before it stops. */
  const faults: [string, (before: number) => (n: number) => TsaBehaviour, string, number][] = [
    // The first chunk (4 documents, 8 stamps) goes through; then the TSA is gone.
    ['down mid-batch', (before: number) => (n: number) => (n > before + 8 ? 'down' : 'ok'), 'TSA_UNREACHABLE', 4],
    ['answering over other data', () => () => 'wrong-imprint', 'TSA_IMPRINT_MISMATCH', 0],
    ['too slow', () => () => 'slow', 'TSA_TIMEOUT', 0],
  ];
  for (const [name, behaviour, code, before] of faults)
    it(`a TSA ${name}: nothing more is published, the run stops with ${code}; the next run publishes each document once`, async () => {
      const p = project();
      const file = await examResultsFile(p.dir, 'exam.csv', 12);
      tsa.behave(behaviour(tsa.requests()));
      const failed = await run(p, file);
      expect(failed.code).toBe(2);
      expect(failed.err).toContain(`[${code}]`);
      expect(manifests(p.outbox)).toEqual([]);
      const published = pdfs(p.outbox);
      expect(published.length).toBe(before);
      // What was published before the fault is B-T too: nothing below the level.
      if (published.length > 0) expect(new Set((await verified(p)).files.filter((f) => f.kind === 'pdf').map((f) => f.level))).toEqual(new Set(['B-T']));

      tsa.behave(() => 'ok');
      const again = await run(p, file);
      expect(again.code, again.err).toBe(0);
      const [manifest] = manifests(p.outbox);
      const listed = readManifest(manifest ?? '').documents;
      // 12 certificates and their protocol, each once; the ones published before the fault kept as they were.
      expect(listed.length).toBe(13);
      expect(new Set(listed.map((d) => d.file)).size).toBe(13);
      expect(pdfs(p.outbox).length).toBe(13);
      for (const f of published) expect(pdfs(p.outbox)).toContain(f);
      const report = await verified(p);
      expect(report.valid).toBe(true);
      expect(new Set(report.files.map((f) => f.level))).toEqual(new Set(['B-T']));
      // A third run publishes nothing new.
      expect((await run(p, file)).code).toBe(0);
      expect(pdfs(p.outbox).length).toBe(13);
    });

  it('tanu watch with the TSA down waits and tries the batch again: once the TSA answers, every document is published once', async () => {
    const p = project();
    tsa.behave(() => 'down');
    const before = tsa.requests();
    const child = spawn(process.execPath, ['bin/tanu.js', 'watch', '--config', p.config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TANU_WATCH__STABILITY_MS: '300', TANU_WATCH__RETRY_MS: '500' },
    });
    const seen = { out: '', err: '' };
    child.stdout.on('data', (d) => (seen.out += String(d)));
    child.stderr.on('data', (d) => (seen.err += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => seen.err.includes(p.inbox), 60_000, 'tanu watch to start');
      mkdirSync(join(p.inbox, 'DEMO01'));
      writeFileSync(join(p.inbox, 'DEMO01', 'exam.csv'), await examResultsCsvText(5));
      await until(() => seen.err.includes('[TSA_UNREACHABLE]'), 120_000, 'the TSA failure told');
      // It keeps trying while the TSA is down, and publishes nothing.
      await until(() => tsa.requests() > before + 2, 30_000, 'a retry');
      expect(manifests(p.outbox)).toEqual([]);
      expect(pdfs(p.outbox)).toEqual([]);
      tsa.behave(() => 'ok');
      await until(() => manifests(p.outbox).length === 1 && seen.out.includes('→'), 120_000, 'the batch published');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const listed = readManifest(manifests(p.outbox)[0] ?? '').documents;
    expect(listed.length).toBe(6);
    expect(new Set(listed.map((d) => d.file)).size).toBe(6);
    expect(pdfs(p.outbox).length).toBe(6);
    const report = await verified(p);
    expect(report.valid).toBe(true);
    expect(new Set(report.files.map((f) => f.level))).toEqual(new Set(['B-T']));
  });
});
