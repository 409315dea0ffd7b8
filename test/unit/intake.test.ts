import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsvShape, csvReadsThrough, readCsv, sniffDelimiter, sniffEncoding } from '../../pipeline/intake/csv.js';
import { checkDeclaredSizes } from '../../pipeline/intake/zip-guard.js';
import { type IntakeRow, openIntake } from '../../pipeline/intake/open.js';
import type { KindRecord } from '../../pipeline/records/records.js';
import { type ValidationEnv, validateFile } from '../../pipeline/validate/validate-file.js';
import { collect } from '../support/collect.js';
import { shippedEnv } from '../support/env.js';
import { makeIin } from '../support/iin.js';
import { useTmpDir } from '../support/tmp.js';

let env: ValidationEnv;
beforeAll(async () => {
  env = await shippedEnv();
});
const tmp = useTmpDir();
const fixture = (name: string) => join('test/fixtures', name);

async function records(file: string): Promise<IntakeRow[]> {
  const intake = await openIntake(file, { inboxDir: env.config.paths.inbox, centres: ['DEMO01'], defaultCentre: 'DEMO01', maxFileBytes: 1e7, maxUnpackedBytes: 1e8 });
  return collect(intake.rows);
}

async function validate(file: string) {
  const valid: KindRecord[] = [];
  const report = await validateFile(file, env, (r) => void valid.push(r));
  return { report, valid, codes: report.errors.map((e) => `${e.row}:${e.column}:${e.code}`) };
}

describe('intake: CSV', () => {
  it('sniffs encoding and delimiter', () => {
    expect(sniffEncoding(Buffer.from('\uFEFFa,b', 'utf8'))).toBe('utf-8');
    expect(sniffEncoding(Buffer.from('ИИН;Фамилия', 'utf8'))).toBe('utf-8');
    expect(sniffEncoding(Buffer.from([0xc8, 0xc8, 0xcd, 0x3b]))).toBe('windows-1251');
    expect(sniffEncoding(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00]))).toBe('binary');
    expect(sniffDelimiter('a;b;"c,d,e"\n1,2,3,4,5')).toBe(';');
    expect(sniffDelimiter('a,b,"c;d;e"')).toBe(',');
  });

  it('reads a Windows-1251 export with ";", a quoted two-line address and trailing empty rows', async () => {
    const { report, valid, codes } = await validate(fixture('exam-results-cp1251.csv'));
    expect(report).toMatchObject({ kind: 'exam-results', centre: 'DEMO01', rows: 4, valid: 2 });
    // Row numbers are records: the address's line break does not shift the rows after it.
    expect(codes).toEqual(['3:last_name:NAME_ENCODING', '4:iin:IIN_CHECKSUM']);
    expect(valid[0]).toMatchObject({ row: 2, last_name: 'Иванов', exam2_score: 90.5, exam_address: 'ул. Абая, 1\r\nкаб. 5', language: 'ru' });
    expect(valid[1]).toMatchObject({ row: 5, status: 'no_show', no_show_reason: 'health' });
    expect(report.errors[0]?.value).toBe('?мирзакова');
  });

  it('reads UTF-8 with BOM, Kazakh headers, every Kazakh letter, and reports every broken rule by row', async () => {
    const { report, valid, codes } = await validate(fixture('exam-results-utf8-bom.csv'));
    expect(report).toMatchObject({ rows: 14, valid: 3 });
    expect(valid.map((r) => r.row)).toEqual([2, 3, 15]);
    expect(valid.map((r) => `${r.last_name} ${r.first_name} ${r.middle_name}`).join(' ').toLowerCase()).toMatch(/(?=.*ә)(?=.*ғ)(?=.*қ)(?=.*ң)(?=.*ө)(?=.*ұ)(?=.*ү)(?=.*һ)(?=.*і)/);
    expect(codes).toEqual([
      '4:iin:DUPLICATE',
      '5:level:LEVEL_OUT_OF_RANGE',
      '6:exam1_score:BELOW_THRESHOLD',
      '7:no_show_reason:NO_SHOW_REASON',
      '8:protocol_date:FUTURE_DATE',
      '9:exam2_at:DATE_ORDER',
      '10:profession_code:STANDARD_NOT_IN_FORCE',
      '11:profession_code:UNKNOWN_PROFESSION',
      '12:birth_date:BIRTH_DATE_MISMATCH',
      '12:iin:DUPLICATE',
      '13:language:LANGUAGE_UNKNOWN',
      '13:exam1_score:SCORE_RANGE',
      '13:status:STATUS_UNKNOWN',
      '13:protocol_date:DATE_FORMAT',
      '14:last_name:NAME_CHARS',
      '14:first_name:NAME_CHARS',
    ]);
    expect(report.warnings).toEqual([expect.objectContaining({ row: null, column: 'Ескертпе', code: 'UNKNOWN_COLUMN' })]);
  });

  it('keeps record numbers across blank lines and reports a value under no header', async () => {
    const file = join(tmp(), 'exam-results.csv');
    const iin = makeIin('1990-05-05', 'male');
    const line = `${iin},Иванов,Иван,5320-9-006,3,10.11.2026 10:00,80,Признан,П-1,12.11.2026,Алматы,Алматы,Абай 1`;
    writeFileSync(file, `ИИН,Фамилия,Имя,Код профессии,Уровень ОРК,Дата и время первого экзамена,Балл первого экзамена,Статус,№ протокола,Дата протокола,Область / город республиканского значения,Город или район,Адрес\n\n${line},лишнее\n`);
    const { report } = await validate(file);
    expect(report).toMatchObject({ rows: 1, valid: 1 });
    expect(report.warnings).toEqual([expect.objectContaining({ row: 3, column: '#14', value: 'лишнее', code: 'UNKNOWN_COLUMN' })]);
  });

  it('streams: a file is read record by record, not held whole', async () => {
    const file = join(tmp(), 'exam-results-big.csv');
    const iin = makeIin('1990-05-05', 'male');
    const header = 'ИИН,Фамилия,Имя,Код профессии,Уровень ОРК,Дата и время первого экзамена,Балл первого экзамена,Статус,№ протокола,Дата протокола\n';
    const rows = Array.from({ length: 20_000 }, (_, i) => `${iin},Иванов,Иван,5320-9-006,3,10.11.2026 10:00,${70 + (i % 30)},Отказ в признании,П-${i},12.11.2026`);
    writeFileSync(file, header + rows.join('\n'));
    const intake = await openIntake(file, { inboxDir: 'inbox', centres: ['DEMO01'], defaultCentre: 'DEMO01', maxFileBytes: 1e8, maxUnpackedBytes: 1e8 });
    let count = 0;
    let lastRow = 0;
    for await (const r of intake.rows) {
      count++;
      lastRow = r.record?.row ?? lastRow;
    }
    expect(count).toBe(20_000);
    expect(lastRow).toBe(20_001);
  });
});

