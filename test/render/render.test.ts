import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../pipeline/cli/main.js';
import { ChromiumRenderer, findChromium } from '../../pipeline/render/chromium.js';
import { type CertificateModel, certificateModel } from '../../pipeline/kinds/certificate/model.js';
import { type ContractModel, contractModel } from '../../pipeline/kinds/contract/model.js';
import { type ProtocolModel, protocolModels } from '../../pipeline/kinds/protocol/model.js';
import { type DocumentModel, KIND_LIST, loadKindTemplates, renderDocuments } from '../../pipeline/kinds/registry.js';
import { sampleApplication, sampleAttestation, sampleExamResult } from '../../pipeline/dev/sample.js';
import { attestationProtocolModel } from '../../pipeline/kinds/attestation-protocol/model.js';
import { violationAct } from '../../pipeline/kinds/violation-act/kind.js';
import { type TemplateSet, loadTemplates } from '../../pipeline/render/templates.js';
import type { Centre } from '../../pipeline/config/schema.js';
import type { ValidationEnv } from '../../pipeline/validate/validate-file.js';
import { clock, shippedEnv } from '../support/env.js';
import { expectAllIn, expectOnOneLine, pdfFonts, pdfLines, pdfPageTexts, pdfPages, pdfQrCodes, pdfText } from '../support/poppler.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * Real Chromium, real PDFs, judged by poppler and zbar. Bounded: about thirty documents.
 */
let env: ValidationEnv;
let templates: TemplateSet;
let renderer: ChromiumRenderer;
let centre: Centre;
const now = clock.now();
const tmp = useTmpDir();

beforeAll(async () => {
  env = await shippedEnv();
  templates = loadKindTemplates('templates');
  renderer = new ChromiumRenderer(templates, { executablePath: findChromium(), concurrency: 2, printBatch: 3 });
  const first = env.config.centres[0];
  if (!first) throw new Error('no centre');
  centre = first;
});
afterAll(async () => {
  await renderer.close();
});

const KAZAKH = ['ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ', 'і'];

function certificate(n: number, language: 'kk' | 'ru', over: Partial<Centre> = {}): CertificateModel {
  return certificateModel({
    record: sampleExamResult(n, language),
    serial: `DEMO01-2026-${String(n + 1).padStart(6, '0')}`,
    issueDate: '2026-11-23',
    validityYears: 5,
    centre: { ...centre, ...over },
    library: env.library,
    verifyBaseUrl: 'https://tanu.example.kz/verify',
    verifyCode: `code${n}`.padEnd(16, 'x'),
  });
}

async function pdfOf(model: DocumentModel, sample = false) {
  const [result] = await renderDocuments(renderer, templates, [model], { sample, now });
  if (!result || 'error' in result) throw new Error(`not rendered: ${JSON.stringify(result)}`);
  return result;
}

