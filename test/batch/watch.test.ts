import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { isTransient } from '../../pipeline/batch/watch.js';
import { sha256 } from '../../pipeline/publish/publish.js';
import { examResultsCsv, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

const tmp = useTmpDir();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

/** A `tanu watch` process on `config`, its output gathered as it comes. */
function watching(config: string, stabilityMs: number) {
  const child = spawn(process.execPath, ['bin/tanu.js', 'watch', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TANU_WATCH__STABILITY_MS: String(stabilityMs) } });
  const seen = { out: '', err: '' };
  child.stdout.on('data', (d) => (seen.out += String(d)));
  child.stderr.on('data', (d) => (seen.err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, seen, exited };
}

describe('tanu watch', () => {
  it('leaves temporary and lock files alone', () => {
    for (const name of ['~$results.xlsx', '.results.csv', 'results.csv.part', 'x.crdownload', '.~lock.results.csv#', 'a.tmp']) expect(isTransient(`/in/${name}`), name).toBe(true);
    for (const name of ['exam-results.csv', 'applications.xlsx']) expect(isTransient(`/in/DEMO01/${name}`), name).toBe(false);
  });

  it('takes a file written slowly in chunks only once it is complete, once; drains and exits 0 on SIGINT (Ctrl-C), the browser up', async () => {
    const p = makeProject(tmp());
    const child = spawn(process.execPath, ['bin/tanu.js', 'watch', '--config', p.config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TANU_WATCH__STABILITY_MS: '2000' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(await until(() => err.includes(p.inbox), 60_000), err).toBe(true);

    const text = await examResultsCsv(5);
    const file = join(p.inbox, 'DEMO01', 'exam-results-slow.csv');
    writeFileSync(join(p.inbox, '~$exam-results-slow.csv'), 'lock');
    mkdirSync(join(p.inbox, 'DEMO01'));
    // A folder one level too deep: its files are never read, and the operator is told so, once.
    mkdirSync(join(p.inbox, 'DEMO01', 'november'));
    writeFileSync(join(p.inbox, 'DEMO01', 'november', 'exam-results-deep.csv'), text);
    // Chunks 300 ms apart: each pause is far shorter than the 2 s the watcher waits for.
    const chunks = text.match(/[\s\S]{1,200}/g) ?? [];
    writeFileSync(file, '');
    for (const chunk of chunks) {
      appendFileSync(file, chunk);
      await sleep(300);
    }
    const sha = sha256(readFileSync(file));
    expect(await until(() => !existsSync(file), 30_000)).toBe(true);
    expect(await until(() => out.includes('→'), 60_000), err).toBe(true);
    // The summary has the documents-per-second rate, as tanu run's does.
    expect(out).toMatch(/документов 6, ошибок 0, \d+\.\d док\.\/с/);
    expect(err.split('файлы в этой папке не читаются; кладите их прямо в inbox/ или inbox/<центр>/')).toHaveLength(2);
    expect(err).toContain(join('DEMO01', 'november'));
    expect(existsSync(join(p.inbox, 'DEMO01', 'november', 'exam-results-deep.csv'))).toBe(true);
    // Tanu's own handler, not Puppeteer's: that one kills the browser and exits with 130.
    child.kill('SIGINT');
    expect(await exited).toBe(0);

    const received = readdirSync(join(p.dir, 'var', 'received'));
    expect(received).toEqual([`${sha}.csv`]);
    expect(readFileSync(join(p.dir, 'var', 'received', `${sha}.csv`), 'utf8')).toBe(text);
    const outbox = readdirSync(join(p.outbox, 'DEMO01'), { recursive: true }).map(String);
    expect(outbox.filter((f) => f.endsWith('manifest.json'))).toHaveLength(1);
    expect(outbox.filter((f) => f.endsWith('.pdf') && f.includes('certificates'))).toHaveLength(5);
    expect(existsSync(join(p.inbox, '~$exam-results-slow.csv'))).toBe(true);
  });

  it('on SIGTERM mid-batch stops at a chunk boundary, exits 0, and the next start issues the rest exactly once', async () => {
    const p = makeProject(tmp());
    const start = () => watching(p.config, 300);
    const certificates = () =>
      readdirSync(join(p.outbox, 'DEMO01'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.pdf') && f.includes('certificates'));

    // 120 recognized rows: a first chunk of 20, then one of 100 that shutdown interrupts.
    const first = start();
    expect(await until(() => first.seen.err.includes(p.inbox), 60_000), first.seen.err).toBe(true);
    mkdirSync(join(p.inbox, 'DEMO01'));
    writeFileSync(join(p.inbox, 'DEMO01', 'exam-results-long.csv'), await examResultsCsv(120));
    expect(await until(() => first.seen.err.includes('"published-chunk"'), 120_000), first.seen.err).toBe(true);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.seen.out).toContain('остановлен на границе части');
    const before = certificates();
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(120);
    expect(readdirSync(join(p.outbox, 'DEMO01'), { recursive: true }).map(String).filter((f) => f.endsWith('manifest.json'))).toHaveLength(0);

    const second = start();
    expect(await until(() => second.seen.out.includes('→'), 180_000), second.seen.err).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.seen.out).toMatch(/прерванный пакет продолжен/);
    const after = certificates();
    // Every row once: the serials run 1..120 without a gap or a repeat, and what was published before is untouched.
    expect(after).toHaveLength(120);
    expect(new Set(after.map((f) => f.replace(/^.*\//, ''))).size).toBe(120);
    expect(after.map((f) => Number(/-(\d{6})\.pdf$/.exec(f)?.[1])).sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    for (const f of before) expect(after).toContain(f);
  }, 400_000);

  it('a writer pausing 5 s mid-file: the CSV and the XLSX are taken only once whole, every row issued once, the received copy the whole file', async () => {
    const p = makeProject(tmp());
    const { child, seen, exited } = watching(p.config, 500);
    expect(await until(() => seen.err.includes(p.inbox), 60_000), seen.err).toBe(true);
    mkdirSync(join(p.inbox, 'DEMO01'));

    const csv = Buffer.from(await examResultsCsv(6));
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('exam-results');
    // Other people than the CSV's, so neither file's rows are duplicates of the other's.
    const lines = (await examResultsCsv(6, 100)).trim().split('\n').map((l) => l.split(','));
    for (const line of lines) ws.addRow(line);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const wholes: Buffer[] = [];
    // Both writers cut mid-line (mid-zip) and pause far longer than the 0.5 s the size must hold still.
    await Promise.all(
      [
        ['exam-results-share.csv', csv],
        ['exam-results-share.xlsx', xlsx],
      ].map(async ([name, bytes]) => {
        const file = join(p.inbox, 'DEMO01', name as string);
        const whole = bytes as Buffer;
        wholes.push(whole);
        const cut = whole.indexOf(0x0a, Math.floor(whole.length / 2)) - 3;
        writeFileSync(file, whole.subarray(0, cut));
        await sleep(5000);
        appendFileSync(file, whole.subarray(cut));
      }),
    );
    expect(await until(() => (seen.out.match(/→/g) ?? []).length >= 2, 120_000), `${seen.out}\n${seen.err}`).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(seen.out, seen.out).not.toMatch(/отклонён|ошибок [1-9]/);
    const received = readdirSync(join(p.dir, 'var', 'received')).sort();
    expect(received).toEqual(wholes.map((w, i) => `${sha256(w)}.${i === 0 ? 'csv' : 'xlsx'}`).sort());
    for (const [i, w] of wholes.entries()) expect(readFileSync(join(p.dir, 'var', 'received', `${sha256(w)}.${i === 0 ? 'csv' : 'xlsx'}`))).toEqual(w);
    const certificates = readdirSync(join(p.outbox, 'DEMO01'), { recursive: true }).map(String).filter((f) => f.endsWith('.pdf') && f.includes('certificates'));
    expect(certificates).toHaveLength(12);
    expect(existsSync(join(p.dir, 'var', 'rejected'))).toBe(false);
  }, 200_000);
});

