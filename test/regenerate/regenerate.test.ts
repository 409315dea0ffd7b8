import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tanu } from '../support/cli.js';
import { expectBatchVerifies, manifests, readManifest } from '../support/outbox.js';
import { nssTrusting } from '../support/pki.js';
import { pdfText } from '../support/poppler.js';
import { examResultsCsv, makeProject } from '../support/project.js';
import { CARD4, NEW_NAME, V3, ownStandards, q88WithVersion } from '../support/standards.js';
import { useTmpDir } from '../support/tmp.js';
import { cardOn, parseStandard } from '../../pipeline/standards/library.js';
import { SqliteLedgerReader } from '../../pipeline/serve/reader.js';
import { verify as verifyCertificate } from '../../pipeline/serve/verdict.js';
import { chromiumOf, descendants, startTanu, until } from '../reliability/support.js';

/**
 * Issue 14 end to end: certificates issued for cards 4 (3412-0-011) and 9 (1210-0-040) of
 * Q88100061, then a version that renames card 4 in Kazakh. Real Chromium, SQLite, keys;
 * pdfsig, openssl and pdftotext judge the files.
 */
const tmp = useTmpDir();

const CARD9 = '1210-0-040';
const fail = (): never => {
  throw new Error('the test standard does not parse');
};

/** A project whose own standards folder can take a new version, with four certificates issued: two per card, one of card 4 in Russian only. */
async function issued() {
  const p = makeProject(tmp());
  const standards = ownStandards(p);
  const [header, ...rows] = (await examResultsCsv(20)).trim().split('\n');
  const chosen = rows.filter((r) => r.includes(`,${CARD4},`) || r.includes(`,${CARD9},`));
  // The first card-4 row in Kazakh (the rename prints there), the second stays in Russian.
  const first = chosen.findIndex((r) => r.includes(`,${CARD4},`));
  chosen[first] = (chosen[first] ?? '').replace(/,ru,/, ',kk,');
  const file = join(p.inbox, 'exam-results.csv');
  writeFileSync(file, `${header}\n${chosen.join('\n')}\n`);
  const run = await tanu(['run', file, '--config', p.config]);
  expect(run.code, run.err).toBe(0);
  const db = new Database(p.ledger, { readonly: true });
  const certs = db.prepare(`SELECT serial, card_code, language FROM documents WHERE type = 'certificate' ORDER BY serial`).all() as { serial: string; card_code: string; language: string }[];
  db.close();
  expect(certs.map((c) => c.card_code).sort()).toEqual([CARD9, CARD9, CARD4, CARD4].sort());
  const card4kk = certs.find((c) => c.card_code === CARD4 && c.language === 'kk')?.serial;
  if (!card4kk) throw new Error('no Kazakh card-4 certificate');
  writeFileSync(join(standards, 'Q88100061.yaml'), q88WithVersion(V3));
  return { p, card4kk };
}

const regenerate = (config: string, ...args: string[]) => tanu(['regenerate', '--standard', 'Q88100061', '--config', config, '--json', ...args]);

