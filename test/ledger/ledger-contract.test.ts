import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { afterAll, describe, expect, it } from 'vitest';
import type { TanuError } from '../../pipeline/core/tanu-error.js';
import type { Claim, FileRow, Ledger, NewBatch, NewDocument, PlanChunk, PlannedRecord, RegistryRow } from '../../pipeline/ledger/ledger.js';
import { MIGRATIONS } from '../../pipeline/ledger/migrations.js';
import { PostgresLedger } from '../../pipeline/ledger/postgres.js';
import { POSTGRES_MIGRATIONS } from '../../pipeline/ledger/postgres-migrations.js';
import { SqliteLedger } from '../../pipeline/ledger/sqlite.js';
import { EVERYTHING } from '../../pipeline/ledger/rows.js';
import { collect } from '../support/collect.js';
import type { FileReport } from '../../pipeline/validate/report.js';
import { usePostgres } from '../support/postgres.js';

/**
 * One suite, both adapters: every step of the Ledger seam, its refusals, and writers
 * racing each other. What the engine relies on must hold whichever ledger the config
 * names (docs/architecture.md, "The PostgreSQL ledger").
 */

const postgres = usePostgres();
const folders: string[] = [];
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * A place for a ledger (a file, a database), opening it, and behind its back: setting its
 * schema version, holding its serial counters locked as another process would.
 */
type Adapter = {
  name: string;
  fresh: () => Promise<string>;
  open: (where: string) => Promise<Ledger>;
  setVersion: (where: string, version: number) => Promise<void>;
  lockSerials: (where: string) => Promise<() => Promise<void>>;
};

const sqlite: Adapter = {
  name: 'sqlite',
  fresh: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tanu-ledger-'));
    folders.push(dir);
    return join(dir, 'ledger.sqlite');
  },
  open: async (path) => SqliteLedger.open(path),
  setVersion: async (path, version) => {
    const db = new Database(path);
    db.pragma(`user_version = ${version}`);
    db.close();
  },
  lockSerials: async (path) => {
    const db = new Database(path);
    db.prepare('BEGIN IMMEDIATE').run();
    return async () => {
      db.prepare('ROLLBACK').run();
      db.close();
    };
  },
};

const pgClient = async (url: string) => {
  const client = new pg.Client({ ...parseIntoClientConfig(url), password: postgres.info.password });
  await client.connect();
  return client;
};

const pgAdapter: Adapter = {
  name: 'postgres',
  fresh: () => postgres.database(),
  open: (url) => PostgresLedger.open({ url, password: postgres.info.password }),
  setVersion: async (url, version) => {
    const client = await pgClient(url);
    await client.query('UPDATE schema_version SET version = $1', [version]);
    await client.end();
  },
  lockSerials: async (url) => {
    const client = await pgClient(url);
    await client.query('BEGIN');
    await client.query('LOCK TABLE serials IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await client.query('ROLLBACK');
      await client.end();
    };
  },
};

const AT = '2026-11-20T09:00:00.000Z';
const alive: Claim['alive'] = () => true;
const dead: Claim['alive'] = () => false;

function fileAndBatch(id: string, centre = 'ALM01'): { file: FileRow; batch: NewBatch } {
  const sha256 = id.padEnd(64, '0');
  return {
    file: { sha256, name: `${id}.csv`, centre, kind: 'exam-results', received_at: AT, stored_path: `/received/${sha256}`, outcome: 'accepted', batch_id: id },
    batch: { id, file_sha256: sha256, centre, kind: 'exam-results', created_at: AT, issue_date: '2026-11-20', outbox_dir: `${centre}/2026-11-20/${id}` },
  };
}

async function opened(ledger: Ledger, id: string, centre = 'ALM01') {
  const { file, batch } = fileAndBatch(id, centre);
  expect(await ledger.openBatch(batch, file, { owner: `owner-${id}`, alive, at: AT })).toEqual({ opened: true });
  return batch.id;
}

const certificate = (serial: string, iin: string): NewDocument => ({
  type: 'certificate',
  serial,
  iin,
  profession_code: 'P-1',
  level: 4,
  language: 'kk',
  standard_code: 'PS-1',
  standard_version: 1,
  card_code: 'C-1',
  model: { serial, holder: iin },
  verify_code: `code-${serial}`,
});

const record = (row: number, iin: string, document: NewDocument | null, protocol = 'PR-1'): PlannedRecord => ({
  row,
  iin,
  profession_code: 'P-1',
  level: 4,
  status: 'passed',
  protocol_number: protocol,
  data: { row, iin, last_name: `Surname${row}` },
  document,
});

