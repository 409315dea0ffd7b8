import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { afterAll, describe, expect, it } from 'vitest';
import { type Running, eventually, killTree, rowsLostOnDisk, sentIins, signal, sleep, startTanu, until } from '../reliability/support.js';
import { expectBatchVerifies, files, manifests, oneBatchSealed, readManifest, tempFiles } from '../support/outbox.js';
import { nssTrusting } from '../support/pki.js';
import { usePostgres } from '../support/postgres.js';
import { examResultsFile, makeProject } from '../support/project.js';
import { tanu } from '../support/cli.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * Batches as jobs (docs/deploy.md): `tanu run` plans on the PostgreSQL ledger and puts the
 * chunks on graphile-worker's queue; separate `tanu worker` processes issue them. Real
 * processes, real Chromium, real keys, the run's PostgreSQL cluster; what was issued is
 * counted from the outbox and the register export, not from the ledger's counters.
 */
const tmp = useTmpDir();
const postgres = usePostgres();
const running: Running[] = [];
const clients: pg.Client[] = [];
afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) await killTree(r);
  for (const c of clients) await c.end();
});

/** A project whose ledger is a new PostgreSQL database with the job queue on, and a client to look into it. */
async function queuedProject() {
  const p = makeProject(tmp());
  const url = await postgres.database();
  const env = {
    TANU_LEDGER__URL: url,
    TANU_LEDGER__JOBS: 'true',
    TANU_LEDGER_PASSWORD: postgres.info.password,
    // A dead worker's job goes to another after 3 s instead of 30 s.
    TANU_WORKER__LEASE_MS: '3000',
    TANU_WORKER__POLL_MS: '200',
  };
  const db = new pg.Client({ ...parseIntoClientConfig(url), password: postgres.info.password });
  await db.connect();
  clients.push(db);
  const query = async <T,>(sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows as T[];
  return { p, env, query };
}

const startWorker = (config: string, env: Record<string, string>) => {
  const worker = startTanu(['worker', '--config', config], env);
  running.push(worker);
  return worker;
};

/** The graphile-worker ids a `tanu worker` announced on start. */
async function workerIds(worker: Running): Promise<string[]> {
  const announced = /tanu worker [^(]*\(([^)]+)\)/;
  await until(() => announced.test(worker.stderr()), 60_000, `tanu worker to start: ${worker.stderr()}`);
  return (announced.exec(worker.stderr())?.[1] ?? '').split(', ');
}

/** `tanu run FILE --json` as a child process; its standard output. */
async function runChild(config: string, file: string, env: Record<string, string>): Promise<string> {
  const run = startTanu(['run', file, '--config', config, '--json'], env);
  expect((await run.exited).code, run.stderr()).toBe(0);
  return run.stdout();
}

const certificates = (outbox: string) => files(outbox).filter((f) => /certificates\/[^/]+\.pdf$/.test(f));

describe('batches as jobs on PostgreSQL, issued by separate tanu worker processes', () => {
  it('tanu worker without the queue (ledger.jobs on a PostgreSQL ledger) stops with CONFIG_INVALID, in Kazakh or Russian', async () => {
    const p = makeProject(tmp());
    const ru = await tanu(['worker', '--config', p.config]);
    expect(ru.code).toBe(2);
    expect(ru.err).toMatch(/\[CONFIG_INVALID\].*для tanu worker нужны ledger\.url и ledger\.jobs: true/);
    const kk = await tanu(['worker', '--config', p.config], { TANU_OPERATOR_LANGUAGE: 'kk', TANU_LEDGER__URL: await postgres.database(), TANU_LEDGER_PASSWORD: postgres.info.password });
    expect(kk.code).toBe(2);
    expect(kk.err).toMatch(/\[CONFIG_INVALID\].*tanu worker үшін ledger\.url мен ledger\.jobs: true керек/);
  });

  it('two workers share a batch; one killed (-9) holding a job: its lease runs out, the other finishes; every row once, serials without gaps', async () => {
    const { p, env, query } = await queuedProject();
    const rows = 240;
    const file = await examResultsFile(p.inbox, 'exam-results-jobs.csv', rows);

    // Planned and queued; no browser and no key are needed to plan. A child process, as
    // the workers are: all of them on the system clock, which signs and checks the dates.
    const planned = await runChild(p.config, file, env);
    const outcome = JSON.parse(planned).outcomes[0];
    expect(outcome).toMatchObject({ outcome: 'queued', rows, valid: rows, errors: 0 });
    expect(certificates(p.outbox)).toEqual([]);
    // Every planned document is in exactly one issue job, queued in the transactions that planned them.
    const jobs = await query<{ task: string; payload: { first: number; last: number } }>(
      `SELECT t.identifier AS task, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id`,
    );
    expect(new Set(jobs.map((j) => j.task))).toEqual(new Set(['tanu_issue']));
    const ids = (await query<{ id: number }>(`SELECT id::int AS id FROM documents ORDER BY id`)).map((d) => d.id);
    expect(ids).toHaveLength(outcome.documents);
    expect(ids.map((id) => jobs.filter((j) => j.payload.first <= id && id <= j.payload.last).length)).toEqual(ids.map(() => 1));

    const a = startWorker(p.config, env);
    const b = startWorker(p.config, env);
    const idsOfA = await workerIds(a);
    await workerIds(b);
    // A is killed while it holds a job, before any completion.
    await eventually(
      async () => ((await query(`SELECT id FROM graphile_worker._private_jobs WHERE locked_by = ANY($1)`, [idsOfA])).length > 0),
      120_000,
      `worker A to hold a job: ${a.stderr()}`,
    );
    expect((await killTree(a)).signal).toBe('SIGKILL');
    expect(manifests(p.outbox)).toEqual([]);

    await until(() => oneBatchSealed(p.outbox), 240_000, `the batch's manifest: ${b.stderr()}`);
    // The killed worker's job ran again elsewhere, and the queue drains.
    await eventually(async () => (await query(`SELECT id FROM graphile_worker._private_jobs`)).length === 0, 60_000, 'an empty queue');
    signal(b.child.pid ?? 0, 'SIGTERM');
    expect((await b.exited).code, b.stderr()).toBe(0);

    const sent = sentIins(readFileSync(file, 'utf8'));
    expect(await rowsLostOnDisk(p.outbox, p.config, sent, env)).toEqual({ lost: [], twice: [] });
    const [manifestPath] = manifests(p.outbox);
    if (!manifestPath) throw new Error('no manifest');
    const serials = readManifest(manifestPath)
      .documents.filter((d) => d.type === 'certificate')
      .map((d) => d.serial)
      .sort();
    expect(serials).toEqual(Array.from({ length: rows }, (_, i) => `DEMO01-2026-${String(i + 1).padStart(6, '0')}`));
    expect(tempFiles(p.outbox)).toEqual([]);
    expect(await query<{ state: string }>(`SELECT DISTINCT state FROM documents`)).toEqual([{ state: 'published' }]);
    const caPem = join(p.dir, 'var', 'keys', 'dev-ca.pem');
    expect(await expectBatchVerifies(manifestPath, caPem, nssTrusting(join(p.dir, 'nss'), caPem))).toHaveLength(outcome.documents);
  }, 420_000);

  it("a worker without a centre's key leaves that centre's jobs to a worker that has it", async () => {
    const { p, env, query } = await queuedProject();
    // A second centre, whose key alone the first worker holds.
    appendFileSync(
      p.config,
      '  - id: DEMO02\n    name: { kk: Екінші орталық, ru: Второй центр }\n    head: { kk: Аты-жөні, ru: ФИО }\n    city: { kk: Астана, ru: Астана }\n    serial_prefix: DEMO02\n',
    );
    const file = await examResultsFile(p.inbox, 'exam-results-keys.csv', 30);
    await runChild(p.config, file, env);

    const other = startWorker(p.config, { ...env, TANU_SIGNING__CENTRES: '[DEMO02]' });
    const otherIds = await workerIds(other);
    // Its beats show it polling; several poll intervals later it has still locked nothing and issued nothing.
    for (let polls = 0; polls < 10; polls++) {
      await sleep(200);
      expect(await query(`SELECT id FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL OR attempts > 0`)).toEqual([]);
    }
    expect(await query<{ worker_id: string; centres: string }>(`SELECT worker_id, centres FROM worker_beats ORDER BY worker_id`)).toEqual(
      [...otherIds].sort().map((id) => ({ worker_id: id, centres: 'DEMO02' })),
    );
    expect(certificates(p.outbox)).toEqual([]);

    const own = startWorker(p.config, { ...env, TANU_SIGNING__CENTRES: '[DEMO01]' });
    await until(() => oneBatchSealed(p.outbox), 180_000, `the batch's manifest: ${own.stderr()}`);
    expect(certificates(p.outbox)).toHaveLength(30);
    for (const w of [other, own]) {
      signal(w.child.pid ?? 0, 'SIGTERM');
      expect((await w.exited).code, w.stderr()).toBe(0);
    }
    // The worker that completed the batch (its jobs end before it exits) says so, with the batch's rate since it was opened.
    const rate = Number(/([\d.]+) (?:док\.\/с|құжат\/с)/.exec(own.stdout())?.[1]);
    expect(rate, own.stdout()).toBeGreaterThan(0);
    expect(rate, own.stdout()).toBeLessThan(100);
  }, 240_000);
});
