import { chmodSync, mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LEDGER_BUSY_TIMEOUT_MS, TanuError, asTanuError } from '../core/tanu-error.js';

/**
 * The ledger: an embedded SQLite file (WAL, foreign keys) holding what was received, what
 * was planned and published, the serials, the register of recognized persons and an
 * append-only event log. Migrations are versioned in code (PRAGMA user_version). Every
 * step of a batch that must not be half-done happens in one transaction: a plan with its
 * serials, a document's publication, a batch's completion with its register rows.
 */

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE files (
    sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    centre TEXT,
    kind TEXT,
    received_at TEXT NOT NULL,
    stored_path TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    batch_id TEXT
  );
  CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    file_sha256 TEXT NOT NULL REFERENCES files(sha256),
    centre TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    outbox_dir TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('planned', 'published')),
    rows INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    report_json TEXT NOT NULL,
    rejected_json TEXT NOT NULL DEFAULT '[]',
    published_at TEXT
  );
  CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    row INTEGER NOT NULL,
    iin TEXT NOT NULL,
    profession_code TEXT NOT NULL,
    level INTEGER NOT NULL,
    status TEXT,
    protocol_number TEXT,
    data_json TEXT NOT NULL
  );
  CREATE INDEX records_natural_key ON records (iin, profession_code, level);
  CREATE INDEX records_protocol ON records (batch_id, protocol_number);
  CREATE TABLE serials (
    centre TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (centre, year)
  );
  CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    record_id INTEGER REFERENCES records(id),
    type TEXT NOT NULL CHECK (type IN ('certificate', 'protocol', 'contract')),
    serial TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL CHECK (status IN ('issued', 'superseded', 'revoked')),
    supersedes INTEGER REFERENCES documents(id),
    iin TEXT,
    profession_code TEXT,
    level INTEGER,
    language TEXT NOT NULL,
    standard_code TEXT NOT NULL,
    standard_version INTEGER NOT NULL,
    card_code TEXT NOT NULL,
    model_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('planned', 'published', 'failed')),
    error_json TEXT,
    files_json TEXT,
    UNIQUE (type, serial, revision, batch_id)
  );
  CREATE UNIQUE INDEX certificate_serials ON documents (serial) WHERE type = 'certificate';
  CREATE INDEX documents_standard ON documents (standard_code, standard_version, card_code);
  CREATE INDEX documents_person ON documents (iin, profession_code, level) WHERE type = 'certificate';
  CREATE TABLE registry (
    certificate_serial TEXT PRIMARY KEY,
    iin TEXT NOT NULL,
    full_name TEXT NOT NULL,
    profession_code TEXT NOT NULL,
    profession_kk TEXT NOT NULL,
    profession_ru TEXT NOT NULL,
    level INTEGER NOT NULL,
    centre TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    expiry_date TEXT NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches(id)
  );
  CREATE UNIQUE INDEX registry_person ON registry (iin, profession_code, level);
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    batch_id TEXT,
    data_json TEXT NOT NULL
  );
  CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
  CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
  `,
  // Which process is issuing a batch: two watchers on one inbox must not both execute it.
  `
  CREATE TABLE claims (
    batch_id TEXT PRIMARY KEY REFERENCES batches(id),
    owner TEXT NOT NULL,
    claimed_at TEXT NOT NULL
  );
  `,
];

export type FileRow = { sha256: string; name: string; centre: string | null; kind: string | null; received_at: string; stored_path: string; outcome: 'accepted' | 'rejected'; batch_id: string | null };
export type BatchRow = {
  id: string;
  file_sha256: string;
  centre: string;
  kind: string;
  created_at: string;
  issue_date: string;
  outbox_dir: string;
  state: 'planned' | 'published';
  rows: number;
  valid: number;
  errors: number;
  report_json: string;
  /** The rows with errors as they were sent, for the rejected-rows workbook. */
  rejected_json: string;
  published_at: string | null;
};
export type DocumentRow = {
  id: number;
  batch_id: string;
  record_id: number | null;
  type: 'certificate' | 'protocol' | 'contract';
  serial: string;
  revision: number;
  status: 'issued' | 'superseded' | 'revoked';
  iin: string | null;
  profession_code: string | null;
  level: number | null;
  language: string;
  standard_code: string;
  standard_version: number;
  card_code: string;
  model_json: string;
  state: 'planned' | 'published' | 'failed';
  error_json: string | null;
  files_json: string | null;
};
export type RegistryRow = {
  certificate_serial: string;
  iin: string;
  full_name: string;
  profession_code: string;
  profession_kk: string;
  profession_ru: string;
  level: number;
  centre: string;
  issue_date: string;
  expiry_date: string;
};

export type NewDocument = Omit<DocumentRow, 'id' | 'batch_id' | 'record_id' | 'state' | 'error_json' | 'files_json' | 'status' | 'revision'>;

export class Ledger {
  private readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  static open(path: string): Ledger {
    const fresh = !existsSync(path);
    if (fresh) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: LEDGER_BUSY_TIMEOUT_MS });
      if (fresh) chmodSync(path, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = FULL');
    } catch (e) {
      const busy = asTanuError(e);
      if (busy) throw busy;
      throw new TanuError('LEDGER', { detail: { kk: `${path}: ${(e as Error).message}`, ru: `${path}: ${(e as Error).message}` } }, { cause: e });
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length)
      throw new TanuError('LEDGER', { detail: { kk: `${path} Tanu-дың жаңа нұсқасынан`, ru: `${path} создан более новой версией Tanu` } });
    // Only a ledger that needs migrating is written to on open: opening must not wait for another process's lock.
    // The version is read again under the lock: another process may have migrated it meanwhile.
    if (version < MIGRATIONS.length)
      db.transaction(() => {
        const current = db.pragma('user_version', { simple: true }) as number;
        MIGRATIONS.slice(current).forEach((sql) => db.exec(sql));
        db.pragma(`user_version = ${MIGRATIONS.length}`);
      }).immediate();
    return new Ledger(db);
  }

  close() {
    this.db.close();
  }

  /** Runs `work` in one transaction (better-sqlite3 transactions are synchronous). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /**
   * Runs async `work` in one write transaction: a plan is made while its file streams
   * through validation. Nothing else may use the ledger meanwhile (the engine handles one
   * file at a time); a failure rolls everything back.
   */
  async transactionAsync<T>(work: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      this.db.exec('COMMIT');
      return result;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  event(at: string, type: string, batchId: string | null, data: object) {
    this.db.prepare('INSERT INTO events (at, type, batch_id, data_json) VALUES (?, ?, ?, ?)').run(at, type, batchId, JSON.stringify(data));
  }

  file(sha256: string): FileRow | undefined {
    return this.db.prepare('SELECT * FROM files WHERE sha256 = ?').get(sha256) as FileRow | undefined;
  }

  recordFile(row: FileRow) {
    this.db
      .prepare('INSERT INTO files (sha256, name, centre, kind, received_at, stored_path, outcome, batch_id) VALUES (@sha256, @name, @centre, @kind, @received_at, @stored_path, @outcome, @batch_id)')
      .run(row);
  }

  /** The certificate already issued to this person for this profession and level, if any. */
  recognized(iin: string, professionCode: string, level: number): { serial: string; batch_id: string } | undefined {
    return this.db
      .prepare(
        `SELECT d.serial, d.batch_id FROM documents d
         WHERE d.type = 'certificate' AND d.status = 'issued' AND d.iin = ? AND d.profession_code = ? AND d.level = ? LIMIT 1`,
      )
      .get(iin, professionCode, level) as { serial: string; batch_id: string } | undefined;
  }

  /** Next `count` sequence numbers for a centre and year, gap-free: call inside the plan's transaction. */
  reserveSerials(centre: string, year: number, count: number): number[] {
    if (count === 0) return [];
    const row = this.db.prepare('SELECT last_seq FROM serials WHERE centre = ? AND year = ?').get(centre, year) as { last_seq: number } | undefined;
    const first = (row?.last_seq ?? 0) + 1;
    this.db
      .prepare('INSERT INTO serials (centre, year, last_seq) VALUES (?, ?, ?) ON CONFLICT (centre, year) DO UPDATE SET last_seq = excluded.last_seq')
      .run(centre, year, first + count - 1);
    return Array.from({ length: count }, (_, i) => first + i);
  }

  insertBatch(batch: Omit<BatchRow, 'state' | 'published_at'>) {
    this.db
      .prepare(
        `INSERT INTO batches (id, file_sha256, centre, kind, created_at, issue_date, outbox_dir, state, rows, valid, errors, report_json, rejected_json)
         VALUES (@id, @file_sha256, @centre, @kind, @created_at, @issue_date, @outbox_dir, 'planned', @rows, @valid, @errors, @report_json, @rejected_json)`,
      )
      .run(batch);
  }

  insertRecord(batchId: string, r: { row: number; iin: string; profession_code: string; level: number; status: string | null; protocol_number: string | null; data: object }): number {
    return Number(
      this.db
        .prepare('INSERT INTO records (batch_id, row, iin, profession_code, level, status, protocol_number, data_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(batchId, r.row, r.iin, r.profession_code, r.level, r.status, r.protocol_number, JSON.stringify(r.data)).lastInsertRowid,
    );
  }

  /** Protocol numbers of a batch's records, in the order they first appear. */
  protocolNumbers(batchId: string): string[] {
    return (
      this.db.prepare('SELECT protocol_number FROM records WHERE batch_id = ? AND protocol_number IS NOT NULL GROUP BY protocol_number ORDER BY MIN(id)').all(batchId) as { protocol_number: string }[]
    ).map((r) => r.protocol_number);
  }

  protocolRecords(batchId: string, protocolNumber: string): object[] {
    return (this.db.prepare('SELECT data_json FROM records WHERE batch_id = ? AND protocol_number = ? ORDER BY row').all(batchId, protocolNumber) as { data_json: string }[]).map(
      (r) => JSON.parse(r.data_json) as object,
    );
  }

  updateBatchReport(id: string, counts: { rows: number; valid: number; errors: number; report_json: string; rejected_json: string }) {
    this.db.prepare('UPDATE batches SET rows = @rows, valid = @valid, errors = @errors, report_json = @report_json, rejected_json = @rejected_json WHERE id = @id').run({ ...counts, id });
  }

  insertDocument(batchId: string, recordId: number | null, d: NewDocument) {
    this.db
      .prepare(
        `INSERT INTO documents (batch_id, record_id, type, serial, revision, status, iin, profession_code, level, language, standard_code, standard_version, card_code, model_json, state)
         VALUES (@batch_id, @record_id, @type, @serial, 1, 'issued', @iin, @profession_code, @level, @language, @standard_code, @standard_version, @card_code, @model_json, 'planned')`,
      )
      .run({ ...d, batch_id: batchId, record_id: recordId });
  }

  linkFile(sha256: string, batchId: string) {
    this.db.prepare('UPDATE files SET batch_id = ? WHERE sha256 = ?').run(batchId, sha256);
  }

  recordRow(recordId: number): number | null {
    return (this.db.prepare('SELECT row FROM records WHERE id = ?').get(recordId) as { row: number } | undefined)?.row ?? null;
  }

  batch(id: string): BatchRow | undefined {
    return this.db.prepare('SELECT * FROM batches WHERE id = ?').get(id) as BatchRow | undefined;
  }

  /** A batch's documents one at a time, for batches too large to hold. */
  eachDocument(batchId: string): IterableIterator<DocumentRow> {
    return this.db.prepare('SELECT * FROM documents WHERE batch_id = ? ORDER BY id').iterate(batchId) as IterableIterator<DocumentRow>;
  }

  /** The next `limit` still-planned documents after `afterId`. */
  plannedDocuments(batchId: string, afterId: number, limit: number): DocumentRow[] {
    return this.db.prepare(`SELECT * FROM documents WHERE batch_id = ? AND state = 'planned' AND id > ? ORDER BY id LIMIT ?`).all(batchId, afterId, limit) as DocumentRow[];
  }

  documentCounts(batchId: string): { total: number; planned: number; published: number; failed: number } {
    return this.db
      .prepare(
        `SELECT COUNT(*) AS total, COALESCE(SUM(state = 'planned'), 0) AS planned, COALESCE(SUM(state = 'published'), 0) AS published, COALESCE(SUM(state = 'failed'), 0) AS failed
         FROM documents WHERE batch_id = ?`,
      )
      .get(batchId) as { total: number; planned: number; published: number; failed: number };
  }

  markDocument(id: number, state: 'published' | 'failed', detail: object) {
    this.db
      .prepare(`UPDATE documents SET state = ?, ${state === 'published' ? 'files_json' : 'error_json'} = ? WHERE id = ?`)
      .run(state, JSON.stringify(detail), id);
  }

  /** The batch is complete: its state and its certificates' register rows in one step. */
  finishBatch(id: string, at: string, registry: readonly RegistryRow[]) {
    const insert = this.db.prepare(
      `INSERT INTO registry (certificate_serial, iin, full_name, profession_code, profession_kk, profession_ru, level, centre, issue_date, expiry_date, batch_id)
       VALUES (@certificate_serial, @iin, @full_name, @profession_code, @profession_kk, @profession_ru, @level, @centre, @issue_date, @expiry_date, @batch_id)`,
    );
    for (const row of registry) insert.run({ ...row, batch_id: id });
    this.db.prepare(`UPDATE batches SET state = 'published', published_at = ? WHERE id = ?`).run(at, id);
  }

  /**
   * Takes a batch for this process unless a live process holds it. A claim left by a
   * process that died (kill -9, power cut) is taken over, so a crash never strands a batch.
   */
  claim(batchId: string, owner: string, alive: (owner: string) => boolean, at: string): boolean {
    return this.transaction(() => {
      const held = this.db.prepare('SELECT owner FROM claims WHERE batch_id = ?').get(batchId) as { owner: string } | undefined;
      if (held && held.owner !== owner && alive(held.owner)) return false;
      this.db.prepare('INSERT INTO claims (batch_id, owner, claimed_at) VALUES (?, ?, ?) ON CONFLICT (batch_id) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at').run(batchId, owner, at);
      return true;
    });
  }

  release(batchId: string, owner: string) {
    this.transaction(() => this.db.prepare('DELETE FROM claims WHERE batch_id = ? AND owner = ?').run(batchId, owner));
  }

  unfinishedBatches(): BatchRow[] {
    return this.db.prepare(`SELECT * FROM batches WHERE state = 'planned' ORDER BY created_at`).all() as BatchRow[];
  }

  recentBatches(limit: number): (BatchRow & { documents: number; failed: number; file_name: string })[] {
    return this.db
      .prepare(
        `SELECT b.*, f.name AS file_name,
           (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id AND d.state = 'published') AS documents,
           (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id AND d.state = 'failed') AS failed
         FROM batches b JOIN files f ON f.sha256 = b.file_sha256 ORDER BY b.created_at DESC, b.id DESC LIMIT ?`,
      )
      .all(limit) as (BatchRow & { documents: number; failed: number; file_name: string })[];
  }

  registry(): RegistryRow[] {
    return this.db.prepare('SELECT * FROM registry ORDER BY centre, certificate_serial').all() as RegistryRow[];
  }

  // export (issue 15)

  /**
   * The published documents a `tanu export` selection names, with every revision of each
   * selected serial, in (type, serial, revision) order, as an iterator: rows, never files.
   * Dates are the batch's issue date, inclusive. The IN subquery is probed through a
   * temporary index: one pass over the documents.
   */
  exportDocuments(filter: ExportFilter): IterableIterator<ExportDocumentRow> {
    return this.db
      .prepare(
        `${EXPORT_CHOSEN}
         SELECT d.id, d.batch_id, d.type, d.serial, d.revision, d.status, d.supersedes, d.iin, d.profession_code, d.level, d.language, d.files_json,
           b.centre, b.issue_date, b.outbox_dir, b.published_at
         FROM documents d JOIN batches b ON b.id = d.batch_id
         WHERE d.state = 'published' AND (d.type, d.serial) IN (SELECT type, serial FROM chosen) ORDER BY d.type, d.serial, d.revision`,
      )
      .iterate(filter) as IterableIterator<ExportDocumentRow>;
  }

  /** The register rows of the selection's certificates. */
  exportRegistry(filter: ExportFilter): RegistryRow[] {
    return this.db
      .prepare(`${EXPORT_CHOSEN} SELECT r.* FROM registry r WHERE r.certificate_serial IN (SELECT serial FROM chosen WHERE type = 'certificate') ORDER BY r.centre, r.certificate_serial`)
      .all(filter) as RegistryRow[];
  }
}

/** What `tanu export` selects by (pipeline/export/selection.ts); null is "any". */
export type ExportFilter = { from: string | null; to: string | null; centre: string | null; profession: string | null; status: 'issued' | 'superseded' | 'revoked' | null };
/** A revision that supersedes another is a revision of the same serial, so `supersedes` points inside the selection. */
export type ExportDocumentRow = Pick<DocumentRow, 'id' | 'batch_id' | 'type' | 'serial' | 'revision' | 'status' | 'iin' | 'profession_code' | 'level' | 'language' | 'files_json'> &
  Pick<BatchRow, 'centre' | 'issue_date' | 'outbox_dir' | 'published_at'> & { supersedes: number | null };

const EXPORT_CHOSEN = `WITH chosen AS (
  SELECT DISTINCT d.type, d.serial FROM documents d JOIN batches b ON b.id = d.batch_id
  WHERE d.state = 'published' AND (@from IS NULL OR b.issue_date >= @from) AND (@to IS NULL OR b.issue_date <= @to)
    AND (@centre IS NULL OR b.centre = @centre) AND (@profession IS NULL OR d.profession_code = @profession) AND (@status IS NULL OR d.status = @status))`;
