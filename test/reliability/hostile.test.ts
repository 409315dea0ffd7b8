import { runChild } from '../support/spawn.js';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pipeline/cli/main.js';
import { CODES } from '../../pipeline/core/catalogue.js';
import { Report, exitCode } from '../../pipeline/validate/report.js';
import { type ValidationEnv, validateFile } from '../../pipeline/validate/validate-file.js';
import { clock, shippedEnv } from '../support/env.js';
import { deepJson, writeXlsxBomb, yamlAliasBomb } from '../support/hostile.js';
import { files, manifests } from '../support/outbox.js';
import { pdfText } from '../support/poppler.js';
import { examResultsCsv, examResultsFile, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * Hostile input, fuzzed and hand-made. Whatever arrives, Tanu answers with a report whose
 * every entry carries a catalogued code, exits 1 or 2, and neither crashes nor hangs; the
 * bombs run in a child process whose heap is capped, so blowing up memory would fail the
 * test rather than pass it slowly.
 */
const tmp = useTmpDir();
let env: ValidationEnv;
beforeAll(async () => {
  env = await shippedEnv();
});

const cases = { fuzzed: 0, handMade: 0 };
afterAll(() => console.log(`\nhostile input: ${cases.fuzzed} fuzzed files and ${cases.handMade} hand-made cases answered with catalogued codes, none crashed\n`));

/** The report of one file, checked for shape: every issue catalogued, both languages present. */
async function answer(file: string) {
  const report = await validateFile(file, env);
  Report.parse({ files: [report] });
  for (const i of [...report.errors, ...report.warnings]) {
    expect(CODES).toContain(i.code);
    expect(i.message.kk.length * i.message.ru.length).toBeGreaterThan(0);
  }
  return report;
}

/** A `tanu` in a child process with its heap capped: a bomb that expands would kill it. */
async function cappedTanu(args: string[], heapMb = 192) {
  const r = await runChild(process.execPath, [`--max-old-space-size=${heapMb}`, resolve('bin/tanu.js'), ...args], { timeout: 60_000 });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

async function validFixtures(): Promise<Record<string, Buffer>> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('exam-results');
  for (const line of (await examResultsCsv(4)).trim().split('\n')) ws.addRow(line.split(','));
  return {
    csv: Buffer.from(await examResultsCsv(4)),
    xlsx: Buffer.from(await wb.xlsx.writeBuffer()),
    json: readFileSync('test/fixtures/exam-results.json'),
    yaml: readFileSync('test/fixtures/applications.yaml'),
  };
}

describe('fuzzing (fast-check)', () => {
  const extensions = ['csv', 'txt', 'xlsx', 'json', 'yaml', 'yml'];

  it.each(extensions)('random bytes named .%s: a report with codes, exit 1 or 2, never a crash', async (ext) => {
    const dir = tmp();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 4096 }), async (bytes) => {
        const file = join(dir, `exam-results-fuzz.${ext}`);
        writeFileSync(file, bytes);
        const report = await answer(file);
        cases.fuzzed++;
        expect([1, 2]).toContain(exitCode({ files: [report] }));
      }),
      { numRuns: 100 },
    );
  });

  it('valid files of every format, damaged byte by byte or cut short: still a report, never a crash', async () => {
    const valid = await validFixtures();
    const dir = tmp();
    const damage = fc.oneof(
      fc.record({ cut: fc.nat() }),
      fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ insertAt: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(valid)), fc.array(damage, { minLength: 1, maxLength: 4 }), async (ext, damages) => {
        let bytes = Buffer.from(valid[ext] ?? Buffer.alloc(0));
        for (const d of damages) {
          if ('cut' in d) bytes = bytes.subarray(0, d.cut % (bytes.length + 1));
          else if ('byte' in d) {
            if (bytes.length > 0) bytes[d.at % bytes.length] = d.byte;
          } else {
            const at = d.insertAt % (bytes.length + 1);
            bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(d.bytes), bytes.subarray(at)]);
          }
        }
        const file = join(dir, `exam-results-damaged.${ext}`);
        writeFileSync(file, bytes);
        await answer(file);
        cases.fuzzed++;
      }),
      { numRuns: 300 },
    );
  });

  it('a whole zip whose XML parts are damaged (cut, spliced, stray text): a report, never a crash or a wait', async () => {
    const dir = tmp();
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('exam-results');
    for (const line of (await examResultsCsv(4)).trim().split('\n')) ws.addRow(line.split(','));
    const original = await wb.xlsx.writeBuffer();
    const zip = await JSZip.loadAsync(original);
    const parts = Object.keys(zip.files).filter((n) => /\.(xml|rels)$/.test(n));
    const texts = new Map(await Promise.all(parts.map(async (n) => [n, (await zip.file(n)?.async('string')) ?? ''] as const)));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...parts), fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 20 }), async (part, at, cut, inserted) => {
        const text = texts.get(part) ?? '';
        const from = at % (text.length + 1);
        const damaged = await JSZip.loadAsync(original);
        damaged.file(part, `${text.slice(0, from)}${inserted}${text.slice(from + cut)}`);
        const file = join(dir, 'exam-results-xml.xlsx');
        writeFileSync(file, await damaged.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
        await answer(file);
        cases.fuzzed++;
      }),
      { numRuns: 150 },
    );
  });

  it('any JSON value as the document, and any JSON values as records: refused or read, never a crash, nothing polluted', async () => {
    const dir = tmp();
    const document = fc.oneof(
      fc.jsonValue(),
      fc.record({ kind: fc.constantFrom('exam-results', 'applications', '__proto__', 'constructor'), records: fc.array(fc.jsonValue(), { maxLength: 5 }) }),
      fc.record({ kind: fc.constant('exam-results'), records: fc.array(fc.dictionary(fc.constantFrom('iin', '__proto__', 'constructor', 'prototype', 'toString', 'last_name'), fc.jsonValue()), { maxLength: 5 }) }),
    );
    await fc.assert(
      fc.asyncProperty(document, fc.constantFrom('json', 'yaml'), async (doc, ext) => {
        const file = join(dir, `exam-results-any.${ext}`);
        const text = JSON.stringify(doc) ?? 'null';
        // YAML is a superset of JSON: the same text serves both parsers.
        writeFileSync(file, text);
        await answer(file);
        cases.fuzzed++;
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('hand-made hostile files', () => {
  it('empty files and header-only files, in every format: FILE_UNREADABLE or NO_RECORDS', async () => {
    const dir = tmp();
    const header = (await examResultsCsv(1)).split('\n')[0] ?? '';
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('exam-results').addRow(header.split(','));
    const made: [string, string | Buffer, string][] = [
      ['exam-results-empty.csv', '', 'FILE_UNREADABLE'],
      ['exam-results-empty.xlsx', '', 'FILE_UNREADABLE'],
      ['exam-results-empty.json', '', 'FILE_UNREADABLE'],
      ['exam-results-empty.yaml', '', 'FILE_UNREADABLE'],
      ['exam-results-header.csv', `${header}\n`, 'NO_RECORDS'],
      ['exam-results-header.xlsx', Buffer.from(await wb.xlsx.writeBuffer()), 'NO_RECORDS'],
      ['exam-results-header.json', '{"kind":"exam-results","records":[]}', 'NO_RECORDS'],
      ['exam-results-header.yaml', 'kind: exam-results\nrecords: []\n', 'NO_RECORDS'],
    ];
    for (const [name, content, code] of made) {
      writeFileSync(join(dir, name), content);
      const report = await answer(join(dir, name));
      expect(report.errors.map((e) => e.code), name).toContain(code);
      expect(exitCode({ files: [report] }), name).toBeGreaterThan(0);
      cases.handMade++;
    }
  });

  it('a YAML alias bomb, JSON nested 200,000 deep, records that are not a list, __proto__ keys: refused in a capped heap', async () => {
    const dir = tmp();
    const made: [string, string, string][] = [
      ['exam-results-laughs.yaml', yamlAliasBomb(), 'FILE_UNREADABLE'],
      ['exam-results-deep.json', deepJson(200_000), 'FILE_UNREADABLE'],
      ['exam-results-deep-list.json', `{"kind":"exam-results","records":${'['.repeat(200_000)}${']'.repeat(200_000)}}`, 'FILE_UNREADABLE'],
      ['exam-results-object.json', '{"kind":"exam-results","records":{"0":{"iin":"1"}}}', 'FILE_UNREADABLE'],
      ['exam-results-proto.json', '{"kind":"exam-results","__proto__":{"polluted":1},"records":[{"__proto__":{"polluted":1},"iin":"123"}]}', 'FILE_UNREADABLE'],
      ['exam-results-proto-text.json', '{"kind":"exam-results","records":[{"__proto__":"x","constructor":"y","iin":"123"}]}', 'MISSING_COLUMN'],
    ];
    for (const [name, content, code] of made) {
      writeFileSync(join(dir, name), content);
      const r = await cappedTanu(['validate', join(dir, name), '--json']);
      expect(r.signal, name).toBeNull();
      expect([1, 2], `${name}: ${r.err}`).toContain(r.code);
      const report = Report.parse(JSON.parse(r.out));
      expect(report.files[0]?.errors.map((e) => e.code), name).toContain(code);
      cases.handMade++;
    }
  });

  it('an XLSX zip bomb (one cell that inflates to 2 GiB): refused from its declared sizes before anything is inflated', async () => {
    const file = join(tmp(), 'exam-results-bomb.xlsx');
    writeXlsxBomb(file, 2);
    expect(readFileSync(file).length).toBeLessThan(4 * 1024 * 1024);
    const r = await cappedTanu(['validate', file, '--json'], 128);
    expect(r.signal).toBeNull();
    expect(r.code, r.err).toBe(2);
    const [report] = Report.parse(JSON.parse(r.out)).files;
    expect(report?.errors.map((e) => e.code)).toEqual(['FILE_TOO_LARGE']);
    expect(report?.errors[0]?.message.ru).toContain('2049 MB');
    cases.handMade++;
  });

  it('a 5 MB cell: VALUE_TOO_LONG for its row, the value shortened in reports with its length, the other rows issued', async () => {
    const p = makeProject(tmp());
    const lines = (await examResultsCsv(3)).trim().split('\n');
    const cells = (lines[2] ?? '').split(',');
    cells[1] = 'Ж'.repeat(5 * 1024 * 1024);
    lines[2] = cells.join(',');
    const file = join(p.dir, 'exam-results-huge-cell.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await cappedTanu(['run', file, '--config', p.config, '--json'], 256);
    expect(r.code, r.err).toBe(1);
    expect(JSON.parse(r.out).outcomes[0]).toMatchObject({ outcome: 'published', rows: 3, valid: 2, errors: 1 });
    const [manifest] = manifests(p.outbox);
    if (!manifest) throw new Error('no batch published');
    const report = JSON.parse(readFileSync(join(manifest, '..', 'report.json'), 'utf8'));
    const error = report.files[0].errors[0];
    expect(error).toMatchObject({ row: 3, column: 'last_name', code: 'VALUE_TOO_LONG' });
    expect(error.value.length).toBeLessThan(300);
    expect(error.value).toContain(`[${5 * 1024 * 1024}]`);
    // The rejected-rows workbook still opens in a spreadsheet: no cell beyond 32,767 characters.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(manifest, '..', 'rejected-rows.xlsx'));
    const longest = Math.max(...wb.worksheets[0]!.getRow(2).values.toString().split(',').map((v) => v.length));
    expect(longest).toBeLessThanOrEqual(32_767);
    cases.handMade++;
  });

  it('markup and formulas in the data: escaped in documents and reports, inert in spreadsheets', async () => {
    const p = makeProject(tmp());
    const lines = (await examResultsCsv(3)).trim().split('\n');
    const row = (i: number) => (lines[i] ?? '').split(',');
    const script = row(1);
    script[1] = '<script>alert(1)</script>';
    const formula = row(2);
    formula[1] = '"=HYPERLINK(""http://evil.example"",""x"")"';
    // Text columns accept any text: the protocol number reaches a document as it was written.
    const markup = '<img src=x onerror=alert(1)>';
    const fine = row(3).map((c) => (c.startsWith('П-') ? markup : c));
    lines[1] = script.join(',');
    lines[2] = formula.join(',');
    lines[3] = fine.join(',');
    const file = join(p.dir, 'exam-results-markup.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    let out = '';
    expect(await main(['run', file, '--config', p.config, '--json'], { out: (t) => (out += t), err: () => {}, clock, env: {} })).toBe(1);
    const [manifest] = manifests(p.outbox);
    if (!manifest) throw new Error('no batch published');
    const batch = join(manifest, '..');
    const report = JSON.parse(readFileSync(join(batch, 'report.json'), 'utf8'));
    expect(report.files[0].errors.map((e: { code: string }) => e.code)).toEqual(['NAME_CHARS', 'NAME_CHARS']);

    const html = readFileSync(join(batch, 'report.html'), 'utf8');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(batch, 'rejected-rows.xlsx'));
    const cells = wb.worksheets[0]!.getSheetValues().flat().filter((v) => v !== undefined && v !== null);
    expect(cells).toContain('=HYPERLINK("http://evil.example","x")');
    wb.worksheets[0]!.eachRow((r) => r.eachCell((c) => expect(c.type, String(c.value)).not.toBe(ExcelJS.ValueType.Formula)));

    const protocol = files(batch).find((f) => f.startsWith('protocols/') && f.endsWith('.pdf'));
    if (!protocol) throw new Error('no protocol');
    expect(protocol).not.toContain('<');
    expect(pdfText(readFileSync(join(batch, protocol))).replace(/\s+/g, ' ')).toContain(markup);
    cases.handMade++;
  });
});

describe('hostile file names and links', () => {
  it('control characters and bidi overrides in a file name: shown escaped, never sent to the terminal raw', async () => {
    const p = makeProject(tmp());
    const name = 'exam-results-\u001b[2J\u001b]0;owned\u0007\u202egnp.csv';
    const file = join(p.inbox, name);
    writeFileSync(file, await examResultsCsv(2));
    let out = '';
    let err = '';
    expect(await main(['run', file, '--config', p.config], { out: (t) => (out += t), err: (t) => (err += t), clock, env: {} })).toBe(0);
    expect(`${out}${err}`).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/u);
    expect(out).toContain('\\u{1b}[2J');
    // The name reaches no path: the batch is named by the file's hash, the documents by their serials.
    expect(files(p.outbox).every((f) => !f.includes('owned'))).toBe(true);
    // A NUL cannot be in a name on disk nor in an argument; handed over by a caller, it is a clean refusal.
    expect(await main(['validate', join(p.inbox, 'exam-results-a\u0000b.csv'), '--config', p.config], { out: () => {}, err: () => {}, clock, env: {} })).toBe(2);
    cases.handMade += 2;
  });

  it('"../" and absolute paths inside the data never become paths: unknown centres, document names kept inside their batch', async () => {
    const p = makeProject(tmp());
    const json = join(p.dir, 'exam-results-centre.json');
    for (const centre of ['../../etc', '/etc/passwd']) {
      writeFileSync(json, JSON.stringify({ kind: 'exam-results', centre, records: [{ iin: '1' }] }));
      const report = await answer(json);
      expect(report.errors.map((e) => e.code)).toContain('UNKNOWN_CENTRE');
    }
    const lines = (await examResultsCsv(2)).trim().split('\n');
    const outside = join(p.dir, 'escaped');
    lines[1] = (lines[1] ?? '').split(',').map((c) => (c.startsWith('П-') ? `../../../../../..${outside}` : c)).join(',');
    const file = join(p.dir, 'exam-results-paths.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(await main(['run', file, '--config', p.config], { out: () => {}, err: () => {}, clock, env: {} })).toBe(0);
    const [manifest] = manifests(p.outbox);
    if (!manifest) throw new Error('no batch published');
    expect(files(join(manifest, '..', 'protocols')).filter((f) => f.endsWith('.pdf'))).toHaveLength(2);
    // The number is kept, made harmless: one flat name inside protocols/, nothing written where it pointed.
    expect(files(p.dir).filter((f) => f.includes('escaped') && !f.startsWith(relative(p.dir, join(manifest, '..', 'protocols'))))).toEqual([]);
    expect(existsSync(outside) || existsSync(`${outside}.pdf`)).toBe(false);
    cases.handMade += 3;
  });

  it('a link in the inbox that leads out of it: refused (UNSAFE_PATH), its target neither read nor copied', async () => {
    const p = makeProject(tmp());
    const secret = await examResultsFile(p.dir, 'secret.csv', 2);
    const link = join(p.inbox, 'exam-results-link.csv');
    symlinkSync(secret, link);
    mkdirSync(join(p.inbox, 'DEMO01'));
    symlinkSync(p.dir, join(p.inbox, 'DEMO01', 'exam-results-dir-link.csv'));

    let out = '';
    expect(await main(['validate', link, '--config', p.config, '--json'], { out: (t) => (out += t), err: () => {}, clock, env: {} })).toBe(2);
    expect(JSON.parse(out).files[0].errors.map((e: { code: string }) => e.code)).toEqual(['UNSAFE_PATH']);
    out = '';
    expect(await main(['run', link, '--config', p.config, '--json'], { out: (t) => (out += t), err: () => {}, clock, env: {} })).toBe(2);
    expect(JSON.parse(out).outcomes[0]).toMatchObject({ outcome: 'rejected' });
    const received = join(p.dir, 'var', 'received');
    expect(files(received)).toEqual([]);
    expect(files(p.outbox)).toEqual([]);

    // The daemon: the link itself (not its target) is set aside with its report.
    const watch = await runChild('bash', ['-c', `timeout -s TERM 8 node bin/tanu.js watch --config "${p.config}"; true`], {
      env: { ...process.env, TANU_WATCH__STABILITY_MS: '200' },
      timeout: 60_000,
    });
    const rejected = join(p.dir, 'var', 'rejected');
    const setAside = readdirSync(rejected).filter((f) => f.endsWith('exam-results-link.csv'));
    expect(setAside, watch.stderr).toHaveLength(1);
    expect(lstatSync(join(rejected, setAside[0] ?? '')).isSymbolicLink()).toBe(true);
    expect(readFileSync(secret, 'utf8')).toBe(await examResultsCsv(2));
    expect(files(received)).toEqual([]);
    cases.handMade += 3;
  });
});