/** A chunk of certificates numbered from `after + 1`, one person each, as planChunk makes them. */
function chunk(prefix: string, after: number, people: readonly { row: number; iin: string }[], year = 2026): PlanChunk {
  return {
    records: people.map((p, i) => record(p.row, p.iin, certificate(`${prefix}-${year}-${String(after + i + 1).padStart(6, '0')}`, p.iin))),
    serials: people.length > 0 ? { centre: prefix, year, after, count: people.length } : null,
  };
}

const report = (rows: number): FileReport => ({ file: 'f.csv', kind: 'exam-results', centre: 'ALM01', rows, valid: rows, errors: [], warnings: [] });

const registryRow = (serial: string, iin: string, centre = 'ALM01'): RegistryRow => ({
  certificate_serial: serial,
  revision: 1,
  iin,
  full_name: 'Асқар Нұрланұлы',
  profession_code: 'P-1',
  profession_kk: 'Дәнекерлеуші',
  profession_ru: 'Сварщик',
  level: 4,
  centre,
  issue_date: '2026-11-20',
  expiry_date: '2031-11-20',
  attestation_result: null,
  attestation_category: null,
  attestation_date: null,
});

/** A batch planned, issued and finished: its certificates published with files and in the register. */
async function published(ledger: Ledger, id: string, prefix: string, people: readonly { row: number; iin: string }[], centre = 'ALM01') {
  const batchId = await opened(ledger, id, centre);
  const plan = chunk(prefix, await ledger.lastSerial(prefix, 2026), people);
  expect(await ledger.commitPlan(batchId, plan)).toEqual({ committed: true });
  await ledger.completePlan(batchId, { documents: [], report: report(people.length), rejected: [], at: AT, file: `${id}.csv` });
  const documents = await ledger.plannedDocuments(batchId, 0, 1000);
  await ledger.markDocuments(documents.map((d) => ({ id: d.id, state: 'published' as const, files: { pdf: `${d.serial}.pdf`, pdf_sha256: 'ab'.repeat(32) } })));
  await ledger.gatherRegisterRows(batchId, documents.map((d) => registryRow(d.serial, d.iin ?? '', centre)));
  await ledger.finishBatch(batchId, AT, { documents: documents.length });
  return documents.map((d) => d.serial);
}

