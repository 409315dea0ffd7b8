import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { relative, resolve } from 'node:path';
import { localNow } from '../core/clock.js';
import { displayDate } from '../core/dates.js';
import type { Code } from '../core/catalogue.js';
import { TanuError, asTanuError } from '../core/tanu-error.js';
import { type ConfigOverrides, loadConfig, requirePaths } from '../config/load.js';
import { inForceOn, loadLibrary } from '../standards/library.js';
import type { Language } from '../standards/schema.js';
import { type Report, exitCode } from '../validate/report.js';
import { ledgerChecks, validateFile } from '../validate/validate-file.js';
import { type CommandLineOptions, checkCommandLine } from './args.js';
import { type Ctx, type Io, libraryOrFail, terminalIo } from './context.js';
import { formatFileReport, formatTotals, say, table } from './output.js';

/**
 * The `tanu` command line (docs/contracts.md, Command line). Every command takes --config and --json; with
 * --json the machine-readable result goes to stdout and any human text to stderr.
 */

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The usage text in the operator's language (--language, else the config's operator_language). */
const USAGE: Record<Language, string> = {
  ru: `tanu — документы признания профессиональной квалификации

Использование:
  tanu validate ФАЙЛ... [--json]        проверить файлы, ничего не записывая; журнал (настроенный или --ledger) только читается, как его проверит run (код 0 все верны, 1 есть неверные строки, 2 файл не принят целиком)
  tanu run ФАЙЛ... [--outbox ПАПКА] [--ledger ФАЙЛ] [--json]
                                        весь путь: проверка, план, печать, подпись, публикация в outbox
  tanu watch                            следить за inbox и обрабатывать каждый положенный туда файл; SIGINT/SIGTERM останавливают пакет на следующей части и выходят (остальное — при следующем запуске)
  tanu worker                           выпускать пакеты из очереди заданий PostgreSQL (ledger.jobs: watch и run только планируют); на любой машине с общим outbox
  tanu status [--json]                  последние пакеты из журнала, со счётчиками и состоянием
  tanu resits [--json]                  неявки по состоянию здоровья, которым ещё должны пересдачу, с датами
  tanu registry export [--registry recognized|specialists] [--format csv|xlsx] [--language kk|ru] [--out ФАЙЛ]
                                        реестр признанных лиц (по умолчанию) или реестр специалистов, оказывающих специальные социальные услуги (для людей — XLSX)
  tanu standards list [--json]          библиотека стандартов: коды, версии, действует ли, карточки
  tanu standards check [--json]         проверить каждый standards/*.yaml (код 1 при любой ошибке)
  tanu standards diff КОД [--from В] [--to В] [--json]
                                        что изменила версия: карточка за карточкой, поле за полем (по умолчанию предыдущая и последняя)
  tanu regenerate --standard КОД [--cards КОД,...] [--centre ID] [--dry-run] [--reason ТЕКСТ] [--outbox ПАПКА] [--ledger ФАЙЛ] [--json]
                                        перевыпустить новой редакцией документы, чей напечатанный текст изменила действующая версия стандарта
  tanu preview --document certificate|protocol|contract [--document-language kk|ru|both] [--out ПАПКА]
                                        образец документа в PDF и PNG (с отметкой ҮЛГІ / ОБРАЗЕЦ)
  tanu verify ПУТЬ... [--json]          проверить подписанные PDF, файлы .p7s, папки пакетов и архивные пакеты (ФАЙЛ.zip) (код 0 все верны, 1 есть неверные)
  tanu export [--from ДАТА] [--to ДАТА] [--centre ID] [--profession КОД] [--status issued|superseded|revoked|all]
              [--outbox ПАПКА] [--ledger ФАЙЛ] --out ФАЙЛ.zip [--allow-missing] [--json]
                                        архивный пакет (BagIt в zip) выбранных подписанных документов (код 1 ничего не выбрано или документа нет)
  tanu serve [--host ХОСТ] [--port ПОРТ] [--ledger ФАЙЛ]
                                        служба проверки за QR-кодом (читает журнал, никогда не пишет)
  tanu revoke СЕРИЯ --reason issued_in_error|court_decision|fraud|duplicate|other [--note ТЕКСТ] [--json]
                                        отозвать текущую редакцию сертификата (код 1 неизвестный номер)
  tanu keys dev [--force]               создать тестовый (TEST) ключ подписи и УЦ, названные в настройках
  tanu keys token [--json]              что показывает PKCS#11-модуль из настроек: слоты, метки токенов, ключей и сертификатов, механизмы подписи

Параметры:
  --config ФАЙЛ        по умолчанию pipeline.config.yaml; пути в нём — относительно его папки
  --json               машиночитаемый вывод в stdout
  --language kk|ru     язык сообщений для оператора
  -h, --help           этот текст
  --version            версия Tanu
`,
  kk: `tanu — кәсіптік біліктілікті тану құжаттары

Қолданылуы:
  tanu validate ФАЙЛ... [--json]        файлдарды тексеру, ештеңе жазбай; журнал (бапталған не --ledger) тек оқылады, run тексергендей (код 0 бәрі дұрыс, 1 қате жолдар бар, 2 файл тұтас қабылданбады)
  tanu run ФАЙЛ... [--outbox БУМА] [--ledger ФАЙЛ] [--json]
                                        толық жол: тексеру, жоспар, басып шығару, қол қою, outbox-қа жариялау
  tanu watch                            inbox-ты бақылап, оған салынған әр файлды өңдеу; SIGINT/SIGTERM топтаманы келесі бөлікте тоқтатып шығады (қалғаны — келесі іске қосуда)
  tanu worker                           PostgreSQL тапсырмалар кезегіндегі топтамаларды шығару (ledger.jobs: watch пен run тек жоспарлайды); ортақ outbox бар кез келген машинада
  tanu status [--json]                  журналдағы соңғы пакеттер, сандары мен күйі
  tanu resits [--json]                  денсаулыққа байланысты келмегендер: қайта тапсыру әлі берілмеген, күндерімен
  tanu registry export [--registry recognized|specialists] [--format csv|xlsx] [--language kk|ru] [--out ФАЙЛ]
                                        танылған адамдардың тізілімі (әдепкі) не арнаулы әлеуметтік қызметтер көрсететін мамандардың тізілімі (адамдарға — XLSX)
  tanu standards list [--json]          стандарттар кітапханасы: кодтар, нұсқалар, қолданыста ма, карточкалар
  tanu standards check [--json]         әр standards/*.yaml файлын тексеру (кез келген қатеде код 1)
  tanu standards diff КОД [--from Н] [--to Н] [--json]
                                        нұсқа нені өзгертті: карточка бойынша, өріс бойынша (әдепкі: алдыңғы және соңғы)
  tanu regenerate --standard КОД [--cards КОД,...] [--centre ID] [--dry-run] [--reason МӘТІН] [--outbox БУМА] [--ledger ФАЙЛ] [--json]
                                        стандарттың қолданыстағы нұсқасы басылған мәтінін өзгерткен құжаттарды жаңа редакциямен қайта беру
  tanu preview --document certificate|protocol|contract [--document-language kk|ru|both] [--out БУМА]
                                        құжат үлгісі PDF және PNG түрінде (ҮЛГІ / ОБРАЗЕЦ белгісімен)
  tanu verify ЖОЛ... [--json]           қол қойылған PDF, .p7s файлдарын, пакет бумаларын және мұрағаттық пакеттерді (ФАЙЛ.zip) тексеру (код 0 бәрі жарамды, 1 жарамсызы бар)
  tanu export [--from КҮН] [--to КҮН] [--centre ID] [--profession КОД] [--status issued|superseded|revoked|all]
              [--outbox БУМА] [--ledger ФАЙЛ] --out ФАЙЛ.zip [--allow-missing] [--json]
                                        таңдалған қол қойылған құжаттардың мұрағаттық пакеті (zip ішіндегі BagIt) (код 1 ештеңе таңдалмады не құжат жоқ)
  tanu serve [--host ХОСТ] [--port ПОРТ] [--ledger ФАЙЛ]
                                        QR-код артындағы тексеру қызметі (журналды оқиды, ешқашан жазбайды)
  tanu revoke СЕРИЯ --reason issued_in_error|court_decision|fraud|duplicate|other [--note МӘТІН] [--json]
                                        сертификаттың ағымдағы редакциясын кері қайтару (код 1 белгісіз нөмір)
  tanu keys dev [--force]               баптауларда аталған тест (TEST) қол қою кілті мен КО-ны жасау
  tanu keys token [--json]              баптаулардағы PKCS#11 модулі не көрсетеді: слоттар, токен, кілт және сертификат белгілері, қолтаңба механизмдері

Параметрлер:
  --config ФАЙЛ        әдепкі pipeline.config.yaml; ондағы жолдар оның бумасына қатысты
  --json               stdout-қа машина оқитын шығыс
  --language kk|ru     оператор хабарламаларының тілі
  -h, --help           осы мәтін
  --version            Tanu нұсқасы
`,
};

