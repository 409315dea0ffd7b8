/**
 * npm run bench:regenerate -- [--n N] [--json] [--out DIR] [--work DIR]
 *
 * `tanu regenerate` on N issued certificates (docs/contracts.md, "Regeneration"): half of them of card 4 of
 * Q88100061, then a version that renames card 4. Measured apart: the plan (every current
 * document's stored model against the model under the new version) and the re-issue
 * (render, sign, publish each affected document as revision 2, complete the batches), each
 * run as its own `tanu regenerate` process (--dry-run, then --reason) with its seconds and
 * peak memory (PSS of it and its children, i.e. Chromium, sampled from outside).
 * With --json, one last line: {"n", "affected", "plan_s", "reissue_docs_per_s", "plan_peak_mb", "reissue_peak_mb"}.
 * Results go to var/bench/ (ignored; --out bench/results to commit them) as regenerate-n<N>.json with the machine's description. Goal
 * (README, "Not yet built"): plan ≤ 5 s and re-issue ≥ 100/s at N = 10,000. Nothing is asserted.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { takeFile } from '../pipeline/batch/take.js';
import { startEngine } from '../pipeline/batch/start.js';
import { localNow, systemClock } from '../pipeline/core/clock.js';
import { loadConfig } from '../pipeline/config/load.js';
import { loadLibrary, versionOn } from '../pipeline/standards/library.js';
import { tanuProcess } from './memory.js';
import { benchCsv } from './records.js';
import { writeWorkspaceConfig } from './workspace.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    json: { type: 'boolean', default: false },
    out: { type: 'string', default: 'var/bench' },
    work: { type: 'string' },
  },
});
const n = Number(values.n);
if (!Number.isInteger(n) || n < 2) throw new Error('--n takes a whole number of at least 2');

const CARD4 = '3412-0-011';
const work = values.work ? resolve(values.work) : mkdtempSync(join(tmpdir(), 'tanu-bench-regenerate-'));
mkdirSync(work, { recursive: true });
const configPath = writeWorkspaceConfig(work);
// The workspace's own standards: the benchmark adds a version to them.
const standards = join(work, 'standards');
cpSync(resolve('standards'), standards, { recursive: true });
writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/standards: .*/, `standards: ${standards}`));
const config = await loadConfig(configPath);
const { library } = await loadLibrary(config.paths.standards);

// ---- issue the certificates (not measured): every other row of card 4 ------------------
const [header, ...rows] = benchCsv(n, library).trim().split('\n');
const csv = join(work, 'exam-results-bench.csv');
writeFileSync(
  csv,
  `${header}\n${rows
    .map((row, i) => {
      if (i % 2 === 1) return row;
      const cells = row.split(',');
      cells[4] = CARD4;
      cells[5] = '3';
      return cells.join(',');
    })
    .join('\n')}\n`,
);
const issuing = await startEngine(config, library, { clock: systemClock, env: process.env, notice: () => {} });
const outcome = await takeFile(csv, issuing.ctx, 'copy');
await issuing.close();
if ((outcome.outcome !== 'published' && outcome.outcome !== 'already-published') || outcome.report.valid !== n) throw new Error(`bench data did not all validate: ${JSON.stringify(outcome.report.errors.slice(0, 3))}`);

// ---- the new version: card 4 renamed, in force from today -------------------------------
const today = localNow(systemClock, config.timezone).date;
const q88 = join(standards, 'Q88100061.yaml');
const version = `- version: 3
  order:
    number: 'bench'
    date: '${today}'
  effective_from: '${today}'
  changes: []
  cards:
  - code: ${CARD4}
    name:
      kk: Әлеуметтік қызметтер ассистенті
      ru: Ассистент по социальным услугам`;
writeFileSync(q88, readFileSync(q88, 'utf8').replace(/\nabbreviations:\n/, `\n${version}\nabbreviations:\n`));
const revised = await loadLibrary(config.paths.standards);
if (revised.problems.length > 0) throw new Error(`the bench version does not check: ${JSON.stringify(revised.problems[0])}`);
const standard = revised.library.byCode('Q88100061');
const to = standard && versionOn(standard, today);
if (!standard || to?.version !== 3) throw new Error('version 3 is not in force today');

// ---- the plan, then the re-issue, each as the operator runs it --------------------------
const planned = await tanuProcess(['regenerate', '--standard', 'Q88100061', '--dry-run'], configPath);
const applied = await tanuProcess(['regenerate', '--standard', 'Q88100061', '--reason', 'bench'], configPath);
const plan = JSON.parse(planned.stdout) as { affected: unknown[] };
const reissued = JSON.parse(applied.stdout) as { affected: unknown[]; issued: unknown[] };
if (reissued.issued.length !== plan.affected.length) throw new Error(`planned ${plan.affected.length}, issued ${reissued.issued.length}`);

const round = (x: number, d = 1) => Number(x.toFixed(d));
const affected = plan.affected.length;
const result = {
  n,
  affected,
  plan_s: round(planned.seconds, 2),
  reissue_docs_per_s: round(affected / applied.seconds),
  plan_peak_mb: Math.round(planned.peakMb),
  reissue_peak_mb: Math.round(applied.peakMb),
  reissue_seconds: round(applied.seconds, 2),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
  at: new Date().toISOString(),
};
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, `regenerate-n${n}.json`), `${JSON.stringify(result, null, 2)}\n`);
if (!values.work) rmSync(work, { recursive: true, force: true });

for (const [k, v] of Object.entries(result)) if (typeof v !== 'object') console.error(`${k.padEnd(20)} ${v}`);
console.error(`machine: ${result.machine.cpus} × ${result.machine.cpu}, ${result.machine.memory_gb} GB, node ${result.machine.node}`);
if (values.json) {
  const { plan_s, reissue_docs_per_s, plan_peak_mb, reissue_peak_mb } = result;
  console.log(JSON.stringify({ n, affected, plan_s, reissue_docs_per_s, plan_peak_mb, reissue_peak_mb }));
}