describe('intake: CSV sure to parse (CsvShape), so a scan need not parse it', () => {
  const sure = (text: string, delimiter: ',' | ';' = ',') => {
    const shape = new CsvShape(delimiter);
    return shape.push(Buffer.from(text)) && shape.end();
  };

  it('is sure of quoted fields with separators, doubled quotes and line breaks inside, with any one line ending', () => {
    expect(sure('a,b\r\n"x, ""y""","line one\nline two"\r\n')).toBe(true);
    expect(sure('a;b\n"";c\n;\n', ';')).toBe(true);
    expect(sure('a,b\r"c",d\r')).toBe(true);
    expect(sure('a,"b"')).toBe(true);
  });

  it('is not sure of what csv-parse may refuse or read otherwise', () => {
    expect(sure('a,b"c\n')).toBe(false); // a quote inside an unquoted field
    expect(sure('a," b"x\n')).toBe(false); // a closing quote followed by a character
    expect(sure('a,"open\n')).toBe(false); // never closed
    expect(sure('a,b\r\nc,d\ne,f\r\n')).toBe(false); // a line ending unlike the first line's
    expect(sure('a, "b"\n')).toBe(false); // a space before the opening quote
  });

  it('says yes only to what readCsv then reads through without an error (2,000 random files)', async () => {
    // The property the scan relies on, on random text over the characters that make CSV's structure.
    const alphabet = ['"', '"', ',', ';', '\n', '\r', '\r\n', 'a', ' ', 'ә'];
    let seed = 20261207;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let sureCount = 0;
    for (let k = 0; k < 2000; k++) {
      const text = `a,b\n${Array.from({ length: 1 + Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')}`;
      const path = join(tmp(), `r${k}.csv`);
      writeFileSync(path, text);
      if (!(await csvReadsThrough(path))) continue;
      sureCount++;
      await expect(collect(readCsv(path)), JSON.stringify(text)).resolves.toBeDefined();
    }
    // Not vacuous: many of the random files are judged sure.
    expect(sureCount).toBeGreaterThan(300);
  });

  it('is sure of the shipped exports (Windows-1251 with ";" and a two-line address; UTF-8 with BOM), not of UTF-8 broken past its sample', async () => {
    expect(await csvReadsThrough(fixture('exam-results-cp1251.csv'))).toBe(true);
    expect(await csvReadsThrough(fixture('exam-results-utf8-bom.csv'))).toBe(true);
    // Valid UTF-8 for the first 64 KB (so read as UTF-8), then a byte no UTF-8 text has.
    const broken = join(tmp(), 'broken-utf8.csv');
    writeFileSync(broken, Buffer.concat([Buffer.from(`a,b\n${'ә,x\n'.repeat(20_000)}`), Buffer.from([0xd3, 0x2c]), Buffer.from('\n')]));
    await expect(collect(readCsv(broken))).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    expect(await csvReadsThrough(broken)).toBe(false);
  });
});

