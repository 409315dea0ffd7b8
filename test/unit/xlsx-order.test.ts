import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ValidationEnv, validateFile } from '../../pipeline/validate/validate-file.js';
import { shippedEnv } from '../support/env.js';
import { makeIin } from '../support/iin.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * An XLSX is read the same whatever order its zip stores its parts in, and however slowly
 * the file comes off the disk. Excel stores the sheet before the shared strings; exceljs's
 * own streaming reader then dropped the shared strings when the file was read from a cold
 * page cache, and every text cell came through as an object. Each read below first evicts
 * the file from the page cache (`dd iflag=nocache`: posix_fadvise, for this file only).
 */

let env: ValidationEnv;
beforeAll(async () => {
  env = await shippedEnv();
});
const tmp = useTmpDir();

/** The parts whose order matters: what the sheet depends on, and the sheet. */
const DEPENDENCIES = ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml', 'xl/styles.xml', 'xl/worksheets/sheet1.xml'];
/** The order Excel itself writes a workbook in. */
const EXCEL = ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/worksheets/sheet1.xml', 'xl/theme/theme1.xml', 'xl/styles.xml', 'xl/sharedStrings.xml', 'docProps/core.xml', 'docProps/app.xml'];

const ROWS = 220;
/** Distinct Cyrillic and Kazakh text, enough for the shared strings to span several inflated chunks. */
const lastName = (i: number) => `${['Әбдірахманова', 'Жұмабаева', 'Сейітқалиева', 'Нұрмағанбетова'][i % 4]}-${String.fromCharCode(1040 + (i % 32))}${String.fromCharCode(1072 + ((i * 7) % 32))}`;
const firstName = (i: number) => `${['Гүлнар', 'Айгерім', 'Жанар', 'Ләззат'][i % 4]}${"'".repeat(i % 2)}${'ә'.repeat(20 + (i % 30))}`;

/** The shared strings inflate in chunks of 16 KB: the title's length is chosen so that a chunk ends inside a two-byte letter. */
async function workbook(file: string) {
  for (let pad = 0; pad < 40; pad++) {
    await workbookWithTitle(file, `Емтихан нәтижелері / Результаты экзаменов${'.'.repeat(pad)}`);
    const shared = await (await JSZip.loadAsync(readFileSync(file))).file('xl/sharedStrings.xml')!.async('nodebuffer');
    if ([16_384, 32_768].some((at) => at < shared.length && ((shared[at] ?? 0) & 0xc0) === 0x80)) return;
  }
  throw new Error('no title length splits a letter at a chunk boundary');
}

async function workbookWithTitle(file: string, title: string) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('exam-results');
  ws.addRow([title]);
  ws.addRow(['ИИН', 'Фамилия', 'Имя', 'Код профессии', 'Уровень ОРК', 'Дата и время первого экзамена', 'Балл первого экзамена', 'Статус', '№ протокола', 'Дата протокола', 'Область / город республиканского значения', 'Город или район', 'Адрес']);
  for (let i = 0; i < ROWS; i++) {
    ws.addRow([makeIin('1990-05-05', i % 2 ? 'male' : 'female', i + 1), lastName(i), firstName(i), '5320-9-006', 3, '10.11.2026 10:00', 85, 'Признан', `П-${i}`, '12.11.2026', 'Алматы', 'Алматы', 'Абай даңғылы, 10']);
  }
  await wb.xlsx.writeFile(file);
}

/** The same workbook with its parts stored in `order` (the parts not named keep their places after it). */
async function reordered(source: Buffer, order: readonly string[], compression: 'STORE' | 'DEFLATE'): Promise<Buffer> {
  const zip = await JSZip.loadAsync(source);
  const names = Object.keys(zip.files).filter((n) => !zip.files[n]?.dir);
  const out = new JSZip();
  for (const name of [...order.filter((n) => names.includes(n)), ...names.filter((n) => !order.includes(n))]) {
    out.file(name, await zip.file(name)!.async('uint8array'));
  }
  return out.generateAsync({ type: 'nodebuffer', compression });
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const evict = (file: string) => execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);

async function reportOf(file: string) {
  evict(file);
  const names: string[] = [];
  const report = await validateFile(file, env, (r) => void names.push('last_name' in r && 'protocol_number' in r ? `${r.last_name} ${r.first_name} ${r.protocol_number}` : ''));
  return { ...report, file: 'same', names };
}

describe('intake: an XLSX in any zip order, read from a cold cache', () => {
  it('gives the same report and the same records in every order of the parts the sheet depends on', async () => {
    const original = join(tmp(), 'exam-results.xlsx');
    await workbook(original);
    const expected = await reportOf(original);
    expect(expected).toMatchObject({ kind: 'exam-results', rows: ROWS, valid: ROWS, errors: [], warnings: [] });
    expect(expected.names).toEqual(Array.from({ length: ROWS }, (_, i) => `${lastName(i)} ${firstName(i)} П-${i}`));

    const source = readFileSync(original);
    const file = join(tmp(), 'exam-results-reordered.xlsx');
    const orders = permutations(DEPENDENCIES);
    expect(orders).toHaveLength(120);
    for (const [n, order] of orders.entries()) {
      writeFileSync(file, await reordered(source, order, n % 2 ? 'DEFLATE' : 'STORE'));
      expect(await reportOf(file), order.join(' ')).toEqual(expected);
    }
  });

  it('reads the Excel-ordered file the same fifty times over, stored and deflated', async () => {
    const original = join(tmp(), 'exam-results.xlsx');
    await workbook(original);
    const expected = await reportOf(original);
    const source = readFileSync(original);
    for (const compression of ['STORE', 'DEFLATE'] as const) {
      const file = join(tmp(), `exam-results-excel-${compression}.xlsx`);
      writeFileSync(file, await reordered(source, EXCEL, compression));
      for (let i = 0; i < 25; i++) expect(await reportOf(file), `${compression} read ${i + 1}`).toEqual(expected);
    }
  });
});
