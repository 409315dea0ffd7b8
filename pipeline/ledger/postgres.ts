import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { z } from 'zod';
import { parseIntoClientConfig } from 'pg-connection-string';
import type { RevocationReason } from '../core/catalogue.js';
import { LEDGER_BUSY_TIMEOUT_MS, TanuError, asTanuError } from '../core/tanu-error.js';
import { RegisterStanding } from '../records/attestation.js';
import { type RegistryApplication, SittingEntry } from '../records/records.js';
import type { FileReport } from '../validate/report.js';
import type { Claim, CommitResult, DocumentUpdate, Ledger, NewBatch, NewDocument, NewRevision, PlanChunk, PlannedRecord, Revocation } from './ledger.js';
import { ADD_JOB, type JobSpec, addJobParams, completeJob, issueJobs } from './jobs.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { type AttestationMark, BatchRow, CurrentDocument, SittingRevision, DocumentCounts, DocumentRow, type DocumentType, type EventType, ExportDocumentRow, type ExportFilter, FileRow, RecentBatch, OpenResit, RegistryRow, type RejectedRow, SpecialistRow } from './rows.js';
import { type ExportParameters, exportDocumentsSql, exportRegistrySql, keysetPages } from './pages.js';
import { REGISTER_COLUMNS, clearPendingSql, enterRegisterSql, supersedeSql } from './register-sql.js';
import { fileValues, recordFileSql } from './files-sql.js';
import { PROTOCOL_DATE, contractToActSql, recognizedSql, registerStandingSql, sittingEntriesSql } from './lookup-sql.js';

/** One connection, inside a transaction or not: what a step's queries run on. */
type Db = Pick<pg.PoolClient, 'query'>;

/**
 * PostgreSQL's 64-bit integers (ids, counts) as numbers, as SQLite gives them and the row
 * schemas of `rows.ts` read them; node-postgres leaves them strings. Beyond 2^53 a number
 * would be silently wrong, so it is an error instead.
 */
const parseInt8 = (text: string) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`ledger integer ${text} is beyond 2^53`);
  return value;
};
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.INT8 ? parseInt8 : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};

/** Serialises migrations between processes opening one database at once. */
const MIGRATION_LOCK = `SELECT pg_advisory_xact_lock(hashtext('tanu ledger migrations'))`;

/** Where a login's password comes from, for an operator whose login failed. */
const PASSWORD_HINT = 'ledger.password_env, PGPASSWORD, ~/.pgpass';

export type PostgresOptions = {
  url: string;
  password?: string | undefined;
  /** Batches as jobs (`ledger.jobs`): graphile-worker's schema is made or migrated on open, beside the ledger's. */
  jobs?: boolean;
};

/** The ledger's sessions: a lock waited on longer than this is LEDGER_BUSY; a few connections are all the engine uses. */
export const LEDGER_SESSION = { max: 4, options: `-c lock_timeout=${LEDGER_BUSY_TIMEOUT_MS}` };

/** graphile-worker's own logging is not the operator's: only its errors are shown, on stderr. */
export const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
});

const ModelJson = z.object({ model_json: z.string() }).transform((r) => r.model_json);
const DataJson = z.object({ data_json: z.string() }).transform((r) => r.data_json);

/** The entries of `POSTGRES_MIGRATIONS` a ledger has had; 0 for an empty database. */
export async function schemaVersion(db: Db): Promise<number> {
  const result = await db.query<{ version: number }>(`SELECT version FROM schema_version`).catch((e: { code?: string }) => {
    if (e.code === '42P01') return { rows: [] }; // no table yet: an empty database
    throw e;
  });
  return result.rows[0]?.version ?? 0;
}

/**
 * A pool of connections to the ledger at `options.url`, each started with `session.options`
 * (server settings, `-c name=value`). Whatever stops the first connection (no server, no
 * such database, no password or a wrong one) is the operator's to fix, and said so; a
 * failed login with where the password comes from.
 */
