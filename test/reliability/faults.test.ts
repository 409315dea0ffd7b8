import { runChild } from '../support/spawn.js';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../pipeline/publish/publish.js';
import { expectBatchVerifies, files, manifests, readManifest, tempFiles } from '../support/outbox.js';
import { nssTrusting } from '../support/pki.js';
import { examResultsCsv, examResultsFile, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';
import { chromiumOf, figures, inject, ledgerFacts, rowsLostOnDisk, seeded, sentIins, sleep, startNode, startTanu, tally, until } from './support.js';
import { loadTrust, verifyManifest } from '../../pipeline/sign/verify.js';

/**
 * Faults a centre's machine meets, injected into real `tanu` processes: kill -9 at random
 * moments, a Chromium killed or frozen, a full disk, a ledger held by another process,
 * two daemons on one inbox. After each: every valid row has exactly one document, serials
 * are unique and gap-free, every document verifies with pdfsig and openssl, nothing
 * partial is visible. The suite ends by printing what it injected and what was lost.
 */
const tmp = useTmpDir();
const SEED = Number(process.env.TANU_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = 20;

/** The IINs of the rows in the CSV files sent. */
const iinsOf = (...paths: string[]) => paths.flatMap((f) => sentIins(readFileSync(f, 'utf8')));

/**
 * Rows lost, counted on disk (certificate PDFs, manifest entries, the register export)
 * against the IINs sent, and required to be none: returns the count for the figures.
 */
async function expectNothingLost(outbox: string, config: string, sent: readonly string[]): Promise<number> {
  const { lost, twice } = await rowsLostOnDisk(outbox, config, sent);
  expect(twice, 'rows issued twice').toEqual([]);
  expect(lost.length, `rows lost, e.g. ${lost.slice(0, 5).join(', ')}`).toBe(0);
  return lost.length;
}

/**
 * The end state every fault must leave: one certificate per row sent, serials 1..N without
 * a gap or a repeat, every batch's manifest matching and every document verifying, no
 * temporary file and no file the manifests do not list, and every row sent on disk with
 * its certificate and its register line.
 */
async function expectWhole(p: ReturnType<typeof makeProject>, sent: readonly string[]) {
  const rowsSent = sent.length;
  const facts = ledgerFacts(p.ledger);
  expect(facts.integrity).toBe('ok');
  expect(facts.batches.every((b) => b.state === 'published'), JSON.stringify(facts.batches)).toBe(true);
  expect(facts.unpublished).toBe(0);
  expect(facts.certificates).toBe(rowsSent);
  expect(facts.distinctSerials).toBe(rowsSent);
  expect(facts.lastSerial).toBe(rowsSent);
  expect(facts.registry).toBe(rowsSent);
  expect(facts.registryPeople).toBe(rowsSent);
  expect(tempFiles(p.outbox)).toEqual([]);

  const caPem = join(p.dir, 'var', 'keys', 'dev-ca.pem');
  const nss = nssTrusting(join(p.dir, `nss-${Date.now()}`), caPem);
  const serials: number[] = [];
  const listed = new Set<string>();
  for (const m of manifests(p.outbox)) {
    const documents = await expectBatchVerifies(m, caPem, nss);
    for (const d of documents) {
      listed.add(join(m, '..', d.file));
      listed.add(join(m, '..', d.signature));
      if (d.type === 'certificate') serials.push(Number(d.serial.slice(-6)));
    }
    for (const name of ['manifest.json', 'manifest.json.p7s', 'report.json', 'report.html']) listed.add(join(m, '..', name));
  }
  expect(serials.sort((a, b) => a - b)).toEqual(Array.from({ length: rowsSent }, (_, i) => i + 1));
  // Nothing published that a manifest does not vouch for.
  expect(files(p.outbox).map((f) => join(p.outbox, f)).filter((f) => !listed.has(f))).toEqual([]);
  return expectNothingLost(p.outbox, p.config, sent);
}

afterAll(() => {
  const summary = [
    `faults injected: ${figures.injected}`,
    `survived: ${figures.survived}`,
    `rows sent: ${figures.rowsSent}`,
    `rows lost: ${figures.rowsLost}`,
    `seed: ${SEED}`,
    ...figures.lines,
  ];
  console.log(`\nreliability suite\n  ${summary.join('\n  ')}\n`);
  mkdirSync('var', { recursive: true });
  writeFileSync(join('var', 'reliability-figures.json'), `${JSON.stringify({ ...figures, seed: SEED }, null, 2)}\n`);
});

describe('the count of rows lost', () => {
  it('is read from the disk: a certificate PDF gone, a manifest entry gone or a register line gone each count a row lost', async () => {
    const p = makeProject(tmp());
    const file = await examResultsFile(p.dir, 'exam-results-count.csv', 6);
    const sent = iinsOf(file);
    const run = startTanu(['run', file, '--config', p.config, '--json']);
    expect((await run.exited).code, run.stderr()).toBe(0);
    expect(await rowsLostOnDisk(p.outbox, p.config, sent)).toEqual({ lost: [], twice: [] });

    const [manifestPath] = manifests(p.outbox);
    if (!manifestPath) throw new Error('no manifest');
    const certificates = readManifest(manifestPath).documents.filter((d) => d.type === 'certificate');
    const [a, b, c] = certificates;
    if (!a || !b || !c) throw new Error('fewer than three certificates');

    // A certificate PDF missing from the outbox.
    const pdf = join(manifestPath, '..', a.file);
    renameSync(pdf, `${pdf}.away`);
    expect((await rowsLostOnDisk(p.outbox, p.config, sent)).lost).toEqual([a.iin]);
    renameSync(`${pdf}.away`, pdf);

    // A manifest that no longer lists a certificate.
    const original = readFileSync(manifestPath, 'utf8');
    const manifest = readManifest(manifestPath);
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, documents: manifest.documents.filter((d) => d.serial !== b.serial) }));
    expect((await rowsLostOnDisk(p.outbox, p.config, sent)).lost).toEqual([b.iin]);
    writeFileSync(manifestPath, original);

    // A register without the person's line.
    const db = new Database(p.ledger);
    db.prepare('DELETE FROM registry WHERE certificate_serial = ?').run(c.serial);
    db.close();
    expect((await rowsLostOnDisk(p.outbox, p.config, sent)).lost).toEqual([c.iin]);
    // And a row that was never issued at all.
    expect((await rowsLostOnDisk(p.outbox, p.config, [...sent, '000000000000'])).lost).toEqual([c.iin, '000000000000']);
  }, 120_000);
});

