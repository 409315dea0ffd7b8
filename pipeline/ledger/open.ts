import type { Config } from '../config/schema.js';
import type { Ledger } from './ledger.js';
import type { PostgresOptions } from './postgres.js';
import { SqliteLedger } from './sqlite.js';

export type LedgerConfig = Pick<Config, 'paths' | 'ledger'>;

/**
 * The ledger the config names: PostgreSQL at `ledger.url`, its password from the variable
 * named by `ledger.password_env`, else PGPASSWORD, else ~/.pgpass (secrets only from the
 * environment, docs/deploy.md);
 * otherwise the SQLite file at `paths.ledger`. Every command that writes opens it here.
 */
export async function openLedger(config: LedgerConfig, env: NodeJS.ProcessEnv): Promise<Ledger> {
  const postgres = postgresOptions(config, env);
  // PostgreSQL's client and the job queue are loaded only for a ledger that uses them.
  return postgres ? (await import('./postgres.js')).PostgresLedger.open({ ...postgres, jobs: config.ledger.jobs }) : SqliteLedger.open(config.paths.ledger);
}

/**
 * Where the PostgreSQL ledger is and how to log in, or undefined for the SQLite file: for
 * `openLedger` and for the read-only reader of `tanu serve` and `tanu verify`.
 */
export function postgresOptions(config: LedgerConfig, env: NodeJS.ProcessEnv): PostgresOptions | undefined {
  if (config.ledger.url === undefined) return undefined;
  // PGPASSWORD read here, not by node-postgres: bin/tanu.js keeps the environment out of
  // process.env (Tanu's own copy is `env`), so node-postgres would not see it.
  return { url: config.ledger.url, password: env[config.ledger.password_env] ?? env.PGPASSWORD };
}
