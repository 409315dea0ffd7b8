import { type LedgerConfig, postgresOptions } from '../ledger/open.js';
import { type LedgerReader, SqliteLedgerReader } from './reader.js';

/** The read-only reader of the ledger the config names, chosen as `openLedger` chooses the ledger. */
export async function openReader(config: LedgerConfig, env: NodeJS.ProcessEnv): Promise<LedgerReader> {
  const postgres = postgresOptions(config, env);
  return postgres ? (await import('./postgres-reader.js')).PostgresLedgerReader.open(postgres) : SqliteLedgerReader.open(config.paths.ledger);
}