describe('kill -9', () => {
  it(`at ${KILLS} random moments of 1,000-row batches, each followed by a restart: nothing lost, nothing twice`, async () => {
    const p = makeProject(tmp());
    const random = seeded(SEED);
    const made: string[] = [];
    const fileFor = async (k: number) => {
      const file = join(p.dir, `exam-results-storm-${k}.csv`);
      if (!existsSync(file)) made.push(await examResultsFile(p.dir, `exam-results-storm-${k}.csv`, 1000, k * 1000));
      return file;
    };
    const moments = { starting: 0, rendering: 0, completing: 0, exiting: 0 };
    const allDone = /"done":(\d+),"total":\1\b/;
    let kills = 0;
    let k = 0;
    while (kills < KILLS) {
      const file = await fileFor(k);
      const run = startTanu(['run', file, '--config', p.config, '--json']);
      let exited = false;
      void run.exited.then(() => (exited = true));
      // Where to strike: while starting or planning, while rendering and publishing, or right as the last chunk lands.
      const dice = random();
      const log = run.stderr;
      const working = () => log().includes('"planned"') || log().includes('"resumed"');
      if (dice < 0.2) await sleep(random() * 3000);
      else if (dice < 0.9) {
        await until(() => exited || working(), 120_000, 'a plan');
        await sleep(random() * 1000);
      } else {
        await until(() => exited || allDone.test(log()), 120_000, 'the last chunk');
        await sleep(random() * 30);
      }
      if (exited) {
        // This file's batch completed before the blow: the storm goes on with the next file.
        expect((await run.exited).code, run.stderr()).toBe(0);
        k++;
        continue;
      }
      run.child.kill('SIGKILL');
      const exit = await run.exited;
      if (exit.signal !== 'SIGKILL') {
        // It finished in the same instant: not a kill.
        expect(exit.code, run.stderr()).toBe(0);
        k++;
        continue;
      }
      kills++;
      inject();
      const at = log();
      moments[at.includes('"published"') ? 'exiting' : allDone.test(at) ? 'completing' : working() ? 'rendering' : 'starting']++;
      // After every kill: the ledger is whole and no serial was skipped or given twice.
      if (existsSync(p.ledger)) {
        const facts = ledgerFacts(p.ledger);
        expect(facts.integrity).toBe('ok');
        expect(facts.distinctSerials).toBe(facts.certificates);
        expect(facts.lastSerial).toBe(facts.certificates);
      }
      // The manifest and then its signature are written last: a signed manifest vouches for a whole batch.
      const sealed = manifests(p.outbox).filter((m) => existsSync(`${m}.p7s`));
      // The key that signed them exists once any is signed.
      const trust = sealed.length > 0 ? await loadTrust([join(p.dir, 'var', 'keys', 'dev-ca.pem')]) : [];
      for (const m of sealed) expect((await verifyManifest(m, trust)).valid, m).toBe(true);
    }
    // Restart each file once more and let it finish.
    for (const file of made) {
      const run = startTanu(['run', file, '--config', p.config, '--json']);
      const exit = await run.exited;
      expect(exit.code, run.stderr()).toBe(0);
      expect(JSON.parse(run.stdout()).outcomes[0].outcome).toMatch(/^(published|already-published)$/);
    }
    const rows = made.length * 1000;
    const lost = await expectWhole(p, iinsOf(...made));
    tally(kills, rows, lost, `kill -9: ${kills} kills over ${made.length} files of 1,000 rows (${moments.starting} while starting or planning, ${moments.rendering} while rendering and publishing, ${moments.completing} while completing, ${moments.exiting} after the manifest)`);
  }, 900_000);
});