describe('certificate', () => {
  it('says in Kazakh what it certifies: holder, profession and level, standard, serial, dates', async () => {
    const { pdf } = await pdfOf(certificate(0, 'kk'));
    const text = pdfText(pdf);
    expectAllIn(text, [
      'Кәсіптік біліктілікті тану туралы құжат',
      '№ DEMO01-2026-000001',
      'Кәсіптік біліктілікті тану орталығы (ДЕМО)',
      'Әбдіғұлова-Өмірзақ Гүлшаһар Жеңісқызы',
      'Әлеуметтік жұмыскер кәсібі бойынша, 4-деңгей',
      'Q88100061, 31.03.2026 № 109 бұйрықтың редакциясында',
      'Берілген күні 23.11.2026',
      'Қолданылу мерзімі 23.11.2031',
      'Тану орталығының басшысы',
      'Әлімова Гүлнар Серікқызы',
    ]);
    expect(text).not.toContain('Документ о признании');
    expect(text).not.toContain('2-нұсқа');
    expect(text).not.toContain('ОБРАЗЕЦ');
  });

  it('and in Russian', async () => {
    const text = pdfText((await pdfOf(certificate(1, 'ru'))).pdf);
    expectAllIn(text, [
      'Документ о признании профессиональной квалификации',
      '№ DEMO01-2026-000002',
      'Шаһизадаев Жәңгір Үмбетқұлұлы',
      'по профессии Социальный работник, 4 уровень',
      'Q88100061, в редакции приказа от 31.03.2026 № 109',
      'Дата выдачи 23.11.2026',
      'Срок действия 23.11.2031',
      'Протокол экзаменационной комиссии № ХТ-9 от 12.11.2026',
    ]);
    expect(text).not.toContain('Кәсіптік біліктілікті тану туралы құжат');
  });

  it('prints both languages where the centre asks, and every Kazakh letter comes out as text', async () => {
    const text = pdfText((await pdfOf(certificate(0, 'ru', { bilingual_documents: true }))).pdf);
    expect(text).toContain('Әбдіғұлова-Өмірзақ Гүлшаһар Жеңісқызы');
    expect(text).toContain('Кәсіптік біліктілікті тану туралы құжат');
    expect(text).toContain('Документ о признании профессиональной квалификации');
    const lower = text.toLowerCase();
    for (const letter of KAZAKH) expect(lower).toContain(letter);
  });

  it('carries a QR code with the verification address, the serial and the verification code', async () => {
    const { pdf } = await pdfOf(certificate(4, 'kk'));
    expect(pdfQrCodes(pdf)).toEqual(['https://tanu.example.kz/verify/DEMO01-2026-000005/code4xxxxxxxxxxx']);
  });

  it('embeds and subsets the bundled font, and nothing else', async () => {
    const fonts = pdfFonts((await pdfOf(certificate(0, 'kk'))).pdf);
    expect(fonts.length).toBeGreaterThan(0);
    for (const f of fonts) {
      expect(f.name).toMatch(/^[A-Z]{6}\+NotoSerif/);
      expect(f).toMatchObject({ embedded: true, subset: true });
    }
  });

  it('one print split into many: seven certificates in batches of three, each one page with its own serial', async () => {
    const models = Array.from({ length: 7 }, (_, n) => certificate(n, n % 2 ? 'ru' : 'kk'));
    const results = await renderDocuments(renderer, templates, models, { sample: false, now });
    expect(results).toHaveLength(7);
    results.forEach((r, n) => {
      if ('error' in r) throw r.error;
      expect(r.pages).toBe(1);
      expect(pdfPages(r.pdf)).toBe(1);
      const serials = pdfText(r.pdf).match(/DEMO01-2026-\d{6}/g) ?? [];
      expect(new Set(serials)).toEqual(new Set([`DEMO01-2026-${String(n + 1).padStart(6, '0')}`]));
    });
  });

  it('never breaks a name, a level or the serial under the QR code', async () => {
    const long = { ...sampleExamResult(0, 'kk'), last_name: 'Әбдіғұлова-Өмірзақова', first_name: 'Айгерім-Гүлнұр', level: 5 };
    const model = certificateModel({ record: long, serial: 'DEMO01-2026-000006', issueDate: '2026-11-23', validityYears: 5, centre: { ...centre, bilingual_documents: true }, library: env.library, verifyBaseUrl: 'https://tanu.example.kz/verify', verifyCode: 'SAMPLE' });
    const lines = pdfLines((await pdfOf(model)).pdf);
    expectOnOneLine(lines, ['Әбдіғұлова-Өмірзақова', 'Айгерім-Гүлнұр', 'Жеңісқызы', '5-деңгей', '5 уровень', 'DEMO01-2026-000006', 'Әлімова Гүлнар Серікқызы', 'Алимова Гульнар Сериковна']);
    const text = pdfText((await pdfOf(model)).pdf);
    // The hyphen of the given name is printed as the ordinary one: copied text and search find the name.
    expect(text).toContain('Айгерім-Гүлнұр');
    // The link under the QR breaks after a slash, never inside the serial: it is whole under the QR as at the top.
    expect(text.split('DEMO01-2026-000006')).toHaveLength(3);
    expectOnOneLine(lines, ['DEMO01-2026-000006/']);
  });

  it('a sample is marked so it cannot pass for a real document', async () => {
    const text = pdfText((await pdfOf(certificate(0, 'kk'), true)).pdf);
    expect(text.replace(/\s/g, '')).toMatch(/ҮЛГІ|ІГЛҮ/);
  });
});

