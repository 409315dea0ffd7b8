import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Io, main } from '../../pipeline/cli/main.js';
import { Report } from '../../pipeline/validate/report.js';
import { clock } from '../support/env.js';
import { useTmpDir } from '../support/tmp.js';

const tmp = useTmpDir();

async function tanu(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), clock, env };
  const code = await main(args, io);
  return { code, out, err };
}

/** Every file under the project's data folders with its hash: what "no side effects" means. */
function snapshot(): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else result[path] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  for (const dir of ['test/fixtures', 'examples', 'inbox', 'outbox', 'standards']) walk(dir);
  return result;
}

describe('tanu validate', () => {
  it('prints the JSON report of docs/contracts.md and exits 1 when some rows are invalid, writing nothing', async () => {
    const before = snapshot();
    const ledger = join(tmp(), 'ledger.sqlite');
    const r = await tanu(['validate', 'test/fixtures/exam-results-utf8-bom.csv', 'test/fixtures/export-2026-11.xlsx', '--json'], { TANU_PATHS__LEDGER: ledger });
    expect(r.code).toBe(1);
    const report = Report.parse(JSON.parse(r.out));
    expect(report.files.map((f) => [f.file, f.rows, f.valid])).toEqual([
      ['test/fixtures/exam-results-utf8-bom.csv', 14, 3],
      ['test/fixtures/export-2026-11.xlsx', 3, 2],
    ]);
    expect(report.files[0]?.errors[0]).toEqual({
      row: 4,
      column: 'iin',
      value: '850315400015',
      code: 'DUPLICATE',
      message: { kk: expect.stringContaining('2-жолда'), ru: expect.stringContaining('в строке 2') },
    });
    expect(snapshot()).toEqual(before);
    expect(() => statSync(ledger)).toThrow();
  });

  it('exits 0 when every row is valid, 2 when a file cannot be read', async () => {
    expect((await tanu(['validate', 'examples/exam-results-demo.csv'])).code).toBe(0);
    const missing = await tanu(['validate', 'examples/exam-results-demo.csv', 'nowhere/exam-results.csv']);
    expect(missing.code).toBe(2);
    expect(missing.out).toContain('файл не найден');
  });

  it('prints a human report in the operator language: row, column, value, message', async () => {
    const ru = await tanu(['validate', 'test/fixtures/exam-results-cp1251.csv']);
    expect(ru.out).toContain('строка 4, ИИН (iin) «');
    expect(ru.out).toContain('[IIN_CHECKSUM] Контрольная цифра ИИН не сходится');
    const kk = await tanu(['validate', 'test/fixtures/exam-results-cp1251.csv', '--language', 'kk']);
    expect(kk.out).toContain('жол 4, ЖСН (iin) «');
    expect(kk.out).toContain('[IIN_CHECKSUM] ЖСН бақылау саны сәйкес келмейді');
  });

  it('usage problems exit 2 with the usage text', async () => {
    expect((await tanu([])).code).toBe(2);
    expect((await tanu(['validate'])).code).toBe(2);
    const unknown = await tanu(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('USAGE');
    expect((await tanu(['--help'])).out).toContain('tanu validate FILE');
  });

  it('a broken config is reported with its line, exit 2', async () => {
    const file = join(tmp(), 'bad.yaml');
    writeFileSync(file, 'default_centre: X\ncentres: []\n');
    const r = await tanu(['validate', 'examples/exam-results-demo.csv', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/CONFIG_INVALID.*bad\.yaml:2 centres/);
  });
});

describe('tanu standards', () => {
  it('lists code, title, versions, in force and cards', async () => {
    const r = await tanu(['standards', 'list']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Q88100061\s+Социальная работа и другие профессии социальной сферы\s+v1 01\.01\.2025, v2 12\.07\.2026\s+да\s+10/);
    expect(r.out).toMatch(/KS2013-690-1 .* нет \(01\.01\.2016\)\s+5/);
    const json = JSON.parse((await tanu(['standards', 'list', '--json'])).out);
    expect(json.standards).toHaveLength(7);
  });

  it('check passes on the shipped library and fails with file and line on a broken one', async () => {
    const good = await tanu(['standards', 'check']);
    expect(good.code).toBe(0);
    expect(good.out).toContain('проверено файлов: 7, ошибок нет');
    const dir = tmp();
    writeFileSync(join(dir, 'Q88100061.yaml'), readFileSync('standards/Q88100061.yaml', 'utf8').replace("in_force_from: '2025-01-01'", "in_force_from: '01.01.2025'"));
    const bad = await tanu(['standards', 'check'], { TANU_PATHS__STANDARDS: dir });
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/Q88100061\.yaml:12: in_force_from: a date written "YYYY-MM-DD"/);
  });
});

describe('the tanu bin', () => {
  it('runs from a checkout through npx-style invocation and keeps the exit code', () => {
    const r = spawnSync(process.execPath, ['bin/tanu.js', 'validate', 'test/fixtures/exam-results-cp1251.csv', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(Report.parse(JSON.parse(r.stdout)).files[0]?.valid).toBe(2);
  });
});