describe('Chromium', () => {
  it('killed, then frozen, in the middle of a batch: relaunched, and the batch completes', async () => {
    const p = makeProject(tmp());
    const file = await examResultsFile(p.dir, 'exam-results-browser.csv', 400);
    const run = startTanu(['run', file, '--config', p.config, '--json'], { TANU_DOCUMENTS__RENDER_TIMEOUT_MS: '3000', TANU_DOCUMENTS__PRINT_BATCH: '10' });
    const certificates = () => files(p.outbox).filter((f) => f.includes('certificates') && f.endsWith('.pdf')).length;
    const pid = run.child.pid ?? 0;

    await until(() => certificates() >= 20, 120_000, 'the first certificates');
    const first = chromiumOf(pid);
    if (!first) throw new Error('no Chromium under the tanu process');
    process.kill(first, 'SIGKILL');
    inject();

    // A relaunched browser, frozen: a hang, not a crash; the print deadline must notice it.
    // The pid the wait saw, not a second look: Chromium may be between launches by then,
    // and a pid of 0 would stop this whole process group (the test runner with it).
    let second = 0;
    await until(
      () => {
        second = chromiumOf(pid) ?? 0;
        return second !== 0 && second !== first && certificates() >= 60;
      },
      120_000,
      'a relaunched browser',
    );
    process.kill(second, 'SIGSTOP');
    inject();

    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(0);
    expect(JSON.parse(run.stdout()).outcomes[0]).toMatchObject({ outcome: 'published', documents: 408, failed: 0 });
    expect(existsSync(`/proc/${second}`)).toBe(false);
    const lost = await expectWhole(p, iinsOf(file));
    tally(2, 400, lost, 'Chromium: killed once and frozen once during a 400-row batch; relaunched both times');
  }, 300_000);
});

