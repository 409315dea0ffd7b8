import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresLedgerReader } from '../../pipeline/serve/postgres-reader.js';
import { VerificationJson } from '../../pipeline/serve/verdict.js';
import { type Running, chromiumOf, descendants, startTanu, until } from '../reliability/support.js';
import { tanu } from '../support/cli.js';
import { expectBatchVerifies, files, manifests, readManifest } from '../support/outbox.js';
import { nssTrusting } from '../support/pki.js';
import { pdfQrCodes } from '../support/poppler.js';
import { usePostgres } from '../support/postgres.js';
import { examResultsFile, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * `tanu run`, `tanu serve` and `tanu verify` end to end with the ledger on PostgreSQL, set
 * the way an operator sets it: the URL in a TANU_ variable, the password in another,
 * nothing in the file. Real Chromium, real keys, the run's test cluster.
 */
const tmp = useTmpDir();
const postgres = usePostgres();
const servers: Running[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.child.exitCode !== null) continue;
    server.child.kill('SIGTERM');
    await server.exited;
  }
});

describe('tanu run on a PostgreSQL ledger', () => {
  it('publishes signed documents, registers them in PostgreSQL (no SQLite file), and refuses a missing password', async () => {
    const p = makeProject(tmp());
    const file = await examResultsFile(p.inbox, 'exam-results-pg.csv', 5);
    const url = await postgres.database();
    const env = { TANU_LEDGER__URL: url, TANU_LEDGER_PASSWORD: postgres.info.password };

    const run = await tanu(['run', file, '--config', p.config, '--json'], env);
    expect(run.code, run.err).toBe(0);
    expect(JSON.parse(run.out).outcomes[0]).toMatchObject({ outcome: 'published', rows: 5, valid: 5, errors: 0, documents: 6 });
    expect(existsSync(p.ledger)).toBe(false);

    const [manifestPath] = manifests(p.outbox);
    if (!manifestPath) throw new Error('no manifest');
    expect(readManifest(manifestPath).documents.filter((d) => d.type === 'certificate').map((d) => d.serial)).toEqual(
      Array.from({ length: 5 }, (_, i) => `DEMO01-2026-${String(i + 1).padStart(6, '0')}`),
    );
    const caPem = join(p.dir, 'var', 'keys', 'dev-ca.pem');
    expect(await expectBatchVerifies(manifestPath, caPem, nssTrusting(join(p.dir, 'nss'), caPem))).toHaveLength(6);

    const again = await tanu(['run', file, '--config', p.config], env);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('уже обработан в пакете');

    const registryCsv = join(p.dir, 'registry.csv');
    expect((await tanu(['registry', 'export', '--config', p.config, '--out', registryCsv], env)).code).toBe(0);
    const register = readFileSync(registryCsv, 'utf8').trim().split('\r\n');
    expect(register).toHaveLength(6);
    expect(register.slice(1).map((line) => line.match(/DEMO01-2026-\d{6}/)?.[0])).toEqual(Array.from({ length: 5 }, (_, i) => `DEMO01-2026-${String(i + 1).padStart(6, '0')}`));

    // The archive export reads the ledger on two connections (its register in a worker thread): both PostgreSQL.
    const archive = join(p.dir, 'archive.zip');
    const exported = await tanu(['export', '--config', p.config, '--out', archive, '--json'], env);
    expect(exported.code, exported.err).toBe(0);
    expect(JSON.parse(exported.out)).toMatchObject({ documents: 6, missing: [] });
    const verified = await tanu(['verify', archive, '--config', p.config], env);
    expect(verified.code, verified.out + verified.err).toBe(0);
    const listing = execFileSync('unzip', ['-Z1', archive], { encoding: 'utf8' });
    expect(listing).toMatch(/data\/register\/register-kk\.xlsx/);
    expect(execFileSync('unzip', ['-p', archive, 'archive/data/register/register-ru.csv'], { encoding: 'utf8' }).trim().split('\r\n')).toHaveLength(6);

    const noPassword = await tanu(['status', '--config', p.config], { TANU_LEDGER__URL: url });
    expect(noPassword.code).toBe(2);
    expect(noPassword.err).toMatch(/\[LEDGER\].*ledger\.password_env/);
  });

  it('tanu serve and tanu verify read it: a certificate by its link and by its PDF, a revocation at once, and no write through the reader', async () => {
    const p = makeProject(tmp());
    const file = await examResultsFile(p.inbox, 'exam-results-serve.csv', 2);
    const url = await postgres.database();
    const env = { TANU_LEDGER__URL: url, TANU_LEDGER_PASSWORD: postgres.info.password };
    const run = await tanu(['run', file, '--config', p.config], env);
    expect(run.code, run.err).toBe(0);
    const [manifestPath] = manifests(p.outbox);
    if (!manifestPath) throw new Error('no manifest');
    const pdfPath = (serial: string) => join(manifestPath, '..', 'certificates', `${serial}.pdf`);
    const serial = 'DEMO01-2026-000001';
    const pdf = readFileSync(pdfPath(serial));
    const [qr] = pdfQrCodes(pdf);
    const link = /\/verify\/DEMO01-2026-000001\/[A-Za-z0-9_-]{16}$/.exec(qr ?? '')?.[0];
    if (!link) throw new Error(`unexpected QR: ${qr}`);

    const noPassword = await tanu(['serve', '--config', p.config], { TANU_LEDGER__URL: url });
    expect(noPassword.code).toBe(2);
    expect(noPassword.err).toMatch(/\[LEDGER\].*ledger\.password_env/);

    const server = startTanu(['serve', '--config', p.config, '--host', '127.0.0.1', '--port', '0'], env);
    servers.push(server);
    const address = () => /http:\/\/127\.0\.0\.1:\d+/.exec(server.stderr())?.[0];
    await until(() => address() !== undefined || server.child.exitCode !== null, 60_000, 'tanu serve listening');
    const base = address();
    if (!base) throw new Error(server.stderr());
    const json = { accept: 'application/json' };
    const lookup = async () => {
      const answer = await fetch(`${base}${link}`, { headers: json });
      expect(answer.status).toBe(200);
      return VerificationJson.parse(await answer.json());
    };

    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const found = await lookup();
    expect(found).toMatchObject({ serial, revision: 1, status: 'valid', current_revision: null, revocation: null });
    expect(found.holder).toMatch(/^\S+ \S\.$/);
    expect(found.profession.kk).not.toBe('');
    expect((await fetch(`${base}${link.slice(0, -1)}${link.endsWith('A') ? 'B' : 'A'}`, { headers: json })).status).toBe(404);
    const form = new FormData();
    form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'issued.pdf');
    expect(await (await fetch(`${base}/verify`, { method: 'POST', body: form, headers: json })).json()).toEqual({ ours: true, type: 'certificate', serial, revision: 1, status: 'valid' });
    // Every kind Tanu issues is found by its hash: the sitting's exam protocol too.
    const protocol = readManifest(manifestPath).documents.find((d) => d.type === 'protocol');
    if (!protocol) throw new Error('no protocol in the batch');
    const protocolForm = new FormData();
    protocolForm.append('file', new Blob([readFileSync(join(manifestPath, '..', protocol.file))], { type: 'application/pdf' }), 'protocol.pdf');
    expect(await (await fetch(`${base}/verify`, { method: 'POST', body: protocolForm, headers: json })).json()).toEqual({ ours: true, type: 'protocol', serial: protocol.serial, revision: 1, status: 'valid' });

    const revoke = await tanu(['revoke', serial, '--reason', 'issued_in_error', '--config', p.config], env);
    expect(revoke.code, revoke.err).toBe(0);
    expect(await lookup()).toMatchObject({ status: 'revoked', revocation: { reason: 'issued_in_error' } });

    const verify = await tanu(['verify', pdfPath(serial), '--config', p.config, '--json'], env);
    expect(verify.code, verify.err).toBe(1);
    expect(JSON.parse(verify.out).files[0]).toMatchObject({ valid: true, ledger: { serial, revision: 1, status: 'revoked', current: 1, revocation: { reason: 'issued_in_error' } } });
    const other = await tanu(['verify', pdfPath('DEMO01-2026-000002'), '--config', p.config], env);
    expect(other.code, other.out).toBe(0);

    const reader = await PostgresLedgerReader.open({ url, password: postgres.info.password });
    try {
      expect(await reader.centreBatches('DEMO01', 50)).toMatchObject([{ file: 'exam-results-serve.csv', state: 'published', rows: 2, valid: 2, errors: 0, documents: 3, failed: 0 }]);
      // What `tanu validate` asks: a certificate of the register and its standing, and whether its person is recognized already.
      expect(await reader.registerStanding(serial)).toMatchObject({ status: 'revoked', revocation_reason: 'issued_in_error', superseded_by: null });
      const standing = await reader.registerStanding('DEMO01-2026-000002');
      expect(standing).toMatchObject({ status: 'issued', revoked_at: null });
      if (!standing) throw new Error('no standing');
      expect(await reader.recognized(standing.iin, standing.profession_code, standing.level, '')).toBe('DEMO01-2026-000002');
      expect(await reader.registerStanding('DEMO01-2026-999999')).toBeUndefined();
      // And the sitting's rows earlier files gave (a protocol told twice must agree), with their protocol date out of the stored record.
      const sitting = await reader.sittingEntries('DEMO01', protocol.serial, '');
      expect(sitting).toHaveLength(2);
      expect(sitting[0]).toMatchObject({ iin: expect.stringMatching(/^\d{12}$/), protocol_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
      // The batch being planned is not "earlier".
      const [own] = await reader.centreBatches('DEMO01', 1);
      expect(await reader.sittingEntries('DEMO01', protocol.serial, own?.id ?? '')).toEqual([]);
      expect(await reader.contractToAct(standing.iin, standing.profession_code, standing.level)).toBeUndefined();
      await expect((reader as unknown as { pool: pg.Pool }).pool.query(`UPDATE documents SET status = 'issued'`)).rejects.toThrow(/read-only transaction/);
    } finally {
      await reader.close();
    }
    // Two certificates are no measure of a plan: with a few thousand more (rolled back), the lookup by PDF hash takes its index.
    const client = new pg.Client({ ...parseIntoClientConfig(url), password: postgres.info.password });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO documents (batch_id, record_id, type, serial, revision, status, language, standard_code, standard_version, card_code, model_json, state, files_json)
         SELECT batch_id, record_id, type, serial || '-' || g, revision, status, language, standard_code, standard_version, card_code, model_json, state, json_build_object('pdf_sha256', md5(g::text))::text
         FROM documents, generate_series(1, 5000) AS g WHERE type = 'certificate' AND serial = $1`,
        [serial],
      );
      await client.query('ANALYZE documents');
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id FROM documents d WHERE ((d.files_json::jsonb) ->> 'pdf_sha256') = $1`, [
        'ab'.repeat(32),
      ]);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('documents_pdf_sha256');
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
    // A run, a service, three more commands on a shared 2-core machine: bounded, but generous.
  }, 180_000);

  it('the ledger password, given as PGPASSWORD, reaches neither Chromium nor any other child, output or file', async () => {
    const p = makeProject(tmp());
    const file = await examResultsFile(p.inbox, 'exam-results-secret.csv', 60);
    const secret = postgres.info.password;
    const run = startTanu(['run', file, '--config', p.config, '--json'], { TANU_LEDGER__URL: await postgres.database(), PGPASSWORD: secret, TANU_DOCUMENTS__PRINT_BATCH: '10' });
    const pid = run.child.pid ?? 0;
    let ended = false;
    void run.exited.then(() => (ended = true));
    await until(() => ended || (chromiumOf(pid) !== undefined && files(p.outbox).some((f) => f.endsWith('.pdf'))), 60_000, 'Chromium at work under tanu');
    expect(ended, run.stderr()).toBe(false);
    const below = descendants(pid);
    expect(below.length).toBeGreaterThan(1);
    for (const child of below) expect(readOr(`/proc/${child}/environ`), `environment of process ${child}`).not.toContain(secret);

    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(0);
    expect(`${run.stdout()}${run.stderr()}`).not.toContain(secret);
    for (const f of files(p.dir)) expect(readOr(join(p.dir, f)), f).not.toContain(secret);
  });
});

/** A file's bytes as text, or nothing if it (or its process) is gone. */
function readOr(path: string): string {
  try {
    return readFileSync(path).toString('latin1');
  } catch {
    return '';
  }
}
