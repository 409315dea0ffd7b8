/**
 * The ledger's schema, versioned in code: entry N brings a ledger from version N to N + 1
 * (SQLite's PRAGMA user_version). A migration is never edited once released: a change is a
 * new entry, so every existing ledger reaches the same schema.
 */
export const MIGRATIONS: readonly string[] = [
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
  // Planning commits chunk by chunk: a batch whose plan is not yet complete has no
  // planned_at, and is resumed by planning its stored file again from the first row not
  // yet recorded. A certificate keeps its serial across revisions: unique per revision.
  `
  ALTER TABLE batches ADD COLUMN planned_at TEXT;
  UPDATE batches SET planned_at = created_at;
  CREATE UNIQUE INDEX records_batch_row ON records (batch_id, row);
  CREATE INDEX documents_batch_state ON documents (batch_id, state);
  DROP INDEX certificate_serials;
  CREATE UNIQUE INDEX certificate_revisions ON documents (serial, revision) WHERE type = 'certificate';
  `,
  // Verification and revocation: a certificate's secret code for the link in its QR (NULL
  // for documents issued before it), its revocation, and its PDF found by hash for "is
  // this the document you issued?".
  `
  ALTER TABLE documents ADD COLUMN verify_code TEXT;
  CREATE TABLE revocations (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id),
    revoked_at TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('issued_in_error', 'court_decision', 'fraud', 'duplicate', 'other')),
    note TEXT
  );
  CREATE INDEX documents_pdf_sha256 ON documents (json_extract(files_json, '$.pdf_sha256')) WHERE type = 'certificate';
  `,
  // Paths relative to the outbox, so an install that moves (or an outbox mounted elsewhere)
  // keeps pointing at its files: a batch's folder as <centre>/<date>/<batch>, a document's
  // files relative to its batch folder. The documents first, while the folder is absolute.
  `
  UPDATE documents SET files_json = replace(files_json, (SELECT b.outbox_dir FROM batches b WHERE b.id = documents.batch_id) || '/', '')
    WHERE files_json IS NOT NULL;
  UPDATE batches SET outbox_dir = centre || '/' || issue_date || '/' || id;
  `,
  // The registry of specialists (seed 003): each registered application of a
  // registry-applications batch, as validated. Written while the batch is planned, once per
  // row (a resumed plan writes the same rows again and is ignored); read only for batches
  // that are published, as the register of recognized persons is.
  `
  CREATE TABLE specialists (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    row INTEGER NOT NULL,
    registry_date TEXT NOT NULL,
    record_json TEXT NOT NULL
  );
  CREATE UNIQUE INDEX specialists_batch_row ON specialists (batch_id, row);
  `,
  // Standard revisions (docs/contracts.md, "Regeneration"): a document re-issued as a new revision links to the one it
  // supersedes, and has at most one successor that is not failed, so a regeneration run
  // twice, or resumed after a crash, never issues a second one, and one that could not be
  // made is planned again by the next run. The register row names the revision it stands for.
  `
  CREATE UNIQUE INDEX documents_successor ON documents (supersedes) WHERE supersedes IS NOT NULL AND state <> 'failed';
  CREATE INDEX documents_current ON documents (standard_code, status, state);
  ALTER TABLE registry ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  `,
  // New document kinds (the attestation protocol, the act of violation, the act of services rendered): migration 1's
  // CHECK on documents.type is widened. SQLite cannot alter a CHECK, so the table is
  // rebuilt (with every column and index migrations 1-7 gave it) and the rows copied; the
  // ledger runs migrations with foreign keys off and checks them before committing.
  `
  CREATE TABLE documents_new (
    id INTEGER PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    record_id INTEGER REFERENCES records(id),
    type TEXT NOT NULL CHECK (type IN ('certificate', 'protocol', 'contract', 'attestation-protocol', 'violation-act', 'services-act')),
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
    verify_code TEXT,
    UNIQUE (type, serial, revision, batch_id)
  );
  INSERT INTO documents_new (id, batch_id, record_id, type, serial, revision, status, supersedes, iin, profession_code, level, language, standard_code, standard_version, card_code, model_json, state, error_json, files_json, verify_code)
    SELECT id, batch_id, record_id, type, serial, revision, status, supersedes, iin, profession_code, level, language, standard_code, standard_version, card_code, model_json, state, error_json, files_json, verify_code FROM documents;
  DROP TABLE documents;
  ALTER TABLE documents_new RENAME TO documents;
  CREATE INDEX documents_standard ON documents (standard_code, standard_version, card_code);
  CREATE INDEX documents_person ON documents (iin, profession_code, level) WHERE type = 'certificate';
  CREATE INDEX documents_batch_state ON documents (batch_id, state);
  CREATE UNIQUE INDEX certificate_revisions ON documents (serial, revision) WHERE type = 'certificate';
  CREATE INDEX documents_pdf_sha256 ON documents (json_extract(files_json, '$.pdf_sha256')) WHERE type = 'certificate';
  CREATE UNIQUE INDEX documents_successor ON documents (supersedes) WHERE supersedes IS NOT NULL AND state <> 'failed';
  CREATE INDEX documents_current ON documents (standard_code, status, state);
  `,
  // The register gains the latest attestation against each certificate: result, category, date.
  `
  ALTER TABLE registry ADD COLUMN attestation_result TEXT CHECK (attestation_result IN ('attested', 'not_attested', 'no_show', 'removed'));
  ALTER TABLE registry ADD COLUMN attestation_category TEXT CHECK (attestation_category IN ('higher', 'first', 'second', 'none'));
  ALTER TABLE registry ADD COLUMN attestation_date TEXT;
  `,
  // An export reads the register a page at a time in this order (ledger/sqlite.ts exportRegistry).
  `
  CREATE INDEX registry_export ON registry (centre, certificate_serial);
  `,
  // A batch's register rows, gathered a page at a time while it completes (batch/complete.ts),
  // enter the register in the step that publishes the batch (Ledger.finishBatch): 100,000
  // certificates' rows are no longer held in memory until then.
  `
  CREATE TABLE registry_pending (
    batch_id TEXT NOT NULL REFERENCES batches(id),
    certificate_serial TEXT NOT NULL,
    revision INTEGER NOT NULL,
    iin TEXT NOT NULL,
    full_name TEXT NOT NULL,
    profession_code TEXT NOT NULL,
    profession_kk TEXT NOT NULL,
    profession_ru TEXT NOT NULL,
    level INTEGER NOT NULL,
    centre TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    expiry_date TEXT NOT NULL,
    PRIMARY KEY (batch_id, certificate_serial)
  ) WITHOUT ROWID;
  `,
  // An uploaded PDF is looked up by its hash whatever its kind (serve/reader.ts
  // documentByPdfHash): a protocol or an act is as much Tanu's document as a certificate.
  `
  DROP INDEX documents_pdf_sha256;
  CREATE INDEX documents_pdf_sha256 ON documents (json_extract(files_json, '$.pdf_sha256'));
  `,
  // A protocol's row asks for the person's contract still awaiting its act (ledger contractToAct),
  // once per exam row: the person index covered certificates only, so each asked scanned every document.
  `
  CREATE INDEX documents_contract_person ON documents (iin, profession_code, level) WHERE type = 'contract';
  `,
];