const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  language: { type: 'string' },
  document: { type: 'string' },
  'document-language': { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean', default: false },
  outbox: { type: 'string' },
  ledger: { type: 'string' },
  format: { type: 'string' },
  registry: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  reason: { type: 'string' },
  note: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  centre: { type: 'string' },
  profession: { type: 'string' },
  status: { type: 'string' },
  'allow-missing': { type: 'boolean', default: false },
  standard: { type: 'string' },
  cards: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} satisfies CommandLineOptions;

/** Where a usage mistake points, instead of the whole usage text. */
const HELP_POINTER: Record<Language, string> = { kk: 'Анықтама: tanu --help', ru: 'Справка: tanu --help' };

/** The codes of a command line that is wrong: told in one line with the pointer to --help. */
const USAGE_MISTAKES: ReadonlySet<Code> = new Set<Code>(['USAGE', 'UNKNOWN_OPTION', 'OPTION_VALUE_MISSING', 'OPTION_VALUE_UNEXPECTED', 'OPTION_VALUE_INVALID']);

/** Until the config is read: --language, else the config's operator_language, else Russian (the shipped one). */
const operatorLanguage = async (language: string | undefined, config: string | undefined, env: NodeJS.ProcessEnv): Promise<Language> =>
  language !== undefined ? (language === 'kk' ? 'kk' : 'ru') : loadConfig(config ?? 'pipeline.config.yaml', { env }).then((c) => c.operator_language, () => 'ru' as const);

