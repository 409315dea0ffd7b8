import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../pipeline/cli/context.js';
import { main } from '../../pipeline/cli/main.js';
import { issueCertificate, pkcs12 } from '../../pipeline/dev/pki.js';
import { Report } from '../../pipeline/validate/report.js';
import { displayDate } from '../../pipeline/core/dates.js';
import { table } from '../../pipeline/cli/output.js';
import { displayWidth } from '../../pipeline/core/width.js';
import { makeProject } from '../support/project.js';
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

  it('a file-level problem that tanu watch sets aside (unknown centre, missing column) exits 2, as an unreadable file does', async () => {
    const dir = tmp();
    const missing = join(dir, 'exam-results-nostatus.csv');
    writeFileSync(missing, `ИИН,Фамилия,Имя,Код профессии,Уровень ОРК,№ протокола,Дата протокола\n850315400015,Иванов,Иван,5320-9-006,3,П-1,12.11.2026\n`);
    const r = await tanu(['validate', missing, '--json']);
    expect(JSON.parse(r.out).files[0].errors.map((e: { code: string }) => e.code)).toContain('MISSING_COLUMN');
    // Refused whole, it still says how many rows it holds.
    expect(JSON.parse(r.out).files[0]).toMatchObject({ rows: 1, valid: 0 });
    expect(r.code).toBe(2);
    const centre = join(dir, 'exam-results.json');
    const record = { iin: '850315400015', last_name: 'Иванов', first_name: 'Иван', profession_code: '5320-9-006', level: 3, exam1_at: '10.11.2026 10:00', status: 'Признан', protocol_number: 'П-1', protocol_date: '12.11.2026', exam_region: 'Алматы', exam_city: 'Алматы', exam_address: 'Абай даңғылы, 1' };
    writeFileSync(centre, JSON.stringify({ kind: 'exam-results', centre: 'NOWHERE', records: [record] }));
    const u = await tanu(['validate', centre, '--json']);
    expect(JSON.parse(u.out).files[0].errors.map((e: { code: string }) => e.code)).toEqual(['UNKNOWN_CENTRE']);
    expect(u.code).toBe(2);
  });

  it('a tab- or pipe-separated CSV says which separator it found; an XLSX names the sheet it read and the others', async () => {
    const dir = tmp();
    const header = ['ИИН', 'Фамилия', 'Имя', 'Код профессии', 'Уровень ОРК', 'Статус', '№ протокола', 'Дата протокола'];
    const tab = join(dir, 'exam-results-tab.csv');
    writeFileSync(tab, `${header.join('\t')}\n850315400015\tИванов\tИван\t5320-9-006\t3\tПризнан\tП-1\t12.11.2026\n`);
    const t = await tanu(['validate', tab]);
    expect(t.code).toBe(2);
    expect(t.out).toContain('столбцы разделены табуляцией, а Tanu читает CSV с разделителем «,» или «;»');
    const pipe = join(dir, 'exam-results-pipe.csv');
    writeFileSync(pipe, `${header.join('|')}\n`);
    expect((await tanu(['validate', pipe, '--language', 'kk'])).out).toContain('бағандар «|» (тік сызық) арқылы бөлінген');

    const xlsx = join(dir, 'exam-results-nov.xlsx');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Нәтижелер').addRow(header.filter((h) => h !== 'Статус'));
    wb.getWorksheet('Нәтижелер')?.addRow(['850315400015', 'Иванов', 'Иван', '5320-9-006', 3, 'П-1', '12.11.2026']);
    wb.addWorksheet('Анықтама').addRow(['x']);
    wb.addWorksheet('Статус').addRow(['y']);
    await wb.xlsx.writeFile(xlsx);
    const x = await tanu(['validate', xlsx]);
    expect(x.code).toBe(2);
    expect(x.out).toContain('Нет обязательного столбца: Статус (status): прочитан лист «Нәтижелер»; другие листы: «Анықтама», «Статус»');
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
    expect((await tanu(['--help'])).out).toContain('tanu validate ФАЙЛ... [--json]        проверить файлы');
    expect((await tanu(['--help', '--language', 'kk'])).out).toContain('tanu validate ФАЙЛ... [--json]        файлдарды тексеру');
  });

  it('a command line mistake is one line in the operator language naming it, and a pointer to --help; --version; a typed date may be dd.mm.yyyy', async () => {
    const mistakes: [string[], string][] = [
      [['run', 'x.csv', '--outbx', 'out'], '[UNKNOWN_OPTION] Неизвестный параметр --outbx (может быть, --outbox?)'],
      [['run', 'x.csv', '--outbox'], '[OPTION_VALUE_MISSING] Не указано значение параметра --outbox'],
      [['run', 'x.csv', '--outbox', '--json'], '[OPTION_VALUE_MISSING] Не указано значение параметра --outbox'],
      [['validate', 'x.csv', '--json=yes'], '[OPTION_VALUE_UNEXPECTED] Параметр --json не принимает значения'],
      [['export', '--from', '31.11.2026', '--out', 'a.zip'], '[OPTION_VALUE_INVALID] Недопустимое значение параметра --from: «31.11.2026», ожидается дата ДД.ММ.ГГГГ или ГГГГ-ММ-ДД'],
      [['export', '--status', 'valid', '--out', 'a.zip'], '[OPTION_VALUE_INVALID] Недопустимое значение параметра --status: «valid», ожидается issued|superseded|revoked|all'],
      [['frobnicate'], '[USAGE] Команда задана неверно: неизвестная команда frobnicate'],
    ];
    for (const [args, line] of mistakes) {
      const r = await tanu(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toBe(`${line}\nСправка: tanu --help\n`);
    }
    // The operator's language: --language, else the config's, also when the line is wrong.
    const kk = await tanu(['run', 'x.csv', '--outbx', 'out', '--language', 'kk']);
    expect(kk.err).toBe('[UNKNOWN_OPTION] Белгісіз параметр --outbx (--outbox болар ма?)\nАнықтама: tanu --help\n');
    const config = join(tmp(), 'kk.yaml');
    writeFileSync(config, readFileSync('pipeline.config.yaml', 'utf8').replace(/^operator_language: ru/m, 'operator_language: kk'));
    expect((await tanu(['validate', '--config', config, '--frobnicate'])).err).toContain('[UNKNOWN_OPTION] Белгісіз параметр --frobnicate\nАнықтама');

    const version = await tanu(['--version']);
    expect(version).toMatchObject({ code: 0, out: `tanu ${JSON.parse(readFileSync('package.json', 'utf8')).version}\n` });

    // The same selection typed either way: dd.mm.yyyy is read as the ISO date (nothing issued: EXPORT_EMPTY names it).
    const ledger = join(tmp(), 'ledger.sqlite');
    for (const from of ['01.12.2026', '2026-12-01']) {
      const r = await tanu(['export', '--from', from, '--to', '31.12.2026', '--ledger', ledger, '--out', join(tmp(), 'a.zip')]);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain('from=2026-12-01 to=2026-12-31');
    }
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
    expect(bad.out).toMatch(/Q88100061\.yaml:12: in_force_from: дата в виде ГГГГ-ММ-ДД/);
  });

  it('check refuses a placeholder name, and no shipped card has one', async () => {
    const shipped = readFileSync('standards/Q88100061.yaml', 'utf8');
    expect(shipped).not.toMatch(/(ru|kk): .*(…|\.\.\.)\)?$/m);
    const dir = tmp();
    writeFileSync(join(dir, 'Q88100061.yaml'), shipped.replace(/( {4}ru: Директор центра оказания специальных социальных услуг) \(.*\)$/m, '$1 (…)'));
    const bad = await tanu(['standards', 'check'], { TANU_PATHS__STANDARDS: dir });
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/Q88100061\.yaml:1251: cards\[8\]\.name\.ru: это заготовка/);
  });
});

