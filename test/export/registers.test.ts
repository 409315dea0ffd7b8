import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../pipeline/config/load.js';
import { isTanuError } from '../../pipeline/core/tanu-error.js';
import { answerOf, carriedError } from '../../pipeline/export/registers.js';
import { EVERYTHING } from '../../pipeline/ledger/rows.js';
import { SqliteLedger } from '../../pipeline/ledger/sqlite.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * The register's part of `tanu export` fails in its worker thread and must fail the export
 * as it failed there: the answer that crosses the thread, and the error made from it again.
 */

const tmp = useTmpDir();

async function job(ledgerPath: string, dir: string) {
  const config = await loadConfig('pipeline.config.yaml', { env: {} });
  return { config: { paths: { ...config.paths, ledger: ledgerPath }, ledger: config.ledger }, env: {}, filter: EVERYTHING, dir };
}

describe('the register made for an export', () => {
  it('that cannot open its ledger comes back as the same TanuError, code and text word for word', async () => {
    const ledger = join(tmp(), 'ledger.sqlite');
    writeFileSync(ledger, 'not a database, '.repeat(512));
    const answer = await answerOf(await job(ledger, tmp()));
    if ('files' in answer || !('tanu' in answer)) throw new Error(`expected a TanuError's answer, got ${JSON.stringify(answer)}`);
    expect(answer.tanu).toEqual({ code: 'LEDGER', text: { kk: expect.stringContaining(`${ledger}: file is not a database`), ru: expect.stringContaining(`${ledger}: file is not a database`) } });
    const error = carriedError(answer);
    expect(isTanuError(error) && { code: error.code, text: error.text, message: error.message }).toEqual({
      code: answer.tanu.code,
      text: answer.tanu.text,
      message: `${answer.tanu.code}: ${answer.tanu.text.ru}`,
    });
  });

  it('that cannot write its files comes back as the system error, with its code and path', async () => {
    const ledger = join(tmp(), 'ledger.sqlite');
    await (await SqliteLedger.open(ledger)).close();
    const missing = join(tmp(), 'no-such-folder');
    const answer = await answerOf(await job(ledger, missing));
    if ('files' in answer || 'tanu' in answer) throw new Error(`expected a system error's answer, got ${JSON.stringify(answer)}`);
    const error = carriedError(answer) as NodeJS.ErrnoException;
    expect(isTanuError(error)).toBe(false);
    expect({ code: error.code, path: error.path }).toEqual({ code: 'ENOENT', path: join(missing, 'register-kk.csv') });
  });
});