describe('protocol', () => {
  it('one per protocol number, with every candidate and outcome', async () => {
    const records = [0, 1, 2, 3, 4].map((n) => sampleExamResult(n, 'ru'));
    records.push({ ...sampleExamResult(5, 'ru'), protocol_number: 'ХТ-10' });
    const models = protocolModels({ records, centre, library: env.library });
    expect(models.map((m) => [m.number, m.rows.length])).toEqual([
      ['ХТ-9', 5],
      ['ХТ-10', 1],
    ]);
    const text = pdfText((await pdfOf(models[0] as ProtocolModel)).pdf);
    expectAllIn(text, [
      'Протокол экзаменационной комиссии',
      '№ ХТ-9 от 12.11.2026',
      'Әбдіғұлова-Өмірзақ Гүлшаһар Жеңісқызы',
      'Шаһизадаев Жәңгір Үмбетқұлұлы',
      '10.11.2026 10:00',
      'Признан',
      'Отказ в признании',
      'Неявка (по состоянию здоровья)',
      'Всего: 5; признаны: 3; отказано в признании: 1; неявка: 1',
      'Абай даңғылы, 1',
    ]);
  });

  it('both languages: each fact once, a decimal with a comma, the outcome agreeing with the sex the IIN gives, on one page', async () => {
    const records = [0, 1, 2, 3, 4].map((n) => sampleExamResult(n, 'ru'));
    records[0] = { ...sampleExamResult(0, 'ru'), exam1_score: 90.5 };
    const [model] = protocolModels({ records, centre: { ...centre, bilingual_documents: true }, library: env.library });
    const { pdf, pages } = await pdfOf(model as ProtocolModel);
    expect(pages).toBe(1);
    const text = pdfText(pdf);
    // Rows 1 and 3 are a woman's (IIN 850315400015), row 2 a man's.
    expect(text).toMatch(/Танылды \/ Признан(?!а)/);
    expectAllIn(text, ['90,5', 'Танылды / Признана', '3412-0-008 Әлеуметтік жұмыскер, 4-деңгей', '3412-0-008 Социальный работник, 4 уровень']);
    expect(text).not.toContain('90.5');
    // The place the file gives once is printed once, not once a language.
    expect(text.split('Абай даңғылы, 1')).toHaveLength(2);
  });

  it('is in the language its candidates chose, whatever default_language says; in both when they chose differently', async () => {
    expect(env.config.default_language).toBe('kk');
    const allRu = [0, 1, 2].map((n) => sampleExamResult(n, 'ru'));
    const [ru] = protocolModels({ records: allRu, centre, library: env.library });
    expect(ru?.languages).toEqual(['ru']);
    const ruText = pdfText((await pdfOf(ru as ProtocolModel)).pdf);
    expect(ruText).toContain('Протокол экзаменационной комиссии');
    expect(ruText).not.toContain('Емтихан комиссиясының хаттамасы');

    const mixed = [sampleExamResult(0, 'ru'), sampleExamResult(1, 'kk')];
    const [both] = protocolModels({ records: mixed, centre, library: env.library });
    expect(both?.languages).toEqual(['kk', 'ru']);
    expectAllIn(pdfText((await pdfOf(both as ProtocolModel)).pdf), ['Емтихан комиссиясының хаттамасы', 'Протокол экзаменационной комиссии', 'Танылды / Признан']);
  });

  it("names the organization that issued it (the centre when the file names none) and where the exam was held", async () => {
    const given = [{ ...sampleExamResult(0, 'kk'), protocol_issuer: '«Еңбек ресурстарын дамыту орталығы» АҚ' }];
    const [withIssuer] = protocolModels({ records: given, centre, library: env.library });
    expectAllIn(pdfText((await pdfOf(withIssuer as ProtocolModel)).pdf), [
      'Хаттама берген ұйымның атауы «Еңбек ресурстарын дамыту орталығы» АҚ',
      'Облыс / республикалық маңызы бар қала Алматы',
      'Мекен-жайы Абай даңғылы, 1',
    ]);
    const nowhere = [{ ...sampleExamResult(0, 'kk'), exam_region: null, exam_city: null, exam_address: null }];
    const [byCentre] = protocolModels({ records: nowhere, centre, library: env.library });
    const text = pdfText((await pdfOf(byCentre as ProtocolModel)).pdf);
    expect(text).toContain('Хаттама берген ұйымның атауы Кәсіптік біліктілікті тану орталығы (ДЕМО)');
    expect(text).not.toContain('Мекен-жайы');
  });

  it('fifty candidates run over several pages, each with its number, date, page count and the table header', async () => {
    for (const [language, page, header, column] of [
      ['kk', 'бет', '№ ХТ-9, 12.11.2026', 'Тегі, аты, әкесінің аты'],
      ['ru', 'стр.', '№ ХТ-9 от 12.11.2026', 'Фамилия, имя, отчество'],
    ] as const) {
      const records = Array.from({ length: 50 }, (_, n) => sampleExamResult(n, language));
      const [model] = protocolModels({ records, centre, library: env.library });
      const { pdf, pages } = await pdfOf(model as ProtocolModel);
      const texts = pdfPageTexts(pdf);
      expect(texts).toHaveLength(pages);
      expect(pages).toBeGreaterThanOrEqual(3);
      texts.forEach((text, i) => expectAllIn(text, [`${page} ${i + 1} / ${pages}`, header, column]));
    }
  });

  it('prints markup in a value as text: escaped, never run', async () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    const records = [{ ...sampleExamResult(0, 'kk'), exam_address: hostile, last_name: '<b>Bold</b>', protocol_number: 'X"; } </style><i>' }];
    const [model] = protocolModels({ records, centre, library: env.library });
    const text = pdfText((await pdfOf(model as ProtocolModel)).pdf);
    expect(text).toContain('Емтихан комиссиясының хаттамасы');
    expect(text).toContain('Танылды');
    expect(text).toContain('<img src=x onerror=alert(1)><script>alert(2)</script>');
    expect(text).toContain('<b>Bold</b>');
    // The number is printed in the page margin too, from a CSS string it cannot leave.
    expect(text.split('№ X"; } </style><i>, 12.11.2026').length).toBe(3);
  });
});

