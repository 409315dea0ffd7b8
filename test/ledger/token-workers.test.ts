import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SOFTHSM_MODULE, makeSoftHsm, tokenFolder } from '../../bench/softhsm.js';
import { issueCertificate } from '../../pipeline/dev/pki.js';
import { type Running, killTree, signal, startTanu, until } from '../reliability/support.js';
import { expectBatchVerifies, files, manifests, oneBatchSealed, readManifest } from '../support/outbox.js';
import { nssTrusting } from '../support/pki.js';
import { usePostgres } from '../support/postgres.js';
import { examResultsFile, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * One token, two `tanu worker` processes: each loads the PKCS#11 library and logs in for
 * itself (a login is a process's), and the batch they issue from the job queue is signed
 * on the token. A worker with a wrong PIN stops at start and takes no job.
 */
const tmp = useTmpDir();
const postgres = usePostgres();
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) await killTree(r);
});
const PIN = '2468-worker';
const DAY = 86_400_000;

const now = Date.now();
const caName = { commonName: 'Worker token CA', organization: 'Tanu tests' };
const ca = issueCertificate({ subject: caName, notBefore: new Date(now - DAY), notAfter: new Date(now + 3650 * DAY), ca: true });
const leaf = issueCertificate({ subject: { commonName: 'DEMO01 token', organization: 'Tanu tests' }, issuer: { cert: ca, name: caName }, notBefore: new Date(now - DAY), notAfter: new Date(now + 365 * DAY), ca: false });
// SoftHSM2 reads its token folder once per process (this one's too): the file's one token is made at once.
const hsm = mkdtempSync(join(tmpdir(), 'tanu-worker-token-'));
afterAll(() => rmSync(hsm, { recursive: true, force: true }));
const { conf } = makeSoftHsm(hsm, [{ label: 'centre', pin: PIN, key: { label: 'signkey', id: '0c', leaf, chain: [ca], certificate: true } }]);

/** A project whose key is on the SoftHSM2 token, its batches queued for `tanu worker` in a PostgreSQL database of its own. */
async function tokenProject() {
  const p = makeProject(tmp());
  const caPem = join(p.dir, 'token-ca.pem');
  writeFileSync(caPem, ca.pem);
  writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('dev_key: true', 'dev_key: false').replace('level: B-T', 'level: B-B').replace('- var/keys/dev-ca.pem', `- ${caPem}`));
  const env = {
    TANU_LEDGER__URL: await postgres.database(),
    TANU_LEDGER__JOBS: 'true',
    TANU_LEDGER_PASSWORD: postgres.info.password,
    TANU_WORKER__POLL_MS: '200',
    TANU_SIGNING__KIND: 'pkcs11',
    TANU_SIGNING__PKCS11__MODULE: SOFTHSM_MODULE,
    TANU_SIGNING__PKCS11__TOKEN: 'centre',
    TANU_SIGNING__PKCS11__KEY: 'signkey',
    TANU_PKCS11_PIN: PIN,
    SOFTHSM2_CONF: conf,
  };
  return { ...p, caPem, env };
}

describe('batches as jobs signed on a hardware token', () => {
  it('two tanu worker processes on one token issue a batch that verifies; a worker with a wrong PIN stops at start', async () => {
    const p = await tokenProject();
    const { caPem, env } = p;
    const workers = [0, 1].map(() => startTanu(['worker', '--config', p.config], env));
    running.push(...workers);
    // A worker announces itself once its engine is up: its own login on the token succeeded.
    for (const w of workers) await until(() => /tanu worker [^(]*\(/.test(w.stderr()), 60_000, `tanu worker to start: ${w.stderr()}`);

    const wrong = startTanu(['worker', '--config', p.config], { ...env, TANU_PKCS11_PIN: 'not-the-pin' });
    running.push(wrong);
    expect((await wrong.exited).code).toBe(2);
    expect(wrong.stderr()).toContain('[TOKEN_PIN]');

    const file = await examResultsFile(p.inbox, 'exam-results-token-jobs.csv', 30);
    const planned = startTanu(['run', file, '--config', p.config, '--json'], env);
    expect((await planned.exited).code, planned.stderr()).toBe(0);
    await until(() => oneBatchSealed(p.outbox), 180_000, `the batch's manifest: ${workers.map((w) => w.stderr()).join('\n')}`);
    for (const w of workers) {
      signal(w.child.pid ?? 0, 'SIGTERM');
      expect((await w.exited).code, w.stderr()).toBe(0);
    }
    const [manifest] = manifests(p.outbox);
    if (!manifest) throw new Error('no manifest');
    expect(await expectBatchVerifies(manifest, caPem, nssTrusting(join(p.dir, 'nss'), caPem))).toHaveLength(31);
  }, 240_000);

  it('the token pulled out while a worker signs: its jobs run again every watch.retry_ms, not published while it is away, and the batch is issued once when it is back', async () => {
    const p = await tokenProject();
    const env = { ...p.env, TANU_WATCH__RETRY_MS: '300' };
    const worker = startTanu(['worker', '--config', p.config, '--language', 'ru'], env);
    running.push(worker);
    await until(() => /tanu worker [^(]*\(/.test(worker.stderr()), 60_000, `tanu worker to start: ${worker.stderr()}`);
    const planned = startTanu(['run', await examResultsFile(p.inbox, 'exam-results-token-removed.csv', 300), '--config', p.config, '--json'], env);
    expect((await planned.exited).code, planned.stderr()).toBe(0);
    const pdfs = () => files(p.outbox).filter((f) => f.endsWith('.pdf'));
    await until(() => pdfs().length > 0, 180_000, `the first signed documents: ${worker.stderr()}`);
    // Paused while its token is taken out (out of SoftHSM2's token directory, which takes any folder in it for a token).
    const folder = tokenFolder(hsm, 'centre');
    const away = join(hsm, 'centre.away');
    signal(worker.child.pid ?? 0, 'SIGSTOP');
    renameSync(folder, away);
    signal(worker.child.pid ?? 0, 'SIGCONT');
    // Run again and refused again while the token is away: not failed for good, nor put off for graphile-worker's growing backoff.
    await until(() => worker.stderr().split('[TOKEN_REMOVED]').length > 3, 60_000, `TOKEN_REMOVED, then again: ${worker.stderr()}`);
    expect(worker.stderr()).toContain('часть не опубликована');
    expect(manifests(p.outbox)).toEqual([]);
    renameSync(away, folder);
    await until(() => oneBatchSealed(p.outbox), 180_000, `the batch once the token is back: ${worker.stderr()}`);
    signal(worker.child.pid ?? 0, 'SIGTERM');
    expect((await worker.exited).code, worker.stderr()).toBe(0);
    const [manifest] = manifests(p.outbox);
    if (!manifest) throw new Error('no manifest');
    const listed = readManifest(manifest).documents.map((d) => d.file);
    // Each document once: none signed again beside its first (<serial>.r2.pdf), none left out of the manifest.
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.filter((f) => f.endsWith('.pdf')).sort()).toEqual(files(join(manifest, '..')).filter((f) => f.endsWith('.pdf')).sort());
    expect(listed.filter((f) => f.startsWith('certificates/'))).toHaveLength(300);
    expect(await expectBatchVerifies(manifest, p.caPem, nssTrusting(join(p.dir, 'nss'), p.caPem))).toHaveLength(listed.length);
  }, 420_000);
});
