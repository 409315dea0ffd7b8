import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tanu } from '../support/cli.js';
import { makeIin } from '../support/iin.js';
import { expectBatchVerifies, manifests, readManifest } from '../support/outbox.js';
import { nssTrusting } from '../support/pki.js';
import { expectAllIn, pdfText } from '../support/poppler.js';
import { makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * The act of services rendered end to end (docs/domain.md): contracts are issued from
 * test/fixtures/applications.yaml; an exam file where one contracted candidate sat the exam,
 * one did not come and one has no contract earns exactly one act, PDF and DOCX, signed and
 * checked by pdftotext, pdfsig and openssl; a later exam of the same person earns no second.
 */
const tmp = useTmpDir();

const CONTRACTED = makeIin('1985-03-15', 'female', 1); // Ө-2026-0001, 3412-0-008 level 4, voucher V-778
const NO_SHOW = makeIin('1968-02-29', 'male', 7); // Ө-2026-0002, 3412-0-008 level 4 (the fixture's level 2 raised)
const UNCONTRACTED = makeIin('2001-01-09', 'female', 55);

const header = 'ЖСН,Тегі,Аты,Кәсіп коды,СБШ деңгейі,Тіл,Бірінші емтиханның күні мен уақыты,Бірінші емтихан балы,Мәртебе,Келмеу себебі,Хаттаманың №,Хаттаманың күні,Облыс / Республикалық маңызы бар қала,Қала немесе аудан,Мекен-жайы';

describe('the act of services rendered', () => {
  it('one per contract whose candidate sat the exam, PDF and DOCX, signed; never a second', async () => {
    const p = makeProject(tmp());
    // The fixture's first application, and the second with a level its card has; each with the day its contract was concluded.
    const applications = join(p.inbox, 'applications.yaml');
    const concluded = (on: string, day: string) => (text: string) => text.replace(`    application_date: "${on}"\n`, `    application_date: "${on}"\n    contract_date: "${day}"\n`);
    const fixture = readFileSync('test/fixtures/applications.yaml', 'utf8').replace('    level: 2\n', '    level: 4\n');
    writeFileSync(applications, concluded('2026-11-03', '2026-11-12')(concluded('2026-11-02', '2026-11-05')(fixture)));
    const contracts = await tanu(['run', applications, '--config', p.config, '--json']);
    expect(contracts.code, contracts.err).toBe(0);
    expect(JSON.parse(contracts.out).outcomes[0]).toMatchObject({ outcome: 'published', valid: 2 });
    // Dated as the application says, not by the batch's day (23.11.2026), which follows the exam.
    const contractsBatch = manifests(p.outbox)[0];
    if (!contractsBatch) throw new Error('no contracts batch');
    expect(pdfText(readFileSync(join(contractsBatch, '..', 'contracts', 'Ө-2026-0001.pdf')))).toContain('құрылған күні: 05.11.2026');

    const exams = join(p.inbox, 'exam-results-1.csv');
    writeFileSync(
      exams,
      `${header}\n${CONTRACTED},Әбдірахманова,Гүлжан,3412-0-008,4,kk,10.11.2026 10:00,85,Танылды,,П-1,12.11.2026,Алматы,Алматы,Абай 1\n` +
        `${NO_SHOW},Сергеев,Олег,3412-0-008,4,ru,,,Неявка,по состоянию здоровья,П-1,12.11.2026,Алматы,Алматы,Абай 1\n` +
        `${UNCONTRACTED},Серікова,Айгерім,3412-0-008,4,kk,10.11.2026 10:00,40,Танудан бас тарту,,П-1,12.11.2026,Алматы,Алматы,Абай 1\n`,
    );
    const run = await tanu(['run', exams, '--config', p.config, '--json']);
    expect(run.code, run.err).toBe(0);
    const manifestPath = manifests(p.outbox).find((m) => readManifest(m).documents.some((d) => d.type === 'certificate'));
    if (!manifestPath) throw new Error('no exam batch');
    const caPem = join(p.dir, 'var', 'keys', 'dev-ca.pem');
    const documents = await expectBatchVerifies(manifestPath, caPem, nssTrusting(join(p.dir, 'nss'), caPem));
    const acts = documents.filter((d) => d.type === 'services-act');
    expect(acts.map((d) => d.file)).toEqual(['services-acts/Ө-2026-0001.pdf', 'services-acts/Ө-2026-0001.docx']);
    expect(acts[0]).toMatchObject({ serial: 'Ө-2026-0001', iin: CONTRACTED, profession_code: '3412-0-008', level: 4, language: 'kk' });

    const act = pdfText(readFileSync(join(manifestPath, '..', 'services-acts', 'Ө-2026-0001.pdf')));
    expectAllIn(act, ['Көрсетілген қызметтер актісі', '05.11.2026 № Ө-2026-0001 қызметтер көрсету шартына', 'Әбдірахманова Гүлжан Серікқызы, ЖСН', CONTRACTED, '«Әлеуметтік жұмыскер» (3412-0-008), 4-деңгей', '12.11.2026 № П-1 хаттамасы', '№ V-778 ваучер', 'Тапсырыс беруші']);

    // A second exam of the same person (a later file): the contract has its act already. A protocol
    // dated before the contract it follows (Ө-2026-0002, concluded 12.11.2026) is refused.
    const later = join(p.inbox, 'exam-results-2.csv');
    writeFileSync(
      later,
      `${header}\n${CONTRACTED},Әбдірахманова,Гүлжан,3412-0-008,4,kk,10.11.2026 10:00,40,Танудан бас тарту,,П-2,13.11.2026,Алматы,Алматы,Абай 1\n` +
        `${NO_SHOW},Сергеев,Олег,3412-0-008,4,ru,,,Неявка,по собственному желанию,П-3,11.11.2026,Алматы,Алматы,Абай 1\n`,
    );
    const again = await tanu(['run', later, '--config', p.config, '--json']);
    expect(again.code, again.err).toBe(1);
    const refused = JSON.parse(again.out).outcomes[0];
    expect(refused).toMatchObject({ rows: 2, valid: 1, errors: 1 });
    const laterManifest = manifests(p.outbox).find((m) => readManifest(m).documents.some((d) => d.serial === 'П-2'));
    if (!laterManifest) throw new Error('no second exam batch');
    expect(readManifest(laterManifest).documents.map((d) => d.type)).toEqual(['protocol']);
    const [error] = JSON.parse(readFileSync(join(laterManifest, '..', 'report.json'), 'utf8')).files[0].errors;
    expect(error).toMatchObject({ row: 3, column: 'protocol_date', code: 'DATE_ORDER' });
    expect(error.message.ru).toBe('Нарушен порядок дат: протокол раньше договора № Ө-2026-0002 от 12.11.2026');
  }, 300_000);
});