describe.each([sqlite, pgAdapter])('the $name ledger', (adapter) => {
  const withLedger = async (work: (ledger: Ledger, where: string) => Promise<void>) => {
    const where = await adapter.fresh();
    const ledger = await adapter.open(where);
    try {
      await work(ledger, where);
    } finally {
      await ledger.close();
    }
  };

  it('migrates an empty ledger, opens it again as it is, and refuses one from a newer Tanu', async () => {
    const where = await adapter.fresh();
    const first = await adapter.open(where);
    expect(await collect(first.exportRegistry(EVERYTHING))).toEqual([]);
    expect(await first.lastSerial('ALM01', 2026)).toBe(0);
    await first.close();
    const again = await adapter.open(where);
    expect(await again.unfinishedBatches()).toEqual([]);
    await again.close();
    await adapter.setVersion(where, Math.max(MIGRATIONS.length, POSTGRES_MIGRATIONS.length) + 1);
    await expect(adapter.open(where)).rejects.toMatchObject({ code: 'LEDGER' } satisfies Partial<TanuError>);
  });

  it('two processes opening one empty ledger at once migrate it once', async () => {
    const where = await adapter.fresh();
    const both = await Promise.all([adapter.open(where), adapter.open(where)]);
    await opened(both[0] as Ledger, 'b1');
    expect((await (both[1] as Ledger).unfinishedBatches()).map((b) => b.id)).toEqual(['b1']);
    await Promise.all(both.map((ledger) => ledger.close()));
  });

  it('opens a batch with its file and claim once; the same bytes again give the known file', () =>
    withLedger(async (ledger) => {
      const { file, batch } = fileAndBatch('b1');
      expect(await ledger.file(file.sha256)).toBeUndefined();
      expect(await ledger.openBatch(batch, file, { owner: 'one', alive, at: AT })).toEqual({ opened: true });
      expect(await ledger.file(file.sha256)).toEqual(file);
      expect(await ledger.openBatch({ ...batch, id: 'b1-again' }, file, { owner: 'two', alive, at: AT })).toEqual({ opened: false, known: file });
      expect(await ledger.batch('b1')).toMatchObject({ id: 'b1', state: 'planned', planned_at: null, report: null, rejected: [] });
      expect(await ledger.batch('b1-again')).toBeUndefined();
      expect(await ledger.claim('b1', { owner: 'two', alive, at: AT })).toBe(false);
      expect((await ledger.unfinishedBatches()).map((b) => b.id)).toEqual(['b1']);
    }));

  it('bytes rejected before take a new verdict: rejected again, then accepted with a batch; an accepted file is never rejected after', () =>
    withLedger(async (ledger) => {
      const { file, batch } = fileAndBatch('b1');
      const rejected = { ...file, outcome: 'rejected' as const, batch_id: null, stored_path: '/rejected/one' };
      await ledger.rejectFile(rejected, AT, { errors: ['UNKNOWN_CENTRE'] });
      expect(await ledger.file(file.sha256)).toEqual(rejected);
      const later = { ...rejected, received_at: '2026-11-21T09:00:00.000Z', stored_path: '/rejected/two' };
      await ledger.rejectFile(later, later.received_at, { errors: ['UNKNOWN_CENTRE'] });
      expect(await ledger.file(file.sha256)).toEqual(later);
      expect(await ledger.openBatch(batch, file, { owner: 'one', alive, at: AT })).toEqual({ opened: true });
      expect(await ledger.file(file.sha256)).toEqual(file);
      await ledger.rejectFile(later, later.received_at, { errors: ['UNKNOWN_CENTRE'] });
      expect(await ledger.file(file.sha256)).toEqual(file);
      expect(await ledger.openBatch({ ...batch, id: 'b1-again' }, file, { owner: 'two', alive, at: AT })).toEqual({ opened: false, known: file });
    }));

  it('a live holder keeps its claim, a dead one is taken over, and only the holder releases', () =>
    withLedger(async (ledger) => {
      await opened(ledger, 'b1');
      expect(await ledger.claim('b1', { owner: 'other', alive, at: AT })).toBe(false);
      expect(await ledger.claim('b1', { owner: 'owner-b1', alive, at: AT })).toBe(true);
      expect(await ledger.claim('b1', { owner: 'other', alive: dead, at: AT })).toBe(true);
      await ledger.release('b1', 'owner-b1');
      expect(await ledger.claim('b1', { owner: 'third', alive, at: AT })).toBe(false);
      await ledger.release('b1', 'other');
      expect(await ledger.claim('b1', { owner: 'third', alive, at: AT })).toBe(true);
    }));

  it('commits a plan chunk with its serials, and refuses one whose counter moved or whose person was recognized meanwhile', () =>
    withLedger(async (ledger) => {
      const b1 = await opened(ledger, 'b1');
      expect(await ledger.commitPlan(b1, chunk('ALM01', 0, [{ row: 2, iin: '900101300001' }, { row: 3, iin: '900101300002' }]))).toEqual({ committed: true });
      expect(await ledger.lastSerial('ALM01', 2026)).toBe(2);
      expect(await ledger.lastSerial('ALM01', 2027)).toBe(0);
      expect([...(await ledger.plannedRows(b1))].sort()).toEqual([2, 3]);

      // Planned from a counter that has since moved: nothing of it is written.
      expect(await ledger.commitPlan(b1, chunk('ALM01', 0, [{ row: 4, iin: '900101300003' }]))).toEqual({ committed: false, reason: 'serials-moved' });
      expect([...(await ledger.plannedRows(b1))].sort()).toEqual([2, 3]);
      expect(await ledger.lastSerial('ALM01', 2026)).toBe(2);

      // Another batch, the same person: refused with the certificate that recognized them, nothing written.
      const b2 = await opened(ledger, 'b2');
      const again = chunk('ALM01', 2, [{ row: 2, iin: '900101300009' }, { row: 3, iin: '900101300002' }]);
      expect(await ledger.commitPlan(b2, again)).toEqual({ committed: false, reason: 'recognized', rows: [{ row: 3, serial: 'ALM01-2026-000002' }] });
      expect(await ledger.recognized('900101300002', 'P-1', 4, 'b2')).toBe('ALM01-2026-000002');
      expect(await ledger.recognized('900101300002', 'P-1', 4, 'b1')).toBeUndefined();
      expect((await ledger.plannedRows(b2)).size).toBe(0);
      expect(await ledger.lastSerial('ALM01', 2026)).toBe(2);

      // Records without documents (a failed exam) use no serial.
      expect(await ledger.commitPlan(b2, { records: [record(5, '900101300005', null, 'PR-2'), record(6, '900101300006', null, 'PR-1')], serials: null })).toEqual({ committed: true });
      expect(await ledger.protocolNumbers(b2)).toEqual(['PR-2', 'PR-1']);
      expect(await ledger.protocolRecords(b2, 'PR-1')).toEqual([{ row: 6, iin: '900101300006', last_name: 'Surname6' }]);
    }));

  it('completes a plan, marks documents published or failed, finishes the batch into the register', () =>
    withLedger(async (ledger) => {
      const b1 = await opened(ledger, 'b1');
      await ledger.commitPlan(b1, chunk('ALM01', 0, [{ row: 2, iin: '900101300001' }, { row: 3, iin: '900101300002' }]));
      const protocol: NewDocument = { ...certificate('ALM01-PR-1', '900101300001'), type: 'protocol', iin: null, profession_code: null, level: null, verify_code: null, model: { rows: 2 } };
      await ledger.completePlan(b1, { documents: [protocol], report: report(3), rejected: [{ row: 4, cells: { iin: 'x' } }], at: AT, file: 'b1.csv' });
      expect(await ledger.batch(b1)).toMatchObject({ planned_at: AT, rows: 3, valid: 3, errors: 0, report: report(3), rejected: [{ row: 4, cells: { iin: 'x' } }] });
      expect(await ledger.documentCounts(b1)).toEqual({ total: 3, planned: 3, published: 0, failed: 0 });

      const first = await ledger.plannedDocuments(b1, 0, 2);
      expect(first.map((d) => [d.type, d.serial])).toEqual([
        ['certificate', 'ALM01-2026-000001'],
        ['certificate', 'ALM01-2026-000002'],
      ]);
      expect(first[0]).toMatchObject({ model: { serial: 'ALM01-2026-000001', holder: '900101300001' }, status: 'issued', revision: 1, verify_code: 'code-ALM01-2026-000001', files: null });
      expect(await ledger.recordRow(first[0]?.record_id ?? -1)).toBe(2);
      const rest = await ledger.plannedDocuments(b1, first[1]?.id ?? 0, 10);
      expect(rest.map((d) => [d.type, d.record_id, d.model])).toEqual([['protocol', null, { rows: 2 }]]);

      const files = { pdf: 'certificates/ALM01-2026-000001.pdf', pdf_sha256: 'cd'.repeat(32) };
      const error = { code: 'RENDER_FAILED' as const, message: { kk: 'қате', ru: 'ошибка' } };
      await ledger.markDocuments([
        { id: first[0]?.id ?? 0, state: 'published', files },
        { id: first[1]?.id ?? 0, state: 'failed', error },
      ]);
      expect(await ledger.documentCounts(b1)).toEqual({ total: 3, planned: 1, published: 1, failed: 1 });
      const all = await collect(ledger.eachDocument(b1));
      expect(all.map((d) => [d.state, d.files, d.error])).toEqual([
        ['published', files, null],
        ['failed', null, error],
        ['planned', null, null],
      ]);

      // Gathered rows (twice, as a resumed completion would) wait for the batch's one step.
      await ledger.gatherRegisterRows(b1, [registryRow('ALM01-2026-000001', '900101300001')]);
      await ledger.gatherRegisterRows(b1, [registryRow('ALM01-2026-000001', '900101300001')]);
      expect(await collect(ledger.exportRegistry(EVERYTHING))).toEqual([]);
      await ledger.finishBatch(b1, '2026-11-20T10:00:00.000Z', { documents: 1 });
      expect(await ledger.batch(b1)).toMatchObject({ state: 'published', published_at: '2026-11-20T10:00:00.000Z' });
      expect(await collect(ledger.exportRegistry(EVERYTHING))).toEqual([registryRow('ALM01-2026-000001', '900101300001')]);
      expect(await ledger.unfinishedBatches()).toEqual([]);
      expect(await ledger.recentBatches(5)).toMatchObject([{ id: 'b1', file_name: 'b1.csv', documents: 1, failed: 1, state: 'published' }]);
    }));

  it('keeps a no-show for health open until a later batch brings a result of that person, card and level', () =>
    withLedger(async (ledger) => {
      const exam = (row: number, iin: string, over: object) => ({
        row, iin, last_name: 'Сейітқали', first_name: 'Әлия', middle_name: null, birth_date: '1990-01-01', phone: null, email: null,
        standard_code: 'PS-1', standard_version: 1, profession_code: 'P-1', level: 4, language: 'kk',
        exam1_at: null, exam1_score: null, exam2_at: null, exam2_score: null, status: 'no_show', no_show_reason: 'health', resit_date: null,
        protocol_number: 'PR-1', protocol_date: '2026-11-10', protocol_issuer: null, exam_region: null, exam_city: null, exam_address: null, ...over,
      });
      const at = (row: number, iin: string, status: string, data: object): PlannedRecord => ({ row, iin, profession_code: 'P-1', level: 4, status, protocol_number: 'PR-1', data, document: null });
      const b1 = await opened(ledger, 'b1');
      await ledger.commitPlan(b1, {
        records: [
          at(2, '900101300001', 'no_show', exam(2, '900101300001', { resit_date: '2026-12-15' })),
          at(3, '900101300002', 'no_show', exam(3, '900101300002', { no_show_reason: 'own_will' })),
          at(4, '900101300003', 'no_show', exam(4, '900101300003', {})),
        ],
        serials: null,
      });
      // The row an act made for one person answers for.
      expect(await ledger.personRow(b1, '900101300003')).toBe(4);
      expect(await ledger.personRow(b1, '900101300009')).toBeNull();
      // Not before the plan is complete: a batch half-planned may yet be read again.
      expect(await ledger.openResits()).toEqual([]);
      await ledger.completePlan(b1, { documents: [], report: report(3), rejected: [], at: AT, file: 'b1.csv' });
      expect((await ledger.openResits()).map((r) => [r.iin, r.resit_date, r.full_name, r.centre])).toEqual([
        ['900101300001', '2026-12-15', 'Сейітқали Әлия', 'ALM01'],
        ['900101300003', null, 'Сейітқали Әлия', 'ALM01'],
      ]);

      const later = fileAndBatch('b2');
      await ledger.openBatch({ ...later.batch, created_at: '2026-12-16T09:00:00.000Z' }, later.file, { owner: 'owner-b2', alive, at: AT });
      await ledger.commitPlan('b2', { records: [at(2, '900101300001', 'recognized', exam(2, '900101300001', { status: 'recognized', no_show_reason: null }))], serials: null });
      expect((await ledger.openResits()).map((r) => r.iin)).toEqual(['900101300003']);
    }));

  it('re-issues a current document as its next revision once: planned, published, the old one superseded and the register moved', () =>
    withLedger(async (ledger) => {
      const [serial = ''] = await published(ledger, 'b1', 'ALM01', [{ row: 2, iin: '900101300001' }]);
      const current = await collect(ledger.currentDocuments('PS-1'));
      expect(current.map((d) => [d.type, d.serial, d.revision, d.centre])).toEqual([['certificate', serial, 1, 'ALM01']]);
      const [first] = current;
      if (!first) throw new Error('no current document');
      const revision = { ...certificate(serial, '900101300001'), model: { serial, holder: '900101300001', wording: 'new' }, record_id: first.record_id, revision: 2, supersedes: first.id };
      const regeneration = (id: string) => {
        const { file, batch } = fileAndBatch(id);
        return { batch: { ...batch, kind: 'regeneration', created_at: '2026-11-21T09:00:00.000Z' }, file: { ...file, kind: 'regeneration' }, report: report(1), revisions: [revision], claim: { owner: `owner-${id}`, alive, at: AT }, event: { reason: 'Order 109' } };
      };
      expect(await ledger.planRegeneration(regeneration('r1'))).toEqual({ planned: true });
      // A second run finds the revision planned already: nothing written.
      expect(await ledger.planRegeneration(regeneration('r2'))).toEqual({ planned: false, taken: [serial] });
      expect(await ledger.batch('r2')).toBeUndefined();

      const [planned] = await ledger.plannedDocuments('r1', 0, 10);
      expect(planned).toMatchObject({ serial, revision: 2, supersedes: first.id, model: { wording: 'new' } });
      await ledger.markDocuments([{ id: planned?.id ?? 0, state: 'published', files: { pdf: `${serial}.r2.pdf`, pdf_sha256: 'ef'.repeat(32) } }]);
      await ledger.gatherRegisterRows('r1', [{ ...registryRow(serial, '900101300001'), revision: 2, full_name: 'Жаңа' }]);
      await ledger.finishBatch('r1', AT, { documents: 1 });
      expect((await collect(ledger.exportRegistry(EVERYTHING))).map((r) => [r.certificate_serial, r.revision, r.full_name])).toEqual([[serial, 2, 'Жаңа']]);
      expect((await collect(ledger.eachDocument('b1'))).map((d) => d.status)).toEqual(['superseded']);
      expect((await collect(ledger.currentDocuments('PS-1'))).map((d) => [d.serial, d.revision])).toEqual([[serial, 2]]);
      // An older revision's register row never takes the newer one's place.
      await ledger.gatherRegisterRows('b1', [registryRow(serial, '900101300001')]);
      await ledger.finishBatch('b1', AT, { documents: 1 });
      expect((await collect(ledger.exportRegistry(EVERYTHING))).map((r) => r.revision)).toEqual([2]);
    }));

  it('finds a sitting\'s current protocol in a centre\'s earlier batch, and every record of that sitting', () =>
    withLedger(async (ledger) => {
      const b1 = await opened(ledger, 'b1');
      const dated = { ...record(4, '900101300004', null, 'P-32'), status: 'refused', data: { row: 4, iin: '900101300004', protocol_date: '2026-11-12' } };
      await ledger.commitPlan(b1, { records: [record(2, '900101300001', null, 'P-32'), record(3, '900101300002', null, 'P-33'), dated], serials: null });
      const protocol: NewDocument = { ...certificate('P-32', '900101300001'), type: 'protocol', iin: null, profession_code: null, level: null, verify_code: null };
      await ledger.completePlan(b1, { documents: [protocol], report: report(2), rejected: [], at: AT, file: 'b1.csv' });
      const b2 = await opened(ledger, 'b2');
      await ledger.commitPlan(b2, { records: [record(2, '900101300003', null, 'P-32')], serials: null });
      expect(await ledger.currentSittingDocument('protocol', 'ALM01', 'P-32', b2)).toMatchObject({ revision: 1 });
      expect(await ledger.currentSittingDocument('protocol', 'ALM01', 'P-32', b1)).toBeUndefined();
      expect(await ledger.currentSittingDocument('protocol', 'AST01', 'P-32', b2)).toBeUndefined();
      expect((await ledger.sittingRecords('ALM01', 'P-32')).map((r) => (r as { iin: string }).iin)).toEqual(['900101300001', '900101300004', '900101300003']);
      // What a later file's row of the sitting must agree with: the other batches' rows, their date and results.
      expect(await ledger.sittingEntries('ALM01', 'P-32', b2)).toEqual([
        { row: 2, iin: '900101300001', profession_code: 'P-1', level: 4, status: 'passed', protocol_date: null },
        { row: 4, iin: '900101300004', profession_code: 'P-1', level: 4, status: 'refused', protocol_date: '2026-11-12' },
      ]);
      expect((await ledger.sittingEntries('ALM01', 'P-32', b1)).map((e) => e.iin)).toEqual(['900101300003']);
      expect(await ledger.sittingEntries('AST01', 'P-32', b2)).toEqual([]);
    }));

  it('revokes the current revision once; an unknown serial is undefined', () =>
    withLedger(async (ledger) => {
      const [serial] = await published(ledger, 'b1', 'ALM01', [{ row: 2, iin: '900101300001' }]);
      expect(await ledger.revoke('NOPE-1', 'fraud', null, AT)).toBeUndefined();
      expect(await ledger.revoke(serial ?? '', 'issued_in_error', 'typo', '2026-11-21T00:00:00.000Z')).toEqual({ outcome: 'revoked', revision: 1, revoked_at: '2026-11-21T00:00:00.000Z', reason: 'issued_in_error' });
      expect(await ledger.revoke(serial ?? '', 'fraud', null, '2026-11-22T00:00:00.000Z')).toEqual({ outcome: 'already-revoked', revision: 1, revoked_at: '2026-11-21T00:00:00.000Z', reason: 'issued_in_error' });
      expect(await ledger.revocations()).toEqual(new Map([[serial, { revoked_at: '2026-11-21T00:00:00.000Z', reason: 'issued_in_error' }]]));
      const [row] = await collect(ledger.eachDocument('b1'));
      expect(row?.status).toBe('revoked');
    }));

  it('exports a selection larger than a page of the query (1,000) whole, each document and register row once, in order', () =>
    withLedger(async (ledger) => {
      const people = (from: number, n: number) => Array.from({ length: n }, (_, k) => ({ row: k + 2, iin: String(900101000000 + from + k) }));
      const serials = [
        ...(await published(ledger, 'b1', 'A', people(0, 900), 'A')),
        ...(await published(ledger, 'b2', 'B', people(900, 900), 'B')),
        ...(await published(ledger, 'b3', 'A', people(1800, 400), 'A')),
      ];
      const any = EVERYTHING;
      const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      expect((await collect(ledger.exportDocuments(any))).map((d) => d.serial)).toEqual([...serials].sort(byBytes));
      const register = await collect(ledger.exportRegistry(any));
      expect(register.map((r) => `${r.centre} ${r.certificate_serial}`)).toEqual(serials.map((s) => `${s[0]} ${s}`).sort(byBytes));
      expect((await collect(ledger.exportRegistry({ ...any, centre: 'B' }))).length).toBe(900);
    }));

  it('exports a selection in byte order of serials, whatever the database collation', () =>
    withLedger(async (ledger) => {
      // "b…" after "C…" in byte order (SQLite's); a Russian or English collation would put it first.
      await published(ledger, 'b1', 'b', [{ row: 2, iin: '900101300001' }], 'b');
      await published(ledger, 'b2', 'C', [{ row: 2, iin: '900101300002' }, { row: 3, iin: '900101300003' }], 'C');
      const any = EVERYTHING;
      const everything = await collect(ledger.exportDocuments(any));
      expect(everything.map((d) => d.serial)).toEqual(['C-2026-000001', 'C-2026-000002', 'b-2026-000001']);
      expect(everything[0]).toMatchObject({ centre: 'C', issue_date: '2026-11-20', outbox_dir: 'C/2026-11-20/b2', revoked_at: null, files: { pdf: 'C-2026-000001.pdf' } });
      expect((await collect(ledger.exportRegistry(EVERYTHING))).map((r) => r.certificate_serial)).toEqual(['C-2026-000001', 'C-2026-000002', 'b-2026-000001']);
      await ledger.revoke('C-2026-000002', 'duplicate', null, AT);
      const revoked = { ...any, status: 'revoked' as const };
      expect((await collect(ledger.exportDocuments(revoked))).map((d) => [d.serial, d.revocation_reason])).toEqual([['C-2026-000002', 'duplicate']]);
      expect((await collect(ledger.exportRegistry({ ...any, centre: 'b' }))).map((r) => r.certificate_serial)).toEqual(['b-2026-000001']);
      expect(await collect(ledger.exportDocuments({ ...any, from: '2026-11-21' }))).toEqual([]);
    }));

  it('a counter another process holds locked past the busy timeout gives LEDGER_BUSY, and nothing is written', () =>
    withLedger(async (ledger, where) => {
      const b1 = await opened(ledger, 'b1');
      const release = await adapter.lockSerials(where);
      try {
        await expect(ledger.commitPlan(b1, chunk('ALM01', 0, [{ row: 2, iin: '900101300001' }]))).rejects.toMatchObject({ code: 'LEDGER_BUSY' } satisfies Partial<TanuError>);
      } finally {
        await release();
      }
      expect((await ledger.plannedRows(b1)).size).toBe(0);
      expect(await ledger.commitPlan(b1, chunk('ALM01', 0, [{ row: 2, iin: '900101300001' }]))).toEqual({ committed: true });
    }));

  it('two writers planning for one centre and year at once leave no gap and no duplicate serial', async () => {
    const where = await adapter.fresh();
    const [one, two] = await Promise.all([adapter.open(where), adapter.open(where)]);
    const writers = [one, two] as Ledger[];
    try {
      await Promise.all(writers.map((ledger, w) => opened(ledger, `b${w}`)));
      // Each writer commits 10 chunks of 3, planning each from the counter as it reads it, as plan-batch does.
      await Promise.all(
        writers.map(async (ledger, w) => {
          for (let c = 0; c < 10; ) {
            const people = [0, 1, 2].map((i) => ({ row: c * 3 + i + 2, iin: `9${w}${String(c * 3 + i).padStart(10, '0')}` }));
            const result = await ledger.commitPlan(`b${w}`, chunk('ALM01', await ledger.lastSerial('ALM01', 2026), people));
            if (result.committed) c++;
            else expect(result).toEqual({ committed: false, reason: 'serials-moved' });
          }
        }),
      );
      const serials = [...(await collect(one.eachDocument('b0'))), ...(await collect(one.eachDocument('b1')))].map((d) => d.serial).sort();
      expect(serials).toEqual(Array.from({ length: 60 }, (_, i) => `ALM01-2026-${String(i + 1).padStart(6, '0')}`));
      expect(await one.lastSerial('ALM01', 2026)).toBe(60);
    } finally {
      await Promise.all(writers.map((ledger) => ledger.close()));
    }
  });

  it('two batches of different centres certifying one person at once: one commits, the other is refused', async () => {
    const where = await adapter.fresh();
    const writers = await Promise.all([adapter.open(where), adapter.open(where)]);
    try {
      await opened(writers[0] as Ledger, 'b0', 'ALM01');
      await opened(writers[1] as Ledger, 'b1', 'AST02');
      for (let round = 0; round < 5; round++) {
        const iin = `8${round}0101300001`;
        const results = await Promise.all(
          writers.map(async (ledger, w) => {
            const prefix = w === 0 ? 'ALM01' : 'AST02';
            return ledger.commitPlan(`b${w}`, chunk(prefix, await ledger.lastSerial(prefix, 2026), [{ row: round + 2, iin }]));
          }),
        );
        expect(results.filter((r) => r.committed)).toHaveLength(1);
        expect(results.filter((r) => !r.committed)).toMatchObject([{ committed: false, reason: 'recognized' }]);
      }
    } finally {
      await Promise.all(writers.map((ledger) => ledger.close()));
    }
  });
});

