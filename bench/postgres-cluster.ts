import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private PostgreSQL cluster for the tests and the benchmark: Debian's server binaries (scripts/setup.sh
 * installs them), a temporary folder, a unix socket inside it and no TCP port, so runs on
 * one machine never meet. Started once per run by `postgres-global.ts` (which may not
 * import vitest, hence this module of its own); each test file makes its own databases on
 * it (`usePostgres` in `postgres.ts`).
 *
 * initdb refuses to run as root: as root, the cluster runs as `nobody`, which owns the
 * folder. Logins need the password (SCRAM), so the tests pass it the way Tanu takes it.
 * The collation is ICU Russian, not C: orders that must be byte orders have to say so.
 */
export type ClusterInfo = { socketDir: string; user: string; password: string };

/** A ledger URL as an operator writes it: no password in it (it comes from the environment). */
export const ledgerUrl = (info: ClusterInfo, database: string) => `postgres://${info.user}@/${database}?host=${encodeURIComponent(info.socketDir)}`;

const USER = 'tanu';

function serverBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL server under ${root}: run scripts/setup.sh`);
  return join(root, versions[0] as string, 'bin');
}

export function startCluster(options: { durable?: boolean } = {}): { info: ClusterInfo; stop: () => void; restart: () => void } {
  const bin = serverBin();
  const dir = mkdtempSync(join(tmpdir(), 'tanu-pg-'));
  const asRoot = process.getuid?.() === 0;
  // As root, every server command runs as nobody, which must own the folder it writes.
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : join(bin, cmd), asRoot ? ['-u', 'nobody', '--', join(bin, cmd), ...args] : args, { stdio: 'pipe' });
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }));
  const nobody = asRoot ? { uid: id('-u'), gid: id('-g') } : undefined;
  if (nobody) chownSync(dir, nobody.uid, nobody.gid);
  const data = join(dir, 'data');
  const password = randomBytes(16).toString('hex');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, password);
  if (nobody) chownSync(pwfile, nobody.uid, nobody.gid);
  const stop = () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    run('initdb', ['-D', data, '-U', USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--locale-provider=icu', '--icu-locale=ru-RU', '--no-sync']);
    rmSync(pwfile);
    // Test data only: no fsync (the cluster is deleted after the run) unless a benchmark asks
    // for a server that commits as a real one does; no TCP either way.
    const volatile = options.durable ? '' : 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n';
    appendFileSync(join(data, 'postgresql.conf'), `\nlisten_addresses = ''\nunix_socket_directories = '${dir}'\n${volatile}`);
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the test PostgreSQL cluster did not start: ${stderr}`, { cause: e });
  }
  // A fast restart: every connection is cut, as a server failover or an upgrade would.
  const restart = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-m', 'fast', '-w', '-t', '60', 'restart']);
  return { info: { socketDir: dir, user: USER, password }, stop, restart };
}