describe('disk full', () => {
  it('the outbox fills up while publishing: a clean failure, nothing partial, a consistent ledger; the batch completes when space returns', async () => {
    const p = makeProject(tmp());
    const file = await examResultsFile(p.dir, 'exam-results-disk.csv', 200);
    const out = join(p.dir, 'results');
    mkdirSync(out);
    // A private mount namespace: the 2 MB tmpfs over outbox/ exists only for this script.
    const script = `
      set -u
      mount -t tmpfs -o size=2m,mode=0755 tmpfs "$OUTBOX"
      node bin/tanu.js run "$FILE" --config "$CONFIG" --json > "$OUT/full.json" 2> "$OUT/full.err"; echo $? > "$OUT/full.rc"
      (cd "$OUTBOX" && find . -type f -exec sha256sum {} +) > "$OUT/full.sha256"
      mkdir "$OUT/full-ledger" && cp "$LEDGER"* "$OUT/full-ledger/"
      mount -o remount,size=256m "$OUTBOX"
      node bin/tanu.js run "$FILE" --config "$CONFIG" --json > "$OUT/again.json" 2> "$OUT/again.err"; echo $? > "$OUT/again.rc"
      cp -a "$OUTBOX/." "$OUT/outbox/"
    `;
    mkdirSync(join(out, 'outbox'));
    inject();
    const unshare = process.getuid?.() === 0 ? ['--mount', '--propagation', 'private'] : ['--map-root-user', '--mount', '--propagation', 'private'];
    const result = await runChild('unshare', [...unshare, 'bash', '-c', script], {
      env: { ...process.env, OUTBOX: p.outbox, FILE: file, CONFIG: p.config, OUT: out, LEDGER: p.ledger },
      timeout: 240_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const read = (name: string) => readFileSync(join(out, name), 'utf8');

    // Full: exit 2 with the operator's code, and nothing half-written.
    expect(read('full.rc').trim()).toBe('2');
    expect(read('full.err')).toContain('[NO_SPACE]');
    const onDisk = new Map(
      read('full.sha256')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => [resolve(p.outbox, line.slice(66)), line.slice(0, 64)] as const),
    );
    expect([...onDisk.keys()].filter((f) => /\.tmp-\d+$/.test(f))).toEqual([]);
    expect([...onDisk.keys()].filter((f) => f.endsWith('manifest.json'))).toEqual([]);
    // Every document the ledger (as the failed run left it) calls published is on disk whole, with the hash it recorded.
    const facts = ledgerFacts(join(out, 'full-ledger', 'ledger.sqlite'));
    expect(facts.integrity).toBe('ok');
    expect(facts.batches.map((b) => b.state)).toEqual(['planned']);
    expect(facts.published.length).toBeLessThan(204);
    for (const d of facts.published) {
      const recorded = JSON.parse(d.files_json) as { pdf: string; pdf_sha256: string };
      // Paths in the ledger are relative to the outbox (the batch folder) and to the batch folder (its files).
      expect(onDisk.get(join(p.outbox, d.outbox_dir, recorded.pdf)), d.serial).toBe(recorded.pdf_sha256);
    }
    // Space back: the same command finishes the batch.
    expect(read('again.rc').trim(), read('again.err')).toBe('0');
    expect(JSON.parse(read('again.json')).outcomes[0]).toMatchObject({ outcome: 'published', resumed: true, documents: 204 });

    const copy = { ...p, outbox: join(out, 'outbox') };
    const caPem = join(p.dir, 'var', 'keys', 'dev-ca.pem');
    const [manifest] = manifests(copy.outbox);
    if (!manifest) throw new Error('no manifest once space returned');
    // The manifest names paths under the real outbox; the copy is checked through its own paths.
    expect((await expectBatchVerifies(manifest, caPem, nssTrusting(join(p.dir, 'nss'), caPem))).filter((d) => d.type === 'certificate')).toHaveLength(200);
    expect(tempFiles(copy.outbox)).toEqual([]);
    expect(ledgerFacts(p.ledger)).toMatchObject({ certificates: 200, distinctSerials: 200, lastSerial: 200, registry: 200, unpublished: 0 });
    const lost = await expectNothingLost(copy.outbox, p.config, iinsOf(file));
    tally(1, 200, lost, `disk full: a 2 MB outbox filled after ${facts.published.length} of 204 documents; completed after the space returned`);
  }, 300_000);
});

describe('one ledger, several processes', () => {
  /**
   * Holds the ledger's write lock from another process, the way a sqlite3 shell or a backup
   * tool would: for `release` ms, or, given a path, until a file appears there.
   */
  function lockLedger(path: string, release: number | string) {
    const until =
      typeof release === 'number'
        ? `setTimeout(done, ${release});`
        : `const t = setInterval(() => { if (require('fs').existsSync(${JSON.stringify(release)})) { clearInterval(t); done(); } }, 50);`;
    const holder = startNode(
      `const Database = require('better-sqlite3'); const db = new Database(${JSON.stringify(path)}); db.exec('BEGIN EXCLUSIVE'); console.log('locked'); const done = () => { db.exec('COMMIT'); db.close(); }; ${until}`,
    );
    return holder;
  }

  it('a ledger locked by another process: tanu run waits, then exits 2 with LEDGER_BUSY and touches nothing; run again, it issues', async () => {
    const p = makeProject(tmp());
    const file = await examResultsFile(p.dir, 'exam-results-locked.csv', 30);
    const before = sha256(readFileSync(file));
    // The ledger and the dev key exist before the lock is taken.
    for (const args of [['status'], ['keys', 'dev']]) {
      const warm = startTanu([...args, '--config', p.config]);
      expect((await warm.exited).code, warm.stderr()).toBe(0);
    }
    // Held until tanu run has given up, however slow the machine: the 10 s wait is Tanu's, not the test's.
    const released = join(p.dir, 'release-the-ledger');
    const holder = lockLedger(p.ledger, released);
    inject();
    await until(() => holder.stdout().includes('locked'), 30_000, 'the lock');

    const run = startTanu(['run', file, '--config', p.config, '--json']);
    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(2);
    expect(run.stderr()).toContain('[LEDGER_BUSY]');
    expect(sha256(readFileSync(file))).toBe(before);
    expect(files(p.outbox)).toEqual([]);
    writeFileSync(released, '');
    expect((await holder.exited).code).toBe(0);

    const again = startTanu(['run', file, '--config', p.config, '--json']);
    expect((await again.exited).code, again.stderr()).toBe(0);
    tally(1, 30, await expectWhole(p, iinsOf(file)), 'ledger locked by another process: tanu run refused with LEDGER_BUSY after 10 s, nothing written; issued on the next run');
  }, 300_000);

  it('two tanu watch on one inbox, the ledger briefly locked under them: every file issued once, no document twice', async () => {
    const p = makeProject(tmp());
    const env = { TANU_WATCH__STABILITY_MS: '300', TANU_WATCH__RETRY_MS: '500' };
    // Started together on a fresh install: they must agree on one ledger and one development key.
    const watchers = [startTanu(['watch', '--config', p.config], env), startTanu(['watch', '--config', p.config], env)];
    await until(() => watchers.every((w) => w.stderr().includes('inbox')), 60_000, 'both watchers');
    const holder = lockLedger(p.ledger, 12_000);
    inject(2);
    await until(() => holder.stdout().includes('locked'), 30_000, 'the lock');
    const sent: string[] = [];
    for (let k = 0; k < 4; k++) {
      const csv = await examResultsCsv(60, k * 60);
      sent.push(...sentIins(csv));
      writeFileSync(join(p.inbox, `exam-results-shared-${k}.csv`), csv);
    }
    await until(() => manifests(p.outbox).length === 4 && files(p.inbox).length === 0, 180_000, 'four published batches and an empty inbox');
    watchers.forEach((w) => w.child.kill('SIGTERM'));
    for (const w of watchers) expect((await w.exited).code, w.stderr()).toBe(0);
    await holder.exited;
    const log = watchers.map((w) => w.stderr()).join('\n');
    expect(log).toContain('LEDGER_BUSY');
    expect(manifests(p.outbox).map((m) => readManifest(m).documents.length)).toEqual([62, 62, 62, 62]);
    tally(2, 240, await expectWhole(p, sent), 'two watchers on one inbox with the ledger locked for 12 s under them: 4 files issued once each');
  }, 300_000);
});
