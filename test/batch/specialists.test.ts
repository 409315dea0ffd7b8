import ExcelJS from 'exceljs';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { iinCheckDigit } from '../../pipeline/validate/iin.js';
import { tanu } from '../support/cli.js';
import { makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * Registry applications end to end (seed 003): `tanu run` on the fixtures with the real
 * engine, ledger and files; no document is made, the registered rows become the registry
 * of specialists, and `tanu registry export --registry specialists` lays it out as the
 * seed's form. The clock says 23.11.2026.
 */
const tmp = useTmpDir();
const BIN = `04054000012${iinCheckDigit('04054000012')}`;
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

async function workbook(file: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.worksheets[0];
  if (!ws) throw new Error('no sheet');
  return ws;
}

describe('registry applications through tanu run', () => {
  it('no documents; registered rows enter the registry of specialists, returned and refused ones are reported with their reasons', async () => {
    const p = makeProject(tmp());
    const run = await tanu(['run', 'test/fixtures/registry-applications-kk.csv', '--config', p.config, '--json']);
    expect(run.code, run.err).toBe(1);
    const [outcome] = JSON.parse(run.out).outcomes;
    expect(outcome).toMatchObject({ outcome: 'published', rows: 7, valid: 4, documents: 0 });

    const report = JSON.parse(readFileSync(join(outcome.dir, 'report.json'), 'utf8')).files[0];
    expect(report.errors.map((e: { row: number; code: string }) => `${e.row}:${e.code}`)).toEqual(['6:DECISION_REASON_REQUIRED', '7:BIN_CHECKSUM', '8:BIN_FORMAT', '8:CONTACT_REQUIRED']);
    expect(report.warnings.map((e: { row: number; code: string }) => `${e.row}:${e.code}`)).toEqual(['3:DECISION_OVERDUE', '4:APPLICATION_RETURNED', '5:APPLICATION_REFUSED']);
    expect(report.warnings[1].message.ru).toContain('несоответствие наименования профессии');
    expect(report.warnings[2].message.kk).toContain('тұрақты тұру үшін');
    // The rejected rows go back to the provider as a workbook that reads again as registry applications.
    const again = await tanu(['validate', join(outcome.dir, 'rejected-rows.xlsx'), '--config', p.config, '--json']);
    expect(JSON.parse(again.out).files[0]).toMatchObject({ kind: 'registry-applications', rows: 3, valid: 0 });
    expect(existsSync(join(outcome.dir, 'manifest.json.p7s'))).toBe(true);

    // The same bytes again: already published, nothing entered twice.
    expect((await tanu(['run', 'test/fixtures/registry-applications-kk.csv', '--config', p.config])).code).toBe(1);
    expect((await tanu(['run', 'test/fixtures/registry-applications-ru.xlsx', '--config', p.config])).code).toBe(1);

    const out = join(p.dir, 'specialists.xlsx');
    expect((await tanu(['registry', 'export', '--registry', 'specialists', '--format', 'xlsx', '--language', 'kk', '--out', out, '--config', p.config])).code).toBe(0);
    const ws = await workbook(out);
    // The form's heading: ten headings over their parts, the parts, the numbers 1–10.
    expect(ws.getCell('A1').value).toBe('маманның тегі, аты, әкесінің аты (бар болса)');
    expect(ws.getCell('C1').value).toBe('байланыс деректері (ұялы телефон, электрондық пошта мекенжайы)');
    expect(ws.getCell('C2').value).toBe('ұялы телефон');
    expect(ws.getCell('D2').value).toBe('электрондық пошта мекенжайы');
    expect(ws.getCell('W1').value).toBe('тізілімге енгізілген күні');
    expect(ws.model.merges).toEqual(expect.arrayContaining(['A1:A2', 'C1:D1', 'E1:G1', 'J1:N1', 'O1:S1', 'T1:V1', 'W1:W2', 'C3:D3']));
    expect([1, 2, 3, 5, 8, 9, 10, 15, 20, 23].map((c) => ws.getRow(3).getCell(c).value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });

    // Three specialists, by the date entered: the Russian workbook's (05.11), then the Kazakh file's rows 2 (06.11) and 3 (13.11).
    expect(ws.rowCount).toBe(6);
    expect([4, 5, 6].map((r) => ws.getRow(r).getCell(1).value)).toEqual(['Иванов Сергей Петрович', 'Серікова Айгерім Болатқызы', 'Өмірзақова Әсел Болатқызы']);
    const row = ws.getRow(5);
    expect(Array.from({ length: 23 }, (_, i) => row.getCell(i + 1).value)).toEqual([
      'Серікова Айгерім Болатқызы',
      day('2001-01-09'),
      '+7 701 111 22 33',
      'aigerim@example.kz',
      'Алматы облысы',
      'Қонаев қ.',
      'Абай к-сі, 12, 5-пәтер',
      'Әлеуметтік жұмыскер',
      3.5,
      'жоғары',
      'Әл-Фараби атындағы ҚазҰУ',
      day('2018-09-01'),
      day('2022-06-30'),
      'ЖБ-Б № 1234567',
      '«Мейірім» арнаулы әлеуметтік қызметтер орталығы',
      BIN,
      'әлеуметтік жұмыскер',
      day('2022-09-01'),
      null,
      'екінші санат',
      day('2025-05-15'),
      'Алматы облысының жұмыспен қамту басқармасы',
      day('2026-11-06'),
    ]);
    expect(BIN.startsWith('0')).toBe(true);
    expect(row.getCell(2).numFmt).toBe('dd.mm.yyyy');
    expect(row.getCell(16).numFmt).toBe('@');
    // The Russian workbook's BIN was a number that lost its leading zero: padded back, text.
    expect(ws.getRow(4).getCell(16).value).toMatch(/^\d{12}$/);
    expect(ws.getRow(6).getCell(4).value).toBeNull();

    const csv = join(p.dir, 'specialists.csv');
    expect((await tanu(['registry', 'export', '--registry', 'specialists', '--language', 'ru', '--out', csv, '--config', p.config])).code).toBe(0);
    const lines = readFileSync(csv, 'utf8').replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]?.split(';').slice(0, 4)).toEqual(['1. фамилия, имя, отчество (при наличии) специалиста', '2. дата рождения', '3. контактные данные: мобильный телефон', '3. контактные данные: адрес электронной почты']);
    expect(lines[2]?.split(';').slice(0, 2)).toEqual(['Серікова Айгерім Болатқызы', '09.01.2001']);
    expect(lines[2]?.split(';').at(-1)).toBe('06.11.2026');

    // The register of recognized persons stays the default, and is empty: nobody was recognized.
    const recognized = join(p.dir, 'registry.csv');
    expect((await tanu(['registry', 'export', '--out', recognized, '--config', p.config])).code).toBe(0);
    expect(readFileSync(recognized, 'utf8').trimEnd().split('\r\n')).toHaveLength(1);
    expect((await tanu(['registry', 'export', '--registry', 'everyone', '--config', p.config])).code).toBe(2);
  });
});

describe('registry applications through tanu watch', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function until(check: () => boolean, ms: number) {
    const end = Date.now() + ms;
    while (Date.now() < end && !check()) await sleep(50);
    return check();
  }

  it('a file dropped in the inbox is taken, its registered rows entered, and it leaves the inbox', async () => {
    const p = makeProject(tmp());
    const child = spawn(process.execPath, ['bin/tanu.js', 'watch', '--config', p.config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TANU_WATCH__STABILITY_MS: '300' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      expect(await until(() => err.includes(p.inbox), 60_000), err).toBe(true);
      mkdirSync(join(p.inbox, 'DEMO01'));
      const dropped = join(p.inbox, 'DEMO01', 'registry-applications-ru.csv');
      copyFileSync('test/fixtures/registry-applications-ru.csv', dropped);
      expect(await until(() => !existsSync(dropped) && out.includes('→'), 60_000), err).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const csv = join(p.dir, 'specialists.csv');
    expect((await tanu(['registry', 'export', '--registry', 'specialists', '--out', csv, '--config', p.config])).code).toBe(0);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]?.split(';')[0]).toBe('Иванов Сергей Петрович');
  });
});
