import { TanuError } from '../core/tanu-error.js';
import { diffStandard, valueChanges } from '../standards/diff.js';
import type { Library } from '../standards/library.js';
import { type Ctx } from './context.js';
import { say } from './output.js';
import { standardOrFail } from './regenerate.js';

/**
 * `tanu standards diff CODE [--from V] [--to V]`: what changed between two versions, card
 * by card and field by field, in both languages; by default the previous version and the
 * latest.
 */
export function standardsDiffCommand(library: Library, code: string | undefined, options: { from?: string; to?: string }, ctx: Ctx): number {
  const standard = standardOrFail(library, code);
  const latest = standard.versions.length;
  const to = options.to === undefined ? latest : Number(options.to);
  const from = options.from === undefined ? to - 1 : Number(options.from);
  const known = (v: number) => Number.isInteger(v) && v >= 1 && v <= latest;
  if (!known(from) || !known(to) || from > to)
    throw new TanuError('USAGE', { detail: { kk: `--from және --to: 1…${latest} нұсқалары, --from ≤ --to`, ru: `--from и --to: версии 1…${latest}, --from ≤ --to` } });
  const changes = diffStandard(standard, from, to);
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ standard: standard.code, from, to, changes }, null, 2));
    return 0;
  }
  const lines = [
    say(ctx.lang, { kk: `${standard.code}: ${from}-нұсқадан ${to}-нұсқаға дейін, өзгерістер: ${changes.length}`, ru: `${standard.code}: с версии ${from} по версию ${to}, изменений: ${changes.length}` }),
  ];
  let card: string | null | undefined;
  for (const c of changes) {
    if (c.card !== card) lines.push(c.card === null ? say(ctx.lang, { kk: 'Стандарт', ru: 'Стандарт' }) : say(ctx.lang, { kk: `Карточка ${c.card}`, ru: `Карточка ${c.card}` }));
    card = c.card;
    lines.push(`  ${c.label.kk} / ${c.label.ru}:`);
    if (c.added.length === 0 && c.removed.length === 0)
      for (const v of valueChanges(c.from, c.to)) {
        const language = v.language === null ? '' : `${v.language}: `;
        lines.push(`    − ${language}${v.from}`, `    + ${language}${v.to}`);
      }
    for (const r of c.removed) lines.push(`    − ${r}`);
    for (const a of c.added) lines.push(`    + ${a}`);
  }
  ctx.io.out(lines.join('\n'));
  return 0;
}
