import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { type ClusterInfo, ledgerUrl } from '../../bench/postgres-cluster.js';


/**
 * This test file's share of the run's cluster: `database()` makes a new, empty database
 * and gives its URL; all of them are dropped after the file.
 */
export function usePostgres(): { info: ClusterInfo; database: () => Promise<string> } {
  const info = inject('postgres');
  const admin = new pg.Pool({ host: info.socketDir, user: info.user, password: info.password, database: 'postgres', max: 1 });
  const made: string[] = [];
  afterAll(async () => {
    for (const name of made) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  });
  return {
    info,
    database: async () => {
      const name = `tanu_${randomBytes(6).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${name}`);
      made.push(name);
      return ledgerUrl(info, name);
    },
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ClusterInfo;
  }
}