describe('a queued batch (ledger.jobs)', () => {
  it('is refused by SQLite, which has no queue', async () => {
    const ledger = await sqlite.open(await sqlite.fresh());
    try {
      const { file, batch } = fileAndBatch('q1');
      await expect(ledger.openBatch({ ...batch, queued: true }, file, { owner: 'one', alive, at: AT })).rejects.toThrow(/no job queue/);
      expect(await ledger.file(file.sha256)).toBeUndefined();
    } finally {
      await ledger.close();
    }
  });

  it('on PostgreSQL: an issue job for every planned document in the step that plans it, and the completion once with the last one published', async () => {
    const url = await postgres.database();
    const ledger = await PostgresLedger.open({ url, password: postgres.info.password, jobs: true });
    const db = new pg.Client({ ...parseIntoClientConfig(url), password: postgres.info.password });
    await db.connect();
    const jobs = async () =>
      (
        await db.query<{ task: string; key: string; flags: Record<string, true> | null; payload: { batch: string; first?: number; last?: number } }>(
          `SELECT t.identifier AS task, j.key, j.flags, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id ORDER BY j.id`,
        )
      ).rows;
    try {
      const { file, batch } = fileAndBatch('q1');
      expect(await ledger.openBatch({ ...batch, queued: true }, file, { owner: 'one', alive, at: AT })).toEqual({ opened: true });
      expect(await ledger.batch('q1')).toMatchObject({ queued: true });
      const people = Array.from({ length: 250 }, (_, i) => ({ row: i + 2, iin: String(900000000000 + i) }));
      expect(await ledger.commitPlan('q1', chunk('ALM01', 0, people))).toEqual({ committed: true });
      const planned = await ledger.plannedDocuments('q1', 0, 1000);
      const issue = await jobs();
      // 250 documents: two jobs of at most 200, each flagged with its centre, covering every id once.
      expect(issue.map((j) => [j.task, j.flags])).toEqual([
        ['tanu_issue', { 'centre:ALM01': true }],
        ['tanu_issue', { 'centre:ALM01': true }],
      ]);
      expect(planned.map((d) => issue.filter((j) => (j.payload.first ?? 0) <= d.id && d.id <= (j.payload.last ?? 0)).length)).toEqual(planned.map(() => 1));

      // All published before the plan is complete: the completion waits for the plan.
      const publish = (docs: typeof planned) => ledger.markDocuments(docs.map((d) => ({ id: d.id, state: 'published' as const, files: { pdf: `${d.serial}.pdf`, pdf_sha256: 'ab'.repeat(32) } })));
      await publish(planned.slice(0, 100));
      await publish(planned.slice(100));
      expect((await jobs()).filter((j) => j.task === 'tanu_complete')).toEqual([]);
      await ledger.completePlan('q1', { documents: [], report: report(people.length), rejected: [], at: AT, file: 'q1.csv' });
      expect((await jobs()).filter((j) => j.task === 'tanu_complete')).toMatchObject([{ key: 'complete:q1', payload: { batch: 'q1' } }]);
      // The same batch's completion asked for again while it waits (a chunk published twice) is one job, not two.
      await publish(planned.slice(0, 1));
      expect((await jobs()).filter((j) => j.task === 'tanu_complete')).toHaveLength(1);
    } finally {
      await db.end();
      await ledger.close();
    }
  });
});
