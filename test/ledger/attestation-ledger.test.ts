import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../pipeline/ledger/migrations.js';
import { SqliteLedger } from '../../pipeline/ledger/sqlite.js';
import { EVERYTHING, type RegistryRow } from '../../pipeline/ledger/rows.js';
import { collect } from '../support/collect.js';
import { makeIin } from '../support/iin.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * The ledger's part in attestations, on real SQLite files: a ledger made before the new
 * document kinds migrates with its rows, indexes and references intact and then takes the
 * new types; the register answers for a certificate (standing, revoked, superseded) and
 * takes an attestation's outcome, only the latest.
 */
const tmp = useTmpDir();
const AT = '2026-11-23T07:00:00.000Z';
const WORKER = makeIin('1985-03-15', 'female');

const indexes = (db: Database.Database) =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'documents' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name`).pluck().all() as string[]);

/** A ledger at schema version 5 (before this change) with one published, revoked certificate and a protocol. */
function oldLedger(path: string) {
  const db = new Database(path);
  db.pragma('foreign_keys = ON');
  MIGRATIONS.slice(0, 5).forEach((sql) => db.exec(sql));
  db.pragma('user_version = 5');
  db.exec(`
    INSERT INTO files VALUES ('abc', 'exam-results.csv', 'DEMO01', 'exam-results', '${AT}', '/r/abc', 'accepted', 'B1');
    INSERT INTO batches (id, file_sha256, centre, kind, created_at, issue_date, outbox_dir, state, rows, valid, errors, report_json, planned_at)
      VALUES ('B1', 'abc', 'DEMO01', 'exam-results', '${AT}', '2026-11-13', 'DEMO01/2026-11-13/B1', 'published', 1, 1, 0, 'null', '${AT}');
    INSERT INTO records (id, batch_id, row, iin, profession_code, level, status, protocol_number, data_json) VALUES (1, 'B1', 2, '${WORKER}', '3412-0-008', 4, 'recognized', 'П-1', '{}');
    INSERT INTO documents (id, batch_id, record_id, type, serial, status, iin, profession_code, level, language, standard_code, standard_version, card_code, model_json, state, files_json, verify_code)
      VALUES (1, 'B1', 1, 'certificate', 'DEMO01-2026-000001', 'revoked', '${WORKER}', '3412-0-008', 4, 'kk', 'Q88100061', 2, '3412-0-008', '{}', 'published', '{"pdf":"c.pdf","pdf_sha256":"00"}', 'CODE'),
             (2, 'B1', NULL, 'protocol', 'П-1', 'issued', NULL, NULL, NULL, 'kk', 'Q88100061', 2, '3412-0-008', '{}', 'published', NULL, NULL);
    INSERT INTO revocations VALUES (1, '2026-11-20T05:00:00.000Z', 'fraud', 'test');
    INSERT INTO registry VALUES ('DEMO01-2026-000001', '${WORKER}', 'Әбдірахманова Гүлжан', '3412-0-008', 'k', 'r', 4, 'DEMO01', '2026-11-13', '2031-11-13', 'B1');
  `);
  const before = { documents: db.prepare('SELECT * FROM documents ORDER BY id').all(), indexes: indexes(db) };
  db.close();
  return before;
}

describe('the ledger and attestations', () => {
  it('migrates an existing ledger: documents kept row for row with their indexes and references, the new types accepted', async () => {
    const path = join(tmp(), 'ledger.sqlite');
    const before = oldLedger(path);
    expect(before.indexes).toEqual(['certificate_revisions', 'documents_batch_state', 'documents_pdf_sha256', 'documents_person', 'documents_standard']);
    const ledger = SqliteLedger.open(path);
    await ledger.close();
    const db = new Database(path);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.prepare('SELECT * FROM documents ORDER BY id').all()).toEqual(before.documents);
      // Kept, and those later migrations (standard revisions, the contract look-up) add beside them.
      expect(indexes(db)).toEqual([...before.indexes, 'documents_contract_person', 'documents_current', 'documents_successor'].sort());
      expect(db.pragma('foreign_key_check')).toEqual([]);
      // The revocation still points at its certificate, through the rebuilt table.
      expect(db.prepare('SELECT d.serial FROM revocations v JOIN documents d ON d.id = v.document_id').pluck().get()).toBe('DEMO01-2026-000001');
      const insert = (type: string) =>
        db.prepare(`INSERT INTO documents (batch_id, type, serial, status, language, standard_code, standard_version, card_code, model_json, state) VALUES ('B1', ?, 'X', 'issued', 'kk', 'Q', 1, 'c', '{}', 'planned')`).run(type);
      expect(() => insert('attestation-protocol')).not.toThrow();
      expect(() => insert('violation-act')).not.toThrow();
      expect(() => insert('diploma')).toThrow(/CHECK/);
      // The widened table still refuses a second revision 1 of a certificate serial.
      expect(() => db.prepare(`UPDATE documents SET type = 'certificate', serial = 'DEMO01-2026-000001' WHERE type = 'violation-act'`).run()).toThrow(/UNIQUE/);
    } finally {
      db.close();
    }
  });

  it('answers for a certificate of the register: revoked with date and reason, unknown, issued; records the latest attestation', async () => {
    const path = join(tmp(), 'ledger.sqlite');
    oldLedger(path);
    const ledger = SqliteLedger.open(path);
    try {
      expect(await ledger.registerStanding('DEMO01-2026-000001')).toEqual({
        iin: WORKER,
        profession_code: '3412-0-008',
        level: 4,
        issue_date: '2026-11-13',
        status: 'revoked',
        revoked_at: '2026-11-20T05:00:00.000Z',
        revocation_reason: 'fraud',
        superseded_by: null,
      });
      expect(await ledger.registerStanding('DEMO01-2026-000002')).toBeUndefined();
      const registered = (): Promise<RegistryRow | undefined> => collect(ledger.exportRegistry(EVERYTHING)).then((rows) => rows[0]);
      expect(await registered()).toMatchObject({ attestation_result: null, attestation_category: null, attestation_date: null });
      await ledger.recordAttestations([{ certificate_serial: 'DEMO01-2026-000001', result: 'attested', category: 'first', date: '2026-11-20' }]);
      expect(await registered()).toMatchObject({ attestation_result: 'attested', attestation_category: 'first', attestation_date: '2026-11-20' });
      // An older attestation (a file sent late) does not overwrite a newer one; the same one again changes nothing.
      await ledger.recordAttestations([{ certificate_serial: 'DEMO01-2026-000001', result: 'not_attested', category: null, date: '2026-10-01' }]);
      await ledger.recordAttestations([{ certificate_serial: 'DEMO01-2026-000001', result: 'attested', category: 'first', date: '2026-11-20' }]);
      expect(await registered()).toMatchObject({ attestation_result: 'attested', attestation_category: 'first', attestation_date: '2026-11-20' });
      // The archive export's register carries them too.
      expect(await collect(ledger.exportRegistry(EVERYTHING))).toEqual([expect.objectContaining({ certificate_serial: 'DEMO01-2026-000001', attestation_result: 'attested', attestation_category: 'first' })]);
    } finally {
      await ledger.close();
    }
  });
});
