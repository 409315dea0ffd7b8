import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileReport, Report } from '../../pipeline/validate/report.js';
import { tanu } from '../support/cli.js';
import { makeIin } from '../support/iin.js';
import { expectBatchVerifies, files, manifests, readManifest } from '../support/outbox.js';
import { nssTrusting } from '../support/pki.js';
import { expectAllIn, pdfText } from '../support/poppler.js';
import { makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * Attestations end to end (docs/domain.md, "Attestation of social workers"): certificates
 * are issued by `tanu run`, one is revoked, then the attestation sitting of
 * test/fixtures/attestations-kk.csv is run against that ledger: the rules' errors and the
 * rescheduling warning in the report, the commission's protocol (bilingual: its workers
 * chose kk and ru) and the act of the removed worker rendered by Chromium, signed, checked
 * by pdftotext, pdfsig and openssl; the register exports the attestations.
 */
const tmp = useTmpDir();

// The people of test/fixtures/make-fixtures.ts whose certificates the fixture presents, in serial order.
const HOLDERS = [
  [makeIin('1985-03-15', 'female', 1), 'Әбдірахманова', 'Ұлжан'],
  [makeIin('2003-07-21', 'male', 123), 'Шаһизадаев', 'Жәңгір'],
  [makeIin('2001-01-09', 'female', 55), 'Серікова', 'Айгерім'],
  [makeIin('1979-11-30', 'female', 42), 'Өмірзақова', 'Әсел'],
] as const;

const examFile = () =>
  `ЖСН,Тегі,Аты,Кәсіп коды,СБШ деңгейі,Тіл,Бірінші емтиханның күні мен уақыты,Бірінші емтихан балы,Мәртебе,Хаттаманың №,Хаттаманың күні,Облыс / Республикалық маңызы бар қала,Қала немесе аудан,Мекен-жайы\n${HOLDERS.map(
    ([iin, last, first]) => `${iin},${last},${first},3412-0-008,4,kk,10.11.2026 10:00,85,Танылды,П-1,12.11.2026,Алматы,Алматы,Абай 1`,
  ).join('\n')}\n`;

