import { existsSync } from 'node:fs';
import { type LedgerConfig, postgresOptions } from '../ledger/open.js';
import { type LedgerReader, SqliteLedgerReader } from './reader.js';
import type { LedgerLookups } from '../validate/validate-file.js';

/** The read-only reader of the ledger the config names, chosen as `openLedger` chooses the ledger. */
export async function openReader(config: LedgerConfig, env: NodeJS.ProcessEnv): Promise<LedgerReader> {
  const postgres = postgresOptions(config, env);
  return postgres ? (await import('./postgres-reader.js')).PostgresLedgerReader.open(postgres) : SqliteLedgerReader.open(config.paths.ledger);
}

/** A ledger with nothing in it: no certificate issued, none in the register. */
const NOTHING_ISSUED: LedgerLookups & { close(): Promise<void> } = {
  recognized: async () => undefined,
  registerStanding: async () => undefined,
  sittingEntries: async () => [],
  contractToAct: async () => undefined,
  close: async () => {},
};

/**
 * What `tanu validate` asks the ledger, read-only. A SQLite ledger file that does not exist
 * yet means nothing has been issued: it is not an error, and it is not created.
 */
export async function openLookups(config: LedgerConfig, env: NodeJS.ProcessEnv): Promise<LedgerLookups & { close(): Promise<void> }> {
  if (postgresOptions(config, env) === undefined && !existsSync(config.paths.ledger)) return NOTHING_ISSUED;
  return openReader(config, env);
}
