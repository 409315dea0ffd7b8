import Database from 'better-sqlite3';
import { TanuError } from '../core/tanu-error.js';
import type { RevocationReason } from '../core/catalogue.js';
import { PROTOCOL_DATE, contractToActSql, recognizedSql, registerStandingSql, sittingEntriesSql } from '../ledger/lookup-sql.js';
import { SittingEntry } from '../records/records.js';
import { RegisterStanding } from '../records/attestation.js';
import type { LedgerLookups } from '../validate/validate-file.js';
import type { DocumentType } from '../ledger/rows.js';

/**
 * The ledger as the verification service and `tanu verify` see it: opened read-only (the
 * database itself refuses any write), so a public-facing process can never change what
 * `tanu watch` writes beside it. `open-reader.ts` picks SQLite's or PostgreSQL's
 * (`postgres-reader.ts`) as `openLedger` picks the ledger.
 */

/**
 * One published revision of a certificate, with only what its page needs: taken out of
 * the stored model (what the certificate printed) and record (the holder's name parts) by
 * the database, so a lookup never parses whole documents.
 */
export type CertificateRow = {
  id: number;
  serial: string;
  revision: number;
  status: 'issued' | 'superseded' | 'revoked';
  verify_code: string | null;
  issued: string;
  expires: string;
  profession_code: string;
  profession_kk: string;
  profession_ru: string;
  level: number;
  centre_kk: string;
  centre_ru: string;
  last_name: string;
  first_name: string;
  revoked_at: string | null;
  reason: RevocationReason | null;
};

/**
 * A published document of any kind, found by its PDF's hash: what an upload's verdict and
 * `tanu verify` say of it. Only a certificate has an expiry date.
 */
export type IssuedDocumentRow = {
  type: DocumentType;
  serial: string;
  revision: number;
  status: 'issued' | 'superseded' | 'revoked';
  expires: string | null;
  revoked_at: string | null;
  reason: RevocationReason | null;
};

export type CentreBatch = {
  id: string;
  /** The name of the file the batch was made from, as the centre sent it. */
  file: string;
  kind: string;
  created_at: string;
  state: 'planned' | 'published';
  rows: number;
  valid: number;
  errors: number;
  documents: number;
  failed: number;
};

/** Besides its own queries, the reader answers validation's (`tanu validate` predicting `tanu run`). */
export interface LedgerReader extends LedgerLookups {
  /** Every published revision of a certificate serial, oldest first. */
  certificate(serial: string): Promise<CertificateRow[]>;
  /** The published document, of whatever kind, whose PDF has this SHA-256, if Tanu issued one. */
  documentByPdfHash(sha256: string): Promise<IssuedDocumentRow | undefined>;
  /** A centre's recent batches with their counts, newest first. */
  centreBatches(centre: string, limit: number): Promise<CentreBatch[]>;
  /** The ledger answers: for /health. */
  readable(): Promise<boolean>;
  close(): Promise<void>;
}

/** The query of `centreBatches`, the same in both dialects but for how parameters are written. */
export const centreBatchesSql = (centre: string, limit: string) =>
  `SELECT b.id, (SELECT f.name FROM files f WHERE f.sha256 = b.file_sha256) AS file, b.kind, b.created_at, b.state, b.rows, b.valid, b.errors,
     (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id AND d.state = 'published') AS documents,
     (SELECT COUNT(*) FROM documents d WHERE d.batch_id = b.id AND d.state = 'failed') AS failed
   FROM batches b WHERE b.centre = ${centre} ORDER BY b.created_at DESC, b.id DESC LIMIT ${limit}`;

/**
 * The query of `documentByPdfHash` in either dialect, given how it takes the expiry out of
 * the model and how it matches the hash: no join to records, which a protocol or an act has
 * none of. The hash's expression is the one of the index `documents_pdf_sha256`, which the
 * planner uses only for an expression it matches.
 */
export const documentByPdfHashSql = (expires: string, hashMatches: string) =>
  `SELECT d.type, d.serial, d.revision, d.status, ${expires} AS expires, v.revoked_at, v.reason
   FROM documents d LEFT JOIN revocations v ON v.document_id = d.id WHERE ${hashMatches} AND d.state = 'published'`;

