/**
 * npm run bench:export -- [--n N] [--json] [--out DIR] [--work DIR]
 *
 * The archive export on N issued certificates: the whole flow first issues them (real
 * Chromium, signing, ledger) into a temporary outbox, then `tanu export` packs them all and
 * `tanu verify FILE.zip` checks the package, each run as its own `tanu` process (what an
 * archivist runs: the memory of this process, which has just issued N certificates, is
 * no part of it), timed, with its peak memory (PSS, sampled every 250 ms by another
 * process, bench/memory.ts). With
 * --json, one last line:
 * {"n", "documents", "export_docs_per_s", "verify_docs_per_s", "export_peak_mb", "verify_peak_mb", "zip_mb"}.
 * Results go to var/bench/ (ignored; --out bench/results to commit them) as export-n<N>.json with the machine's description. Nothing is asserted.
 * --work DIR keeps the issued certificates there (and reuses them on the next run with the
 * same N: the same rows are already published), since issuing 10,000 takes minutes.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { takeFile } from '../pipeline/batch/take.js';
import { startEngine } from '../pipeline/batch/start.js';
import { systemClock } from '../pipeline/core/clock.js';
import { loadConfig } from '../pipeline/config/load.js';
import { loadLibrary } from '../pipeline/standards/library.js';
import { tanuProcess } from './memory.js';
import { benchCsv } from './records.js';
import { writeWorkspaceConfig } from './workspace.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
    out: { type: 'string', default: 'var/bench' },
    work: { type: 'string' },
  },
});
const n = Number(values.n);
if (!Number.isInteger(n) || n < 1) throw new Error('--n takes a whole number');

const work = values.work ? resolve(values.work) : mkdtempSync(join(tmpdir(), 'tanu-bench-export-'));
mkdirSync(work, { recursive: true });
const configPath = writeWorkspaceConfig(work);
const config = await loadConfig(configPath);
const { library } = await loadLibrary(config.paths.standards);
const csv = join(work, 'exam-results-bench.csv');
writeFileSync(csv, benchCsv(n, library));

// ---- issue the certificates (not measured) ----------------------------------------------
const engine = await startEngine(config, library, { clock: systemClock, env: process.env, notice: () => {} });
const outcome = await takeFile(csv, engine.ctx, 'copy');
await engine.close();
if ((outcome.outcome !== 'published' && outcome.outcome !== 'already-published') || outcome.report.valid !== n) throw new Error(`bench data did not all validate: ${JSON.stringify(outcome.report.errors.slice(0, 3))}`);

const zip = join(work, 'archive.zip');
rmSync(zip, { force: true });
const exported = await tanuProcess(['export', '--out', zip], configPath);
const verified = await tanuProcess(['verify', zip], configPath);
const packed = JSON.parse(exported.stdout) as { documents: number; files: number };

const round = (x: number, d = 1) => Number(x.toFixed(d));
const documents = packed.documents;
const result = {
  n,
  documents,
  export_docs_per_s: round(documents / exported.seconds),
  verify_docs_per_s: round(documents / verified.seconds),
  export_peak_mb: Math.round(exported.peakMb),
  verify_peak_mb: Math.round(verified.peakMb),
  zip_mb: round(statSync(zip).size / 2 ** 20),
  export_seconds: round(exported.seconds, 2),
  verify_seconds: round(verified.seconds, 2),
  files: packed.files,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
  at: new Date().toISOString(),
};
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, `export-n${n}.json`), `${JSON.stringify(result, null, 2)}\n`);
if (values.work) rmSync(zip, { force: true });
else rmSync(work, { recursive: true, force: true });

for (const [k, v] of Object.entries(result)) if (typeof v !== 'object') console.error(`${k.padEnd(20)} ${v}`);
console.error(`machine: ${result.machine.cpus} × ${result.machine.cpu}, ${result.machine.memory_gb} GB, node ${result.machine.node}`);
if (values.json) {
  const { export_docs_per_s, verify_docs_per_s, export_peak_mb, verify_peak_mb, zip_mb } = result;
  console.log(JSON.stringify({ n, documents, export_docs_per_s, verify_docs_per_s, export_peak_mb, verify_peak_mb, zip_mb }));
}
