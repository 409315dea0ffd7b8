import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LEDGER_BUSY_TIMEOUT_MS, TanuError, asTanuError } from '../core/tanu-error.js';
import type { RevocationReason } from '../core/catalogue.js';
import type { Claim, CommitResult, DocumentUpdate, Ledger, NewBatch, NewDocument, NewRevision, PlanChunk, Revocation } from './ledger.js';
import { MIGRATIONS } from './migrations.js';
import { type AttestationMark, BatchRow, CurrentDocument, DocumentCounts, DocumentRow, type DocumentType, type EventType, ExportDocumentRow, type ExportFilter, FileRow, OpenResit, SittingRevision, RecentBatch, RegistryRow, type RejectedRow, SpecialistRow } from './rows.js';
import { type ExportParameters, exportDocumentsSql, exportRegistrySql, keysetPages } from './pages.js';
import { PROTOCOL_DATE, contractToActSql, recognizedSql, registerStandingSql, sittingEntriesSql } from './lookup-sql.js';
import { REGISTER_COLUMNS, clearPendingSql, enterRegisterSql, supersedeSql } from './register-sql.js';
import { fileValues, recordFileSql } from './files-sql.js';
import { type RegistryApplication, SittingEntry } from '../records/records.js';
import type { FileReport } from '../validate/report.js';
import { RegisterStanding } from '../records/attestation.js';

/**
 * The embedded ledger: one SQLite file (WAL, foreign keys, synchronous = FULL) through
 * better-sqlite3. Every method is one immediate transaction, short: no transaction waits
 * on anything but the disk.
 */
