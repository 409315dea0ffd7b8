import type pg from 'pg';
import { TanuError, asTanuError } from '../core/tanu-error.js';
import { type PostgresOptions, connectPool, schemaVersion } from '../ledger/postgres.js';
import { POSTGRES_MIGRATIONS } from '../ledger/postgres-migrations.js';
import { PROTOCOL_DATE, contractToActSql, recognizedSql, registerStandingSql, sittingEntriesSql } from '../ledger/lookup-sql.js';
import { SittingEntry } from '../records/records.js';
import { RegisterStanding } from '../records/attestation.js';
import { type CentreBatch, type CertificateRow, type IssuedDocumentRow, type LedgerReader, centreBatchesSql, documentByPdfHashSql, outdatedLedger } from './reader.js';

/**
 * The same columns as SQLite's reader takes with `json_extract`. The model and the record
 * are JSON text there as here: each is parsed once per row (a function in FROM), not once
 * per field.
 */
const CERTIFICATE_COLUMNS = `d.id, d.serial, d.revision, d.status, d.verify_code,
  m.issue_date AS issued, m.valid_until AS expires,
  m.profession ->> 'code' AS profession_code, m.profession #>> '{name,kk}' AS profession_kk,
  m.profession #>> '{name,ru}' AS profession_ru, (m.profession ->> 'level')::integer AS level,
  m.centre #>> '{name,kk}' AS centre_kk, m.centre #>> '{name,ru}' AS centre_ru,
  p.last_name, p.first_name,
  v.revoked_at, v.reason
  FROM documents d JOIN records r ON r.id = d.record_id LEFT JOIN revocations v ON v.document_id = d.id
  CROSS JOIN LATERAL jsonb_to_record(d.model_json::jsonb) AS m(issue_date TEXT, valid_until TEXT, profession JSONB, centre JSONB)
  CROSS JOIN LATERAL jsonb_to_record(r.data_json::jsonb) AS p(last_name TEXT, first_name TEXT)`;

/**
 * Named statements: each connection of the pool prepares them once, as SQLite's reader
 * prepares its own. The PDF hash is taken out of `files_json` by the expression of the
 * index `documents_pdf_sha256` (postgres-migrations.ts).
 */
const BY_SERIAL = {
  name: 'reader_by_serial',
  text: `SELECT ${CERTIFICATE_COLUMNS} WHERE d.type = 'certificate' AND d.serial = $1 AND d.state = 'published' ORDER BY d.revision`,
};
const BY_HASH = {
  name: 'reader_by_hash',
  text: documentByPdfHashSql("(d.model_json::jsonb) ->> 'valid_until'", "((d.files_json::jsonb) ->> 'pdf_sha256') = $1"),
};
const BATCHES = { name: 'reader_batches', text: centreBatchesSql('$1', '$2') };
const RECOGNIZED = { name: 'reader_recognized', text: recognizedSql('$1', '$2', '$3', '$4') };
const STANDING = { name: 'reader_standing', text: registerStandingSql('$1') };
const SITTING = { name: 'reader_sitting', text: sittingEntriesSql('$1', '$2', '$3', PROTOCOL_DATE.postgres) };
const CONTRACT = { name: 'reader_contract', text: contractToActSql('$1', '$2', '$3') };

/**
 * The PostgreSQL ledger's reader. Its connections start with
 * `default_transaction_read_only`: the server refuses any write on them, as SQLite refuses
 * one on a read-only handle.
 */
export class PostgresLedgerReader implements LedgerReader {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(options: PostgresOptions): Promise<PostgresLedgerReader> {
    // A lookup is one indexed query: a few connections keep up with what one process serves.
    const pool = await connectPool(options, { max: 4, options: '-c default_transaction_read_only=on' });
    try {
      if ((await schemaVersion(pool)) < POSTGRES_MIGRATIONS.length) throw outdatedLedger(options.url);
    } catch (e) {
      await pool.end();
      throw asTanuError(e) ?? new TanuError('LEDGER', { detail: { kk: `${options.url}: ${(e as Error).message}`, ru: `${options.url}: ${(e as Error).message}` } }, { cause: e });
    }
    return new PostgresLedgerReader(pool);
  }

  async close() {
    await this.pool.end();
  }

  async certificate(serial: string) {
    return (await this.pool.query<CertificateRow>({ ...BY_SERIAL, values: [serial] })).rows;
  }

  async documentByPdfHash(sha256: string) {
    return (await this.pool.query<IssuedDocumentRow>({ ...BY_HASH, values: [sha256] })).rows[0];
  }

  async centreBatches(centre: string, limit: number) {
    return (await this.pool.query<CentreBatch>({ ...BATCHES, values: [centre, limit] })).rows;
  }

  async recognized(iin: string, professionCode: string, level: number, exceptBatch: string) {
    return (await this.pool.query<{ serial: string }>({ ...RECOGNIZED, values: [iin, professionCode, level, exceptBatch] })).rows[0]?.serial;
  }

  async registerStanding(serial: string) {
    const [row] = (await this.pool.query({ ...STANDING, values: [serial] })).rows;
    return row === undefined ? undefined : RegisterStanding.parse(row);
  }

  async sittingEntries(centre: string, protocolNumber: string, exceptBatch: string) {
    return (await this.pool.query({ ...SITTING, values: [centre, protocolNumber, exceptBatch] })).rows.map((row) => SittingEntry.parse(row));
  }

  async contractToAct(iin: string, professionCode: string, level: number): Promise<unknown> {
    const [row] = (await this.pool.query<{ model_json: string }>({ ...CONTRACT, values: [iin, professionCode, level] })).rows;
    return row === undefined ? undefined : (JSON.parse(row.model_json) as unknown);
  }

  /** A server that is down or restarting is what /health reports, not a failed request. */
  async readable() {
    try {
      return (await this.pool.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]?.ok === 1;
    } catch {
      return false;
    }
  }
}
