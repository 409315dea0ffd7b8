import { CATALOGUE } from '../core/catalogue.js';
import { type Clock, localNow } from '../core/clock.js';
import { type Issue, issue } from '../core/issue.js';
import { isTanuError } from '../core/tanu-error.js';
import type { LoadedConfig } from '../config/load.js';
import { containerOf, openIntake } from '../intake/open.js';
import { csvReadsThrough } from '../intake/csv.js';
import type { SourceRecord } from '../intake/table.js';
import { kazakhstanCalendar } from '../core/working-days.js';
import type { KindRecord, SittingEntry } from '../records/records.js';
import { z } from 'zod';
import type { RegisterStanding } from '../records/attestation.js';
import type { Kind } from '../records/columns.js';
import { type Library, effectiveThresholds } from '../standards/library.js';
import { type FileReport, isFileLevel } from './report.js';
import { RecordValidator, type ValidatorContext } from './validator.js';

/**
 * The validation shell: opens a file through intake, streams its records through the
 * validator and assembles the file's report. It writes nothing; valid records go to the
 * caller one by one (`tanu validate` only counts them).
 */

export type ValidationEnv = { config: LoadedConfig; library: Library; clock: Clock };

export type ValidateOptions = {
  /** Where the file was dropped, when `file` is a stored copy; the report names it. */
  origin?: string;
  /** The certificate already issued for this person, profession and level (the ledger's answer). */
  recognizedBefore?: (iin: string, professionCode: string, level: number) => Promise<string | undefined>;
  /** A certificate of the register by its serial (the ledger's answer); without it an attestation's certificate is not looked up. */
  registerStanding?: ValidatorContext['registerStanding'];
  /** The rows the file's centre's earlier files gave a protocol number (the ledger's answer); without it a sitting is checked within the file only. */
  sittingBefore?: (centre: string, protocolNumber: string) => ReturnType<NonNullable<ValidatorContext['sittingBefore']>>;
  /** The person's contract awaiting its act (the ledger's answer); without it a protocol is not checked against its contract. */
  contractOf?: ValidatorContext['contractOf'];
  /** Each record that has errors, as it was read: the batch hands them back to the centre. */
  onRejected?: (record: SourceRecord) => void;
};

/** The ledger's answers validation needs: the writer's `Ledger` and the read-only `LedgerReader` both give them. */
export type LedgerLookups = {
  recognized(iin: string, professionCode: string, level: number, exceptBatch: string): Promise<string | undefined>;
  registerStanding(serial: string): Promise<RegisterStanding | undefined>;
  sittingEntries(centre: string, protocolNumber: string, exceptBatch: string): Promise<SittingEntry[]>;
  contractToAct(iin: string, professionCode: string, level: number): Promise<unknown>;
};

/** Of a stored contract, what a protocol is checked against: validation reads no more of a document kind's model (kinds sit above it). */
const ContractTerms = z.object({ number: z.string(), date: z.string() });

/**
 * The ledger's checks of a row (DUPLICATE against issued certificates; an attestation's
 * certificate unknown, revoked or superseded; a sitting told differently by an earlier file;
 * a protocol against its person's contract), the one wiring `tanu run` plans with and
 * `tanu validate` predicts it with. `exceptBatch`: the batch being planned, whose own
 * rows and certificates are not "earlier"; `tanu validate` has none.
 */
export const ledgerChecks = (
  ledger: LedgerLookups,
  exceptBatch = '',
): Required<Pick<ValidateOptions, 'recognizedBefore' | 'registerStanding' | 'sittingBefore' | 'contractOf'>> => ({
  recognizedBefore: (iin, code, level) => ledger.recognized(iin, code, level, exceptBatch),
  registerStanding: (serial) => ledger.registerStanding(serial),
  sittingBefore: (centre, number) => ledger.sittingEntries(centre, number, exceptBatch),
  contractOf: async (iin, code, level) => {
    const stored = await ledger.contractToAct(iin, code, level);
    return stored === undefined ? undefined : ContractTerms.parse(stored);
  },
});

const intakeOf = (file: string, config: LoadedConfig, origin: string | undefined) =>
  openIntake(file, {
    ...(origin ? { origin } : {}),
    inboxDir: config.paths.inbox,
    centres: config.centres.map((c) => c.id),
    defaultCentre: config.default_centre,
    maxFileBytes: config.limits.max_file_bytes,
    maxUnpackedBytes: config.limits.max_unpacked_bytes,
  });