/** The words of a DOCX as a reader sees them: Word's non-breaking hyphen read as a hyphen, a no-break space as a space. */
async function docxText(docx: Uint8Array): Promise<string> {
  const xml = (await (await JSZip.loadAsync(docx)).file('word/document.xml')?.async('string')) ?? '';
  return xml.replace(/<w:noBreakHyphen\/>/g, '-').replace(/<[^>]+>/g, '').replace(/\u00a0/g, ' ');
}

describe('contract', () => {
  it("keeps the head's name, the candidate's names and the level unbroken, in the PDF and the DOCX", async () => {
    const record = { ...sampleApplication('kk'), first_name: 'Айгерім-Гүлнұр' };
    const result = await pdfOf(contractModel({ record, centre, library: env.library }));
    if (!('docx' in result) || !result.docx) throw new Error('no docx');
    expectOnOneLine(pdfLines(result.pdf), ['Әлімова Гүлнар Серікқызы', 'Айгерім-Гүлнұр', 'Әбдіғұлова-Өмірзақ', '4-деңгейдегі']);
    const xml = (await (await JSZip.loadAsync(result.docx)).file('word/document.xml')?.async('string')) ?? '';
    expect(xml).toMatch(/Айгерім<\/w:t><w:noBreakHyphen\/><w:t[^>]*>Гүлнұр/);
    expect(await docxText(result.docx)).toContain('Айгерім-Гүлнұр');
  });

  it('PDF and DOCX say the same: parties, profession, level, voucher', async () => {
    const record = { ...sampleApplication('kk'), voucher_number: 'V-778' };
    const model: ContractModel = contractModel({ record, centre, library: env.library });
    const result = await pdfOf(model);
    if (!('docx' in result) || !result.docx) throw new Error('no docx');
    expect(result.pdf.length).toBeLessThan(5 * 1024 * 1024);
    expect(result.docx.length).toBeLessThan(5 * 1024 * 1024);
    const text = await docxText(result.docx);
    const pdf = pdfText(result.pdf);
    for (const s of [
      'Кәсіптік біліктілікті тану бойынша қызметтер көрсету шарты',
      '№ Ө-2026-0001',
      'Алматы, құрылған күні: 04.11.2026',
      'Өтінімнің №: Ө-2026-0001, өтінімнің күні: 02.11.2026',
      'Бұдан әрі – Орындаушы деп аталатын Кәсіптік біліктілікті тану орталығы (ДЕМО) атынан әрекет ететін Тану орталығының басшысы Әлімова Гүлнар Серікқызы, бір тараптан',
      'Әбдіғұлова-Өмірзақ Гүлшаһар Жеңісқызы',
      '850315400015',
      '«Әлеуметтік жұмыскер» кәсібі бойынша 4-деңгейдегі кәсіптік біліктілігін',
      // A voucher pays: the customer undertakes only to take the procedure.
      'ал Тапсырыс беруші рәсімнен өтуге міндеттенеді',
      '№ V-778 ваучер есебінен',
      'БСН: 123456789012',
    ]) {
      expect(pdf).toContain(s);
      expect(text).toContain(s);
    }
    for (const text of [pdf, await docxText(result.docx)]) {
      expect(text).not.toContain('басшысы Әлімова Гүлнар Серікқызы атынан');
      expect(text).not.toContain('оны төлеуге');
      expect(text).not.toContain('ақысын төлеуге');
    }
  });

  it('in Russian, with the centre fee when there is no voucher', async () => {
    const model = contractModel({ record: sampleApplication('ru'), centre, library: env.library });
    const result = await pdfOf(model);
    if (!('docx' in result) || !result.docx) throw new Error('no docx');
    for (const text of [pdfText(result.pdf), await docxText(result.docx)]) {
      expect(text).toContain('Договор оказания услуг по признанию профессиональной квалификации');
      expect(text).toContain('Стоимость услуг составляет 45 000 тенге.');
      // The head in the genitive, her Kazakh first name undeclined.
      expect(text).toContain('в лице руководителя Алимовой Гульнар Сериковны');
      expect(text).toContain('по профессии «Социальный работник», 4 уровень');
      expect(text).toContain('а Заказчик – пройти процедуру и оплатить оказанные услуги.');
      expect(text).toContain('№ заявки: Ө-2026-0001, дата заявки: 02.11.2026');
      expect(text).toContain('Алматы, дата составления: 04.11.2026');
    }
  });
});

