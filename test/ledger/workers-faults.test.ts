import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type Running, eventually, killTree, rowsLostOnDisk, seeded, sentIins, startTanu, until } from '../reliability/support.js';
import { files, manifests, oneBatchSealed, readManifest, tempFiles } from '../support/outbox.js';
import { ledgerUrl, startCluster } from '../../bench/postgres-cluster.js';
import { examResultsFile, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * The fault suite on PostgreSQL with the job queue (docs/deploy.md): the watcher killed -9
 * while it plans, workers killed -9 at seeded random moments and started again, and the
 * PostgreSQL server restarted mid-batch. A cluster of this file's own, since the restart
 * cuts every connection to it. What was issued is counted from the outbox and the
 * register export: every row exactly once, serials without gaps or repeats.
 */
const tmp = useTmpDir();
const cluster = startCluster();
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) await killTree(r);
  cluster.stop();
});

describe('batches as jobs: faults on PostgreSQL', () => {
  it('watcher killed mid-plan, workers killed at random moments, PostgreSQL restarted mid-batch: every row once, no gaps', async () => {
    const seed = Number(process.env.TANU_FAULT_SEED ?? Date.now() % 100_000);
    const random = seeded(seed);
    const admin = new pg.Client({ host: cluster.info.socketDir, user: cluster.info.user, password: cluster.info.password, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE faults');
    await admin.end();
    const url = ledgerUrl(cluster.info, 'faults');
    const query = async <T,>(sql: string): Promise<T[]> => {
      // A client per question: the server is restarted under this test.
      const c = new pg.Client({ host: cluster.info.socketDir, user: cluster.info.user, password: cluster.info.password, database: 'faults' });
      await c.connect();
      try {
        return (await c.query(sql)).rows as T[];
      } finally {
        await c.end();
      }
    };

    const p = makeProject(tmp());
    const env = {
      TANU_LEDGER__URL: url,
      TANU_LEDGER__JOBS: 'true',
      TANU_LEDGER_PASSWORD: cluster.info.password,
      TANU_WORKER__LEASE_MS: '3000',
      TANU_WORKER__POLL_MS: '200',
      TANU_WATCH__STABILITY_MS: '300',
      TANU_WATCH__RETRY_MS: '500',
    };
    const rows = 1000;
    const file = await examResultsFile(tmp(), 'exam-results-faults.csv', rows);
    const sent = sentIins(readFileSync(file, 'utf8'));
    const faults: string[] = [];
    const start = (args: string[]) => {
      const r = startTanu([...args, '--config', p.config], env);
      running.push(r);
      return r;
    };

    // The watcher: killed once the first chunks are queued and the plan is not complete yet.
    let watcher = start(['watch']);
    await until(() => /inbox|входящих|Кіріс/.test(watcher.stderr()), 60_000, `the watcher: ${watcher.stderr()}`);
    copyFileSync(file, join(p.inbox, 'exam-results-faults.csv'));
    await eventually(async () => (await query<{ n: number }>('SELECT COUNT(*)::int AS n FROM documents'))[0]?.n !== 0, 120_000, 'the first planned chunk');
    const midPlan = (await query<{ planned: boolean }>('SELECT planned_at IS NOT NULL AS planned FROM batches'))[0]?.planned === false;
    await killTree(watcher);
    faults.push(`watcher killed -9 ${midPlan ? 'mid-plan' : 'after its plan'}`);
    watcher = start(['watch']);

    // Two workers; each killed once at a random moment of the batch and started again.
    const workers = [start(['worker']), start(['worker'])];
    const certificates = () => files(p.outbox).filter((f) => /certificates\/[^/]+\.pdf$/.test(f)).length;
    for (const i of [0, 1]) {
      const at = Math.floor(rows * (0.1 + 0.3 * random()));
      await until(() => certificates() >= at, 300_000, `${at} certificates`);
      const worker = workers[i];
      if (!worker) throw new Error('no worker');
      await killTree(worker);
      faults.push(`worker ${i + 1} killed -9 at ${certificates()} certificates`);
      workers[i] = start(['worker']);
      if (i === 0) {
        // The server restarted while the other worker is at work: its connections are cut.
        cluster.restart();
        faults.push(`PostgreSQL restarted at ${certificates()} certificates`);
      }
    }

    await until(() => oneBatchSealed(p.outbox), 600_000, `the manifest: ${workers.map((w) => w.stderr()).join('\n')}`);
    await eventually(async () => (await query('SELECT id FROM graphile_worker._private_jobs')).length === 0, 120_000, 'an empty queue');
    for (const r of [watcher, ...workers]) {
      r.child.kill('SIGTERM');
      expect((await r.exited).code, r.stderr()).toBe(0);
    }

    const { lost, twice } = await rowsLostOnDisk(p.outbox, p.config, sent, env);
    const [manifestPath] = manifests(p.outbox);
    if (!manifestPath) throw new Error('no manifest');
    const serials = readManifest(manifestPath)
      .documents.filter((d) => d.type === 'certificate')
      .map((d) => d.serial);
    const expected = Array.from({ length: rows }, (_, i) => `DEMO01-2026-${String(i + 1).padStart(6, '0')}`);
    const duplicates = serials.length - new Set(serials).size;
    const gaps = expected.filter((s) => !serials.includes(s)).length;
    console.log(`PostgreSQL faults (seed ${seed}): ${faults.join('; ')}; ${rows} rows sent, ${lost.length} lost, ${twice.length} issued twice, ${duplicates} duplicate serials, ${gaps} gaps`);
    expect({ lost, twice, duplicates, gaps }).toEqual({ lost: [], twice: [], duplicates: 0, gaps: 0 });
    expect([...serials].sort()).toEqual(expected);
    expect(tempFiles(p.outbox)).toEqual([]);
    expect(await query<{ state: string }>('SELECT DISTINCT state FROM documents')).toEqual([{ state: 'published' }]);
  }, 900_000);
});