describe('tanu regenerate', () => {
  it('diff, dry-run, apply: only the documents that print the change; verified new revisions; old ones kept and superseded; a second run does nothing', async () => {
    const { p, card4kk } = await issued();
    const batchDir = manifests(p.outbox)[0]?.replace(/manifest\.json$/, '') ?? '';
    const oldCertificate = readFileSync(join(batchDir, 'certificates', `${card4kk}.pdf`));
    const oldProtocol = readFileSync(join(batchDir, 'protocols', 'П-1.pdf'));

    const diff = await tanu(['standards', 'diff', 'Q88100061', '--config', p.config, '--json']);
    expect(diff.code, diff.err).toBe(0);
    const changes = JSON.parse(diff.out);
    expect(changes).toMatchObject({ standard: 'Q88100061', from: 2, to: 3 });
    expect(changes.changes).toEqual([expect.objectContaining({ card: CARD4, field: 'name', label: { kk: 'атауы', ru: 'название' }, to: expect.objectContaining({ kk: NEW_NAME }) })]);
    const human = await tanu(['standards', 'diff', 'Q88100061', '--config', p.config, '--language', 'kk']);
    // Values labelled by language, never JSON: only the Kazakh name changed.
    expect(human.out).toContain(`    + kk: ${NEW_NAME}\n`);
    expect(human.out).not.toMatch(/[{}"]/);
    expect(human.out).not.toContain('ru: ');

    const oldName = cardOn(parseStandard('Q88100061.yaml', q88WithVersion(V3)).standard ?? fail(), CARD4, 2)?.name.kk;
    const dry = await regenerate(p.config, '--dry-run');
    expect(dry.code, dry.err).toBe(0);
    const plan = JSON.parse(dry.out);
    expect(plan).toEqual({
      standard: 'Q88100061',
      to_version: 3,
      affected: [
        { type: 'certificate', serial: card4kk, revision: 1, fields: ['profession.name.kk'], changes: [{ card: CARD4, field: 'name', language: 'kk', from: oldName, to: NEW_NAME }] },
        {
          type: 'protocol',
          serial: 'П-1',
          revision: 1,
          fields: [expect.stringMatching(/^professions\[\d\]\.name\.kk$/)],
          changes: [{ card: CARD4, field: 'name', language: 'kk', from: oldName, to: NEW_NAME }],
        },
      ],
      // Card 9 twice, card 4 printed only in Russian once.
      unaffected: 3,
    });
    // Narrowed to card 9, or to another centre: nothing to re-issue.
    expect(JSON.parse((await regenerate(p.config, '--dry-run', '--cards', CARD9)).out)).toMatchObject({ affected: [], unaffected: 5 });
    expect(JSON.parse((await regenerate(p.config, '--dry-run', '--centre', 'ALM01')).out)).toMatchObject({ affected: [], unaffected: 5 });
    const told = await tanu(['regenerate', '--standard', 'Q88100061', '--dry-run', '--config', p.config, '--language', 'kk']);
    expect(told.out).toContain('қайта беріледі 2, өзгеріссіз 3');
    expect(told.out).toContain('өзгеріс оның тілінде басылмайды: 1');
    // Card, field and language, the old wording and the new, in the reader's words, not the model's paths.
    expect(told.out).toContain(`карточка ${CARD4}, атауы (kk):\n      − ${oldName}\n      + ${NEW_NAME}`);
    expect(told.out).not.toContain('profession');
    // Applying needs a reason.
    expect((await regenerate(p.config)).code).toBe(2);

    const applied = await regenerate(p.config, '--reason', 'Order No. 7 re-words card 4');
    expect(applied.code, applied.err).toBe(0);
    const result = JSON.parse(applied.out);
    expect(result.affected).toEqual(plan.affected);
    expect(result.issued).toEqual([
      { type: 'certificate', serial: card4kk, revision: 2, file: expect.stringMatching(new RegExp(`certificates/${card4kk}\\.r2\\.pdf$`)) },
      { type: 'protocol', serial: 'П-1', revision: 2, file: expect.stringMatching(/protocols\/П-1\.r2\.pdf$/) },
    ]);
    const newManifest = join(p.outbox, result.issued[0].file, '..', '..', 'manifest.json');
    const caPem = join(p.dir, 'var', 'keys', 'dev-ca.pem');
    const verified = await expectBatchVerifies(newManifest, caPem, nssTrusting(join(p.dir, 'nss'), caPem));
    expect(verified.map((d) => [d.serial, d.revision])).toEqual([
      [card4kk, 2],
      ['П-1', 2],
    ]);
    const newText = pdfText(readFileSync(join(p.outbox, result.issued[0].file)));
    expect(newText).toContain(NEW_NAME);
    expect(newText).toContain('2-редакция, 1-редакцияның орнына берілді');
    expect(pdfText(readFileSync(join(p.outbox, result.issued[1].file)))).toContain(NEW_NAME);
    expect(pdfText(oldCertificate)).not.toContain(NEW_NAME);
    expect(readFileSync(join(batchDir, 'certificates', `${card4kk}.pdf`))).toEqual(oldCertificate);
    expect(readFileSync(join(batchDir, 'protocols', 'П-1.pdf'))).toEqual(oldProtocol);

    const db = new Database(p.ledger, { readonly: true });
    const revisions = db.prepare(`SELECT serial, revision, status, supersedes, id FROM documents WHERE serial IN (?, 'П-1') ORDER BY type, revision`).all(card4kk) as {
      serial: string;
      revision: number;
      status: string;
      supersedes: number | null;
      id: number;
    }[];
    expect(revisions.map((r) => [r.serial, r.revision, r.status])).toEqual([
      [card4kk, 1, 'superseded'],
      [card4kk, 2, 'issued'],
      ['П-1', 1, 'superseded'],
      ['П-1', 2, 'issued'],
    ]);
    expect(revisions[1]?.supersedes).toBe(revisions[0]?.id);
    expect(db.prepare('SELECT revision FROM registry WHERE certificate_serial = ?').pluck().get(card4kk)).toBe(2);
    const event = db.prepare(`SELECT data_json FROM events WHERE type = 'regeneration-planned'`).pluck().get() as string;
    expect(JSON.parse(event)).toMatchObject({ standard: 'Q88100061', to_version: 3, reason: 'Order No. 7 re-words card 4', documents: 2, by: expect.any(String) });
    db.close();

    // The old paper's QR leads to "superseded, see the current revision"; the new one's to the new revision.
    const reader = SqliteLedgerReader.open(p.ledger);
    const [r1, r2] = await reader.certificate(card4kk);
    await reader.close();
    if (!r1?.verify_code || !r2?.verify_code) throw new Error('revisions without codes');
    expect(r2.verify_code).not.toBe(r1.verify_code);
    expect(verifyCertificate([r1, r2], r1.verify_code, '2026-11-23')).toMatchObject({ revision: 1, status: 'superseded', current_revision: { revision: 2 } });
    expect(verifyCertificate([r1, r2], r2.verify_code, '2026-11-23')).toMatchObject({ revision: 2, status: 'valid', profession: { kk: NEW_NAME } });

    // Both revisions pass; the ledger says which one is current.
    const verify = await tanu(['verify', p.outbox, '--config', p.config, '--json']);
    expect(verify.code, verify.out).toBe(0);
    const byFile = (name: string) => JSON.parse(verify.out).files.find((f: { file: string }) => f.file.endsWith(name))?.ledger;
    expect(byFile(`${card4kk}.pdf`)).toMatchObject({ revision: 1, status: 'superseded', current: 2 });
    expect(byFile(`${card4kk}.r2.pdf`)).toMatchObject({ revision: 2, status: 'issued', current: 2 });
    const verifyText = await tanu(['verify', p.outbox, '--config', p.config]);
    expect(verifyText.out).toContain('редакция 1 заменена, текущая — редакция 2');

    const again = await regenerate(p.config, '--reason', 'again');
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toEqual({ standard: 'Q88100061', to_version: 3, affected: [], unaffected: 5, issued: [] });
  });

  it('in batches of documents.regeneration_batch: one batch per document at 1, each signed and verified, each document once', async () => {
    const { p, card4kk } = await issued();
    const env = { TANU_DOCUMENTS__REGENERATION_BATCH: '1' };
    const applied = await tanu(['regenerate', '--standard', 'Q88100061', '--config', p.config, '--json', '--reason', 'Order No. 7'], env);
    expect(applied.code, applied.err).toBe(0);
    const result = JSON.parse(applied.out);
    // As the dry run counts them: the new revisions issued during the run are not counted again.
    expect(result).toMatchObject({ unaffected: 3 });
    expect(result.issued.map((d: { serial: string; revision: number }) => [d.serial, d.revision])).toEqual([
      [card4kk, 2],
      ['П-1', 2],
    ]);
    const batchOf = (file: string) => file.split('/').slice(0, 3).join('/');
    expect(new Set(result.issued.map((d: { file: string }) => batchOf(d.file))).size).toBe(2);
    const caPem = join(p.dir, 'var', 'keys', 'dev-ca.pem');
    const nss = nssTrusting(join(p.dir, 'nss'), caPem);
    for (const d of result.issued as { file: string }[]) {
      const verified = await expectBatchVerifies(join(p.outbox, batchOf(d.file), 'manifest.json'), caPem, nss);
      expect(verified).toHaveLength(1);
    }
    const again = await tanu(['regenerate', '--standard', 'Q88100061', '--config', p.config, '--json', '--reason', 'again'], env);
    expect(JSON.parse(again.out)).toMatchObject({ affected: [], issued: [] });
  });

  it('kill -9 in the middle of applying, then the same command again: each affected document re-issued exactly once', async () => {
    const { p } = await issued();
    const run = startTanu(['regenerate', '--standard', 'Q88100061', '--reason', 'Order No. 7', '--config', p.config]);
    const planned = () => {
      const db = new Database(p.ledger, { readonly: true });
      try {
        return (db.prepare(`SELECT COUNT(*) FROM batches WHERE kind = 'regeneration' AND state = 'planned'`).pluck().get() as number) > 0;
      } finally {
        db.close();
      }
    };
    await until(planned, 120_000, 'the regeneration planned');
    const below = descendants(run.child.pid ?? 0);
    const browser = chromiumOf(run.child.pid ?? 0);
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    // The browser the killed process left behind, and its helpers.
    for (const pid of [...(browser ? [browser] : []), ...below]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone with its parent.
      }
    }
    const rerun = await regenerate(p.config, '--reason', 'Order No. 7');
    expect(rerun.code, rerun.err).toBe(0);
    const db = new Database(p.ledger, { readonly: true });
    const rows = db.prepare(`SELECT type, serial, revision, status, state FROM documents WHERE revision > 1 ORDER BY type`).all();
    const batches = db.prepare(`SELECT state FROM batches WHERE kind = 'regeneration'`).pluck().all();
    db.close();
    expect(rows).toEqual([
      { type: 'certificate', serial: expect.any(String), revision: 2, status: 'issued', state: 'published' },
      { type: 'protocol', serial: 'П-1', revision: 2, status: 'issued', state: 'published' },
    ]);
    expect(batches).toEqual(['published']);
    expect(JSON.parse((await regenerate(p.config, '--dry-run')).out).affected).toEqual([]);
  });

  it('a protocol number that arrives again in a later file: the protocol is re-issued as revision 2 with the rows of both, superseding revision 1', async () => {
    const p = makeProject(tmp());
    const first = join(p.inbox, 'exam-results-a.csv');
    const second = join(p.inbox, 'exam-results-b.csv');
    // Rows 0–1 and 2–3 of one sitting, П-1, in two drops.
    writeFileSync(first, await examResultsCsv(2, 0));
    writeFileSync(second, await examResultsCsv(2, 2));
    expect((await tanu(['run', first, '--config', p.config])).code).toBe(0);
    expect((await tanu(['run', second, '--config', p.config])).code).toBe(0);
    const [a, b] = manifests(p.outbox).map((m) => readManifest(m));
    const protocols = [a, b].map((m) => m?.documents.filter((d) => d.type === 'protocol').map((d) => [d.serial, d.revision, d.file]));
    expect(protocols).toContainEqual([['П-1', 1, 'protocols/П-1.pdf']]);
    expect(protocols).toContainEqual([['П-1', 2, 'protocols/П-1.r2.pdf']]);
    const latest = manifests(p.outbox).find((m) => readManifest(m).documents.some((d) => d.revision === 2));
    if (!latest) throw new Error('no revision 2');
    const text = pdfText(readFileSync(join(latest, '..', 'protocols', 'П-1.r2.pdf')));
    // Rows in both languages: the protocol is bilingual, and says it replaces revision 1 in each.
    expect(text).toContain('Редакция 2, выдана взамен редакции 1');
    expect(text).toContain('2-редакция, 1-редакцияның орнына берілді');
    const db = new Database(p.ledger, { readonly: true });
    expect(db.prepare(`SELECT revision, status, json_array_length(model_json, '$.rows') AS rows FROM documents WHERE type = 'protocol' ORDER BY revision`).all()).toEqual([
      { revision: 1, status: 'superseded', rows: 2 },
      { revision: 2, status: 'issued', rows: 4 },
    ]);
    db.close();
  });
});
