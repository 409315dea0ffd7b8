/**
 * The PostgreSQL ledger's schema, versioned in code like the SQLite one (`migrations.ts`):
 * entry N brings a ledger from version N to N + 1 (the row of `schema_version`), and an
 * entry is never edited once released.
 *
 * A list of its own, not the SQLite text: SQLite's entries rely on what PostgreSQL spells
 * otherwise (`INTEGER PRIMARY KEY` as the row id, `RAISE(ABORT)` triggers,
 * `json_extract`), and two of them rewrite rows of ledgers that existed before them,
 * which no PostgreSQL ledger did. So entry 1 is SQLite's schema at its version 5 in one
 * step, but for the index of certificates by PDF hash, which came with the PostgreSQL
 * reader of `tanu serve` and `tanu verify` (entry 5). From here a ledger change is a new
 * entry in both lists (docs/architecture.md).
 *
 * The columns keep SQLite's types as the row schemas of `rows.ts` read them: times and
 * JSON as text (parsed by the same zod schemas), ids as identity integers. Columns that
 * are sorted by are `COLLATE "C"`, so orders (and the export's paging by serial) are the
 * byte order SQLite uses, whatever locale the database was created with.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
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
    id TEXT COLLATE "C" PRIMARY KEY,
    file_sha256 TEXT NOT NULL REFERENCES files(sha256),
    centre TEXT COLLATE "C" NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    issue_date TEXT COLLATE "C" NOT NULL,
    outbox_dir TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('planned', 'published')),
    rows INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    report_json TEXT NOT NULL,
    rejected_json TEXT NOT NULL DEFAULT '[]',
    published_at TEXT,
    planned_at TEXT
  );
  CREATE TABLE records (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    row INTEGER NOT NULL,
    iin TEXT NOT NULL,
    profession_code TEXT NOT NULL,
    level INTEGER NOT NULL,
    status TEXT,
    protocol_number TEXT,
    data_json TEXT NOT NULL,
    UNIQUE (batch_id, row)
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
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    record_id BIGINT REFERENCES records(id),
    type TEXT COLLATE "C" NOT NULL CHECK (type IN ('certificate', 'protocol', 'contract')),
    serial TEXT COLLATE "C" NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL CHECK (status IN ('issued', 'superseded', 'revoked')),
    supersedes BIGINT REFERENCES documents(id),
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
  CREATE UNIQUE INDEX certificate_revisions ON documents (serial, revision) WHERE type = 'certificate';
  CREATE INDEX documents_standard ON documents (standard_code, standard_version, card_code);
  CREATE INDEX documents_person ON documents (iin, profession_code, level) WHERE type = 'certificate';
  CREATE INDEX documents_batch_state ON documents (batch_id, state);
  CREATE TABLE registry (
    certificate_serial TEXT COLLATE "C" PRIMARY KEY,
    iin TEXT NOT NULL,
    full_name TEXT NOT NULL,
    profession_code TEXT NOT NULL,
    profession_kk TEXT NOT NULL,
    profession_ru TEXT NOT NULL,
    level INTEGER NOT NULL,
    centre TEXT COLLATE "C" NOT NULL,
    issue_date TEXT NOT NULL,
    expiry_date TEXT NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches(id)
  );
  CREATE UNIQUE INDEX registry_person ON registry (iin, profession_code, level);
  CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    batch_id TEXT,
    data_json TEXT NOT NULL
  );
  CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
  CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only();
  CREATE TABLE claims (
    batch_id TEXT PRIMARY KEY REFERENCES batches(id),
    owner TEXT NOT NULL,
    claimed_at TEXT NOT NULL
  );
  CREATE TABLE revocations (
    document_id BIGINT PRIMARY KEY REFERENCES documents(id),
    revoked_at TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('issued_in_error', 'court_decision', 'fraud', 'duplicate', 'other')),
    note TEXT
  );
  `,
  // SQLite's entry 6: the registry of specialists (seed 003).
  `
  CREATE TABLE specialists (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches(id),
    row INTEGER NOT NULL,
    registry_date TEXT COLLATE "C" NOT NULL,
    record_json TEXT NOT NULL
  );
  CREATE UNIQUE INDEX specialists_batch_row ON specialists (batch_id, row);
  `,
  // SQLite's entry 7: standard revisions (docs/contracts.md, "Regeneration").
  `
  CREATE UNIQUE INDEX documents_successor ON documents (supersedes) WHERE supersedes IS NOT NULL AND state <> 'failed';
  CREATE INDEX documents_current ON documents (standard_code, status, state);
  ALTER TABLE registry ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
  `,
  // SQLite's entries 8 and 9: the new document kinds (PostgreSQL widens a CHECK in place,
  // where SQLite rebuilds the table), and the latest attestation in the register.
  `
  ALTER TABLE documents DROP CONSTRAINT documents_type_check;
  ALTER TABLE documents ADD CONSTRAINT documents_type_check CHECK (type IN ('certificate', 'protocol', 'contract', 'attestation-protocol', 'violation-act', 'services-act'));
  ALTER TABLE registry ADD COLUMN attestation_result TEXT CHECK (attestation_result IN ('attested', 'not_attested', 'no_show', 'removed'));
  ALTER TABLE registry ADD COLUMN attestation_category TEXT CHECK (attestation_category IN ('higher', 'first', 'second', 'none'));
  ALTER TABLE registry ADD COLUMN attestation_date TEXT;
  `,
  // SQLite's documents_pdf_sha256 (its entry 5): an uploaded PDF is found by its hash
  // (serve/postgres-reader.ts) without reading every certificate. The reader's lookup
  // uses this very expression: the planner uses the index only for one it matches.
  `
  CREATE INDEX documents_pdf_sha256 ON documents (((files_json::jsonb) ->> 'pdf_sha256')) WHERE type = 'certificate';
  `,
  // PostgreSQL's own: batches as jobs (docs/deploy.md). A queued batch's documents are
  // issued by `tanu worker` processes; each worker's heartbeat is its lease on its job.
  `
  ALTER TABLE batches ADD COLUMN queued BOOLEAN NOT NULL DEFAULT false;
  CREATE TABLE worker_beats (
    worker_id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    centres TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    beat_at TIMESTAMPTZ NOT NULL
  );
  `,
  // SQLite's entry 10: the order an export reads the register in, a page at a time.
  `
  CREATE INDEX registry_export ON registry (centre, certificate_serial);
  `,
  // SQLite's entry 11: a batch's register rows, gathered while it completes.
  `
  CREATE TABLE registry_pending (
    batch_id TEXT COLLATE "C" NOT NULL REFERENCES batches(id),
    certificate_serial TEXT COLLATE "C" NOT NULL,
    revision INTEGER NOT NULL,
    iin TEXT NOT NULL,
    full_name TEXT NOT NULL,
    profession_code TEXT NOT NULL,
    profession_kk TEXT NOT NULL,
    profession_ru TEXT NOT NULL,
    level INTEGER NOT NULL,
    centre TEXT COLLATE "C" NOT NULL,
    issue_date TEXT NOT NULL,
    expiry_date TEXT NOT NULL,
    PRIMARY KEY (batch_id, certificate_serial)
  );
  `,
  // SQLite's entry 12: the PDF-hash index covers every kind of document, as the reader's lookup does.
  `
  DROP INDEX documents_pdf_sha256;
  CREATE INDEX documents_pdf_sha256 ON documents (((files_json::jsonb) ->> 'pdf_sha256'));
  `,
  // A protocol's row asks for the person's contract still awaiting its act (ledger contractToAct),
  // once per exam row: the person index covered certificates only, so each asked scanned every document.
  `
  CREATE INDEX documents_contract_person ON documents (iin, profession_code, level) WHERE type = 'contract';
  `,
];
