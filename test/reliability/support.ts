import { REGISTER_HEADERS } from '../../pipeline/publish/register.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { parse as parseCsv } from 'csv-parse/sync';
import { files, manifests, readManifest } from '../support/outbox.js';

/**
 * What the fault suite needs around a real `tanu` process: start it, watch its output,
 * find its Chromium, kill it, and read the ledger it leaves behind.
 */

export type Exit = { code: number | null; signal: NodeJS.Signals | null };
export type Running = { child: ChildProcess; exited: Promise<Exit>; stdout: () => string; stderr: () => string };

const BIN = resolve('bin/tanu.js');

export const startTanu = (args: string[], env: Record<string, string> = {}) => start([BIN, ...args], env);

/** A plain Node script run from the repository (so it finds the project's packages). */
export const startNode = (code: string) => start(['-e', code], {});

function start(argv: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd: resolve('.') });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (err += String(d)));
  const exited = new Promise<Exit>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { child, exited, stdout: () => out, stderr: () => err };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` holds, or fails after `ms`: the deadline guards a hang, it measures nothing. */
export async function until(check: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Every process on the machine with its parent and command name, read from /proc. */
function processTable(): { pid: number; ppid: number; comm: string }[] {
  const table = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
      // The command name may contain spaces and parentheses: fields are counted from its closing one.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      table.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), comm });
    } catch {
      // The process ended while the table was read.
    }
  }
  return table;
}

/** Polls an asynchronous check (a query) until it holds, or fails after `ms`; a check that throws (a server restarting) counts as not yet. */
export async function eventually(check: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Sends a signal to a process that may be gone already. */
export function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** A started Tanu and everything below it (its Chromium) killed at once, as a lost machine would be; resolves when it has exited. */
export async function killTree(r: Running): Promise<Exit> {
  for (const pid of [r.child.pid ?? 0, ...descendants(r.child.pid ?? 0)]) signal(pid, 'SIGKILL');
  return r.exited;
}

/** The Chromium browser a Tanu process launched: its child whose command is chromium. */
export const chromiumOf = (pid: number): number | undefined => processTable().find((p) => p.ppid === pid && p.comm.startsWith('chromium'))?.pid;

/** Every process below `pid`: children, their children, and so on. */
export function descendants(pid: number): number[] {
  const table = processTable();
  const below = (parent: number): number[] => table.filter((p) => p.ppid === parent).flatMap((p) => [p.pid, ...below(p.pid)]);
  return below(pid);
}

/** A small deterministic generator, so a failing run can be replayed from its printed seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Read-only questions to the ledger a run left behind. */
export function ledgerFacts(path: string) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const one = <T>(sql: string) => db.prepare(sql).get() as T;
    return {
      integrity: (one<{ integrity_check: string }>('PRAGMA integrity_check')).integrity_check,
      lastSerial: one<{ n: number | null }>("SELECT MAX(last_seq) AS n FROM serials").n ?? 0,
      certificates: one<{ n: number }>("SELECT COUNT(*) AS n FROM documents WHERE type = 'certificate'").n,
      distinctSerials: one<{ n: number }>("SELECT COUNT(DISTINCT serial) AS n FROM documents WHERE type = 'certificate'").n,
      unpublished: one<{ n: number }>("SELECT COUNT(*) AS n FROM documents WHERE state != 'published'").n,
      registry: one<{ n: number }>('SELECT COUNT(*) AS n FROM registry').n,
      registryPeople: one<{ n: number }>('SELECT COUNT(DISTINCT iin) AS n FROM registry').n,
      batches: db.prepare('SELECT id, state FROM batches ORDER BY created_at').all() as { id: string; state: string }[],
      published: db.prepare("SELECT d.serial, d.files_json, b.outbox_dir FROM documents d JOIN batches b ON b.id = d.batch_id WHERE d.state = 'published'").all() as {
        serial: string;
        files_json: string;
        outbox_dir: string;
      }[],
    };
  } finally {
    db.close();
  }
}

/** The figures the suite prints at its end. */
export const figures = { injected: 0, survived: 0, rowsSent: 0, rowsLost: 0, lines: [] as string[] };

/** Counted as each fault is injected. */
export const inject = (faults = 1) => void (figures.injected += faults);

/** A test's faults counted as survived once it has checked the end state (a failed check never gets here). */
export function tally(faults: number, rowsSent: number, rowsLost: number, line: string) {
  figures.survived += faults;
  figures.rowsSent += rowsSent;
  figures.rowsLost += rowsLost;
  figures.lines.push(line);
}

/** The IINs of the rows in an exam-results CSV as it was sent (the first column; a header line first). */
export function sentIins(csv: string): string[] {
  const [header, ...rows] = csv.trim().split('\n');
  if (!header?.startsWith('ИИН,')) throw new Error(`not an exam-results CSV with the IIN first: ${header}`);
  return rows.map((r) => r.slice(0, r.indexOf(',')));
}

/**
 * Rows lost, counted from what is on disk rather than from the ledger's own counters: a
 * row is delivered when a manifest lists a certificate for its IIN, that certificate's PDF
 * is in the outbox, and the register export (`tanu registry export`) has the same serial
 * for the same IIN. Every row sent without all three is lost; a row with two certificates
 * or two register lines is reported as issued twice.
 */
export async function rowsLostOnDisk(outbox: string, config: string, sent: readonly string[], env: Record<string, string> = {}): Promise<{ lost: string[]; twice: string[] }> {
  const onDisk = new Set(files(outbox).filter((f) => /(^|\/)certificates\/[^/]+\.pdf$/.test(f)).map((f) => join(outbox, f)));
  const published = new Map<string, string[]>();
  for (const m of manifests(outbox))
    for (const d of readManifest(m).documents)
      if (d.type === 'certificate' && d.iin !== null && onDisk.has(join(m, '..', d.file))) published.set(d.iin, [...(published.get(d.iin) ?? []), d.serial]);

  const registerCsv = join(dirname(config), `register-${process.hrtime.bigint()}.csv`);
  const exported = startTanu(['registry', 'export', '--format', 'csv', '--language', 'ru', '--out', registerCsv, '--config', config], env);
  const exit = await exported.exited;
  if (exit.code !== 0) throw new Error(`tanu registry export failed: ${exported.stderr()}`);
  const [header, ...lines] = parseCsv(readFileSync(registerCsv), { bom: true, delimiter: ';' }) as string[][];
  // The columns by the register's own header names, so a renamed column cannot pass unseen.
  const [, iinName, serialName] = REGISTER_HEADERS.ru;
  const iinAt = iinName === undefined ? -1 : (header?.indexOf(iinName) ?? -1);
  const serialAt = serialName === undefined ? -1 : (header?.indexOf(serialName) ?? -1);
  if (iinAt < 0 || serialAt < 0) throw new Error(`register export without ${iinName} or ${serialName}: ${header?.join(';')}`);
  const registered = new Map<string, string[]>();
  for (const line of lines) {
    const iin = line[iinAt] ?? '';
    registered.set(iin, [...(registered.get(iin) ?? []), line[serialAt] ?? '']);
  }

  const lost: string[] = [];
  const twice: string[] = [];
  for (const iin of sent) {
    const serials = published.get(iin) ?? [];
    const register = registered.get(iin) ?? [];
    if (serials.length > 1 || register.length > 1) twice.push(iin);
    if (!serials.some((s) => register.includes(s))) lost.push(iin);
  }
  return { lost, twice };
}