export async function main(argv: readonly string[], io: Io = terminalIo(process.env)): Promise<number> {
  const check = checkCommandLine(argv, OPTIONS);
  if (check.mistake) {
    const lang = await operatorLanguage(check.language, check.config, io.env);
    io.err(`[${check.mistake.code}] ${check.mistake.text[lang]}\n${HELP_POINTER[lang]}`);
    return 2;
  }
  // Strict, on a line already checked: it cannot throw here.
  const parsed = parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    io.out(`tanu ${VERSION}`);
    return 0;
  }
  // Until the config is read, the operator's language is --language, else Russian (the shipped operator_language).
  let lang: Language = values.language === 'kk' ? 'kk' : 'ru';
  if (values.help || !command) {
    lang = await operatorLanguage(values.language, values.config, io.env);
    (values.help ? io.out : io.err)(USAGE[lang]);
    return values.help ? 0 : 2;
  }
  const flags: ConfigOverrides = {};
  // In `registry`, --language is the register's language; everywhere else it is the operator's (preview has --document-language).
  if (values.language !== undefined && command !== 'registry') flags.operator_language = values.language;
  if (values.outbox !== undefined || values.ledger !== undefined)
    flags.paths = { ...(values.outbox !== undefined ? { outbox: resolve(values.outbox) } : {}), ...(values.ledger !== undefined ? { ledger: resolve(values.ledger) } : {}) };
  try {
    const config = await loadConfig(values.config ?? 'pipeline.config.yaml', { env: io.env, flags });
    lang = config.operator_language;
    const ctx = { config, json: values.json, io, lang };
    // Each command's module is loaded when it runs: the rest (a browser driver, a web
    // server, PostgreSQL's client, spreadsheet and archive libraries) took 2.3 s to load
    // before any command, under the TypeScript loader.
    switch (command) {
      case 'validate':
        return await validateCommand(rest, ctx);
      case 'standards':
        return await standardsCommand(rest, { from: values.from, to: values.to }, ctx);
      case 'status':
        return await (await import('./ledger-commands.js')).statusCommand(ctx);
      case 'resits':
        return await (await import('./ledger-commands.js')).resitsCommand(ctx);
      case 'registry':
        return await (await import('./ledger-commands.js')).registryCommand(rest, { format: values.format, out: values.out, language: values.language, registry: values.registry }, ctx);
      case 'run':
        return await (await import('./run.js')).runCommand(rest, ctx);
      case 'watch':
        return await (await import('./run.js')).watchCommand(ctx);
      case 'worker':
        return await (await import('./run.js')).workerCommand(ctx);
      case 'verify':
        return await (await import('./signatures.js')).verifyCommand(rest, ctx);
      case 'export':
        return await (await import('./export.js')).exportCommand(
          {
            ...(values.from !== undefined ? { from: values.from } : {}),
            ...(values.to !== undefined ? { to: values.to } : {}),
            ...(values.centre !== undefined ? { centre: values.centre } : {}),
            ...(values.profession !== undefined ? { profession: values.profession } : {}),
            ...(values.status !== undefined ? { status: values.status } : {}),
            ...(values.out !== undefined ? { out: values.out } : {}),
            allowMissing: values['allow-missing'],
          },
          ctx,
        );
      case 'regenerate':
        return await (await import('./regenerate.js')).regenerateCommand(
          {
            ...(values.standard !== undefined ? { standard: values.standard } : {}),
            ...(values.cards !== undefined ? { cards: values.cards } : {}),
            ...(values.centre !== undefined ? { centre: values.centre } : {}),
            ...(values.reason !== undefined ? { reason: values.reason } : {}),
            dryRun: values['dry-run'],
          },
          ctx,
        );
      case 'keys':
        return await (await import('./signatures.js')).keysCommand(rest, values.force, ctx);
      case 'serve':
        return await (await import('./serve.js')).serveCommand({ host: values.host, port: values.port }, ctx);
      case 'revoke':
        return await (await import('./serve.js')).revokeCommand(rest, { reason: values.reason, note: values.note }, ctx);
      case 'preview':
        return await (await import('./preview.js')).previewCommand({ document: values.document, language: values['document-language'], out: values.out ?? 'preview' }, ctx);
      default:
        throw new TanuError('USAGE', { detail: { kk: `белгісіз команда ${command}`, ru: `неизвестная команда ${command}` } });
    }
  } catch (thrown) {
    const e = asTanuError(thrown);
    if (!e) throw thrown;
    io.err(`[${e.code}] ${e.text[lang]}`);
    if (USAGE_MISTAKES.has(e.code)) io.err(HELP_POINTER[lang]);
    return 2;
  }
}