/** A header with nothing under it is an error, not an empty success: an export went wrong. */
const noRecords = (rows: number, errors: readonly Issue[]) => (rows === 0 && !errors.some(isFileLevel) ? [issue('NO_RECORDS')] : []);

/** A scanned file: readable, of this kind and centre; or refused whole, with its report. */
export type Scan = { readable: true; kind: Kind; centre: string } | { readable: false; report: FileReport };

/**
 * Reads the file through, without validating a row: only the problems of the file as a
 * whole (unreadable, unknown kind or centre, missing columns, broken mid-way, no records).
 * The engine scans a file before it plans anything, so a file that turns out unreadable
 * half-way has planned nothing. A CSV file whose bytes are sure to parse (intake/csv.ts
 * `CsvShape`) is not parsed through: reading up to its first record is enough.
 */
export async function scanFile(file: string, env: ValidationEnv, options: { origin?: string } = {}): Promise<Scan> {
  const intake = await intakeOf(file, env.config, options.origin);
  const errors = intake.issues.filter(isFileLevel);
  const readable = errors.length === 0 && intake.kind !== null && intake.centre !== null;
  const sound = readable && containerOf(file) === 'csv' && (await csvReadsThrough(file));
  let rows = 0;
  // A file refused whole (a missing column) still says how many rows it holds, as validation does.
  try {
    for await (const row of intake.rows) {
      if (!row.record) continue;
      rows++;
      if (sound) break;
    }
  } catch (e) {
    if (!isTanuError(e)) throw e;
    errors.push({ ...issue(e.code), message: e.text });
  }
  if (readable) errors.push(...noRecords(rows, errors));
  if (errors.length === 0 && intake.kind && intake.centre) return { readable: true, kind: intake.kind, centre: intake.centre };
  return { readable: false, report: { file: options.origin ?? file, kind: intake.kind, centre: intake.centre, rows, valid: 0, errors, warnings: [], headers: intake.headers } };
}

export async function validateFile(
  file: string,
  env: ValidationEnv,
  onRecord: (record: KindRecord) => Promise<void> | void = () => {},
  options: ValidateOptions = {},
): Promise<FileReport> {
  const { config } = env;
  const intake = await intakeOf(file, config, options.origin);
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const sort = (i: Issue) => (CATALOGUE[i.code].severity === 'error' ? errors : warnings).push(i);
  intake.issues.forEach(sort);

  let rows = 0;
  let valid = 0;
  const fileFailed = errors.length > 0;
  if (!fileFailed && intake.kind && intake.centre) {
    const centreId = intake.centre;
    const centre = config.centres.find((c) => c.id === centreId);
    const { sittingBefore } = options;
    const validator = new RecordValidator(
      intake.kind,
      {
        library: env.library,
        thresholds: (standard) => effectiveThresholds(config.defaults, standard, centre),
        today: localNow(env.clock, config.timezone),
        calendar: kazakhstanCalendar(config.calendar.moved_days),
        defaultLanguage: config.default_language,
        ...(options.recognizedBefore ? { recognizedBefore: options.recognizedBefore } : {}),
        ...(options.registerStanding ? { registerStanding: options.registerStanding } : {}),
        ...(sittingBefore ? { sittingBefore: (number: string) => sittingBefore(centreId, number) } : {}),
        ...(options.contractOf ? { contractOf: options.contractOf } : {}),
      },
      intake.columns,
    );
    // What the caller's handler throws (a busy ledger, a full disk) is its own, never a problem of the file.
    let handlerFailed = false;
    try {
      for await (const row of intake.rows) {
        row.issues.forEach(sort);
        if (!row.record) continue;
        rows++;
        const result = await validator.check(row.record);
        result.errors.forEach(sort);
        if (result.record) {
          valid++;
          handlerFailed = true;
          await onRecord(result.record);
          handlerFailed = false;
        } else options.onRejected?.(row.record);
      }
    } catch (e) {
      if (handlerFailed || !isTanuError(e)) throw e;
      errors.push({ ...issue(e.code), message: e.text });
    }
    errors.push(...noRecords(rows, errors));
  }
  // A file refused whole (a missing column) still says how many rows it holds: the operator sees what was not taken.
  else for await (const row of intake.rows) if (row.record) rows++;
  const hasFileError = errors.some(isFileLevel);
  return { file: options.origin ?? file, kind: intake.kind, centre: intake.centre, rows, valid: hasFileError ? 0 : valid, errors, warnings, headers: intake.headers };
}