describe('attestation documents', () => {
  it("the protocol is headed by the commission, not the centre; decisions agree with each worker's sex; the kk due date takes its ending", async () => {
    const records = [0, 1, 2, 3].map((n) => sampleAttestation(n, n % 2 ? 'ru' : 'kk'));
    const model = attestationProtocolModel({ records, centre, library: env.library });
    const text = pdfText((await pdfOf(model)).pdf);
    // Above the title, where the centre's name was.
    expect(text.indexOf('Алматы қаласы ӘҚБ аттестаттау комиссиясы')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('Алматы қаласы ӘҚБ аттестаттау комиссиясы')).toBeLessThan(text.indexOf('Аттестаттау комиссиясының хаттамасы'));
    expect(text).not.toContain('Кәсіптік біліктілікті тану орталығы (ДЕМО)');
    expect(text).not.toContain('Центр признания');
    // Rows 1 and 3 are a woman's, 2 and 4 a man's (the IIN's 7th digit).
    expect(text).toMatch(/аттестатталмады \/ не аттестован(?!а)/);
    expectAllIn(text, ['аттестатталды / аттестована', 'отстранена от аттестации', '01.01.2027-ден кешіктірмей', 'не позднее 01.01.2027', '4-деңгей']);
  });

  it('the act of violation: numbered by sitting and row, no IIN in its number or file name; headed by the commission; the Russian agrees with her sex', async () => {
    const record = sampleAttestation(2, 'ru');
    const planned = violationAct.perRecord?.plan(record, null, { centre, library: env.library, issueDate: '2026-11-23', validityYears: () => 5, verifyBaseUrl: '', verifyCode: () => '' });
    expect(planned?.serial).toBe('АК-3-4');
    expect(planned?.serial).not.toContain(record.iin);
    if (!planned) throw new Error('no act planned');
    const text = pdfText((await pdfOf(planned.model as DocumentModel)).pdf);
    expect(text.trimStart().startsWith('Алматы қаласы ӘҚБ аттестаттау комиссиясы')).toBe(true);
    expect(text).not.toContain('Центр признания');
    expectAllIn(text, ['№ АК-3-4 от 20.11.2026', 'Гүлшаһар Жеңісқызы отстранена от аттестации', 'С актом ознакомлена']);
    expect(text).not.toContain('(а)');
  });
});