describe('the tanu bin', () => {
  it('a reader that stops early (| head -1) ends nothing in a stack trace; the exit code stays', () => {
    const file = join(tmp(), 'exam-results-many.csv');
    const header = 'ИИН,Фамилия,Имя,Код профессии,Уровень ОРК,Дата и время первого экзамена,Балл первого экзамена,Статус,№ протокола,Дата протокола,Область / город республиканского значения,Город или район,Адрес';
    // Enough invalid rows that the report outgrows the pipe's buffer long after head has gone.
    const rows = Array.from({ length: 3000 }, (_, i) => `12345678901${i % 10},Иванов,Иван,5320-9-006,3,10.11.2026 10:00,80,Признан,П-1,12.11.2026,Алматы,Алматы,Абай 1`);
    writeFileSync(file, [header, ...rows].join('\n'));
    const r = spawnSync('bash', ['-c', `node bin/tanu.js validate '${file}' | head -1; echo "tanu exit \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(r.stderr).toContain('tanu exit 1');
  });

  it('runs from a checkout through npx-style invocation and keeps the exit code', () => {
    const r = spawnSync(process.execPath, ['bin/tanu.js', 'validate', 'test/fixtures/exam-results-cp1251.csv', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(Report.parse(JSON.parse(r.stdout)).files[0]?.valid).toBe(2);
  });
});

describe('tanu registry export', () => {
  it('as XLSX: numbers as numbers, dates as dates, the IIN as text, widths fitted, header frozen, a filter', async () => {
    const p = makeProject(tmp());
    expect((await tanu(['run', 'examples/exam-results-demo.csv', '--config', p.config])).code).toBe(0);
    const out = join(p.dir, 'registry.xlsx');
    expect((await tanu(['registry', 'export', '--format', 'xlsx', '--language', 'ru', '--out', out, '--config', p.config])).code).toBe(0);
    // Written under a temporary name, then renamed: nothing else is left beside it.
    expect(readdirSync(p.dir).filter((name) => name.includes('registry.xlsx'))).toEqual(['registry.xlsx']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const ws = wb.worksheets[0];
    if (!ws) throw new Error('no sheet');
    const row = ws.getRow(2);
    expect(typeof row.getCell(2).value).toBe('string');
    expect(row.getCell(2).value).toMatch(/^\d{12}$/);
    expect(ws.getColumn(2).numFmt).toBe('@');
    expect(typeof row.getCell(5).value).toBe('number');
    expect(row.getCell(6).value).toBeInstanceOf(Date);
    expect(row.getCell(6).numFmt).toBe('dd.mm.yyyy');
    expect((row.getCell(6).value as Date).toISOString().slice(0, 10)).toBe(clock.now().toISOString().slice(0, 10));
    expect(new Set(ws.columns.map((c) => c.width)).size).toBeGreaterThan(2);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
  });

  it("names its columns as seed 000's register does", async () => {
    const dir = tmp();
    const out = join(dir, 'registry.csv');
    const r = await tanu(['registry', 'export', '--language', 'kk', '--out', out], { TANU_PATHS__LEDGER: join(dir, 'ledger.sqlite') });
    expect(r.code).toBe(0);
    const header = readFileSync(out, 'utf8').replace(/^\uFEFF/, '').split('\r\n')[0]?.split(';');
    expect(header).toEqual(['ҚАТЫСУШЫ', 'ЖСН', 'СЕРТИФИКАТТЫҢ №', 'КӘСІП', 'ДЕҢГЕЙ', 'БЕРІЛГЕН КҮНІ', 'МЕРЗІМНІҢ АЯҚТАЛУЫ', 'АТТЕСТАТТАУ НӘТИЖЕСІ', 'САНАТ', 'АТТЕСТАТТАУ КҮНІ', 'ОРТАЛЫҚ', 'КҮЙІ']);
  });
});

describe('a config kept elsewhere', () => {
  it('a folder its paths name that is missing is a bilingual error naming the key, exit 2, no stack trace', async () => {
    const dir = tmp();
    const config = join(dir, 'x.yaml');
    writeFileSync(config, readFileSync('pipeline.config.yaml', 'utf8'));
    for (const command of ['run', 'validate']) {
      const r = await tanu([command, 'examples/exam-results-demo.csv', '--config', config]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`[PATH_MISSING] Путь paths.standards из настроек не найден: ${join(dir, 'standards')} (относительные пути считаются от папки файла настроек)`);
      expect(r.err).not.toMatch(/ENOENT|scandir|\n\s+at /);
    }
    const kk = await tanu(['standards', 'check', '--config', config, '--language', 'kk']);
    expect(kk.code).toBe(2);
    expect(kk.err).toContain('Баптаулардағы paths.standards жолы табылмады');
  });
});

describe('tanu watch', () => {
  it('that cannot open the signing key (a wrong password) exits 2, as the README says, before watching anything', async () => {
    const p = makeProject(tmp());
    const now = clock.now();
    const key = join(p.dir, 'real.p12');
    writeFileSync(key, pkcs12(issueCertificate({ subject: { commonName: 'real' }, notBefore: now, notAfter: new Date(now.getTime() + 1e10), ca: false }), [], 'right'));
    writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('key: var/keys/dev-centre.p12', `key: ${key}`).replace('dev_key: true', 'dev_key: false').replace('level: B-T', 'level: B-B'));
    const r = await tanu(['watch', '--config', p.config], { TANU_KEY_PASSWORD: 'wrong' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('[SIGNING_KEY]');
    expect(r.err).not.toContain('wrong');
  });
});

describe('tanu status', () => {
  it('--json gives the report as objects; the table is translated, in the centre time zone and fits an 80-column terminal', async () => {
    const p = makeProject(tmp());
    const file = join(p.dir, 'exam-results-demo-with-a-rather-long-name-from-the-centres-export-2026-11.csv');
    writeFileSync(file, readFileSync('examples/exam-results-demo.csv'));
    expect((await tanu(['run', file, '--config', p.config])).code).toBe(0);
    const json = JSON.parse((await tanu(['status', '--json', '--config', p.config])).out);
    expect(json.batches[0].report).toMatchObject({ kind: 'exam-results', rows: 2 });
    expect(json.batches[0]).not.toHaveProperty('report_json');

    let out = '';
    const io: Io = { out: (t) => (out += `${t}\n`), err: () => {}, clock, env: {}, columns: 80 };
    expect(await main(['status', '--language', 'kk', '--config', p.config], io)).toBe(0);
    const lines = out.trimEnd().split('\n');
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
    expect(out).toContain('…');
    // Wider, the words come whole.
    out = '';
    expect(await main(['status', '--language', 'kk', '--config', p.config], { ...io, columns: 120 })).toBe(0);
    for (const line of out.trimEnd().split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(120);
    expect(out).toContain('емтихан нәтижелері');
    expect(out).toContain('жарияланған');
    expect(out).not.toMatch(/  exam-results  |published/);
    // The clock says 07:00 UTC: 12:00 in Almaty.
    expect(out).toContain(`${displayDate(clock.now().toISOString().slice(0, 10))} 12:00`);
    expect(out).toContain('Asia/Almaty');
  });

  it('a table shortens its widest columns by display width', () => {
    const t = table([['файл', 'подпись'], ['outbox/DEMO01/2026-11-23/35c495f6d8ff/certificates/DEMO01-2026-000001.pdf', 'верна'], ['漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字.pdf', 'верна']], 40);
    for (const line of t.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(40);
    expect(t).toContain('000001.pdf');
  });
});