export async function connectPool(options: PostgresOptions, session: { max: number; options: string }): Promise<pg.Pool> {
  const config: pg.PoolConfig = {
    // Parsed here, not given as connectionString: node-postgres lets a URL's (empty) password override the one given beside it.
    ...parseIntoClientConfig(options.url),
    // Undefined leaves node-postgres's fallback to ~/.pgpass, as libpq's.
    ...(options.password === undefined ? {} : { password: options.password }),
    types: TYPES,
    options: session.options,
    application_name: 'tanu',
  };
  // Tried on a client of its own: node-postgres leaves the socket of a login it gave up
  // on (no password to answer SCRAM with) open, which only `end()` closes.
  const probe = new pg.Client(config);
  try {
    await probe.connect();
  } catch (e) {
    const { message, code } = e as { message: string; code?: string };
    const login = /password/i.test(message) || code?.startsWith('28') === true;
    const detail = `${options.url}: ${message}${login ? ` (${PASSWORD_HINT})` : ''}`;
    throw new TanuError('LEDGER', { detail: { kk: detail, ru: detail } }, { cause: e });
  } finally {
    await probe.end();
  }
  const pool = new pg.Pool({ ...config, max: session.max });
  // A pooled connection the server drops while idle must not end the process (an
  // unhandled 'error' event would): the next query gets a new connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * The server-backed ledger (docs/architecture.md, "The PostgreSQL ledger"): the same
 * steps as `SqliteLedger`, each one transaction on one pooled connection. SQLite lets one
 * writer in at a time; here writers run together, so each step that reads and then
 * writes locks what it read (see `commitPlan`, `claimNow`, `revoke`). A lock held longer
 * than `LEDGER_BUSY_TIMEOUT_MS` gives `LEDGER_BUSY`, as SQLite's busy timeout does.
 */
export class PostgresLedger implements Ledger {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
  ) {}

  static async open(options: PostgresOptions): Promise<PostgresLedger> {
    // The engine plans and issues at the same time; a few connections are all it uses.
    const pool = await connectPool(options, LEDGER_SESSION);
    const ledger = new PostgresLedger(pool, options.url);
    try {
      await ledger.migrate();
      if (options.jobs) await runMigrations({ pgPool: pool, logger: quietLogger });
    } catch (e) {
      await pool.end();
      throw ledger.failure(e);
    }
    return ledger;
  }

  /** Only a ledger that needs migrating is locked on open; the version is read again under the lock. */
  private async migrate() {
    const current = await schemaVersion(this.pool);
    if (current > POSTGRES_MIGRATIONS.length)
      throw new TanuError('LEDGER', { detail: { kk: `${this.url} Tanu-дың жаңа нұсқасынан`, ru: `${this.url} создан более новой версией Tanu` } });
    if (current === POSTGRES_MIGRATIONS.length) return;
    await this.write(async (db) => {
      await db.query(MIGRATION_LOCK);
      await db.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const locked = await schemaVersion(db);
      for (const sql of POSTGRES_MIGRATIONS.slice(locked)) await db.query(sql);
      await db.query('DELETE FROM schema_version');
      await db.query('INSERT INTO schema_version (version) VALUES ($1)', [POSTGRES_MIGRATIONS.length]);
    });
  }

  async close() {
    await this.pool.end();
  }

  /** The server's errors an operator acts on, as the codes SQLite's give (`asTanuError`). */
  private failure(e: unknown): unknown {
    const known = asTanuError(e);
    if (known) return known;
    const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
    // lock_not_available (lock_timeout), deadlock_detected: another writer held what this step needed.
    if (code === '55P03' || code === '40P01') return new TanuError('LEDGER_BUSY', { max: `${LEDGER_BUSY_TIMEOUT_MS / 1000} s` }, { cause: e });
    if (code === '53100') return new TanuError('NO_SPACE', { detail: { kk: this.url, ru: this.url } }, { cause: e });
    // No server, a refused login, no such database, a server starting or stopping, a dropped connection.
    const unreachable = typeof code === 'string' && (/^(08|28|3D|57P)/.test(code) || /^E[A-Z]+$/.test(code));
    if (unreachable || (e instanceof Error && /Connection terminated/.test(e.message)))
      return new TanuError('LEDGER', { detail: { kk: `${this.url}: ${String(message)}`, ru: `${this.url}: ${String(message)}` } }, { cause: e });
    return e;
  }

  private async read<T>(sql: string, params: unknown[], schema: { parse: (row: unknown) => T }): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params)).rows.map((row) => schema.parse(row));
    } catch (e) {
      throw this.failure(e);
    }
  }

  private async value<T>(sql: string, params: unknown[]): Promise<T | undefined> {
    try {
      const row = (await this.pool.query(sql, params)).rows[0] as Record<string, T> | undefined;
      return row === undefined ? undefined : Object.values(row)[0];
    } catch (e) {
      throw this.failure(e);
    }
  }

  /** One step, one transaction on one connection: committed whole, or rolled back whole. */
  private async write<T>(work: (db: Db) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.failure(e);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw this.failure(e);
    } finally {
      // A connection that could not even roll back is not returned to the pool.
      client.release(broken);
    }
  }

  private async event(db: Db, at: string, type: EventType, batchId: string | null, data: object) {
    await db.query('INSERT INTO events (at, type, batch_id, data_json) VALUES ($1, $2, $3, $4)', [at, type, batchId, JSON.stringify(data)]);
  }

  private async fileRow(db: Db, sha256: string): Promise<FileRow | undefined> {
    const row = (await db.query('SELECT * FROM files WHERE sha256 = $1', [sha256])).rows[0] as unknown;
    return row === undefined ? undefined : FileRow.parse(row);
  }

  private static INSERT_FILE = 'INSERT INTO files (sha256, name, centre, kind, received_at, stored_path, outcome, batch_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)';

  /** Documents in one statement, ids in the order given (a plan's file order, the order they are issued in). */
  private async insertDocuments(db: Db, batchId: string, documents: readonly { recordId: number | null; document: NewDocument | NewRevision }[]): Promise<number[]> {
    if (documents.length === 0) return [];
    const rows = documents.map(({ recordId, document }) => {
      // A new revision carries its record, its number and the document it supersedes; a first issue is revision 1.
      const { model, ...d } = 'supersedes' in document ? document : { ...document, revision: 1, supersedes: null };
      return { ...d, model_json: JSON.stringify(model), batch_id: batchId, record_id: 'record_id' in d ? d.record_id : recordId };
    });
    const inserted = await db.query<{ id: number }>(
      `INSERT INTO documents (batch_id, record_id, type, serial, revision, status, supersedes, iin, profession_code, level, language, standard_code, standard_version, card_code, model_json, state, verify_code)
       SELECT batch_id, record_id, type, serial, revision, 'issued', supersedes, iin, profession_code, level, language, standard_code, standard_version, card_code, model_json, 'planned', verify_code
       FROM json_populate_recordset(NULL::documents, $1) WITH ORDINALITY ORDER BY ordinality
       RETURNING id`,
      [JSON.stringify(rows)],
    );
    return inserted.rows.map((r) => r.id).sort((a, b) => a - b);
  }

  private async addJobs(db: Db, jobs: readonly JobSpec[]) {
    for (const job of jobs) await db.query(ADD_JOB, addJobParams(job));
  }

  /** A queued batch's issue jobs for documents just planned, in the transaction that planned them. */
  private async enqueueIssue(db: Db, batchId: string, ids: readonly number[]) {
    if (ids.length === 0) return;
    const batch = (await db.query<{ centre: string; queued: boolean }>('SELECT centre, queued FROM batches WHERE id = $1', [batchId])).rows[0];
    if (batch?.queued) await this.addJobs(db, issueJobs(batchId, batch.centre, ids));
  }

  /**
   * Adds the completion job of a queued batch, locked by the caller, once its plan is
   * complete and none of its documents is still planned. The batch row's lock makes the
   * plan's completion and the last chunk's publication take turns: whichever commits second
   * sees the other's work, so the completion is never missed.
   */
  private async enqueueCompletion(db: Db, batchId: string) {
    const batch = (
      await db.query<{ centre: string; planned: boolean; waiting: number }>(
        `SELECT centre, planned_at IS NOT NULL AS planned, (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id AND d.state = 'planned') AS waiting
         FROM batches b WHERE id = $1 AND queued AND state = 'planned'`,
        [batchId],
      )
    ).rows[0];
    if (batch?.planned && batch.waiting === 0) await this.addJobs(db, [completeJob(batchId, batch.centre)]);
  }

  /**
   * The batch row is locked first: two processes claiming at once (no claim row yet to
   * lock) take turns, and the second sees the first's claim.
   */
  private async claimNow(db: Db, batchId: string, claim: Claim): Promise<boolean> {
    const held = (await db.query('SELECT c.owner FROM batches b LEFT JOIN claims c ON c.batch_id = b.id WHERE b.id = $1 FOR UPDATE OF b', [batchId])).rows[0] as
      | { owner: string | null }
      | undefined;
    if (held?.owner && held.owner !== claim.owner && claim.alive(held.owner)) return false;
    await db.query(
      'INSERT INTO claims (batch_id, owner, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (batch_id) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at',
      [batchId, claim.owner, claim.at],
    );
    return true;
  }

  private async recognizedNow(db: Db, iin: string, professionCode: string, level: number, exceptBatch: string): Promise<string | undefined> {
    const row = (
      await db.query(
        recognizedSql('$1', '$2', '$3', '$4'),
        [iin, professionCode, level, exceptBatch],
      )
    ).rows[0] as { serial: string } | undefined;
    return row?.serial;
  }

  async file(sha256: string) {
    return (await this.read('SELECT * FROM files WHERE sha256 = $1', [sha256], FileRow))[0];
  }

  async openBatch(batch: NewBatch, file: FileRow, claim: Claim): Promise<{ opened: true } | { opened: false; known: FileRow }> {
    return this.write(async (db) => {
      // The upsert, not a read before it, decides: of two processes taking the same bytes at once, the second waits for the first and then changes nothing.
      const inserted = await db.query(recordFileSql((i) => `$${i}`), fileValues(file));
      if (inserted.rowCount === 0) return { opened: false as const, known: (await this.fileRow(db, file.sha256)) as FileRow };
      await db.query(
        `INSERT INTO batches (id, file_sha256, centre, kind, created_at, issue_date, outbox_dir, state, rows, valid, errors, report_json, rejected_json, queued)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', 0, 0, 0, 'null', '[]', $8)`,
        [batch.id, batch.file_sha256, batch.centre, batch.kind, batch.created_at, batch.issue_date, batch.outbox_dir, batch.queued === true],
      );
      await this.claimNow(db, batch.id, claim);
      return { opened: true as const };
    });
  }

  async rejectFile(file: FileRow | null, at: string, data: object) {
    await this.write(async (db) => {
      if (file) await db.query(recordFileSql((i) => `$${i}`), fileValues(file));
      await this.event(db, at, 'file-rejected', null, data);
    });
  }

  async recognized(iin: string, professionCode: string, level: number, exceptBatch: string) {
    try {
      return await this.recognizedNow(this.pool, iin, professionCode, level, exceptBatch);
    } catch (e) {
      throw this.failure(e);
    }
  }

  async plannedRows(batchId: string): Promise<ReadonlySet<number>> {
    try {
      return new Set((await this.pool.query<{ row: number }>('SELECT row FROM records WHERE batch_id = $1', [batchId])).rows.map((r) => r.row));
    } catch (e) {
      throw this.failure(e);
    }
  }

  async lastSerial(centre: string, year: number) {
    return (await this.value<number>('SELECT last_seq FROM serials WHERE centre = $1 AND year = $2', [centre, year])) ?? 0;
  }

  /**
   * The plan was made outside any transaction, so the checks of SQLite's `commitPlan`
   * stay; what SQLite gets from its single writer is taken here as locks, always in the
   * same order (so two commits cannot deadlock): first each certified person's advisory
   * lock (in key order), then the counter's row. A second commit for the same person or
   * the same centre and year waits for the first, then reads what it committed: a
   * certificate that recognizes its person, a counter that has moved. Without the locks,
   * two commits under READ COMMITTED would both read the same counter and give the same
   * serials (docs/architecture.md).
   */
  async commitPlan(batchId: string, chunk: PlanChunk): Promise<CommitResult> {
    return this.write(async (db): Promise<CommitResult> => {
      const certified = chunk.records.filter((r) => r.document?.type === 'certificate');
      if (certified.length > 0)
        await db.query(`SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(p, 0) AS k FROM unnest($1::text[]) AS p ORDER BY k) AS keys`, [
          certified.map((r) => JSON.stringify([r.iin, r.profession_code, r.level])),
        ]);
      const { serials } = chunk;
      if (serials) {
        // A counter row to lock even for a centre's first serial of the year.
        await db.query('INSERT INTO serials (centre, year, last_seq) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [serials.centre, serials.year]);
        const last = (await db.query<{ last_seq: number }>('SELECT last_seq FROM serials WHERE centre = $1 AND year = $2 FOR UPDATE', [serials.centre, serials.year])).rows[0]?.last_seq;
        if (last !== serials.after) return { committed: false, reason: 'serials-moved' };
      }
      const taken: { row: number; serial: string }[] = [];
      for (const r of certified) {
        const serial = await this.recognizedNow(db, r.iin, r.profession_code, r.level, batchId);
        if (serial !== undefined) taken.push({ row: r.row, serial });
      }
      if (taken.length > 0) return { committed: false, reason: 'recognized', rows: taken };
      await this.enqueueIssue(db, batchId, await this.insertRecords(db, batchId, chunk.records));
      if (serials && serials.count > 0) await db.query('UPDATE serials SET last_seq = $3 WHERE centre = $1 AND year = $2', [serials.centre, serials.year, serials.after + serials.count]);
      return { committed: true };
    });
  }

  private async insertRecords(db: Db, batchId: string, records: readonly PlannedRecord[]): Promise<number[]> {
    if (records.length === 0) return [];
    const rows = records.map((r) => ({ batch_id: batchId, row: r.row, iin: r.iin, profession_code: r.profession_code, level: r.level, status: r.status, protocol_number: r.protocol_number, data_json: JSON.stringify(r.data) }));
    const ids = await db.query<{ id: number; row: number }>(
      `INSERT INTO records (batch_id, row, iin, profession_code, level, status, protocol_number, data_json)
       SELECT batch_id, row, iin, profession_code, level, status, protocol_number, data_json FROM json_populate_recordset(NULL::records, $1) WITH ORDINALITY ORDER BY ordinality
       RETURNING id, row`,
      [JSON.stringify(rows)],
    );
    const idOfRow = new Map(ids.rows.map((r) => [r.row, r.id]));
    return this.insertDocuments(
      db,
      batchId,
      records.flatMap((r) => (r.document ? [{ recordId: idOfRow.get(r.row) ?? null, document: r.document }] : [])),
    );
  }

  async protocolNumbers(batchId: string) {
    try {
      return (
        await this.pool.query<{ protocol_number: string }>(
          'SELECT protocol_number FROM records WHERE batch_id = $1 AND protocol_number IS NOT NULL GROUP BY protocol_number ORDER BY MIN(id)',
          [batchId],
        )
      ).rows.map((r) => r.protocol_number);
    } catch (e) {
      throw this.failure(e);
    }
  }

  async protocolRecords(batchId: string, protocolNumber: string): Promise<unknown[]> {
    try {
      return (await this.pool.query<{ data_json: string }>('SELECT data_json FROM records WHERE batch_id = $1 AND protocol_number = $2 ORDER BY row', [batchId, protocolNumber])).rows.map(
        (r) => JSON.parse(r.data_json) as unknown,
      );
    } catch (e) {
      throw this.failure(e);
    }
  }

  async currentSittingDocument(type: DocumentType, centre: string, sitting: string, exceptBatch: string) {
    const [row] = await this.read(
      `SELECT d.id, d.revision FROM documents d JOIN batches b ON b.id = d.batch_id
       WHERE d.type = $4 AND d.serial = $1 AND b.centre = $2 AND d.batch_id <> $3 AND d.status = 'issued' AND d.state <> 'failed'
         AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.supersedes = d.id AND n.state <> 'failed')
       ORDER BY d.revision DESC LIMIT 1`,
      [sitting, centre, exceptBatch, type],
      SittingRevision,
    );
    return row;
  }

  async sittingRecords(centre: string, protocolNumber: string): Promise<unknown[]> {
    const rows = await this.read(
      'SELECT r.data_json FROM records r JOIN batches b ON b.id = r.batch_id WHERE b.centre = $1 AND r.protocol_number = $2 ORDER BY b.created_at, b.id, r.row',
      [centre, protocolNumber],
      DataJson,
    );
    return rows.map((text) => JSON.parse(text) as unknown);
  }

  async sittingEntries(centre: string, protocolNumber: string, exceptBatch: string) {
    return this.read(sittingEntriesSql('$1', '$2', '$3', PROTOCOL_DATE.postgres), [centre, protocolNumber, exceptBatch], SittingEntry);
  }

  async contractToAct(iin: string, professionCode: string, level: number): Promise<unknown> {
    const [text] = await this.read(contractToActSql('$1', '$2', '$3'), [iin, professionCode, level], ModelJson);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  }

  async registerStanding(serial: string) {
    const [row] = await this.read(registerStandingSql('$1'), [serial], RegisterStanding);
    return row;
  }

  async recordAttestations(marks: readonly AttestationMark[]) {
    await this.write(async (db) => {
      // An older attestation sent later never overwrites a newer one.
      for (const m of marks)
        await db.query(
          `UPDATE registry SET attestation_result = $2, attestation_category = $3, attestation_date = $4
           WHERE certificate_serial = $1 AND (attestation_date IS NULL OR attestation_date <= $4)`,
          [m.certificate_serial, m.result, m.category, m.date],
        );
    });
  }

  async completePlan(batchId: string, done: { documents: (NewDocument | NewRevision)[]; report: FileReport; rejected: RejectedRow[]; at: string; file: string }) {
    await this.write(async (db) => {
      // Locked first: see enqueueCompletion.
      await db.query('SELECT 1 FROM batches WHERE id = $1 FOR UPDATE', [batchId]);
      const ids = await this.insertDocuments(
        db,
        batchId,
        done.documents.map((document) => ({ recordId: null, document })),
      );
      await this.enqueueIssue(db, batchId, ids);
      await db.query('UPDATE batches SET rows = $1, valid = $2, errors = $3, report_json = $4, rejected_json = $5, planned_at = $6 WHERE id = $7', [
        done.report.rows,
        done.report.valid,
        done.report.errors.length,
        JSON.stringify(done.report),
        JSON.stringify(done.rejected),
        done.at,
        batchId,
      ]);
      const total = (await db.query<{ count: number }>('SELECT COUNT(*) AS count FROM documents WHERE batch_id = $1', [batchId])).rows[0]?.count ?? 0;
      await this.event(db, done.at, 'batch-planned', batchId, { file: done.file, documents: total });
      await this.enqueueCompletion(db, batchId);
    });
  }

  async claim(batchId: string, claim: Claim) {
    return this.write((db) => this.claimNow(db, batchId, claim));
  }

  async release(batchId: string, owner: string) {
    await this.write((db) => db.query('DELETE FROM claims WHERE batch_id = $1 AND owner = $2', [batchId, owner]));
  }

  async batch(id: string) {
    return (await this.read('SELECT * FROM batches WHERE id = $1', [id], BatchRow))[0];
  }

  async plannedDocuments(batchId: string, afterId: number, limit: number) {
    return this.read(`SELECT * FROM documents WHERE batch_id = $1 AND state = 'planned' AND id > $2 ORDER BY id LIMIT $3`, [batchId, afterId, limit], DocumentRow);
  }

  async documentCounts(batchId: string) {
    const [counts] = await this.read(
      `SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE state = 'planned') AS planned, COUNT(*) FILTER (WHERE state = 'published') AS published,
         COUNT(*) FILTER (WHERE state = 'failed') AS failed
       FROM documents WHERE batch_id = $1`,
      [batchId],
      DocumentCounts,
    );
    return counts as DocumentCounts;
  }

  async markDocuments(updates: readonly DocumentUpdate[]) {
    const rows = updates.map((u) => (u.state === 'published' ? { id: u.id, state: u.state, files: JSON.stringify(u.files), error: null } : { id: u.id, state: u.state, files: null, error: JSON.stringify(u.error) }));
    await this.write(async (db) => {
      // Queued batches' rows are locked before their documents, in the order completePlan takes them (see enqueueCompletion).
      const queued = (
        await db.query<{ id: string }>(
          `SELECT b.id FROM batches b WHERE b.queued AND b.id IN (SELECT d.batch_id FROM documents d WHERE d.id = ANY($1::bigint[])) ORDER BY b.id FOR UPDATE`,
          [updates.map((u) => u.id)],
        )
      ).rows.map((r) => r.id);
      await db.query(
        `UPDATE documents d SET state = u.state,
           files_json = CASE WHEN u.state = 'published' THEN u.files ELSE d.files_json END,
           error_json = CASE WHEN u.state = 'failed' THEN u.error ELSE d.error_json END
         FROM json_to_recordset($1) AS u(id BIGINT, state TEXT, files TEXT, error TEXT) WHERE d.id = u.id`,
        [JSON.stringify(rows)],
      );
      for (const batchId of queued) await this.enqueueCompletion(db, batchId);
    });
  }

  async personRow(batchId: string, iin: string) {
    return (await this.value<number>('SELECT MIN(row) AS row FROM records WHERE batch_id = $1 AND iin = $2', [batchId, iin])) ?? null;
  }

  async recordRow(recordId: number) {
    return (await this.value<number>('SELECT row FROM records WHERE id = $1', [recordId])) ?? null;
  }

  async *eachDocument(batchId: string): AsyncIterable<DocumentRow> {
    // Read in pages by id, not through one open cursor: the caller may write between rows.
    let after = 0;
    for (;;) {
      const page = await this.read('SELECT * FROM documents WHERE batch_id = $1 AND id > $2 ORDER BY id LIMIT 500', [batchId, after], DocumentRow);
      yield* page;
      const last = page.at(-1);
      if (!last) return;
      after = last.id;
    }
  }

  async gatherRegisterRows(batchId: string, rows: readonly RegistryRow[]) {
    if (rows.length === 0) return;
    await this.write(async (db) => {
      await db.query(
        `INSERT INTO registry_pending (batch_id, ${REGISTER_COLUMNS.join(', ')})
         SELECT $2, ${REGISTER_COLUMNS.join(', ')} FROM json_populate_recordset(NULL::registry_pending, $1)
         ON CONFLICT (batch_id, certificate_serial) DO NOTHING`,
        [JSON.stringify(rows), batchId],
      );
    });
  }

  async finishBatch(batchId: string, at: string, data: object) {
    await this.write(async (db) => {
      await db.query(enterRegisterSql('$1'), [batchId]);
      await db.query(clearPendingSql('$1'), [batchId]);
      await db.query(supersedeSql('$1'), [batchId]);
      await db.query(`UPDATE batches SET state = 'published', published_at = $1 WHERE id = $2`, [at, batchId]);
      await this.event(db, at, 'batch-published', batchId, data);
    });
  }

  async *currentDocuments(standardCode: string): AsyncIterable<CurrentDocument> {
    // Paged by id, not one open cursor: the caller awaits between rows.
    let after = 0;
    for (;;) {
      const page = await this.read(
        `SELECT d.id, d.record_id, d.type, d.serial, d.revision, d.iin, d.profession_code, d.level, d.language, d.standard_code, d.standard_version, d.card_code,
           d.verify_code, d.model_json, b.centre
         FROM documents d JOIN batches b ON b.id = d.batch_id
         WHERE d.standard_code = $1 AND d.status = 'issued' AND d.state = 'published' AND d.type IN ('certificate', 'protocol') AND d.id > $2
         ORDER BY d.id LIMIT 500`,
        [standardCode, after],
        CurrentDocument,
      );
      yield* page;
      const last = page.at(-1);
      if (!last) return;
      after = last.id;
    }
  }

  async planRegeneration(plan: { batch: NewBatch; file: FileRow; report: FileReport; revisions: readonly NewRevision[]; claim: Claim; event: object }) {
    return this.write(async (db): Promise<{ planned: true } | { planned: false; taken: string[] }> => {
      // The documents to supersede are locked: of two runs at once, the second waits and finds the first's revisions.
      const ids = plan.revisions.map((r) => r.supersedes);
      const current = new Set(
        (
          await db.query<{ id: number }>(
            `SELECT d.id FROM documents d WHERE d.id = ANY($1::bigint[]) AND d.status = 'issued' AND d.state = 'published'
               AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.supersedes = d.id AND n.state <> 'failed')
             FOR UPDATE`,
            [ids],
          )
        ).rows.map((r) => Number(r.id)),
      );
      const taken = plan.revisions.filter((r) => !current.has(r.supersedes)).map((r) => r.serial);
      if (taken.length > 0) return { planned: false, taken };
      const { batch, report } = plan;
      await db.query(PostgresLedger.INSERT_FILE, fileValues(plan.file));
      await db.query(
        `INSERT INTO batches (id, file_sha256, centre, kind, created_at, issue_date, outbox_dir, state, planned_at, rows, valid, errors, report_json, rejected_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', $5, $8, $9, 0, $10, '[]')`,
        [batch.id, batch.file_sha256, batch.centre, batch.kind, batch.created_at, batch.issue_date, batch.outbox_dir, report.rows, report.valid, JSON.stringify(report)],
      );
      await this.insertDocuments(db, batch.id, plan.revisions.map((document) => ({ recordId: document.record_id, document })));
      await this.claimNow(db, batch.id, plan.claim);
      await this.event(db, batch.created_at, 'regeneration-planned', batch.id, plan.event);
      return { planned: true };
    });
  }

  async unfinishedBatches() {
    return this.read(`SELECT * FROM batches WHERE state = 'planned' ORDER BY created_at`, [], BatchRow);
  }

  async recentBatches(limit: number) {
    return this.read(
      `SELECT b.*, f.name AS file_name,
         (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id AND d.state = 'published') AS documents,
         (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id AND d.state = 'failed') AS failed
       FROM batches b JOIN files f ON f.sha256 = b.file_sha256 ORDER BY b.created_at DESC, b.id DESC LIMIT $1`,
      [limit],
      RecentBatch,
    );
  }

  async addSpecialists(batchId: string, records: readonly RegistryApplication[]) {
    await this.write(async (db) => {
      for (const r of records) {
        if (r.registry_date === null) throw new Error(`batch ${batchId} row ${r.row}: a registered application without its registry date`);
        await db.query('INSERT INTO specialists (batch_id, row, registry_date, record_json) VALUES ($1, $2, $3, $4) ON CONFLICT (batch_id, row) DO NOTHING', [batchId, r.row, r.registry_date, JSON.stringify(r)]);
      }
    });
  }

  async specialists() {
    return this.read(
      `SELECT s.batch_id, s.row, b.centre, s.registry_date, s.record_json FROM specialists s JOIN batches b ON b.id = s.batch_id
       WHERE b.state = 'published' ORDER BY s.registry_date, s.batch_id, s.row`,
      [],
      SpecialistRow,
    );
  }

  async openResits() {
    // As SQLite's: "later" is a batch created after this one, whatever its result.
    return this.read(
      `SELECT r.batch_id, r.row, b.centre, r.data_json FROM records r JOIN batches b ON b.id = r.batch_id
       WHERE r.status = 'no_show' AND r.data_json::jsonb ->> 'no_show_reason' = 'health' AND b.planned_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM records later JOIN batches lb ON lb.id = later.batch_id
                         WHERE later.iin = r.iin AND later.profession_code = r.profession_code AND later.level = r.level
                           AND lb.created_at > b.created_at)
       ORDER BY (r.data_json::jsonb ->> 'resit_date') IS NULL, (r.data_json::jsonb ->> 'resit_date') COLLATE "C", b.created_at, r.row`,
      [],
      OpenResit,
    );
  }

  async revoke(serial: string, reason: RevocationReason, note: string | null, at: string): Promise<Revocation | undefined> {
    return this.write(async (db) => {
      // Locked: of two revocations at once, the second waits and finds the first's.
      const current = (
        await db.query(`SELECT id, batch_id, revision FROM documents WHERE type = 'certificate' AND serial = $1 AND state = 'published' ORDER BY revision DESC LIMIT 1 FOR UPDATE`, [serial])
      ).rows[0] as { id: number; batch_id: string; revision: number } | undefined;
      if (!current) return undefined;
      const earlier = (await db.query('SELECT revoked_at, reason FROM revocations WHERE document_id = $1', [current.id])).rows[0] as
        | { revoked_at: string; reason: RevocationReason }
        | undefined;
      if (earlier) return { outcome: 'already-revoked' as const, revision: current.revision, ...earlier };
      await db.query('INSERT INTO revocations (document_id, revoked_at, reason, note) VALUES ($1, $2, $3, $4)', [current.id, at, reason, note]);
      await db.query(`UPDATE documents SET status = 'revoked' WHERE id = $1`, [current.id]);
      await this.event(db, at, 'document-revoked', current.batch_id, { serial, revision: current.revision, reason, note });
      return { outcome: 'revoked' as const, revision: current.revision, revoked_at: at, reason };
    });
  }

  async revocations() {
    try {
      const rows = (
        await this.pool.query<{ serial: string; revoked_at: string; reason: RevocationReason }>(
          `SELECT d.serial, v.revoked_at, v.reason FROM revocations v JOIN documents d ON d.id = v.document_id WHERE d.type = 'certificate'`,
        )
      ).rows;
      return new Map(rows.map((r) => [r.serial, { revoked_at: r.revoked_at, reason: r.reason }]));
    } catch (e) {
      throw this.failure(e);
    }
  }

  async *exportDocuments(filter: ExportFilter): AsyncIterable<ExportDocumentRow> {
    yield* keysetPages(
      ['', ''],
      (after) => this.read(exportDocumentsSql(EXPORT_PARAMETERS), [...filterValues(filter), ...after], ExportDocumentRow),
      (last) => [last.type, last.serial],
    );
  }

  async *exportRegistry(filter: ExportFilter): AsyncIterable<RegistryRow> {
    yield* keysetPages(
      ['', ''],
      (after) => this.read(exportRegistrySql(EXPORT_PARAMETERS, REGISTRY_COLUMNS), [...filterValues(filter), ...after], RegistryRow),
      (last) => [last.centre, last.certificate_serial],
    );
  }
}

const REGISTRY_COLUMNS = Object.keys(RegistryRow.shape).join(', ');

const filterValues = (f: ExportFilter) => [f.from, f.to, f.centre, f.profession, f.status];

/** The export queries' parameters, typed: PostgreSQL cannot infer the type of a bare `$1 IS NULL`. */
const EXPORT_PARAMETERS = { from: '$1::text', to: '$2::text', centre: '$3::text', profession: '$4::text', status: '$5::text', after: ['$6', '$7'] } satisfies ExportParameters;
