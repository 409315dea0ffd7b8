/**
 * npm run bench -- --ledger postgres [--workers 1,2] [--n N] [--jobs M] [--out DIR]
 *
 * Batches as jobs (docs/deploy.md) against one machine's SQLite run, in the same run on the
 * same generated file of N exam results:
 * - SQLite: `tanu run FILE` as a child process; documents per second from its own timing.
 * - PostgreSQL, for each K of --workers: a fresh database on a private cluster that commits
 *   durably (fsync on), K `tanu worker` processes started and idle, then `tanu run FILE`
 *   (which only plans and queues); documents per second from the start of `tanu run` to the
 *   batch's signed manifest.
 * - The queue's own cost: M no-op jobs added with the ledger's SQL and run by a
 *   graphile-worker pool with nothing to do, so jobs per second is all queue: the
 *   overhead per chunk, and where PostgreSQL would become the limit.
 * Prints a table and writes workers-n<N>.json to var/bench/ (ignored; --out bench/results to
 * commit on purpose) with the machine's description. Nothing is asserted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type TaskList, run } from 'graphile-worker';
import { ADD_JOB, addJobParams } from '../pipeline/ledger/jobs.js';
import { PostgresLedger, quietLogger } from '../pipeline/ledger/postgres.js';
import { loadLibrary } from '../pipeline/standards/library.js';
import { ledgerUrl, startCluster } from './postgres-cluster.js';
import { benchCsv } from './records.js';
import { writeWorkspaceConfig } from './workspace.js';

const { values } = parseArgs({
  options: {
    ledger: { type: 'string', default: 'postgres' },
    workers: { type: 'string', default: '1,2' },
    n: { type: 'string', default: '2000' },
    jobs: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'var/bench' },
  },
});
if (values.ledger !== 'postgres') throw new Error('bench/workers.ts measures --ledger postgres');
const n = Number(values.n);
const jobCount = Number(values.jobs);
const ks = values.workers.split(',').map(Number);
if (!Number.isInteger(n) || n < 1 || ks.some((k) => !Number.isInteger(k) || k < 1)) throw new Error('--n and --workers take whole numbers');

const BIN = resolve('bin/tanu.js');
const work = mkdtempSync(join(tmpdir(), 'tanu-bench-workers-'));
const cluster = startCluster({ durable: true });
const children: ChildProcess[] = [];
const stopAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', stopAll);

type Started = { child: ChildProcess; exited: Promise<number | null>; out: () => string; err: () => string };
function tanu(args: string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (err += String(d)));
  return { child, exited: new Promise((done) => child.on('exit', (code) => done(code))), out: () => out, err: () => err };
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const walk = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])) : [];

/** A workspace of its own (outbox, keys, ledger), with the key made before timing starts. */
async function workspace(name: string, env: Record<string, string>) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const config = writeWorkspaceConfig(dir);
  const keys = tanu(['keys', 'dev', '--config', config], env);
  if ((await keys.exited) !== 0) throw new Error(`tanu keys dev: ${keys.err()}`);
  return { dir, config, outbox: join(dir, 'outbox') };
}

const { library } = await loadLibrary(resolve('standards'));
const csv = join(work, 'exam-results-bench.csv');
writeFileSync(csv, benchCsv(n, library));

// ---- SQLite, one process ---------------------------------------------------------------
const sqliteSpace = await workspace('sqlite', {});
const sqliteRun = tanu(['run', csv, '--config', sqliteSpace.config, '--json'], {});
if ((await sqliteRun.exited) !== 0) throw new Error(`tanu run (SQLite): ${sqliteRun.err()}`);
const sqliteOutcome = JSON.parse(sqliteRun.out()).outcomes[0] as { documents: number; seconds: number };
const sqlite = { documents: sqliteOutcome.documents, seconds: sqliteOutcome.seconds, docs_per_s: sqliteOutcome.documents / sqliteOutcome.seconds };

