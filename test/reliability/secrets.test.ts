import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueCertificate, pkcs12 } from '../../pipeline/dev/pki.js';
import { files, manifests } from '../support/outbox.js';
import { examResultsFile, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';
import { chromiumOf, descendants, startTanu, until } from './support.js';

/**
 * Secrets and access: a centre's real key (a PKCS#12 with a password, not the dev key),
 * the password given the only way Tanu takes it, in the environment; then every place it
 * could leak is searched: output, logs, reports, the ledger, other processes' command
 * lines and Chromium's environment. Permissions are read back from the disk.
 */
const tmp = useTmpDir();
const PASSWORD = 'Pa55-құпия-7f3a9c';
const DAY = 24 * 3600 * 1000;

function centreKey(dir: string) {
  const now = Date.now();
  const caName = { commonName: 'Centre tests CA', organization: 'Tanu tests' };
  const ca = issueCertificate({ subject: caName, notBefore: new Date(now - 30 * DAY), notAfter: new Date(now + 3650 * DAY), ca: true });
  const leaf = issueCertificate({
    subject: { commonName: 'DEMO01 signing key', organization: 'Tanu tests' },
    issuer: { cert: ca, name: caName },
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
    ca: false,
  });
  mkdirSync(join(dir, 'keys'), { mode: 0o700 });
  const key = join(dir, 'keys', 'centre.p12');
  writeFileSync(key, pkcs12(leaf, [ca], PASSWORD), { mode: 0o600 });
  writeFileSync(join(dir, 'keys', 'ca.pem'), ca.pem);
  return { key, ca: join(dir, 'keys', 'ca.pem') };
}

const readOr = (path: string) => {
  try {
    return readFileSync(path).toString('latin1');
  } catch {
    return '';
  }
};

describe('secrets and access', () => {
  it('the key password appears in no output, report, ledger, command line or browser environment; files get the configured modes', async () => {
    const p = makeProject(tmp());
    const { key, ca } = centreKey(p.dir);
    writeFileSync(
      p.config,
      readFileSync(p.config, 'utf8')
        .replace('key: var/keys/dev-centre.p12', `key: ${key}`)
        .replace('dev_key: true', 'dev_key: false').replace('level: B-T', 'level: B-B')
        .replace('- var/keys/dev-ca.pem', `- ${ca}`),
    );
    const file = await examResultsFile(p.dir, 'exam-results-secret.csv', 150);
    const env = { TANU_KEY_PASSWORD: PASSWORD, TANU_PUBLISH__FILE_MODE: '0640', TANU_PUBLISH__DIR_MODE: '0750', TANU_DOCUMENTS__PRINT_BATCH: '10' };
    const run = startTanu(['run', file, '--config', p.config, '--json'], env);
    const pid = run.child.pid ?? 0;
    let ended = false;
    void run.exited.then(() => (ended = true));
    // Once the first certificates are out, the browser and its renderers are all running.
    await until(() => ended || (chromiumOf(pid) !== undefined && files(p.outbox).some((f) => f.endsWith('.pdf'))), 60_000, 'Chromium at work under tanu');
    expect(ended, run.stderr()).toBe(false);

    // While it works: what `ps` shows of every process, and the browser's environment.
    const secret = Buffer.from(PASSWORD).toString('latin1');
    let looked = 0;
    for (const child of descendants(pid)) {
      expect(readOr(`/proc/${child}/cmdline`)).not.toContain(secret);
      expect(readOr(`/proc/${child}/environ`), `environment of process ${child} (${readOr(`/proc/${child}/comm`).trim()})`).not.toContain(secret);
      expect(readOr(`/proc/${child}/environ`)).not.toContain('TANU_');
      looked++;
    }
    expect(looked).toBeGreaterThan(1);
    expect(readOr(`/proc/${pid}/cmdline`)).not.toContain(secret);

    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(0);
    expect(`${run.stdout()}${run.stderr()}`).not.toContain(PASSWORD);
    const everything = [...files(p.outbox).map((f) => join(p.outbox, f)), ...files(join(p.dir, 'var')).map((f) => join(p.dir, 'var', f))];
    for (const f of everything) expect(readOr(f), f).not.toContain(secret);

    // Modes: the outbox as configured, the ledger and the received area the owner's only.
    const [manifest] = manifests(p.outbox);
    if (!manifest) throw new Error('nothing published');
    for (const f of files(p.outbox)) expect((statSync(join(p.outbox, f)).mode & 0o777).toString(8), f).toBe('640');
    for (let d = join(manifest, '..', 'certificates'); d !== p.outbox; d = join(d, '..')) expect((statSync(d).mode & 0o777).toString(8), d).toBe('750');
    expect((statSync(p.ledger).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(p.dir, 'var')).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(p.dir, 'var', 'received')).mode & 0o777).toString(8)).toBe('700');

    // A wrong password: refused with SIGNING_KEY, and the wrong one is not echoed either.
    const wrong = 'wr0ng-пароль-91c2';
    const refused = startTanu(['run', file, '--config', p.config], { TANU_KEY_PASSWORD: wrong });
    expect((await refused.exited).code).toBe(2);
    expect(refused.stderr()).toContain('[SIGNING_KEY]');
    expect(`${refused.stdout()}${refused.stderr()}`).not.toContain(wrong);
  }, 180_000);

  it('tanu keys dev writes the key owner-only, in an owner-only folder', async () => {
    const p = makeProject(tmp());
    const r = startTanu(['keys', 'dev', '--config', p.config]);
    expect((await r.exited).code, r.stderr()).toBe(0);
    expect((statSync(join(p.dir, 'var', 'keys', 'dev-centre.p12')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(p.dir, 'var', 'keys')).mode & 0o777).toString(8)).toBe('700');
  });
});
