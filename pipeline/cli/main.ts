import { parseArgs } from 'node:util';
import { relative, resolve } from 'node:path';
import { type Clock, localNow, systemClock } from '../core/clock.js';
import { displayDate } from '../core/dates.js';
import { TanuError, asTanuError } from '../core/tanu-error.js';
import { type ConfigOverrides, type LoadedConfig, loadConfig } from '../config/load.js';
import { inForceOn, loadLibrary } from '../standards/library.js';
import type { Language } from '../standards/schema.js';
import { type Report, exitCode } from '../validate/report.js';
import { validateFile } from '../validate/validate-file.js';
import { formatFileReport, formatTotals, say, table } from './output.js';
import { previewCommand } from './preview.js';
import { keysCommand, verifyCommand } from './signatures.js';
import { runCommand, watchCommand } from './run.js';
import { registryCommand, statusCommand } from './ledger-commands.js';

/**
 * The `tanu` command line (docs/contracts.md, Command line). Every command takes --config and --json; with
 * --json the machine-readable result goes to stdout and any human text to stderr.
 */

const USAGE = `tanu — professional-qualification recognition documents

Usage:
  tanu validate FILE... [--json]        check files, write nothing (exit 0 valid, 1 invalid rows, 2 unreadable)
  tanu run FILE... [--outbox DIR] [--ledger FILE] [--json]
                                        the whole flow: validate, plan, render, sign, publish to the outbox
  tanu watch                            watch the inbox and process every file dropped there; SIGINT/SIGTERM drain and exit 0
  tanu status [--json]                  recent batches from the ledger, with counts and state
  tanu registry export [--format csv|xlsx] [--language kk|ru] [--out FILE]
                                        the register of recognized persons
  tanu standards list [--json]          the standards library: codes, versions, in force, cards
  tanu standards check [--json]         check every standards/*.yaml (exit 1 on any problem)
  tanu preview --document certificate|protocol|contract --language kk|ru|both [--out DIR]
                                        render a sample document to PDF and PNG (marked ҮЛГІ / ОБРАЗЕЦ)
  tanu verify PATH... [--json]          check signed PDFs, .p7s files and folders of them (exit 0 all valid, 1 any invalid)
  tanu keys dev [--force]               create the development (TEST) signing key and CA the config names

Options:
  --config FILE        pipeline.config.yaml by default
  --json               machine-readable output on stdout
  --language kk|ru     language of the messages printed for the operator
  -h, --help           this text
`;

export type Io = { out: (text: string) => void; err: (text: string) => void; clock: Clock; env: NodeJS.ProcessEnv };

/** The terminal, the system clock and the given environment (bin/tanu.js hands over its own copy). */
export const terminalIo = (env: NodeJS.ProcessEnv): Io => ({
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  clock: systemClock,
  env,
});

export async function main(argv: readonly string[], io: Io = terminalIo(process.env)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        language: { type: 'string' },
        document: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean', default: false },
        outbox: { type: 'string' },
        ledger: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    (values.help ? io.out : io.err)(USAGE);
    return values.help ? 0 : 2;
  }
  const flags: ConfigOverrides = {};
  // In `preview` and `registry`, --language is the document's language; elsewhere it is the operator's.
  if (values.language !== undefined && command !== 'preview' && command !== 'registry') flags.operator_language = values.language;
  if (values.outbox !== undefined || values.ledger !== undefined)
    flags.paths = { ...(values.outbox !== undefined ? { outbox: resolve(values.outbox) } : {}), ...(values.ledger !== undefined ? { ledger: resolve(values.ledger) } : {}) };
  try {
    const config = await loadConfig(values.config ?? 'pipeline.config.yaml', { env: io.env, flags });
    const ctx = { config, json: values.json, io, lang: config.operator_language };
    switch (command) {
      case 'validate':
        return await validateCommand(rest, ctx);
      case 'standards':
        return await standardsCommand(rest, ctx);
      case 'status':
        return await statusCommand(ctx);
      case 'registry':
        return await registryCommand(rest, { format: values.format, out: values.out, language: values.language }, ctx);
      case 'run':
        return await runCommand(rest, ctx);
      case 'watch':
        return await watchCommand(ctx);
      case 'verify':
        return await verifyCommand(rest, ctx);
      case 'keys':
        return await keysCommand(rest, values.force, ctx);
      case 'preview':
        return await previewCommand({ document: values.document, language: values.language, out: values.out ?? 'preview' }, ctx);
      default:
        throw new TanuError('USAGE', { detail: { kk: `белгісіз команда ${command}`, ru: `неизвестная команда ${command}` } });
    }
  } catch (thrown) {
    const e = asTanuError(thrown);
    if (!e) throw thrown;
    const lang = (values.language === 'kk' ? 'kk' : 'ru') satisfies Language;
    io.err(`[${e.code}] ${e.text[lang]}`);
    if (e.code === 'USAGE') io.err(USAGE);
    return 2;
  }
}

export type Ctx = { config: LoadedConfig; json: boolean; io: Io; lang: Language };

export async function libraryOrFail(ctx: Ctx) {
  const loaded = await loadLibrary(ctx.config.paths.standards);
  if (loaded.problems.length > 0) {
    const first = loaded.problems[0];
    throw new TanuError('STANDARD_INVALID', {
      detail: {
        kk: `${first?.file}:${first?.line} ${first?.path}: ${first?.message} (tanu standards check)`,
        ru: `${first?.file}:${first?.line} ${first?.path}: ${first?.message} (tanu standards check)`,
      },
    });
  }
  return loaded.library;
}

async function validateCommand(files: string[], ctx: Ctx): Promise<number> {
  if (files.length === 0) throw new TanuError('USAGE', { detail: { kk: 'файл көрсетілмеген', ru: 'не указан файл' } });
  const library = await libraryOrFail(ctx);
  const report: Report = { files: [] };
  for (const file of files) {
    const fileReport = await validateFile(file, { config: ctx.config, library, clock: ctx.io.clock });
    report.files.push(fileReport);
    if (!ctx.json) ctx.io.out(`${formatFileReport(fileReport, ctx.lang)}\n`);
  }
  if (ctx.json) ctx.io.out(JSON.stringify(report, null, 2));
  else ctx.io.out(formatTotals(report.files, ctx.lang));
  return exitCode(report);
}

async function standardsCommand(args: string[], ctx: Ctx): Promise<number> {
  const [sub] = args;
  const loaded = await loadLibrary(ctx.config.paths.standards);
  const rel = (f: string) => relative(process.cwd(), f) || f;
  if (sub === 'check') {
    if (ctx.json) ctx.io.out(JSON.stringify({ files: loaded.files.map(rel), problems: loaded.problems.map((p) => ({ ...p, file: rel(p.file) })) }, null, 2));
    else {
      for (const p of loaded.problems) ctx.io.out(`${rel(p.file)}:${p.line}: ${p.path}: ${p.message}`);
      ctx.io.out(
        loaded.problems.length === 0
          ? say(ctx.lang, { kk: `${loaded.files.length} файл тексерілді, қате жоқ`, ru: `проверено файлов: ${loaded.files.length}, ошибок нет` })
          : say(ctx.lang, { kk: `${loaded.problems.length} қате`, ru: `ошибок: ${loaded.problems.length}` }),
      );
    }
    return loaded.problems.length === 0 ? 0 : 1;
  }
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
  throw new TanuError('USAGE', { detail: { kk: 'standards list немесе standards check', ru: 'standards list или standards check' } });
}
