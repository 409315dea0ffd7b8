import ExcelJS from 'exceljs';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tanu } from '../support/cli.js';
import { loadTrust, verifyManifest, verifyPaths } from '../../pipeline/sign/verify.js';
import { makeIin } from '../support/iin.js';
import { pdfText } from '../support/poppler.js';
import { examResultsCsv, examResultsFile, makeProject } from '../support/project.js';
import { nssTrusting } from '../support/pki.js';
import { expectBatchVerifies, files, manifests, readManifest } from '../support/outbox.js';
import { useTmpDir } from '../support/tmp.js';
import { shippedEnv } from '../support/env.js';
import { type RejectedRow, rejectedWorkbook } from '../../pipeline/publish/reports.js';
import { validateFile } from '../../pipeline/validate/validate-file.js';

/**
 * The batch engine end to end: real files, real Chromium, real SQLite, real keys. Crashes
 * are not tested here: test/reliability/faults.test.ts ("kill -9") kills real `tanu run`
 * processes with SIGKILL at 20 moments of 1,000-row batches, reruns them and checks one
 * certificate per row, serials without gaps, and every signature with pdfsig and openssl.
 */
const tmp = useTmpDir();

describe('tanu run', () => {
  it('drop → signed documents, report and manifest; the same file again → nothing new', async () => {
    const p = makeProject(tmp());
    const file = await examResultsFile(p.inbox, 'exam-results-nov.csv', 7);
    const original = readFileSync(file);
    const first = await tanu(['run', file, '--config', p.config, '--json']);
    expect(first.code, first.err).toBe(0);
    const [outcome] = JSON.parse(first.out).outcomes;
    expect(outcome).toMatchObject({ outcome: 'published', rows: 7, valid: 7, errors: 0, documents: 8 });
    expect(readFileSync(file)).toEqual(original);

    const [manifestPath] = manifests(p.outbox);
    if (!manifestPath) throw new Error('no manifest');
    const manifest = readManifest(manifestPath);
    expect(manifestPath).toContain(join('DEMO01', '2026-11-23'));
    expect(manifest.documents.filter((d) => d.type === 'certificate').map((d) => d.serial)).toEqual(Array.from({ length: 7 }, (_, i) => `DEMO01-2026-${String(i + 1).padStart(6, '0')}`));
    const trust = await loadTrust([join(p.dir, 'var', 'keys', 'dev-ca.pem')]);
    expect((await verifyManifest(manifestPath, trust)).valid).toBe(true);
    const report = JSON.parse(readFileSync(join(manifestPath, '..', 'report.json'), 'utf8'));
    expect(report.files[0]).toMatchObject({ file, rows: 7, valid: 7, errors: [] });
    expect(manifest.reports.map((r) => r.file)).toEqual(['report.json', 'report.html']);

    const verified = await verifyPaths([p.outbox], trust);
    // Each document and its .p7s, the manifest and its .p7s.
    expect(verified.length).toBe(8 * 2 + 2);
    expect(verified.filter((v) => !v.valid)).toEqual([]);
    // Every published PDF, checked by the independent tools too: pdfsig inside, openssl beside.
    const caPem = join(p.dir, 'var', 'keys', 'dev-ca.pem');
    expect(await expectBatchVerifies(manifestPath, caPem, nssTrusting(join(p.dir, 'nss'), caPem))).toHaveLength(8);
    const cert = join(manifestPath, '..', 'certificates', 'DEMO01-2026-000001.pdf');
    expect(pdfText(readFileSync(cert))).toContain('№ DEMO01-2026-000001');
    // Signed with the development key: marked as a sample on the page.
    expect(pdfText(readFileSync(cert)).replace(/\s/g, '')).toMatch(/ҮЛГІ|ІГЛҮ/);
    expect(files(p.outbox).some((f) => f.includes('.tmp-'))).toBe(false);

    const before = files(p.outbox).map((f) => `${f}:${statSync(join(p.outbox, f)).mtimeMs}`);
    const again = await tanu(['run', file, '--config', p.config]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('уже обработан в пакете');
    expect(files(p.outbox).map((f) => `${f}:${statSync(join(p.outbox, f)).mtimeMs}`)).toEqual(before);

    const status = await tanu(['status', '--config', p.config, '--json']);
    expect(JSON.parse(status.out).batches).toEqual([expect.objectContaining({ state: 'published', rows: 7, documents: 8 })]);
    const registryCsv = join(p.dir, 'registry.csv');
    expect((await tanu(['registry', 'export', '--config', p.config, '--out', registryCsv])).code).toBe(0);
    expect(readFileSync(registryCsv, 'utf8').trim().split('\r\n')).toHaveLength(8);
  });

  it('a person recognized in an earlier file gets DUPLICATE, not a second certificate; its protocol keeps its date and each person one result', async () => {
    const p = makeProject(tmp());
    const first = join(p.inbox, 'exam-results-a.csv');
    const second = join(p.inbox, 'exam-results-b.csv');
    const earlier = await examResultsCsv(3);
    writeFileSync(first, earlier);
    const [header = '', person0 = ''] = earlier.trim().split('\n');
    const cells = header.split(',');
    const changed = (line: string, over: Record<string, string>) => line.split(',').map((v, i) => over[cells[i] ?? ''] ?? v).join(',');
    // The same three people again, one new; a newcomer to the first file's protocol П-1 dated otherwise, and person 0 refused in that protocol.
    const newcomer = makeIin('1970-01-01', 'male');
    const lines = [
      `${newcomer},Иванов,Иван,,5320-9-006,3,ru,10.11.2026 10:00,90,,,Признан,П-9,12.11.2026,Алматы,Алматы,Абай 1`,
      changed(person0, { ИИН: makeIin('1971-01-01', 'male'), 'Дата протокола': '20.11.2026' }),
      changed(person0, { Статус: 'Отказ в признании' }),
    ];
    writeFileSync(second, `${earlier.trim()}\n${lines.join('\n')}\n`);
    expect((await tanu(['run', first, '--config', p.config])).code).toBe(0);
    // `tanu validate` reads the ledger and says beforehand what the run will refuse.
    const predicted = await tanu(['validate', second, '--config', p.config, '--json']);
    expect(predicted.code).toBe(1);
    const r = await tanu(['run', second, '--config', p.config, '--json']);
    expect(r.code).toBe(1);
    const [outcome] = JSON.parse(r.out).outcomes;
    expect(outcome).toMatchObject({ rows: 6, valid: 1, errors: 5 });
    const reports = manifests(p.outbox).map((m) => JSON.parse(readFileSync(join(m, '..', 'report.json'), 'utf8')));
    const dupReport = reports.find((x) => x.files[0].file === second);
    expect(dupReport.files[0].errors.map((e: { row: number; code: string; message: { ru: string } }) => [e.row, e.code])).toEqual([
      [2, 'DUPLICATE'],
      [3, 'DUPLICATE'],
      [4, 'DUPLICATE'],
      [6, 'PROTOCOL_DATE_CONFLICT'],
      [7, 'PROTOCOL_RESULT_CONFLICT'],
    ]);
    expect(dupReport.files[0].errors[0].message.ru).toContain('DEMO01-2026-000001');
    expect(dupReport.files[0].errors[3].message.ru).toContain('Протокол № П-1 датирован 12.11.2026 (в прежнем файле центра)');
    expect(dupReport.files[0].errors[4].message.ru).toContain('«Признан», в прежнем файле центра');
    // validate asks the ledger what run asks it (issued certificates, earlier sittings): it predicts every refusal, word for word.
    expect(JSON.parse(predicted.out).files[0].errors).toEqual(dupReport.files[0].errors);
    const serials = manifests(p.outbox).flatMap((m) => readManifest(m).documents.filter((d) => d.type === 'certificate').map((d) => d.serial));
    expect(serials.sort()).toEqual(['DEMO01-2026-000001', 'DEMO01-2026-000002', 'DEMO01-2026-000003', 'DEMO01-2026-000004']);
    // The first file's protocol is not re-issued: no valid row of the second file is of its sitting.
    expect(manifests(p.outbox).flatMap((m) => readManifest(m).documents.filter((d) => d.type === 'protocol').map((d) => d.serial)).sort()).toEqual(['П-1', 'П-9']);
  });

  it('a partial copy a dead process left in the received area is removed before the next file is taken; a live one is left', async () => {
    const p = makeProject(tmp());
    const received = join(p.dir, 'var', 'received');
    mkdirSync(received, { recursive: true });
    // A pid that is surely dead: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '']).pid ?? 0;
    const live = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
    const liveStarted = live.slice(live.lastIndexOf(')') + 2).split(' ')[19];
    const copies = {
      dead: `.${randomUUID()}.tmp-${hostname()}~${dead}~1`,
      older: `.${randomUUID()}.tmp-${dead}`,
      live: `.${randomUUID()}.tmp-${hostname()}~${process.pid}~${liveStarted}`,
      elsewhere: `.${randomUUID()}.tmp-another-host~${dead}~1`,
    };
    for (const name of Object.values(copies)) writeFileSync(join(received, name), 'half a file');
    const file = join(p.inbox, 'exam-results-after-crash.csv');
    writeFileSync(file, await examResultsCsv(2));
    const r = await tanu(['run', file, '--config', p.config]);
    expect(r.code, r.err).toBe(0);
    const left = readdirSync(received).filter((n) => n.includes('.tmp-'));
    expect(left.sort()).toEqual([copies.live, copies.elsewhere].sort());
  });

  it('an unreadable file is set aside untouched with a report, exit 2', async () => {
    const p = makeProject(tmp());
    const file = join(p.inbox, 'exam-results-broken.xlsx');
    const bytes = Buffer.from('this is not a workbook');
    writeFileSync(file, bytes);
    const r = await tanu(['run', file, '--config', p.config, '--json']);
    expect(r.code).toBe(2);
    const [outcome] = JSON.parse(r.out).outcomes;
    expect(outcome.outcome).toBe('rejected');
    expect(readFileSync(outcome.report.replace(/\.report\.json$/, ''))).toEqual(bytes);
    expect(JSON.parse(readFileSync(outcome.report, 'utf8')).files[0].errors[0].code).toBe('FILE_UNREADABLE');
    expect(readFileSync(file)).toEqual(bytes);
    expect(manifests(p.outbox)).toEqual([]);
    expect(files(join(p.dir, 'var', 'received'))).toEqual([]);
  });

  it('a path that is not a readable file (missing, a folder) is refused with FILE_UNREADABLE and exit 2, as validate refuses it', async () => {
    const p = makeProject(tmp());
    for (const path of [join(p.inbox, 'exam-results-none.csv'), p.inbox]) {
      const run = await tanu(['run', path, '--config', p.config, '--json']);
      const validate = await tanu(['validate', path, '--config', p.config, '--json']);
      expect([run.code, validate.code], run.err).toEqual([2, 2]);
      expect(run.err).not.toMatch(/node:internal|ENOENT|EISDIR/);
      const [outcome] = JSON.parse(run.out).outcomes;
      expect(outcome).toMatchObject({ file: path, outcome: 'rejected', report: null, errors: 1 });
      expect(JSON.parse(validate.out).files[0].errors[0].code).toBe('FILE_UNREADABLE');
    }
    const text = await tanu(['run', join(p.inbox, 'exam-results-none.csv'), '--config', p.config, '--language', 'ru']);
    expect(text.out).toContain('[FILE_UNREADABLE]');
  });

  it('a file refused for a reason that can change is judged again when dropped again: a centre added to the config', async () => {
    const p = makeProject(tmp());
    mkdirSync(join(p.inbox, 'ALM01'));
    const file = await examResultsFile(join(p.inbox, 'ALM01'), 'exam-results-alm.csv', 2);
    const refused = await tanu(['run', file, '--config', p.config, '--json']);
    expect(refused.code).toBe(2);
    const [first] = JSON.parse(refused.out).outcomes;
    expect(first.outcome).toBe('rejected');
    expect(JSON.parse(readFileSync(first.report, 'utf8')).files[0].errors.map((e: { code: string }) => e.code)).toEqual(['UNKNOWN_CENTRE']);

    const config = readFileSync(p.config, 'utf8');
    const alm = config.slice(config.indexOf('  - id: DEMO01'), config.indexOf('    bilingual_documents:')).replaceAll('DEMO01', 'ALM01');
    writeFileSync(p.config, config.replace('centres:\n', `centres:\n${alm}    bilingual_documents: false\n`));
    const again = await tanu(['run', file, '--config', p.config, '--json']);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out).outcomes[0]).toMatchObject({ outcome: 'published', rows: 2, valid: 2, errors: 0 });
    const published = manifests(p.outbox);
    expect(published).toHaveLength(1);
    expect(published[0]).toContain(join('ALM01', '2026-11-23'));
    // Published now: that, and only that, is "already handled".
    const third = await tanu(['run', file, '--config', p.config, '--json']);
    expect(JSON.parse(third.out).outcomes[0].outcome).toBe('already-published');
  });

  it('a CSV broken far below its header (past the rows read to find it) plans nothing: set aside whole', async () => {
    const p = makeProject(tmp());
    const lines = (await examResultsCsv(40)).split('\n');
    // Row 31 gets a quote inside an unquoted field: csv-parse refuses it there, after 30 good rows.
    lines[30] = lines[30]?.replace(',', ',x"y') ?? '';
    const file = join(p.inbox, 'exam-results-late-break.csv');
    const bytes = Buffer.from(lines.join('\n'));
    writeFileSync(file, bytes);
    const r = await tanu(['run', file, '--config', p.config, '--json']);
    expect(r.code).toBe(2);
    const [outcome] = JSON.parse(r.out).outcomes;
    expect(outcome.outcome).toBe('rejected');
    expect(JSON.parse(readFileSync(outcome.report, 'utf8')).files[0].errors[0]).toMatchObject({ code: 'FILE_UNREADABLE', row: null });
    expect(readFileSync(outcome.report.replace(/\.report\.json$/, ''))).toEqual(bytes);
    expect(manifests(p.outbox)).toEqual([]);
  });
});

