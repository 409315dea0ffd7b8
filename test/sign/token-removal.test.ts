import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SOFTHSM_MODULE, makeSoftHsm, tokenFolder } from '../../bench/softhsm.js';
import { issueCertificate } from '../../pipeline/dev/pki.js';
import { type Running, killTree, ledgerFacts, signal, sleep, startTanu, until } from '../reliability/support.js';
import { expectBatchVerifies, files, manifests, oneBatchSealed, readManifest } from '../support/outbox.js';
import { nssTrusting } from '../support/pki.js';
import { examResultsFile, makeProject } from '../support/project.js';

/**
 * A token pulled out in the middle of a batch and put back: SoftHSM2's token folder moved
 * away from its token directory (every process using the token then finds its key gone
 * and the token absent) and moved back. The chunk being signed is not published, the
 * batch stops, and it is resumed once, when the token is back: every document published
 * exactly once, the batch verifying. The process is paused (SIGSTOP) while the token is
 * taken out, so the removal falls after the first chunk is out and before the last.
 */
const dir = mkdtempSync(join(tmpdir(), 'tanu-token-removal-'));
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) await killTree(r);
  rmSync(dir, { recursive: true, force: true });
});
const PIN = '1357-removal';
const DAY = 86_400_000;
const ROWS = 300;
const now = Date.now();
const caName = { commonName: 'Removal tests CA', organization: 'Tanu tests' };
const ca = issueCertificate({ subject: caName, notBefore: new Date(now - DAY), notAfter: new Date(now + 3650 * DAY), ca: true });
const leaf = issueCertificate({ subject: { commonName: 'DEMO01 removable token', organization: 'Tanu tests' }, issuer: { cert: ca, name: caName }, notBefore: new Date(now - DAY), notAfter: new Date(now + 365 * DAY), ca: false });
const key = { label: 'signkey', id: '0d', leaf, chain: [ca], certificate: true };

// SoftHSM2 reads its token folder once per process: every token of this file is made at once.
const hsm = join(dir, 'softhsm');
const { conf } = makeSoftHsm(hsm, [
  { label: 'watched', pin: PIN, key },
  { label: 'ran', pin: PIN, key },
]);

function projectOn(token: string) {
  mkdirSync(join(dir, token));
  const p = makeProject(join(dir, token));
  const caPem = join(p.dir, 'ca.pem');
  writeFileSync(caPem, ca.pem);
  writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('dev_key: true', 'dev_key: false').replace('level: B-T', 'level: B-B').replace('- var/keys/dev-ca.pem', `- ${caPem}`));
  const env = {
    SOFTHSM2_CONF: conf,
    TANU_SIGNING__KIND: 'pkcs11',
    TANU_SIGNING__PKCS11__MODULE: SOFTHSM_MODULE,
    TANU_SIGNING__PKCS11__TOKEN: token,
    TANU_SIGNING__PKCS11__KEY: 'signkey',
    TANU_PKCS11_PIN: PIN,
    TANU_WATCH__RETRY_MS: '300',
  };
  return { ...p, caPem, env };
}

const pdfs = (outbox: string) => files(outbox).filter((f) => f.endsWith('.pdf'));

/** Pauses the process, takes the token out, lets the process go on: the token is gone before its next signature. */
function pullOut(r: Running, token: string): { putBack: () => void } {
  const folder = tokenFolder(hsm, token);
  // Out of the token directory: SoftHSM2 takes every folder in it for a token, whatever its name.
  const away = join(hsm, `${token}.away`);
  const pid = r.child.pid ?? 0;
  signal(pid, 'SIGSTOP');
  try {
    renameSync(folder, away);
  } finally {
    signal(pid, 'SIGCONT');
  }
  return { putBack: () => renameSync(away, folder) };
}

/** The batch published once: every document in the ledger once, each file once in the outbox and the manifest, and all of it verifying. */
async function expectPublishedOnce(p: ReturnType<typeof projectOn>) {
  const facts = ledgerFacts(p.ledger);
  expect(facts.unpublished).toBe(0);
  expect(facts.batches).toEqual([{ id: expect.any(String), state: 'published' }]);
  expect(facts.certificates).toBe(ROWS);
  expect(facts.distinctSerials).toBe(ROWS);
  // A document signed again would sit beside its first as <serial>.r2.pdf.
  expect(pdfs(p.outbox).filter((f) => /\.r\d+\.pdf$/.test(f))).toEqual([]);
  const [manifest] = manifests(p.outbox);
  if (!manifest) throw new Error('no manifest');
  const listed = readManifest(manifest).documents.map((d) => d.file);
  expect(new Set(listed).size).toBe(listed.length);
  expect(listed.filter((f) => f.endsWith('.pdf')).sort()).toEqual(pdfs(join(manifest, '..')).sort());
  expect(facts.published).toHaveLength(listed.length);
  expect(await expectBatchVerifies(manifest, p.caPem, nssTrusting(join(p.dir, 'nss'), p.caPem))).toHaveLength(listed.length);
}

