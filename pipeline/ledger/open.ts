import type { Config } from '../config/schema.js';
import { TanuError } from '../core/tanu-error.js';
import type { Ledger } from './ledger.js';
import { PostgresLedger } from './postgres.js';
import { SqliteLedger } from './sqlite.js';

type LedgerConfig = Pick<Config, 'paths' | 'ledger'>;

/**
 * The ledger the config names: PostgreSQL at `ledger.url`, its password from the variable
 * named by `ledger.password_env`, else PGPASSWORD, else ~/.pgpass (secrets only from the
 * environment, docs/deploy.md);
 * otherwise the SQLite file at `paths.ledger`. Every command that writes opens it here.
 */
export async function openLedger(config: LedgerConfig, env: NodeJS.ProcessEnv): Promise<Ledger> {
  if (config.ledger.url === undefined) return SqliteLedger.open(config.paths.ledger);
  // PGPASSWORD read here, not by node-postgres: bin/tanu.js keeps the environment out of
  // process.env (Tanu's own copy is `env`), so node-postgres would not see it.
  return PostgresLedger.open({ url: config.ledger.url, password: ledgerPassword(config, env), jobs: config.ledger.jobs });
}

export const ledgerPassword = (config: LedgerConfig, env: NodeJS.ProcessEnv) => env[config.ledger.password_env] ?? env.PGPASSWORD;

/**
 * The SQLite file that `tanu serve` and `tanu verify` read (`serve/reader.ts`). The
 * reader is SQLite's alone for now: with `ledger.url` set, these commands stop rather
 * than read a stale or missing file.
 */
export function readerLedgerPath(config: LedgerConfig): string {
  if (config.ledger.url !== undefined)
    throw new TanuError('CONFIG_INVALID', {
      detail: {
        kk: 'ledger.url: tanu serve мен tanu verify әзірге тек SQLite журналын (paths.ledger) оқиды',
        ru: 'ledger.url: tanu serve и tanu verify пока читают только журнал SQLite (paths.ledger)',
      },
    });
  return config.paths.ledger;
}