describe('attestations', () => {
  it('tanu validate reads the Russian XLSX: every rule, errors and the warning; with no ledger yet no certificate is in the register', async () => {
    // No ledger yet: nothing issued, so no certificate the sitting names is in the register, as `tanu run` would find; the file is not created.
    const ledger = join(tmp(), 'ledger.sqlite');
    const r = await tanu(['validate', 'test/fixtures/attestations-ru.xlsx', '--ledger', ledger, '--json']);
    expect(existsSync(ledger)).toBe(false);
    expect(r.code).toBe(1);
    const [file] = Report.parse(JSON.parse(r.out)).files;
    expect(file).toMatchObject({ kind: 'attestations', rows: 4, valid: 0 });
    expect(file?.errors.map((e) => `${e.row}:${e.column}:${e.code}`)).toEqual([
      '2:certificate_serial:CERTIFICATE_NOT_IN_REGISTER',
      '3:violation:VIOLATION_REQUIRED',
      '3:certificate_serial:CERTIFICATE_NOT_IN_REGISTER',
      '4:category:CATEGORY_REQUIRED',
      '4:certificate_serial:CERTIFICATE_NOT_IN_REGISTER',
      '5:certificate_serial:CERTIFICATE_NOT_IN_REGISTER',
    ]);
    expect(file?.warnings.map((e) => `${e.row}:${e.column}:${e.code}`)).toEqual(['5:return_date:RETURN_DATE_MISSING']);
  });

  it('after certificates were issued: a sitting → its protocol and the act of violation, signed; the register gains the results', async () => {
    const p = makeProject(tmp());
    const exams = join(p.inbox, 'exam-results-nov.csv');
    writeFileSync(exams, examFile());
    const issued = await tanu(['run', exams, '--config', p.config, '--json']);
    expect(issued.code, issued.err).toBe(0);
    expect(JSON.parse(issued.out).outcomes[0]).toMatchObject({ outcome: 'published', valid: 4 });
    expect((await tanu(['revoke', 'DEMO01-2026-000004', '--reason', 'fraud', '--config', p.config])).code).toBe(0);

    const sitting = join(p.inbox, 'attestations-kk.csv');
    copyFileSync('test/fixtures/attestations-kk.csv', sitting);
    // `tanu validate` reads the same ledger and predicts the run: the same rows refused, with the same codes and texts.
    const predicted = await tanu(['validate', sitting, '--config', p.config, '--json']);
    expect(predicted.code).toBe(1);
    const run = await tanu(['run', sitting, '--config', p.config, '--json']);
    expect(run.code, run.err).toBe(1);
    const [outcome] = JSON.parse(run.out).outcomes;
    const [report] = FileReport.array().parse(JSON.parse(readFileSync(join(outcome.dir, 'report.json'), 'utf8')).files);
    if (!report) throw new Error('no report');
    expect(outcome).toMatchObject({ outcome: 'published', rows: 7, valid: 4, documents: 2 });
    expect(report.errors.map((e) => `${e.row}:${e.column}:${e.code}`)).toEqual([
      '5:certificate_serial:CERTIFICATE_REVOKED',
      '7:certificate_serial:CERTIFICATE_NOT_IN_REGISTER',
      '8:absence_reason:NO_SHOW_UNEXCUSED',
    ]);
    expect(report.errors[0]?.message.ru).toMatch(/^Документ № DEMO01-2026-000004 отозван \d\d\.\d\d\.2026: выявлено мошенничество$/);
    expect(Report.parse(JSON.parse(predicted.out)).files[0]?.errors).toEqual(report.errors);
    expect(report.warnings.map((e) => `${e.row}:${e.code}`)).toEqual(['4:ATTESTATION_RESCHEDULED']);
    expect(report.warnings[0]?.message.ru).toContain('не позднее 01.01.2027');

    const manifestPath = manifests(p.outbox).find((m) => readManifest(m).documents.some((d) => d.type === 'attestation-protocol'));
    if (!manifestPath) throw new Error(`no attestation batch in ${files(p.outbox).join(', ')}`);
    const caPem = join(p.dir, 'var', 'keys', 'dev-ca.pem');
    const documents = await expectBatchVerifies(manifestPath, caPem, nssTrusting(join(p.dir, 'nss'), caPem));
    expect(documents.map((d) => `${d.type}:${d.serial}:${d.file}`)).toEqual([
      // The act is numbered by the sitting and the removal's row: no IIN in a number or a file name.
      'violation-act:АК-1-3:violation-acts/АК-1-3.pdf',
      'attestation-protocol:АК-1:attestation-protocols/АК-1.pdf',
    ]);

    const protocol = pdfText(readFileSync(join(manifestPath, '..', 'attestation-protocols', 'АК-1.pdf')));
    expectAllIn(protocol, [
      'Аттестаттау комиссиясының хаттамасы',
      'Протокол аттестационной комиссии',
      'Отырыс № АК-1, 23.11.2026',
      'Алматы қ. ӘҚБ комиссиясы',
      'Әбдірахманова Ұлжан',
      '№ DEMO01-2026-000001',
      'аттестатталды / аттестован',
      'жоғары / высшая',
      'демалыс; 01.01.2027-ден кешіктірмей',
      'Атамекен ҰКП, 01.06.2025',
      'Барлығы: 4; аттестатталды: 1; аттестатталмады: 1; ауыстырылды: 1; шеттетілді: 1',
      'Всего: 4; аттестованы: 1; не аттестованы: 1; перенесено: 1; отстранены: 1',
      'Комиссия төрағасы',
    ]);
    // The refused rows are not in the protocol.
    expect(protocol).not.toContain('Өмірзақова');
    expect(protocol).not.toContain('000777');

    const act = pdfText(readFileSync(join(manifestPath, '..', 'violation-acts', 'АК-1-3.pdf')));
    expectAllIn(act, ['Аттестаттау кезіндегі бұзушылық туралы акт', 'Шаһизадаев Жәңгір', HOLDERS[1][0], 'қабылдайтын-беретін электрондық құрылғыны', 'Әңгімелесу кезінде телефонмен сөйлесті', 'аттестаттаудан шеттетілді', 'Актімен таныстым']);
    // The worker chose Kazakh: the act is in Kazakh only.
    expect(act).not.toContain('Акт о нарушении');

    const registry = join(p.dir, 'registry.csv');
    expect((await tanu(['registry', 'export', '--config', p.config, '--out', registry])).code).toBe(0);
    const lines = readFileSync(registry, 'utf8').trim().split('\r\n');
    expect(lines[0]).toContain(';РЕЗУЛЬТАТ АТТЕСТАЦИИ;КАТЕГОРИЯ;ДАТА АТТЕСТАЦИИ;');
    expect(lines.find((l) => l.includes('DEMO01-2026-000001'))).toContain(';аттестован;высшая категория;23.11.2026;');
    expect(lines.find((l) => l.includes('DEMO01-2026-000002'))).toContain(';отстранён за нарушение;;23.11.2026;');
    // Rescheduled: no decision yet.
    expect(lines.find((l) => l.includes('DEMO01-2026-000003'))).toContain(';;;;DEMO01;');
  }, 300_000);
});