describe('intake: XLSX', () => {
  it('finds the sheet named after the kind, the header below title rows, pads numeric IINs', async () => {
    const { report, valid, codes } = await validate(fixture('export-2026-11.xlsx'));
    expect(report).toMatchObject({ kind: 'exam-results', rows: 3, valid: 2 });
    expect(codes).toEqual(['6:level:LEVEL_OUT_OF_RANGE']);
    expect(valid[0]).toMatchObject({ row: 4, iin: makeIin('2003-07-21', 'male', 123), exam1_at: '2026-11-10T09:30', protocol_date: '2026-11-12' });
    expect(valid[0] && 'iin' in valid[0] && valid[0].iin.startsWith('0')).toBe(true);
    expect(valid[1]).toMatchObject({ row: 5, exam1_at: '2026-11-10T09:30', protocol_date: '2026-11-12' });
  });

  it('takes the first sheet when none is named after a kind, and a formula in a name is refused', async () => {
    const file = join(tmp(), 'exam-results-nov.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Лист1');
    ws.addRow(['ИИН', 'Фамилия', 'Имя', 'Код профессии', 'Уровень ОРК', 'Дата и время первого экзамена', 'Балл первого экзамена', 'Статус', '№ протокола', 'Дата протокола', 'Область / город республиканского значения', 'Город или район', 'Адрес']);
    ws.addRow([makeIin('1990-05-05', 'male'), { formula: 'CONCAT("Ив","анов")', result: 'Иванов' }, 'Иван', '5320-9-006', 3, '10.11.2026 10:00', { formula: '40+40', result: 80 }, 'Признан', 'П-1', '12.11.2026', 'Алматы', 'Алматы', 'Абай 1']);
    wb.addWorksheet('Лист2').addRow(['ignored']);
    await wb.xlsx.writeFile(file);
    const { codes } = await validate(file);
    expect(codes).toEqual(['2:last_name:NAME_CHARS']);
  });
});

