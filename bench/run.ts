/**
 * npm run bench -- [--n N] [--json] [--naive-n M] [--out DIR]
 * npm run bench -- --ledger postgres [--workers 1,2] [--n N]   (bench/workers.ts)
 * npm run bench -- --signers [--n N] [--signatures M]          (bench/signers.ts)
 * npm run bench -- --levels [--n N]                            (bench/levels.ts)
 *
 * The whole flow on N generated exam results (parse → validate → plan → render → sign →
 * publish → ledger) into a temporary outbox and ledger, and in the same run a naive
 * baseline on the same certificates: a new Chromium page per document, page.pdf(), then the
 * same signing. Prints a table and, with --json, one last line:
 * {"n", "pipeline_docs_per_s", "naive_docs_per_s", "ratio", "peak_rss_mb", "first_doc_s", "stages", "cpu_ms_per_certificate", "cpu_bound_docs_per_s"}.
 * peak_rss_mb is the proportional memory (PSS) of this process and every Chromium process
 * it started, sampled every 250 ms by a separate process during the pipeline, which also
 * adds up their CPU time by process (bench/memory.ts): cpu_ms_per_certificate, and
 * cpu_bound_docs_per_s, the rate at which that CPU time per certificate would keep every
 * core busy (the ceiling of this code on this machine, however well its stages overlap). Results go to var/bench/ (ignored; --out bench/results to commit them on purpose) with the machine's description. Nothing is asserted.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import puppeteer from 'puppeteer-core';
import type { Stage } from '../pipeline/batch/context.js';
import { takeFile } from '../pipeline/batch/take.js';
import { startEngine } from '../pipeline/batch/start.js';
import { issuerOf } from '../pipeline/batch/context.js';
import { findChromium } from '../pipeline/render/chromium.js';
import { peakSampler } from './memory.js';
import { systemClock } from '../pipeline/core/clock.js';
import { loadConfig } from '../pipeline/config/load.js';
import { writeAtomic } from '../pipeline/publish/publish.js';
import type { CertificateModel } from '../pipeline/kinds/certificate/model.js';
import { printable } from '../pipeline/kinds/registry.js';
import { openSigner } from '../pipeline/sign/keys.js';
import { addSignaturePlaceholder, signatureSpace } from '../pipeline/sign/pades.js';
import { signDocument } from '../pipeline/sign/sign.js';
import { loadLibrary } from '../pipeline/standards/library.js';
import { benchCsv } from './records.js';
import { writeWorkspaceConfig } from './workspace.js';

// Batches as jobs on PostgreSQL have their own measurement, against this one's SQLite figure.
if (process.argv.includes('--ledger')) {
  await import('./workers.js');
  process.exit(0);
}
// The signer kinds (a PKCS#12 file, a SoftHSM2 token) against each other: bench/signers.ts.
if (process.argv.includes('--signers')) {
  await import('./signers.js');
  process.exit(0);
}
// The signature levels (B-B, B-T against the local TSA) against each other: bench/levels.ts.
if (process.argv.includes('--levels')) {
  await import('./levels.js');
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    'naive-n': { type: 'string' },
    json: { type: 'boolean', default: false },
    out: { type: 'string', default: 'var/bench' },
  },
});
const n = Number(values.n);
if (!Number.isInteger(n) || n < 1) throw new Error('--n takes a whole number');
const naiveN = Math.min(n, Number(values['naive-n'] ?? 200));

const work = mkdtempSync(join(tmpdir(), 'tanu-bench-'));
const configPath = writeWorkspaceConfig(work);
// B-B, as every earlier result was measured: the levels against each other are --levels.
const config = await loadConfig(configPath, { flags: { signing: { level: 'B-B' } } });
const { library } = await loadLibrary(config.paths.standards);
const csv = join(work, 'exam-results-bench.csv');
writeFileSync(csv, benchCsv(n, library));
// The centre's key exists before the run, as it does for a real centre.
await openSigner(config, process.env, systemClock, () => {});

// ---- the pipeline ---------------------------------------------------------------------
const stages: Record<Stage, number> = { validate: 0, plan: 0, render_wait: 0, sign: 0, write: 0, ledger: 0, complete: 0 };
const sampler = peakSampler(process.pid);
await sampler.ready;
const t0 = process.hrtime.bigint();
const seconds = () => Number(process.hrtime.bigint() - t0) / 1e9;
let firstDoc: number | undefined;
const engine = await startEngine(config, library, {
  clock: systemClock,
  env: process.env,
  notice: () => {},
  onEvent: (e) => {
    if (e.type === 'published-chunk' && firstDoc === undefined) firstDoc = seconds();
  },
  onStage: (stage, s) => (stages[stage] += s),
});
const { ledger } = engine.ctx;
const { signer, templates, timestamper } = issuerOf(engine.ctx);
const outcome = await takeFile(csv, engine.ctx, 'copy');
const pipelineSeconds = seconds();
const { peakMb, peakByRole, cpu } = await sampler.stop();
if (outcome.outcome !== 'published' || outcome.report.valid !== n) throw new Error(`bench data did not all validate: ${JSON.stringify(outcome.report.errors.slice(0, 3))}`);
const batch = await ledger.batch(outcome.batch);
// The certificates' count, and the first few models for the naive baseline, without loading the batch whole.
let certificateCount = 0;
const models: CertificateModel[] = [];
for await (const d of ledger.eachDocument(outcome.batch)) {
  if (d.type !== 'certificate') continue;
  certificateCount++;
  if (models.length < naiveN) models.push(d.model as CertificateModel);
}
await engine.close();
const pipelineRate = certificateCount / pipelineSeconds;
// CPU time per certificate, by process (protocols' share included, as in the rate), and the
// rate that much CPU per certificate would reach with every core busy all the time.
const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);
const cpuMsPerCertificate = Object.fromEntries(Object.entries(cpu).map(([role, s]) => [role, Number(((s * 1000) / certificateCount).toFixed(2))]));

// ---- the naive baseline: a new page per document, page.pdf(), the same signing ------------
const naiveDir = join(work, 'naive');
mkdirSync(naiveDir);
const browser = await puppeteer.launch({
  executablePath: findChromium(config.documents.chromium),
  headless: true,
  pipe: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const space = await signatureSpace(signer, timestamper);
const n0 = process.hrtime.bigint();
for (const model of models) {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setContent(templates.page([await printable(model, templates)], { sample: signer.isTest }), { waitUntil: 'load' });
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  await page.close();
  const doc = await PDFDocument.load(pdf);
  addSignaturePlaceholder(doc, { contentsBytes: space, signingTime: new Date(), reason: model.serial });
  const signed = await signDocument({ pdf: await doc.save({ useObjectStreams: false }) }, signer, timestamper, new Date());
  await writeAtomic(join(naiveDir, `${model.serial}.pdf`), signed.pdf);
  await writeAtomic(join(naiveDir, `${model.serial}.pdf.p7s`), signed.pdfSignature);
}
const naiveRate = models.length / (Number(process.hrtime.bigint() - n0) / 1e9);
await browser.close();

const chromiumVersion = (() => {
  try {
    return execFileSync(findChromium(config.documents.chromium), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const round = (x: number, d = 1) => Number(x.toFixed(d));
const result = {
  n,
  pipeline_docs_per_s: round(pipelineRate),
  naive_docs_per_s: round(naiveRate),
  ratio: round(pipelineRate / naiveRate, 2),
  peak_rss_mb: Math.round(peakMb),
  peak_mb_by_process: peakByRole,
  cpu_ms_per_certificate: cpuMsPerCertificate,
  cpu_bound_docs_per_s: round(cpus().length / (cpuTotal / certificateCount)),
  first_doc_s: round(firstDoc ?? pipelineSeconds, 2),
  stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, round(v, 2)])),
  pipeline_seconds: round(pipelineSeconds, 2),
  documents: outcome.documents,
  certificates: certificateCount,
  naive_n: models.length,
  batch: batch?.id,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, chromium: chromiumVersion },
  at: new Date().toISOString(),
};
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, `flow-n${n}.json`), `${JSON.stringify(result, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });

const rows: [string, string][] = [
  ['rows (all valid)', String(n)],
  ['documents published (certificates + protocols)', `${result.documents} (${result.certificates} + ${result.documents - result.certificates})`],
  ['pipeline, wall clock', `${result.pipeline_seconds} s`],
  ['pipeline, signed certificates per second', String(result.pipeline_docs_per_s)],
  [`naive baseline on ${models.length} certificates, per second`, String(result.naive_docs_per_s)],
  ['ratio', `${result.ratio}×`],
  ['first signed certificate on disk after', `${result.first_doc_s} s`],
  ['peak memory, Tanu + Chromium (PSS)', `${result.peak_rss_mb} MB`],
  ...Object.entries(result.peak_mb_by_process).map(([k, v]): [string, string] => [`  at the peak: ${k}`, `${v} MB`]),
  ...Object.entries(result.cpu_ms_per_certificate).map(([k, v]): [string, string] => [`  CPU per certificate: ${k}`, `${v} ms`]),
  [`rate if that CPU time filled all ${cpus().length} cores`, `${result.cpu_bound_docs_per_s} certificates/s`],
  ...Object.entries(result.stages).map(([k, v]): [string, string] => [`  stage ${k}`, `${v} s`]),
];
for (const [k, v] of rows) console.error(`${k.padEnd(52)} ${v}`);
console.error(`machine: ${result.machine.cpus} × ${result.machine.cpu}, ${result.machine.memory_gb} GB, node ${result.machine.node}, ${chromiumVersion}`);
if (values.json) {
  const { n: count, pipeline_docs_per_s, naive_docs_per_s, ratio, peak_rss_mb, first_doc_s, stages: s, cpu_ms_per_certificate, cpu_bound_docs_per_s } = result;
  console.log(JSON.stringify({ n: count, pipeline_docs_per_s, naive_docs_per_s, ratio, peak_rss_mb, first_doc_s, stages: s, cpu_ms_per_certificate, cpu_bound_docs_per_s }));
}