export class SqliteLedger implements Ledger {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): SqliteLedger {
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
      throw asTanuError(e) ?? new TanuError('LEDGER', { detail: { kk: `${path}: ${(e as Error).message}`, ru: `${path}: ${(e as Error).message}` } }, { cause: e });
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw new TanuError('LEDGER', { detail: { kk: `${path} Tanu-дың жаңа нұсқасынан`, ru: `${path} создан более новой версией Tanu` } });
    // Only a ledger that needs migrating is written to on open: opening must not wait for another process's lock.
    // The version is read again under the lock: another process may have migrated it meanwhile.
    // Foreign keys are off while migrating (a rebuilt table is dropped while others still point at it,
    // SQLite's own procedure) and checked before the migration commits. The pragma is a no-op inside a transaction.
    if (version < MIGRATIONS.length) {
      db.pragma('foreign_keys = OFF');
      try {
        db.transaction(() => {
          const current = db.pragma('user_version', { simple: true }) as number;
          MIGRATIONS.slice(current).forEach((sql) => db.exec(sql));
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new TanuError('LEDGER', { detail: { kk: `${path}: көшіру сілтемелерді бұзды`, ru: `${path}: миграция нарушила ссылки (${broken.length})` } });
          db.pragma(`user_version = ${MIGRATIONS.length}`);
        }).immediate();
      } finally {
        db.pragma('foreign_keys = ON');
      }
    }
    return new SqliteLedger(db);
  }

  async close() {
    this.db.close();
  }

  private write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (e) {
      throw asTanuError(e) ?? e;
    }
  }

  private event(at: string, type: EventType, batchId: string | null, data: object) {
    this.db.prepare('INSERT INTO events (at, type, batch_id, data_json) VALUES (?, ?, ?, ?)').run(at, type, batchId, JSON.stringify(data));
  }

  private fileRow(sha256: string): FileRow | undefined {
    const row = this.db.prepare('SELECT * FROM files WHERE sha256 = ?').get(sha256);
    return row === undefined ? undefined : FileRow.parse(row);
  }

  private insertFile(row: FileRow) {
    this.db
      .prepare('INSERT INTO files (sha256, name, centre, kind, received_at, stored_path, outcome, batch_id) VALUES (@sha256, @name, @centre, @kind, @received_at, @stored_path, @outcome, @batch_id)')
      .run(row);
  }

  /** A dropped file's verdict: a new row, or the new verdict on bytes rejected before. */
  private recordFile(row: FileRow) {
    this.db.prepare(recordFileSql(() => '?')).run(...fileValues(row));
  }

  private insertDocument(batchId: string, recordId: number | null, d: NewDocument, revision: { revision: number; supersedes: number | null } = { revision: 1, supersedes: null }) {
    const { model, ...rest } = d;
    this.db
      .prepare(
        `INSERT INTO documents (batch_id, record_id, type, serial, revision, status, supersedes, iin, profession_code, level, language, standard_code, standard_version, card_code, model_json, state, verify_code)
         VALUES (@batch_id, @record_id, @type, @serial, @revision, 'issued', @supersedes, @iin, @profession_code, @level, @language, @standard_code, @standard_version, @card_code, @model_json, 'planned', @verify_code)`,
      )
      .run({ ...rest, model_json: JSON.stringify(model), batch_id: batchId, record_id: recordId, revision: revision.revision, supersedes: revision.supersedes });
  }

  private claimNow(batchId: string, claim: Claim): boolean {
    const held = this.db.prepare('SELECT owner FROM claims WHERE batch_id = ?').get(batchId) as { owner: string } | undefined;
    if (held && held.owner !== claim.owner && claim.alive(held.owner)) return false;
    this.db
      .prepare('INSERT INTO claims (batch_id, owner, claimed_at) VALUES (?, ?, ?) ON CONFLICT (batch_id) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at')
      .run(batchId, claim.owner, claim.at);
    return true;
  }

  private recognizedNow(iin: string, professionCode: string, level: number, exceptBatch: string): string | undefined {
    const row = this.db
      .prepare(recognizedSql('?', '?', '?', '?'))
      .get(iin, professionCode, level, exceptBatch) as { serial: string } | undefined;
    return row?.serial;
  }

  async file(sha256: string) {
    return this.fileRow(sha256);
  }

  async openBatch(batch: NewBatch, file: FileRow, claim: Claim): Promise<{ opened: true } | { opened: false; known: FileRow }> {
    // The config refuses ledger.jobs without ledger.url; this is the seam's own guard.
    if (batch.queued) throw new Error('the SQLite ledger has no job queue: a queued batch needs the PostgreSQL ledger');
    return this.write(() => {
      const known = this.fileRow(file.sha256);
      if (known && known.outcome !== 'rejected') return { opened: false as const, known };
      this.recordFile(file);
      this.db
        .prepare(
          `INSERT INTO batches (id, file_sha256, centre, kind, created_at, issue_date, outbox_dir, state, rows, valid, errors, report_json, rejected_json)
           VALUES (@id, @file_sha256, @centre, @kind, @created_at, @issue_date, @outbox_dir, 'planned', 0, 0, 0, 'null', '[]')`,
        )
        .run(batch);
      this.claimNow(batch.id, claim);
      return { opened: true as const };
    });
  }

  async rejectFile(file: FileRow | null, at: string, data: object) {
    this.write(() => {
      if (file) this.recordFile(file);
      this.event(at, 'file-rejected', null, data);
    });
  }

  async recognized(iin: string, professionCode: string, level: number, exceptBatch: string) {
    return this.recognizedNow(iin, professionCode, level, exceptBatch);
  }

  async plannedRows(batchId: string): Promise<ReadonlySet<number>> {
    return new Set((this.db.prepare('SELECT row FROM records WHERE batch_id = ?').pluck().all(batchId) as number[]));
  }

  async lastSerial(centre: string, year: number) {
    return (this.db.prepare('SELECT last_seq FROM serials WHERE centre = ? AND year = ?').pluck().get(centre, year) as number | undefined) ?? 0;
  }

  async commitPlan(batchId: string, chunk: PlanChunk): Promise<CommitResult> {
    return this.write((): CommitResult => {
      const { serials } = chunk;
      if (serials) {
        const last = (this.db.prepare('SELECT last_seq FROM serials WHERE centre = ? AND year = ?').pluck().get(serials.centre, serials.year) as number | undefined) ?? 0;
        if (last !== serials.after) return { committed: false, reason: 'serials-moved' };
      }
      // Checked again under the lock: another process may have issued to the same person since the plan was made.
      const taken = chunk.records.flatMap((r) => {
        if (r.document?.type !== 'certificate') return [];
        const serial = this.recognizedNow(r.iin, r.profession_code, r.level, batchId);
        return serial === undefined ? [] : [{ row: r.row, serial }];
      });
      if (taken.length > 0) return { committed: false, reason: 'recognized', rows: taken };
      const insert = this.db.prepare(
        'INSERT INTO records (batch_id, row, iin, profession_code, level, status, protocol_number, data_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const r of chunk.records) {
        const id = Number(insert.run(batchId, r.row, r.iin, r.profession_code, r.level, r.status, r.protocol_number, JSON.stringify(r.data)).lastInsertRowid);
        if (r.document) this.insertDocument(batchId, id, r.document);
      }
      if (serials && serials.count > 0)
        this.db
          .prepare('INSERT INTO serials (centre, year, last_seq) VALUES (?, ?, ?) ON CONFLICT (centre, year) DO UPDATE SET last_seq = excluded.last_seq')
          .run(serials.centre, serials.year, serials.after + serials.count);
      return { committed: true };
    });
  }

  async contractToAct(iin: string, professionCode: string, level: number): Promise<unknown> {
    const text = this.db.prepare(contractToActSql('?', '?', '?')).pluck().get(iin, professionCode, level) as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  }

  async protocolNumbers(batchId: string) {
    return this.db.prepare('SELECT protocol_number FROM records WHERE batch_id = ? AND protocol_number IS NOT NULL GROUP BY protocol_number ORDER BY MIN(id)').pluck().all(batchId) as string[];
  }

  async protocolRecords(batchId: string, protocolNumber: string): Promise<unknown[]> {
    return (this.db.prepare('SELECT data_json FROM records WHERE batch_id = ? AND protocol_number = ? ORDER BY row').pluck().all(batchId, protocolNumber) as string[]).map(
      (text) => JSON.parse(text) as unknown,
    );
  }

  async currentSittingDocument(type: DocumentType, centre: string, sitting: string, exceptBatch: string) {
    const row = this.db
      .prepare(
        `SELECT d.id, d.revision FROM documents d JOIN batches b ON b.id = d.batch_id
         WHERE d.type = ? AND d.serial = ? AND b.centre = ? AND d.batch_id <> ? AND d.status = 'issued' AND d.state <> 'failed'
           AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.supersedes = d.id AND n.state <> 'failed')
         ORDER BY d.revision DESC LIMIT 1`,
      )
      .get(type, sitting, centre, exceptBatch);
    return row === undefined ? undefined : SittingRevision.parse(row);
  }

  async sittingRecords(centre: string, protocolNumber: string): Promise<unknown[]> {
    return (
      this.db
        .prepare('SELECT r.data_json FROM records r JOIN batches b ON b.id = r.batch_id WHERE b.centre = ? AND r.protocol_number = ? ORDER BY b.created_at, b.id, r.row')
        .pluck()
        .all(centre, protocolNumber) as string[]
    ).map((text) => JSON.parse(text) as unknown);
  }

  async sittingEntries(centre: string, protocolNumber: string, exceptBatch: string) {
    return this.db
      .prepare(sittingEntriesSql('?', '?', '?', PROTOCOL_DATE.sqlite))
      .all(centre, protocolNumber, exceptBatch)
      .map((row) => SittingEntry.parse(row));
  }

  async completePlan(batchId: string, done: { documents: (NewDocument | NewRevision)[]; report: FileReport; rejected: RejectedRow[]; at: string; file: string }) {
    this.write(() => {
      for (const d of done.documents) {
        if (!('supersedes' in d)) this.insertDocument(batchId, null, d);
        else {
          const { record_id, revision, supersedes, ...document } = d;
          this.insertDocument(batchId, record_id, document, { revision, supersedes });
        }
      }
      this.db
        .prepare('UPDATE batches SET rows = ?, valid = ?, errors = ?, report_json = ?, rejected_json = ?, planned_at = ? WHERE id = ?')
        .run(done.report.rows, done.report.valid, done.report.errors.length, JSON.stringify(done.report), JSON.stringify(done.rejected), done.at, batchId);
      const total = this.db.prepare('SELECT COUNT(*) FROM documents WHERE batch_id = ?').pluck().get(batchId) as number;
      this.event(done.at, 'batch-planned', batchId, { file: done.file, documents: total });
    });
  }

  async claim(batchId: string, claim: Claim) {
    return this.write(() => this.claimNow(batchId, claim));
  }

  async release(batchId: string, owner: string) {
    this.write(() => this.db.prepare('DELETE FROM claims WHERE batch_id = ? AND owner = ?').run(batchId, owner));
  }

  async batch(id: string) {
    const row = this.db.prepare('SELECT * FROM batches WHERE id = ?').get(id);
    return row === undefined ? undefined : BatchRow.parse(row);
  }

  async plannedDocuments(batchId: string, afterId: number, limit: number) {
    return this.db
      .prepare(`SELECT * FROM documents WHERE batch_id = ? AND state = 'planned' AND id > ? ORDER BY id LIMIT ?`)
      .all(batchId, afterId, limit)
      .map((row) => DocumentRow.parse(row));
  }

  async documentCounts(batchId: string) {
    return DocumentCounts.parse(
      this.db
        .prepare(
          `SELECT COUNT(*) AS total, COALESCE(SUM(state = 'planned'), 0) AS planned, COALESCE(SUM(state = 'published'), 0) AS published, COALESCE(SUM(state = 'failed'), 0) AS failed
           FROM documents WHERE batch_id = ?`,
        )
        .get(batchId),
    );
  }

  async markDocuments(updates: readonly DocumentUpdate[]) {
    const published = this.db.prepare(`UPDATE documents SET state = 'published', files_json = ? WHERE id = ?`);
    const failed = this.db.prepare(`UPDATE documents SET state = 'failed', error_json = ? WHERE id = ?`);
    this.write(() => {
      for (const u of updates) {
        if (u.state === 'published') published.run(JSON.stringify(u.files), u.id);
        else failed.run(JSON.stringify(u.error), u.id);
      }
    });
  }

  async personRow(batchId: string, iin: string) {
    return (this.db.prepare('SELECT MIN(row) FROM records WHERE batch_id = ? AND iin = ?').pluck().get(batchId, iin) as number | null | undefined) ?? null;
  }

  async recordRow(recordId: number) {
    return (this.db.prepare('SELECT row FROM records WHERE id = ?').pluck().get(recordId) as number | undefined) ?? null;
  }

  async *eachDocument(batchId: string): AsyncIterable<DocumentRow> {
    // Read in pages by id, not through one open statement: the caller may write between rows.
    let after = 0;
    for (;;) {
      const page = this.db.prepare('SELECT * FROM documents WHERE batch_id = ? AND id > ? ORDER BY id LIMIT 500').all(batchId, after);
      for (const row of page) yield DocumentRow.parse(row);
      const last = page.at(-1) as { id: number } | undefined;
      if (!last) return;
      after = last.id;
    }
  }

  async gatherRegisterRows(batchId: string, rows: readonly RegistryRow[]) {
    const insert = this.db.prepare(
      `INSERT INTO registry_pending (batch_id, ${REGISTER_COLUMNS.join(', ')})
       VALUES (@batch_id, ${REGISTER_COLUMNS.map((c) => `@${c}`).join(', ')})
       ON CONFLICT (batch_id, certificate_serial) DO NOTHING`,
    );
    this.write(() => {
      for (const row of rows) insert.run({ ...row, batch_id: batchId });
    });
  }

  async finishBatch(batchId: string, at: string, data: object) {
    this.write(() => {
      this.db.prepare(enterRegisterSql('?')).run(batchId);
      this.db.prepare(clearPendingSql('?')).run(batchId);
      this.db.prepare(supersedeSql('?')).run(batchId);
      this.db.prepare(`UPDATE batches SET state = 'published', published_at = ? WHERE id = ?`).run(at, batchId);
      this.event(at, 'batch-published', batchId, data);
    });
  }

  async unfinishedBatches() {
    return this.db
      .prepare(`SELECT * FROM batches WHERE state = 'planned' ORDER BY created_at`)
      .all()
      .map((row) => BatchRow.parse(row));
  }

  async *currentDocuments(standardCode: string): AsyncIterable<CurrentDocument> {
    // Paged by id, not one open statement: the caller awaits between rows.
    const page = this.db.prepare(
      `SELECT d.id, d.record_id, d.type, d.serial, d.revision, d.iin, d.profession_code, d.level, d.language, d.standard_code, d.standard_version, d.card_code,
         d.verify_code, d.model_json, b.centre
       FROM documents d JOIN batches b ON b.id = d.batch_id
       WHERE d.standard_code = ? AND d.status = 'issued' AND d.state = 'published' AND d.type IN ('certificate', 'protocol') AND d.id > ?
       ORDER BY d.id LIMIT 500`,
    );
    let after = 0;
    for (;;) {
      const rows = page.all(standardCode, after).map((row) => CurrentDocument.parse(row));
      yield* rows;
      const last = rows.at(-1);
      if (!last) return;
      after = last.id;
    }
  }

  async planRegeneration(plan: { batch: NewBatch; file: FileRow; report: FileReport; revisions: readonly NewRevision[]; claim: Claim; event: object }) {
    const current = this.db.prepare(
      `SELECT 1 FROM documents d WHERE d.id = ? AND d.status = 'issued' AND d.state = 'published' AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.supersedes = d.id AND n.state <> 'failed')`,
    );
    return this.write((): { planned: true } | { planned: false; taken: string[] } => {
      const taken = plan.revisions.filter((r) => current.get(r.supersedes) === undefined).map((r) => r.serial);
      if (taken.length > 0) return { planned: false, taken };
      const { batch, report } = plan;
      this.insertFile(plan.file);
      this.db
        .prepare(
          `INSERT INTO batches (id, file_sha256, centre, kind, created_at, issue_date, outbox_dir, state, planned_at, rows, valid, errors, report_json, rejected_json)
           VALUES (@id, @file_sha256, @centre, @kind, @created_at, @issue_date, @outbox_dir, 'planned', @created_at, @rows, @valid, 0, @report_json, '[]')`,
        )
        .run({ ...batch, rows: report.rows, valid: report.valid, report_json: JSON.stringify(report) });
      for (const { record_id, revision, supersedes, ...document } of plan.revisions) this.insertDocument(batch.id, record_id, document, { revision, supersedes });
      this.claimNow(batch.id, plan.claim);
      this.event(batch.created_at, 'regeneration-planned', batch.id, plan.event);
      return { planned: true };
    });
  }

  async recentBatches(limit: number) {
    return this.db
      .prepare(
        `SELECT b.*, f.name AS file_name,
           (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id AND d.state = 'published') AS documents,
           (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id AND d.state = 'failed') AS failed
         FROM batches b JOIN files f ON f.sha256 = b.file_sha256 ORDER BY b.created_at DESC, b.id DESC LIMIT ?`,
      )
      .all(limit)
      .map((row) => RecentBatch.parse(row));
  }

  async addSpecialists(batchId: string, records: readonly RegistryApplication[]) {
    const insert = this.db.prepare(
      'INSERT INTO specialists (batch_id, row, registry_date, record_json) VALUES (?, ?, ?, ?) ON CONFLICT (batch_id, row) DO NOTHING',
    );
    this.write(() => {
      for (const r of records) {
        if (r.registry_date === null) throw new Error(`batch ${batchId} row ${r.row}: a registered application without its registry date`);
        insert.run(batchId, r.row, r.registry_date, JSON.stringify(r));
      }
    });
  }

  async specialists() {
    return this.db
      .prepare(
        `SELECT s.batch_id, s.row, b.centre, s.registry_date, s.record_json FROM specialists s JOIN batches b ON b.id = s.batch_id
         WHERE b.state = 'published' ORDER BY s.registry_date, s.batch_id, s.row`,
      )
      .all()
      .map((row) => SpecialistRow.parse(row));
  }

  async openResits() {
    // "Later" is a batch created after this one: a re-sit, a second no-show (which is then the open one) or a result of any kind closes it.
    return this.db
      .prepare(
        `SELECT r.batch_id, r.row, b.centre, r.data_json FROM records r JOIN batches b ON b.id = r.batch_id
         WHERE r.status = 'no_show' AND json_extract(r.data_json, '$.no_show_reason') = 'health' AND b.planned_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM records later JOIN batches lb ON lb.id = later.batch_id
                           WHERE later.iin = r.iin AND later.profession_code = r.profession_code AND later.level = r.level
                             AND lb.created_at > b.created_at)
         ORDER BY json_extract(r.data_json, '$.resit_date') IS NULL, json_extract(r.data_json, '$.resit_date'), b.created_at, r.row`,
      )
      .all()
      .map((row) => OpenResit.parse(row));
  }

  async registerStanding(serial: string) {
    const row = this.db.prepare(registerStandingSql('?')).get(serial);
    return row === undefined ? undefined : RegisterStanding.parse(row);
  }

  async recordAttestations(marks: readonly AttestationMark[]) {
    const update = this.db.prepare(
      `UPDATE registry SET attestation_result = @result, attestation_category = @category, attestation_date = @date
       WHERE certificate_serial = @certificate_serial AND (attestation_date IS NULL OR attestation_date <= @date)`,
    );
    this.write(() => {
      for (const m of marks) update.run(m);
    });
  }

  async revoke(serial: string, reason: RevocationReason, note: string | null, at: string): Promise<Revocation | undefined> {
    return this.write(() => {
      const current = this.db
        .prepare(`SELECT id, batch_id, revision FROM documents WHERE type = 'certificate' AND serial = ? AND state = 'published' ORDER BY revision DESC LIMIT 1`)
        .get(serial) as { id: number; batch_id: string; revision: number } | undefined;
      if (!current) return undefined;
      const earlier = this.db.prepare('SELECT revoked_at, reason FROM revocations WHERE document_id = ?').get(current.id) as { revoked_at: string; reason: RevocationReason } | undefined;
      if (earlier) return { outcome: 'already-revoked' as const, revision: current.revision, ...earlier };
      this.db.prepare('INSERT INTO revocations (document_id, revoked_at, reason, note) VALUES (?, ?, ?, ?)').run(current.id, at, reason, note);
      this.db.prepare(`UPDATE documents SET status = 'revoked' WHERE id = ?`).run(current.id);
      this.event(at, 'document-revoked', current.batch_id, { serial, revision: current.revision, reason, note });
      return { outcome: 'revoked' as const, revision: current.revision, revoked_at: at, reason };
    });
  }

  async revocations() {
    const rows = this.db
      .prepare(`SELECT d.serial, v.revoked_at, v.reason FROM revocations v JOIN documents d ON d.id = v.document_id WHERE d.type = 'certificate'`)
      .all() as { serial: string; revoked_at: string; reason: RevocationReason }[];
    return new Map(rows.map((r) => [r.serial, { revoked_at: r.revoked_at, reason: r.reason }]));
  }

  async *exportDocuments(filter: ExportFilter): AsyncIterable<ExportDocumentRow> {
    const page = this.db.prepare(exportDocumentsSql(EXPORT_PARAMETERS));
    yield* keysetPages(
      { afterA: '', afterB: '' },
      (after) => page.all({ ...filter, ...after }).map((row) => ExportDocumentRow.parse(row)),
      (last) => ({ afterA: last.type, afterB: last.serial }),
    );
  }

  async *exportRegistry(filter: ExportFilter): AsyncIterable<RegistryRow> {
    const page = this.db.prepare(exportRegistrySql(EXPORT_PARAMETERS, REGISTRY_COLUMNS));
    yield* keysetPages(
      { afterA: '', afterB: '' },
      (after) => page.all({ ...filter, ...after }).map((row) => RegistryRow.parse(row)),
      (last) => ({ afterA: last.centre, afterB: last.certificate_serial }),
    );
  }
}

/** The register's columns, in RegistryRow's order. */
const REGISTRY_COLUMNS = Object.keys(RegistryRow.shape).join(', ');

const EXPORT_PARAMETERS = { from: '@from', to: '@to', centre: '@centre', profession: '@profession', status: '@status', after: ['@afterA', '@afterB'] } satisfies ExportParameters;