const CERTIFICATE_COLUMNS = `d.id, d.serial, d.revision, d.status, d.verify_code,
  json_extract(d.model_json, '$.issue_date') AS issued, json_extract(d.model_json, '$.valid_until') AS expires,
  json_extract(d.model_json, '$.profession.code') AS profession_code, json_extract(d.model_json, '$.profession.name.kk') AS profession_kk,
  json_extract(d.model_json, '$.profession.name.ru') AS profession_ru, json_extract(d.model_json, '$.profession.level') AS level,
  json_extract(d.model_json, '$.centre.name.kk') AS centre_kk, json_extract(d.model_json, '$.centre.name.ru') AS centre_ru,
  json_extract(r.data_json, '$.last_name') AS last_name, json_extract(r.data_json, '$.first_name') AS first_name,
  v.revoked_at, v.reason
  FROM documents d JOIN records r ON r.id = d.record_id LEFT JOIN revocations v ON v.document_id = d.id`;

/** SQLite's: WAL lets it read while the watcher writes. */
export class SqliteLedgerReader implements LedgerReader {
  private readonly bySerial: Database.Statement<[string], CertificateRow>;
  private readonly byHash: Database.Statement<[string], IssuedDocumentRow>;
  private readonly batches: Database.Statement<[string, number], CentreBatch>;
  private readonly ping: Database.Statement<[], { ok: number }>;
  private readonly recognizedBy: Database.Statement<[string, string, number, string], { serial: string }>;
  private readonly standing: Database.Statement<[string], unknown>;
  private readonly sitting: Database.Statement<[string, string, string], unknown>;
  private readonly contract: Database.Statement<[string, string, number], { model_json: string }>;

  private constructor(private readonly db: Database.Database) {
    this.bySerial = db.prepare(`SELECT ${CERTIFICATE_COLUMNS} WHERE d.type = 'certificate' AND d.serial = ? AND d.state = 'published' ORDER BY d.revision`);
    this.byHash = db.prepare(documentByPdfHashSql("json_extract(d.model_json, '$.valid_until')", "json_extract(d.files_json, '$.pdf_sha256') = ?"));
    this.batches = db.prepare(centreBatchesSql('?', '?'));
    this.ping = db.prepare('SELECT 1 AS ok');
    this.recognizedBy = db.prepare(recognizedSql('?', '?', '?', '?'));
    this.standing = db.prepare(registerStandingSql('?'));
    this.sitting = db.prepare(sittingEntriesSql('?', '?', '?', PROTOCOL_DATE.sqlite));
    this.contract = db.prepare(contractToActSql('?', '?', '?'));
  }

  static open(path: string): SqliteLedgerReader {
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new TanuError('LEDGER', { detail: { kk: `${path}: ${(e as Error).message}`, ru: `${path}: ${(e as Error).message}` } }, { cause: e });
    }
    // A ledger from before issue 16 has no codes to check: the writer migrates it on its next open.
    const migrated = db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'revocations'`).get() as { n: number };
    if (migrated.n === 0) {
      db.close();
      throw outdatedLedger(path);
    }
    // A ledger of 100,000 certificates is about 300 MB: random lookups read it through a
    // memory map and a 64 MB page cache rather than a system call per page.
    db.pragma('mmap_size = 1073741824');
    db.pragma('cache_size = -65536');
    return new SqliteLedgerReader(db);
  }

  async close() {
    this.db.close();
  }

  async certificate(serial: string) {
    return this.bySerial.all(serial);
  }

  async documentByPdfHash(sha256: string) {
    return this.byHash.get(sha256);
  }

  async centreBatches(centre: string, limit: number) {
    return this.batches.all(centre, limit);
  }

  async readable() {
    return this.ping.get()?.ok === 1;
  }

  async recognized(iin: string, professionCode: string, level: number, exceptBatch: string) {
    return this.recognizedBy.get(iin, professionCode, level, exceptBatch)?.serial;
  }

  async registerStanding(serial: string) {
    const row = this.standing.get(serial);
    return row === undefined ? undefined : RegisterStanding.parse(row);
  }

  async sittingEntries(centre: string, protocolNumber: string, exceptBatch: string) {
    return this.sitting.all(centre, protocolNumber, exceptBatch).map((row) => SittingEntry.parse(row));
  }

  async contractToAct(iin: string, professionCode: string, level: number): Promise<unknown> {
    const row = this.contract.get(iin, professionCode, level);
    return row === undefined ? undefined : (JSON.parse(row.model_json) as unknown);
  }
}

/** A ledger older than its reader: only a writer migrates it. */
export const outdatedLedger = (where: string) =>
  new TanuError('LEDGER', {
    detail: { kk: `${where} ескі нұсқада: алдымен tanu status іске қосыңыз (журналды жаңартады)`, ru: `${where} старой версии: сначала запустите tanu status (он обновит журнал)` },
  });