describe('safety and failures', () => {
  it('loads nothing from the network, whatever a template asks for', async () => {
    let hits = 0;
    const server = createServer((_, res) => {
      hits++;
      res.end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = tmp();
    cpSync('templates', dir, { recursive: true });
    const file = join(dir, 'certificate', 'template.hbs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('</section>', `<img src="${url}/img.png"><link rel="stylesheet" href="${url}/x.css"><iframe src="${url}/frame"></iframe></section>`));
    const hostileTemplates = loadTemplates(dir, KIND_LIST.map((k) => k.template));
    const r = new ChromiumRenderer(hostileTemplates, { executablePath: findChromium(), concurrency: 1, printBatch: 5 });
    try {
      const [result] = await renderDocuments(r, hostileTemplates, [certificate(0, 'kk')], { sample: false, now });
      expect(result && 'pdf' in result).toBe(true);
      expect(hits).toBe(0);
    } finally {
      await r.close();
      server.close();
    }
  });

  it('refuses a character the font cannot print, and renders the rest', async () => {
    const bad = { ...certificate(0, 'kk'), holder: { full_name: 'Иванов 😀 漢', iin: '850315400015' } };
    const results = await renderDocuments(renderer, templates, [bad, certificate(1, 'kk')], { sample: false, now });
    expect(results[0]).toMatchObject({ error: { code: 'UNSUPPORTED_CHARACTER' } });
    expect(results[0] && 'error' in results[0] && results[0].error.text.ru).toContain('😀 漢');
    expect(results[1] && 'pdf' in results[1]).toBe(true);
  });

  it('survives a browser killed between documents: restarts and renders', async () => {
    const r = new ChromiumRenderer(templates, { executablePath: findChromium(), concurrency: 1, printBatch: 5 });
    try {
      await renderDocuments(r, templates, [certificate(0, 'kk')], { sample: false, now });
      const pid = await r.pid();
      if (!pid) throw new Error('no browser process');
      process.kill(pid, 'SIGKILL');
      const results = await renderDocuments(r, templates, [certificate(1, 'kk'), certificate(2, 'kk')], { sample: false, now });
      expect(results.map((x) => 'pdf' in x)).toEqual([true, true]);
      expect(r.restarts).toBeGreaterThanOrEqual(1);
    } finally {
      await r.close();
    }
  });

  it('a browser that dies while it starts: its documents end in RENDER_FAILED and close() returns', async () => {
    // Puppeteer's launch alone waits forever for this one (test/support/dying-chromium.cjs).
    const chromium = join(tmp(), 'chromium');
    writeFileSync(chromium, `#!${process.execPath}\n${readFileSync('test/support/dying-chromium.cjs', 'utf8')}`, { mode: 0o755 });
    const r = new ChromiumRenderer(templates, { executablePath: chromium, concurrency: 1, printBatch: 5, launchTimeoutMs: 2_000, attempts: 2 });
    try {
      const results = await renderDocuments(r, templates, [certificate(0, 'kk')], { sample: false, now });
      expect(results.map((x) => ('error' in x ? x.error.code : 'ok'))).toEqual(['RENDER_FAILED']);
      expect(results[0] && 'error' in results[0] && results[0].error.text.ru).toContain('Chromium did not start within 2000 ms');
      expect(r.restarts).toBe(2);
    } finally {
      await r.close();
    }
  });

  it('a print that hangs past its deadline ends in an error for its documents, not a stuck batch', async () => {
    const r = new ChromiumRenderer(templates, { executablePath: findChromium(), concurrency: 1, printBatch: 5, timeoutMs: 1, attempts: 2 });
    try {
      const results = await renderDocuments(r, templates, [certificate(0, 'kk'), certificate(1, 'kk')], { sample: false, now });
      expect(results.map((x) => ('error' in x ? x.error.code : 'ok'))).toEqual(['RENDER_FAILED', 'RENDER_FAILED']);
      expect(r.restarts).toBe(2);
    } finally {
      await r.close();
    }
  });
});

describe('tanu preview', () => {
  it('writes a sample PDF and PNG (and the DOCX of a contract)', async () => {
    const out = tmp();
    let printed = '';
    const io = { out: (t: string) => (printed += `${t}\n`), err: () => {}, clock, env: {} };
    expect(await main(['preview', '--document', 'contract', '--document-language', 'both', '--out', out, '--json'], io)).toBe(0);
    const files = JSON.parse(printed).files as string[];
    expect(files.map((f) => f.replace(out, ''))).toEqual(['/contract-both.pdf', '/contract-both.png', '/contract-both.docx']);
    const png = readFileSync(join(out, 'contract-both.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const text = pdfText(readFileSync(join(out, 'contract-both.pdf')));
    expect(text).toContain('Договор оказания услуг');
    expect(text).toContain('Кәсіптік біліктілікті тану бойынша қызметтер көрсету шарты');
    expect(await main(['preview', '--document', 'diploma'], io)).toBe(2);
  });

  it("--language is the operator's, --document-language the document's", async () => {
    const out = tmp();
    let err = '';
    const io = { out: () => {}, err: (t: string) => (err += `${t}\n`), clock, env: {} };
    expect(await main(['preview', '--document', 'certificate', '--document-language', 'ru', '--language', 'kk', '--out', out], io)).toBe(0);
    expect(pdfText(readFileSync(join(out, 'certificate-ru.pdf')))).toContain('Документ о признании профессиональной квалификации');
    expect(await main(['preview', '--document', 'diploma', '--language', 'kk'], io)).toBe(2);
    expect(err).toContain('[USAGE] Команда дұрыс берілмеген');
  });
});
