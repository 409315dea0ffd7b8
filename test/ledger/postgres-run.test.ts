import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumOf, descendants, startTanu, until } from '../reliability/support.js';
import { tanu } from '../support/cli.js';
import { expectBatchVerifies, files, manifests, readManifest } from '../support/outbox.js';
import { nssTrusting } from '../support/pki.js';
import { usePostgres } from '../support/postgres.js';
import { examResultsFile, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * `tanu run` end to end with the ledger on PostgreSQL, set the way an operator sets it:
 * the URL in a TANU_ variable, the password in another, nothing in the file. Real
 * Chromium, real keys, the run's test cluster.
 */
const tmp = useTmpDir();
const postgres = usePostgres();

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

    const noPassword = await tanu(['status', '--config', p.config], { TANU_LEDGER__URL: url });
    expect(noPassword.code).toBe(2);
    expect(noPassword.err).toMatch(/\[LEDGER\].*ledger\.password_env/);
    // The verification service reads only SQLite for now: it says so rather than serve an empty ledger.
    const serve = await tanu(['serve', '--config', p.config], env);
    expect(serve.code).toBe(2);
    expect(serve.err).toMatch(/\[CONFIG_INVALID\].*ledger\.url/);
  });

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