async function validateCommand(files: string[], ctx: Ctx): Promise<number> {
  if (files.length === 0) throw new TanuError('USAGE', { detail: { kk: 'файл көрсетілмеген', ru: 'не указан файл' } });
  const library = await libraryOrFail(ctx);
  const report: Report = { files: [] };
  // The ledger read-only, so the rows `tanu run` would refuse as issued before or as naming a certificate gone are refused here too.
  const ledger = await (await import('../serve/open-reader.js')).openLookups(ctx.config, ctx.io.env);
  try {
    for (const file of files) {
      const fileReport = await validateFile(file, { config: ctx.config, library, clock: ctx.io.clock }, undefined, ledgerChecks(ledger));
      report.files.push(fileReport);
      if (!ctx.json) ctx.io.out(`${formatFileReport(fileReport, ctx.lang)}\n`);
    }
  } finally {
    await ledger.close();
  }
  if (ctx.json) ctx.io.out(JSON.stringify(report, null, 2));
  else ctx.io.out(formatTotals(report.files, ctx.lang));
  return exitCode(report);
}

async function standardsCommand(args: string[], options: { from: string | undefined; to: string | undefined }, ctx: Ctx): Promise<number> {
  const [sub, code] = args;
  await requirePaths(ctx.config, ['standards']);
  const loaded = await loadLibrary(ctx.config.paths.standards);
  const rel = (f: string) => relative(process.cwd(), f) || f;
  if (sub === 'check') {
    if (ctx.json) ctx.io.out(JSON.stringify({ files: loaded.files.map(rel), problems: loaded.problems.map((p) => ({ ...p, file: rel(p.file) })) }, null, 2));
    else {
      for (const p of loaded.problems) ctx.io.out(`${rel(p.file)}:${p.line}: ${p.path}: ${p.message[ctx.lang]}`);
      ctx.io.out(
        loaded.problems.length === 0
          ? say(ctx.lang, { kk: `${loaded.files.length} файл тексерілді, қате жоқ`, ru: `проверено файлов: ${loaded.files.length}, ошибок нет` })
          : say(ctx.lang, { kk: `${loaded.problems.length} қате`, ru: `ошибок: ${loaded.problems.length}` }),
      );
    }
    return loaded.problems.length === 0 ? 0 : 1;
  }
  if (sub === 'diff') return (await import('./standards-diff.js')).standardsDiffCommand(await libraryOrFail(ctx), code, { ...(options.from !== undefined ? { from: options.from } : {}), ...(options.to !== undefined ? { to: options.to } : {}) }, ctx);
  if (sub === 'list') {
    const today = localNow(ctx.io.clock, ctx.config.timezone).date;
    const rows = loaded.library.standards.map((s) => ({
      code: s.code,
      title: s.title[ctx.lang],
      versions: s.versions.map((v) => ({ version: v.version, order: v.order.number, effective_from: v.effective_from })),
      in_force: inForceOn(s, today),
      in_force_from: s.in_force_from,
      repealed_from: s.repealed_from,
      cards: s.cards.length,
    }));
    if (ctx.json) ctx.io.out(JSON.stringify({ date: today, standards: rows }, null, 2));
    else {
      const yes = say(ctx.lang, { kk: 'иә', ru: 'да' });
      const no = say(ctx.lang, { kk: 'жоқ', ru: 'нет' });
      const header = ctx.lang === 'kk' ? ['код', 'атауы', 'нұсқалар', `қолданыста (${displayDate(today)})`, 'карточкалар'] : ['код', 'название', 'версии', `действует (${displayDate(today)})`, 'карточек'];
      const short = (t: string) => (t.length > 60 ? `${t.slice(0, 59)}…` : t);
      ctx.io.out(
        table([
          header,
          ...rows.map((r) => [
            r.code,
            short(r.title),
            r.versions.map((v) => `v${v.version} ${displayDate(v.effective_from)}`).join(', '),
            r.in_force ? yes : `${no}${r.repealed_from ? ` (${displayDate(r.repealed_from)})` : ''}`,
            String(r.cards),
          ]),
        ]),
      );
    }
    return loaded.problems.length === 0 ? 0 : 1;
  }
  throw new TanuError('USAGE', { detail: { kk: 'standards list, standards check немесе standards diff', ru: 'standards list, standards check или standards diff' } });
}
