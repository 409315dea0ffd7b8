/**
 * The verification service under load: `tanu serve` (the real bin, its own process, its
 * JSON request log written to a file) on 127.0.0.1 over a ledger of N published
 * certificates, and autocannon with 50 connections asking for random certificates' pages
 * (each with its right code), then /health in the same run for comparison. Bounded: a
 * warm-up and two measured runs of --seconds each. Results go to var/bench/ (ignored; --out bench/results to commit them) as serve.json
 * with the machine's description. Nothing is asserted. --profile DIR writes the server's
 * CPU profile there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../pipeline/config/load.js';
import { loadLibrary } from '../pipeline/standards/library.js';
import { fillLedger } from './serve-ledger.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
    out: { type: 'string', default: 'var/bench' },
    profile: { type: 'string' },
  },
});
const n = Number(values.n);
const seconds = Math.min(Number(values.seconds), 60);
const connections = Number(values.connections);

const work = mkdtempSync(join(tmpdir(), 'tanu-bench-serve-'));
let server: ChildProcess | undefined;
try {
  const config = await loadConfig('pipeline.config.yaml', { env: {} });
  const { library } = await loadLibrary(config.paths.standards);
  const centre = config.centres[0];
  if (!centre) throw new Error('no centre');
  const ledger = join(work, 'ledger.sqlite');
  const filling = Date.now();
  const issued = await fillLedger(ledger, n, { centre, library, issueDate: '2026-11-23' });
  console.error(`ledger: ${n} certificates in ${((Date.now() - filling) / 1000).toFixed(1)} s`);

  // The request log goes to a file, as it would to a journal: its cost is part of the figure.
  const log = openSync(join(work, 'requests.log'), 'w');
  // --profile DIR: the server's CPU profile (node --cpu-prof) written to DIR when it stops.
  const profile = values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [];
  server = spawn(process.execPath, [...profile, 'bin/tanu.js', 'serve', '--ledger', ledger, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', log, 'pipe'],
    // The bench measures throughput, not the per-client limit that protects the public service.
    env: { ...process.env, TANU_SERVE__RATE_LIMIT__MAX: '1000000000' },
  });
  const child = server;
  const base = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += String(chunk);
      const address = /http:\/\/127\.0\.0\.1:\d+/.exec(err)?.[0];
      if (address) resolve(address);
    });
    child.once('exit', (code) => reject(new Error(`tanu serve exited ${code}: ${err}`)));
  });

  const pick = () => {
    const d = issued[Math.floor(Math.random() * issued.length)];
    if (!d) throw new Error('empty ledger');
    return `/verify/${d.serial}/${d.code}`;
  };
  const load = (path: string | null, duration: number) =>
    autocannon({
      url: base,
      connections,
      duration,
      requests: [{ method: 'GET', headers: { 'accept-language': 'kk' }, setupRequest: (req) => ({ ...req, path: path ?? pick() }) }],
    });

  // The server's CPU time (user + system, from /proc) per request answered: on a shared
  // machine the rate follows the other processes' load, the work per request much less.
  const cpuSeconds = () => {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const [utime = 0, stime = 0] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 13).map(Number);
    return (utime + stime) / 100;
  };
  const measured = async (path: string | null) => {
    const before = cpuSeconds();
    const result = await load(path, seconds);
    return { result, cpuUs: ((cpuSeconds() - before) * 1e6) / Math.max(1, result.requests.total) };
  };

  // The machine is shared: its load before and after says how far the figures can be trusted.
  const loadBefore = loadavg()[0] ?? 0;
  await load(null, 2);
  const { result: lookups, cpuUs: lookupCpu } = await measured(null);
  const { result: health, cpuUs: healthCpu } = await measured('/health');
  const figures = (r: autocannon.Result, cpuUs: number) => ({
    requests_per_s: Math.round(r.requests.average),
    server_cpu_us_per_request: Math.round(cpuUs),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    non_2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  });
  const result = {
    n,
    connections,
    seconds,
    lookups: figures(lookups, lookupCpu),
    health: figures(health, healthCpu),
    lookups_vs_health: Math.round((lookups.requests.average / health.requests.average) * 100) / 100,
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memory_gb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      load_average_1m: { before: Math.round(loadBefore * 10) / 10, after: Math.round((loadavg()[0] ?? 0) * 10) / 10 },
    },
  };
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'serve.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.error(`machine: ${result.machine.cpus} × ${result.machine.cpu}, ${result.machine.memory_gb} GB, node ${result.machine.node}, load ${result.machine.load_average_1m.before} → ${result.machine.load_average_1m.after}`);
  console.error(
    `lookups: ${result.lookups.requests_per_s}/s p50 ${result.lookups.p50_ms} ms p99 ${result.lookups.p99_ms} ms, server CPU ${result.lookups.server_cpu_us_per_request} µs each (non-2xx ${result.lookups.non_2xx}); ` +
      `/health: ${result.health.requests_per_s}/s p50 ${result.health.p50_ms} ms p99 ${result.health.p99_ms} ms, server CPU ${result.health.server_cpu_us_per_request} µs each; lookups/health ${result.lookups_vs_health}`,
  );
  if (values.json) console.log(JSON.stringify(result));
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((done) => server?.once('exit', done));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
}