describe('reports for people', () => {
  it('an HTML report of every error in both languages, and the rejected rows as a workbook the centre can fix and drop again', async () => {
    const p = makeProject(tmp());
    const file = join(p.inbox, 'exam-results-mixed.csv');
    writeFileSync(file, readFileSync('test/fixtures/exam-results-utf8-bom.csv'));
    const r = await tanu(['run', file, '--config', p.config]);
    expect(r.code).toBe(1);
    const [manifestPath] = manifests(p.outbox);
    if (!manifestPath) throw new Error('no manifest');
    const dir = join(manifestPath, '..');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('LEVEL_OUT_OF_RANGE');
    expect(html).toContain('Уровень ОРК должен быть 4');
    expect(html).toContain('СБШ деңгейі 4 болуы тиіс');
    expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(html).not.toContain('<img src=x');
    // Columns by the centre's own headers, and whose row each is.
    expect(html).toMatch(/<td>5<\/td><td>Әбдірахманова-Өмірзақ Ұлжан Ғалымқызы<\/td><td>СБШ деңгейі<\/td>/);
    expect(html).not.toMatch(/<td>level<\/td>|<td>last_name<\/td>/);
    const sheet = new ExcelJS.Workbook();
    await sheet.xlsx.readFile(join(dir, 'rejected-rows.xlsx'));
    const headerRow = (sheet.worksheets[0]?.getRow(1).values as unknown[]).slice(1);
    expect(headerRow).toEqual([
      'ЖСН', 'Тегі', 'Аты', 'Әкесінің аты', 'Туған күні', 'Кәсіп коды', 'СБШ деңгейі', 'Тіл', 'Бірінші емтиханның күні мен уақыты', 'Бірінші емтихан балы',
      'Екінші емтиханның күні мен уақыты', 'Екінші емтихан балы', 'Мәртебе', 'Келмеу себебі', 'Хаттаманың №', 'Хаттаманың күні',
      'Облыс / Республикалық маңызы бар қала', 'Қала немесе аудан', 'Мекен-жайы', 'Строка (в исходном файле)', 'Қате (kk)', 'Ошибка (ru)',
    ]);
    // Each error under the column's header as the file writes it, never Tanu's own key.
    const messages = sheet.worksheets[0]?.getColumn(headerRow.indexOf('Ошибка (ru)') + 1).values.slice(2).map(String) ?? [];
    expect(messages.length).toBe(11);
    expect(messages.join('\n')).toContain('СБШ деңгейі: Уровень ОРК должен быть');
    expect(messages.filter((m) => /^[a-z0-9_]+: /m.test(m))).toEqual([]);

    const fixed = join(p.dir, 'exam-results-fixed.xlsx');
    writeFileSync(fixed, readFileSync(join(dir, 'rejected-rows.xlsx')));
    const again = await tanu(['validate', fixed, '--config', p.config, '--json']);
    const report = JSON.parse(again.out).files[0];
    // The same eleven rows come back with the same problems; the columns Tanu added are known to it, not UNKNOWN_COLUMN.
    // None is valid: the one row that was a duplicate of a row now issued is refused as the run will refuse it (the ledger says so).
    expect(report).toMatchObject({ kind: 'exam-results', rows: 11, valid: 0 });
    expect(report.warnings).toEqual([]);
    expect(report.errors.map((e: { code: string }) => e.code)).toContain('LEVEL_OUT_OF_RANGE');
    expect(report.errors.map((e: { code: string }) => e.code)).toContain('NAME_CHARS');
    const rerun = JSON.parse((await tanu(['run', fixed, '--config', p.config, '--json'])).out).outcomes[0];
    expect(rerun).toMatchObject({ outcome: 'published', rows: 11, valid: 0, documents: 0 });
  });

  it("a workbook's rejected rows come back in its own sheet: title rows, its own columns, dates as dates, the errors beside them under its headers", async () => {
    const p = makeProject(tmp());
    const file = join(p.inbox, 'exam-results-nov.xlsx');
    const lines = (await examResultsCsv(3)).trim().split('\n').map((l) => l.split(','));
    const [header = [], ...data] = lines;
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Результаты');
    ws.addRow(['Результаты экзаменов, ноябрь 2026']);
    ws.mergeCells('A1:F1');
    ws.addRow(['Центр DEMO01']);
    ws.addRow(['№ п/п', ...header]);
    const at = (text: string) => {
      const [d, m, y, hh = '00', mm = '00'] = text.split(/[. :]/);
      return new Date(Date.UTC(Number(y), Number(m) - 1, Number(d), Number(hh), Number(mm)));
    };
    data.forEach((cells, i) => {
      // A formula in the centre's sheet comes back as its text, inert.
      const values: ExcelJS.CellValue[] = [i === 1 ? { formula: 'ROW()-3', result: 2 } : i + 1, ...cells];
      // Row 5 has a level no card has, row 6 an IIN whose check digit is wrong; row 4 is taken.
      if (i === 1) values[6] = 9;
      if (i === 2) values[1] = `${String(cells[0]).slice(0, 11)}${(Number(String(cells[0]).slice(11)) + 1) % 10}`;
      for (const c of [8, 10]) values[c] = at(String(values[c]));
      values[14] = at(String(values[14]));
      const row = ws.addRow(values);
      for (const c of [9, 11]) row.getCell(c).numFmt = 'dd.mm.yyyy hh:mm';
      row.getCell(15).numFmt = 'dd.mm.yyyy';
    });
    wb.addWorksheet('Справка').addRow(['не читается']);
    await wb.xlsx.writeFile(file);
    const r = await tanu(['run', file, '--config', p.config, '--json']);
    expect(JSON.parse(r.out).outcomes[0]).toMatchObject({ outcome: 'published', rows: 3, valid: 1 });
    const rejected = join(JSON.parse(r.out).outcomes[0].dir, 'rejected-rows.xlsx');

    const back = new ExcelJS.Workbook();
    await back.xlsx.readFile(rejected);
    expect(back.worksheets.map((w) => w.name)).toEqual(['Результаты']);
    const sheet = back.worksheets[0];
    if (!sheet) throw new Error('no sheet');
    const values = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(values(1)[0]).toBe('Результаты экзаменов, ноябрь 2026');
    expect(values(2)).toEqual(['Центр DEMO01']);
    expect(values(3)).toEqual(['№ п/п', ...header, 'Строка (в исходном файле)', 'Қате (kk)', 'Ошибка (ru)']);
    // Only the two rejected rows, under their own numbers, their dates still dates.
    expect(sheet.rowCount).toBe(5);
    const sourceRow = header.length + 1;
    expect([values(4)[0], values(5)[0], values(4)[sourceRow], values(5)[sourceRow]]).toEqual(['=ROW()-3', 3, 5, 6]);
    sheet.eachRow((row) => row.eachCell((c) => expect(c.type, String(c.value)).not.toBe(ExcelJS.ValueType.Formula)));
    expect(values(4)[8]).toEqual(at('10.11.2026 10:00'));
    expect(values(4)[14]).toEqual(at('12.11.2026'));
    expect(sheet.getRow(4).getCell(15).numFmt).toBe('dd.mm.yyyy');
    expect(String(values(4)[sourceRow + 2])).toMatch(/^Уровень ОРК: /);
    expect(String(values(5)[sourceRow + 2])).toMatch(/^ИИН: /);
    expect(String(values(4)[sourceRow + 1])).not.toMatch(/level|iin/);

    // Dropped again, it reads as the original did: the same rows refused for the same reasons.
    const again = await tanu(['validate', rejected, '--config', p.config, '--json']);
    expect(JSON.parse(again.out).files[0].errors.map((e: { row: number; code: string }) => `${e.row}:${e.code}`)).toEqual(['4:LEVEL_OUT_OF_RANGE', '5:IIN_CHECKSUM']);
    // Refused again, it is returned with Tanu's columns written over, not added a second time.
    const env = await shippedEnv();
    const rows: RejectedRow[] = [];
    const report = await validateFile(rejected, env, undefined, { onRejected: (row) => rows.push({ row: row.row, cells: Object.fromEntries(row.cells) }) });
    const secondFile = join(p.dir, 'rejected-again.xlsx');
    writeFileSync(secondFile, await rejectedWorkbook('exam-results', rows, report, 'ru', { path: rejected, name: 'exam-results-fixed.xlsx' }));
    const second = new ExcelJS.Workbook();
    await second.xlsx.readFile(secondFile);
    expect((second.worksheets[0]?.getRow(3).values as unknown[]).slice(1)).toEqual(values(3));
    expect((second.worksheets[0]?.getRow(5).values as unknown[]).slice(1)).toEqual([...values(5).slice(0, sourceRow), 5, ...values(5).slice(sourceRow + 1)]);
  });
});