// ---- PostgreSQL, K workers -------------------------------------------------------------
const admin = new pg.Client({ host: cluster.info.socketDir, user: cluster.info.user, password: cluster.info.password, database: 'postgres' });
await admin.connect();
const urlOf = (db: string) => ledgerUrl(cluster.info, db);
const postgres: { workers: number; documents: number; seconds: number; plan_seconds: number; docs_per_s: number }[] = [];
for (const k of ks) {
  const db = `bench_k${k}`;
  await admin.query(`CREATE DATABASE ${db}`);
  const env = { TANU_LEDGER__URL: urlOf(db), TANU_LEDGER__JOBS: 'true', TANU_LEDGER_PASSWORD: cluster.info.password };
  const space = await workspace(`postgres-k${k}`, env);
  const workers = Array.from({ length: k }, () => tanu(['worker', '--config', space.config], env));
  for (const w of workers) while (!/tanu worker /.test(w.err())) await sleep(50);
  const t0 = process.hrtime.bigint();
  const planning = tanu(['run', csv, '--config', space.config, '--json'], env);
  if ((await planning.exited) !== 0) throw new Error(`tanu run (PostgreSQL): ${planning.err()}`);
  const planSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const queued = JSON.parse(planning.out()).outcomes[0] as { documents: number };
  while (!walk(space.outbox).some((f) => f.endsWith('manifest.json.p7s'))) await sleep(50);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
  postgres.push({ workers: k, documents: queued.documents, seconds, plan_seconds: planSeconds, docs_per_s: queued.documents / seconds });
}

// ---- the queue alone -------------------------------------------------------------------
await admin.query('CREATE DATABASE bench_queue');
const queueUrl = urlOf('bench_queue');
// The ledger's schema and graphile-worker's, as `ledger.jobs` makes them.
await (await PostgresLedger.open({ url: queueUrl, password: cluster.info.password, jobs: true })).close();
const queuePool = new pg.Pool({ host: cluster.info.socketDir, user: cluster.info.user, password: cluster.info.password, database: 'bench_queue', max: 6 });
queuePool.on('error', () => undefined);
const spec = (i: number) => ({ task: 'noop', payload: { batch: 'bench', first: i, last: i }, key: `noop:${i}`, queue: null, flags: ['centre:DEMO01'] });
const addStart = process.hrtime.bigint();
for (let i = 0; i < jobCount; i++) await queuePool.query(ADD_JOB, addJobParams(spec(i)));
const addSeconds = Number(process.hrtime.bigint() - addStart) / 1e9;
let ran = 0;
const taskList: TaskList = { noop: async () => void ran++ };
const runStart = process.hrtime.bigint();
const runner = await run({ pgPool: queuePool, taskList, concurrency: 4, noHandleSignals: true, logger: quietLogger, pollInterval: 100 });
while (ran < jobCount) await sleep(20);
const runSeconds = Number(process.hrtime.bigint() - runStart) / 1e9;
await runner.stop();
await queuePool.end();
await admin.end();
const queue = { jobs: jobCount, add_per_s: jobCount / addSeconds, run_per_s: jobCount / runSeconds, overhead_ms_per_job: (1000 * (addSeconds + runSeconds)) / jobCount };

stopAll();
cluster.stop();
rmSync(work, { recursive: true, force: true });

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version };
const result = { n, machine, sqlite, postgres, queue, at: new Date().toISOString() };
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, `workers-n${n}.json`), `${JSON.stringify(result, null, 2)}\n`);
console.log(`${n} exam results, ${sqlite.documents} documents; ${machine.cpus}× ${machine.cpu}`);
console.log(`SQLite, one process:        ${sqlite.docs_per_s.toFixed(1)} documents/s`);
for (const r of postgres)
  console.log(`PostgreSQL, ${r.workers} worker${r.workers > 1 ? 's' : ' '}:     ${r.docs_per_s.toFixed(1)} documents/s (tanu run planned and queued in ${r.plan_seconds.toFixed(1)} s of ${r.seconds.toFixed(1)} s)`);
console.log(`Queue alone: ${queue.add_per_s.toFixed(0)} jobs added/s, ${queue.run_per_s.toFixed(0)} no-op jobs run/s, ${queue.overhead_ms_per_job.toFixed(2)} ms per job`);
