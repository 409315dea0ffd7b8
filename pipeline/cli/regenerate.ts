import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Bilingual } from '../core/catalogue.js';
import { localNow } from '../core/clock.js';
import { TanuError } from '../core/tanu-error.js';
import type { Ledger } from '../ledger/ledger.js';
import { SqliteLedger } from '../ledger/sqlite.js';
import { newVerifyCode } from '../plan/plan.js';
import { applyRegeneration, issuedBy, resumeRegenerations } from '../regenerate/apply.js';
import { type RegenerationPlan, type UnaffectedReason, planJson, planRegeneration } from '../regenerate/plan.js';
import { KINDS } from '../kinds/registry.js';
import { fieldLabel } from '../standards/diff.js';
import { type Library, versionOn } from '../standards/library.js';
import type { Standard } from '../standards/schema.js';
import { type Ctx, libraryOrFail } from './context.js';
import { engineFor, progressReporter } from './run.js';
import { say } from './output.js';

/**
 * `tanu regenerate --standard CODE`: the documents of a standard whose printed wording the
 * version in force today changes, planned from the ledger and (without --dry-run) re-issued
 * as new revisions (docs/contracts.md, `tanu regenerate`). A rerun finishes what a crash
 * interrupted and re-issues nothing twice.
 */

export type RegenerateOptions = { standard?: string; cards?: string; centre?: string; dryRun: boolean; reason?: string };

const REASONS: Record<UnaffectedReason, Bilingual> = {
  'wording-unchanged': { kk: 'басылған мәтіні өзгермеген', ru: 'напечатанный текст не изменился' },
  'not-in-its-languages': { kk: 'өзгеріс оның тілінде басылмайды', ru: 'изменение не печатается на его языке' },
  'issued-under-this-version': { kk: 'осы нұсқамен берілген', ru: 'выдан по этой версии' },
  'other-cards': { kk: 'басқа карточкалар (--cards)', ru: 'другие карточки (--cards)' },
  'other-centre': { kk: 'басқа орталық (--centre)', ru: 'другой центр (--centre)' },
};

const usage = (kk: string, ru: string) => new TanuError('USAGE', { detail: { kk, ru } });

export function standardOrFail(library: Library, code: string | undefined): Standard {
  if (code === undefined) throw usage('--standard КОД көрсетілмеген', 'не указан --standard КОД');
  const standard = library.byCode(code);
  if (!standard) throw usage(`${code} стандарты standards/ бумасында жоқ`, `стандарта ${code} нет в standards/`);
  return standard;
}

export async function regenerateCommand(options: RegenerateOptions, ctx: Ctx): Promise<number> {
  if (!options.dryRun && !options.reason?.trim()) throw usage('--reason МӘТІН міндетті (--dry-run болмаса)', 'без --dry-run обязателен --reason ТЕКСТ');
  const library = await libraryOrFail(ctx);
  const standard = standardOrFail(library, options.standard);
  const today = localNow(ctx.io.clock, ctx.config.timezone).date;
  const version = versionOn(standard, today);
  if (!version) throw usage(`${standard.code} стандарты ${today} күні әлі күшіне енбеген`, `стандарт ${standard.code} на ${today} ещё не вступил в силу`);
  const scope = {
    cards: options.cards ? options.cards.split(',').map((c) => c.trim()).filter(Boolean) : null,
    centre: options.centre ?? null,
  };
  const rctx = { standard, library, version: version.version, scope, verifyCode: newVerifyCode };
  const planFrom = (ledger: Ledger | null) => planRegeneration(ledger ? ledger.currentDocuments(standard.code) : (async function* () {})(), rctx);

  if (options.dryRun) {
    // A dry run makes no ledger where there is none: nothing was issued, nothing is affected.
    const ledger = existsSync(ctx.config.paths.ledger) ? SqliteLedger.open(ctx.config.paths.ledger) : null;
    try {
      const plan = await planFrom(ledger);
      ctx.io.out(ctx.json ? JSON.stringify(planJson(plan), null, 2) : describePlan(plan, ctx));
    } finally {
      await ledger?.close();
    }
    return 0;
  }

  // A regeneration is issued by the process that plans it, queue or not (README, "Not yet built").
  const engine = await engineFor(ctx, progressReporter(ctx).onEvent, { issues: true });
  try {
    // First whatever an interrupted run left planned: those documents are not planned again.
    const resumed = await resumeRegenerations(engine.ctx);
    const by = (() => {
      try {
        return userInfo().username;
      } catch {
        return 'unknown';
      }
    })();
    const { plan, batches } = await applyRegeneration(engine.ctx.ledger.currentDocuments(standard.code), rctx, engine.ctx, { reason: options.reason ?? '', by });
    const issued = await issuedBy([...resumed, ...batches], engine.ctx);
    if (ctx.json) ctx.io.out(JSON.stringify({ ...planJson(plan), issued }, null, 2));
    else {
      ctx.io.out(describePlan(plan, ctx));
      ctx.io.out(say(ctx.lang, { kk: `Жаңа редакциялар берілді: ${issued.length}`, ru: `Выдано новых редакций: ${issued.length}` }));
      for (const d of issued) ctx.io.out(`  ${d.file}`);
    }
    // A document that could not be made is in its batch's report; the next run plans it again.
    return issued.length < plan.affected.length ? 1 : 0;
  } finally {
    await engine.close();
  }
}

/** The plan as a methodologist reads it: each document, each card's field with its old and new wording, and why the rest stay. */
function describePlan(plan: RegenerationPlan, ctx: Ctx): string {
  const unaffected = planJson(plan).unaffected;
  const lines = [
    say(ctx.lang, {
      kk: `${plan.standard}, ${plan.to_version}-нұсқа: қайта беріледі ${plan.affected.length}, өзгеріссіз ${unaffected}`,
      ru: `${plan.standard}, версия ${plan.to_version}: перевыпуск ${plan.affected.length}, без изменений ${unaffected}`,
    }),
  ];
  for (const a of plan.affected) {
    const title = KINDS[a.type].title;
    lines.push(
      say(ctx.lang, {
        kk: `  ${title.kk} ${a.serial}: ${a.revision}-редакция → ${a.revision + 1}-редакция`,
        ru: `  ${title.ru} ${a.serial}: редакция ${a.revision} → ${a.revision + 1}`,
      }),
    );
    for (const c of a.changes) {
      const label = fieldLabel(c.field);
      const language = c.language === null ? '' : ` (${c.language})`;
      lines.push(say(ctx.lang, { kk: `    карточка ${c.card}, ${label.kk}${language}:`, ru: `    карточка ${c.card}, ${label.ru}${language}:` }), `      − ${c.from}`, `      + ${c.to}`);
    }
  }
  if (unaffected > 0) lines.push(say(ctx.lang, { kk: '  Өзгеріссіз қалатыны, себебі:', ru: '  Без изменений остаются, потому что:' }));
  lines.push(...Object.entries(plan.unaffected).map(([reason, n]) => `    ${say(ctx.lang, REASONS[reason as UnaffectedReason])}: ${n}`));
  return lines.join('\n');
}
