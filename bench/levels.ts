/**
 * npm run bench -- --levels [--n N] [--json] [--out DIR]
 *
 * The signature levels against each other, in one run: the whole flow on the same
 * generated file of N exam results at B-B and at B-T, each with a fresh outbox, ledger and
 * development PKI, B-T's timestamps from the development PKI's TEST TSA on 127.0.0.1 (the
 * local TSA Tanu serves itself; it answers in this process, so its work counts against
 * B-T). Prints a table and, with --json, one last line:
 * {"n", "b_b_docs_per_s", "b_t_docs_per_s", "ratio"}. Results go to var/bench/levels-n<N>.json
 * (ignored; --out bench/results to commit them on purpose) with the machine's description.
 * Nothing is asserted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type LoadedConfig, loadConfig } from '../pipeline/config/load.js';
import type { SigningLevel } from '../pipeline/config/schema.js';
import { loadLibrary } from '../pipeline/standards/library.js';
import { flowRate, reportFigures } from './flow.js';
import { benchCsv } from './records.js';
import { writeWorkspaceConfig } from './workspace.js';

const { values } = parseArgs({
  options: {
    levels: { type: 'boolean', default: true },
    n: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
    out: { type: 'string', default: 'var/bench' },
  },
});
const n = Number(values.n);
if (!Number.isInteger(n) || n < 1) throw new Error('--n takes a whole number');

const work = mkdtempSync(join(tmpdir(), 'tanu-bench-levels-'));
const env = { ...process.env };
delete env.TANU_KEY_PASSWORD;

async function configFor(level: SigningLevel): Promise<LoadedConfig> {
  const dir = join(work, level);
  mkdirSync(dir);
  return loadConfig(writeWorkspaceConfig(dir), { env: {}, flags: { signing: { level, dev_key: true, tsa: { url: null } } } });
}

const bb = await configFor('B-B');
const { library } = await loadLibrary(bb.paths.standards);
const csv = join(work, 'exam-results-bench.csv');
writeFileSync(csv, benchCsv(n, library));
const rates = { bb: await flowRate(bb, library, csv, n, env), bt: await flowRate(await configFor('B-T'), library, csv, n, env) };
rmSync(work, { recursive: true, force: true });

const round = (x: number, d = 1) => Number(x.toFixed(d));
const line = { n, b_b_docs_per_s: round(rates.bb), b_t_docs_per_s: round(rates.bt), ratio: round(rates.bt / rates.bb, 2) };
const rows: [string, string][] = [
  ['rows (all valid)', String(n)],
  ['whole flow, B-B, certificates/s', String(line.b_b_docs_per_s)],
  ['whole flow, B-T (local TSA), certificates/s', String(line.b_t_docs_per_s)],
  ['ratio (B-T / B-B)', `${line.ratio}`],
];
reportFigures(values.out, `levels-n${n}`, line, rows, values.json);