describe('intake: XLSX of many parts', () => {
  it('checks a workbook of eleven parts and more without MaxListenersExceededWarning', async () => {
    const file = join(tmp(), 'exam-results-parts.xlsx');
    const wb = new ExcelJS.Workbook();
    for (let i = 1; i <= 8; i++) wb.addWorksheet(`Лист${i}`).addRow(['ИИН', i]);
    await wb.xlsx.writeFile(file);
    const warnings: Error[] = [];
    const listen = (w: Error) => warnings.push(w);
    process.on('warning', listen);
    try {
      const entries = await checkDeclaredSizes(file, 1e8);
      expect(entries.length).toBeGreaterThan(11);
      // Warnings are emitted on a later tick.
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });
});

describe('intake: JSON and YAML', () => {
  it('reads canonical keys with the kind and centre inside', async () => {
    const json = await validate(fixture('exam-results.json'));
    expect(json.report).toMatchObject({ kind: 'exam-results', centre: 'DEMO01', rows: 2, valid: 1 });
    expect(json.codes).toEqual(['2:exam2_score:REQUIRED']);
    const yaml = await validate(fixture('applications.yaml'));
    expect(yaml.report).toMatchObject({ kind: 'applications', rows: 2, valid: 1 });
    expect(yaml.valid[0]).toMatchObject({ application_number: 'Ө-2026-0001', voucher_number: 'V-778', language: 'kk' });
    expect(yaml.codes).toEqual(['2:level:LEVEL_OUT_OF_RANGE']);
  });

  it('tells the kind from the columns when there is no kind field', async () => {
    const file = join(tmp(), 'november.json');
    writeFileSync(file, JSON.stringify({ records: [{ iin: makeIin('1990-05-05', 'male'), application_number: '1' }] }));
    const rows = await records(file);
    expect(rows).toHaveLength(1);
    const { report } = await validate(file);
    expect(report.kind).toBe('applications');
  });
});

describe('bad input: a report, never a crash', () => {
  const cases: [string, string | Buffer, string][] = [
    ['exam-results.csv', '', 'FILE_UNREADABLE'],
    ['exam-results.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0x14, 0]), 'FILE_UNREADABLE'],
    ['exam-results.xlsx', 'this is not a zip', 'FILE_UNREADABLE'],
    ['exam-results.json', '{"kind": "exam-results", "records": {"a": 1}}', 'FILE_UNREADABLE'],
    ['exam-results.json', '{"kind": "exam-results", "records": [1, 2]}', 'FILE_UNREADABLE'],
    ['exam-results.json', '{"kind": "exam-results", "records": [{"iin": {"x": 1}}]}', 'FILE_UNREADABLE'],
    ['exam-results.json', '{"kind": "exam-results", "records": [', 'FILE_UNREADABLE'],
    ['exam-results.json', `${'['.repeat(200_000)}${']'.repeat(200_000)}`, 'FILE_UNREADABLE'],
    ['data.json', '{"kind": "diplomas", "records": []}', 'UNKNOWN_KIND'],
    ['data.csv', 'a,b,c\n1,2,3\n', 'UNKNOWN_KIND'],
    ['exam-results.csv', 'x,y\n1,2\n', 'FILE_UNREADABLE'],
    ['exam-results.csv', 'ИИН,Фамилия,Имя\n850315400015,Иванова,Анна\n', 'MISSING_COLUMN'],
    ['exam-results.csv', 'ИИН,ЖСН,Фамилия\n1,2,3\n', 'FILE_UNREADABLE'],
    ['exam-results.xls', 'old binary', 'FILE_UNREADABLE'],
    ['exam-results.yaml', 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nkind: exam-results\nrecords: []\n', 'FILE_UNREADABLE'],
    ['exam-results.csv', 'ИИН,Фамилия\n"unclosed,quote\n', 'FILE_UNREADABLE'],
  ];
  for (const [name, content, code] of cases) {
    it(`${name}: ${String(content).slice(0, 40).replace(/\n/g, '⏎')} → ${code}`, async () => {
      const file = join(tmp(), name);
      writeFileSync(file, content);
      const { report, valid } = await validate(file);
      expect(report.errors.map((e) => e.code)).toContain(code);
      const fileError = report.errors.find((e) => e.code === code);
      expect(fileError?.row).toBeNull();
      expect(fileError?.message.kk).toBeTruthy();
      expect(fileError?.message.ru).toBeTruthy();
      expect(valid).toEqual([]);
      expect(report.valid).toBe(0);
    });
  }

  it('names a file that is not there', async () => {
    const report = await validateFile(join(tmp(), 'exam-results.csv'), env);
    expect(report.errors).toEqual([expect.objectContaining({ code: 'FILE_UNREADABLE', message: expect.objectContaining({ ru: expect.stringContaining('не найден') }) })]);
  });

  it('refuses a file over the size limit without reading it', async () => {
    const file = join(tmp(), 'exam-results.csv');
    writeFileSync(file, 'x'.repeat(2048));
    const report = await validateFile(file, { ...env, config: { ...env.config, limits: { ...env.config.limits, max_file_bytes: 1024 } } });
    expect(report.errors.map((e) => e.code)).toEqual(['FILE_TOO_LARGE']);
  });

  it('an inbox subfolder that is not a configured centre', async () => {
    const inbox = tmp();
    mkdirSync(join(inbox, 'NOPE99'));
    writeFileSync(join(inbox, 'NOPE99', 'exam-results.csv'), 'ИИН,Фамилия\n');
    const report = await validateFile(join(inbox, 'NOPE99', 'exam-results.csv'), { ...env, config: { ...env.config, paths: { ...env.config.paths, inbox } } });
    expect(report.errors.map((e) => e.code)).toContain('UNKNOWN_CENTRE');
  });
});