describe('a token pulled out mid-batch and put back', () => {
  it('tanu watch: TOKEN_REMOVED, the chunk not published, tried again every watch.retry_ms while the token is away, resumed once when it is back', async () => {
    const p = projectOn('watched');
    const watch = startTanu(['watch', '--config', p.config, '--language', 'ru'], p.env);
    running.push(watch);
    await until(() => watch.stderr().includes(p.inbox), 60_000, `tanu watch to start: ${watch.stderr()}`);
    await examResultsFile(p.inbox, 'exam-results-removal.csv', ROWS);
    await until(() => pdfs(p.outbox).length > 0, 120_000, `the first chunk: ${watch.stderr()}`);
    const token = pullOut(watch, 'watched');

    // Tried again and refused again while the token is away: a passing failure, not the end of the batch.
    await until(() => watch.stderr().split('[TOKEN_REMOVED]').length > 3, 60_000, `TOKEN_REMOVED, then tries again: ${watch.stderr()}`);
    expect(watch.stderr()).toContain('часть не опубликована');
    expect(manifests(p.outbox)).toEqual([]);
    const away = ledgerFacts(p.ledger);
    expect(away.unpublished).toBeGreaterThan(0);
    await sleep(1_000);
    expect(ledgerFacts(p.ledger).unpublished, 'nothing is published while the token is away').toBe(away.unpublished);

    token.putBack();
    await until(() => oneBatchSealed(p.outbox), 120_000, `the batch after the token is back: ${watch.stderr()}`);
    signal(watch.child.pid ?? 0, 'SIGTERM');
    expect((await watch.exited).code, watch.stderr()).toBe(0);
    // One outcome for the file: the resumed batch, once.
    expect(watch.stdout().match(/прерванный пакет продолжен/g), watch.stdout()).toHaveLength(1);
    expect(watch.stderr()).not.toContain(PIN);
    await expectPublishedOnce(p);
  }, 300_000);

  it('tanu run: stops with TOKEN_REMOVED and the chunk unpublished; a later tanu run resumes it once, and one more finds it published', async () => {
    const p = projectOn('ran');
    const file = await examResultsFile(p.dir, 'exam-results-removal.csv', ROWS);
    const first = startTanu(['run', file, '--config', p.config, '--language', 'ru'], p.env);
    running.push(first);
    await until(() => pdfs(p.outbox).length > 0 || first.child.exitCode !== null, 120_000, `the first chunk: ${first.stderr()}`);
    const token = pullOut(first, 'ran');
    const stopped = await first.exited;
    expect(stopped.code, first.stderr()).toBe(2);
    expect(first.stderr()).toContain('[TOKEN_REMOVED]');
    expect(manifests(p.outbox)).toEqual([]);
    expect(ledgerFacts(p.ledger).unpublished).toBeGreaterThan(0);

    // Still away: the next run stops the same way and publishes nothing.
    const unpublished = ledgerFacts(p.ledger).unpublished;
    const early = startTanu(['run', file, '--config', p.config], p.env);
    expect((await early.exited).code).toBe(2);
    expect(early.stderr()).toMatch(/\[TOKEN_NOT_FOUND\]|\[TOKEN_REMOVED\]/);
    expect(ledgerFacts(p.ledger).unpublished).toBe(unpublished);

    token.putBack();
    const resumed = startTanu(['run', file, '--config', p.config, '--json'], p.env);
    expect((await resumed.exited).code, resumed.stderr()).toBe(0);
    expect(JSON.parse(resumed.stdout())).toMatchObject({ outcomes: [{ outcome: 'published', resumed: true }] });
    const again = startTanu(['run', file, '--config', p.config, '--json'], p.env);
    expect((await again.exited).code, again.stderr()).toBe(0);
    expect(JSON.parse(again.stdout())).toMatchObject({ outcomes: [{ outcome: 'already-published' }] });
    await expectPublishedOnce(p);
  }, 300_000);
});
