import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Code } from '../core/catalogue.js';
import { TanuError, isTanuError } from '../core/tanu-error.js';
import type { ExportFilter } from '../ledger/ledger.js';
import { type LedgerConfig, openLedger } from '../ledger/open.js';
import { registerCsv, registerXlsx } from '../publish/register.js';
import { withFixedTimes } from './zip.js';

/**
 * The register of recognized persons for an export's selection, as the package carries
 * it: CSV and XLSX in Kazakh and Russian, written into a folder (the XLSX with fixed entry
 * times). `tanu export` makes it in a worker thread (registers-worker.ts), on the ledger
 * through a connection of its own, while it checks the documents on the main thread: the
 * register's reads and ExcelJS took about 2 s of a 10,000-document export's 11 s there
 * (bench/README.md, export round 6). Only this thread loads ExcelJS.
 */

export type RegisterFile = { packaged: string; path: string };

export type RegisterJob = { config: LedgerConfig; env: NodeJS.ProcessEnv; filter: ExportFilter; dir: string };

export async function writeRegisters({ config, env, filter, dir }: RegisterJob): Promise<RegisterFile[]> {
  const ledger = await openLedger(config, env);
  try {
    const revocations = await ledger.revocations();
    // Read again for each file (and twice for an XLSX: widths, then rows), a page at a time.
    const rows = () => ledger.exportRegistry(filter);
    const files: RegisterFile[] = [];
    for (const lang of ['kk', 'ru'] as const) {
      const csv = join(dir, `register-${lang}.csv`);
      await pipeline(Readable.from(registerCsv(rows(), revocations, lang)), createWriteStream(csv));
      const [made, xlsx] = [join(dir, `register-${lang}.made.xlsx`), join(dir, `register-${lang}.xlsx`)];
      await registerXlsx(made, rows, revocations, lang);
      await withFixedTimes(made, xlsx);
      files.push({ packaged: `data/register/register-${lang}.csv`, path: csv }, { packaged: `data/register/register-${lang}.xlsx`, path: xlsx });
    }
    return files;
  } finally {
    await ledger.close();
  }
}

/** What the worker answers: the files, or the error as it can cross a thread. */
export type RegisterAnswer =
  | { files: RegisterFile[] }
  | { tanu: { code: Code; text: { kk: string; ru: string } } }
  | { error: { message: string; stack?: string; code?: unknown; path?: unknown } };

/** The error a worker's answer carries, as it was thrown there: a TanuError with its code and text, else an Error with the system's code and path. */
export function carriedError(answer: Exclude<RegisterAnswer, { files: RegisterFile[] }>): Error {
  if ('tanu' in answer) return new TanuError(answer.tanu.code, {}, { text: answer.tanu.text });
  return Object.assign(new Error(answer.error.message), answer.error);
}

export const answerOf = async (job: RegisterJob): Promise<RegisterAnswer> => {
  try {
    return { files: await writeRegisters(job) };
  } catch (e) {
    if (isTanuError(e)) return { tanu: { code: e.code, text: e.text } };
    const { message, stack, code, path } = e as NodeJS.ErrnoException;
    return { error: { message: String(message), ...(stack ? { stack } : {}), code, path } };
  }
};
