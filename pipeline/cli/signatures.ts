import { access } from 'node:fs/promises';
import { relative } from 'node:path';
import { TanuError } from '../core/tanu-error.js';
import { createDevKey, devCaPath } from '../sign/keys.js';
import { loadTrust, verifyPaths } from '../sign/verify.js';
import type { Ctx } from './main.js';
import { say, table } from './output.js';

/** `tanu verify PATH...`: every signature under the paths, each check reported. */
export async function verifyCommand(paths: string[], ctx: Ctx): Promise<number> {
  if (paths.length === 0) throw new TanuError('USAGE', { detail: { kk: 'тексерілетін жол көрсетілмеген', ru: 'не указан путь для проверки' } });
  for (const p of paths)
    await access(p).catch(() => {
      throw new TanuError('USAGE', { detail: { kk: `${p} жоқ`, ru: `${p} не существует` } });
    });
  const trust = await loadTrust(await existing(ctx.config.signing.trust));
  const results = await verifyPaths(paths, trust);
  const valid = results.length > 0 && results.every((r) => r.valid);
  if (ctx.json) ctx.io.out(JSON.stringify({ valid, files: results }, null, 2));
  else {
    const yes = say(ctx.lang, { kk: 'жарамды', ru: 'верна' });
    const no = say(ctx.lang, { kk: 'ЖАРАМСЫЗ', ru: 'НЕВЕРНА' });
    ctx.io.out(
      table([
        ctx.lang === 'kk' ? ['файл', 'қолтаңба', 'қол қойған', 'уақыты', 'себебі'] : ['файл', 'подпись', 'подписант', 'время', 'причина'],
        ...results.map((r) => [
          relative(process.cwd(), r.file) || r.file,
          r.valid ? yes : no,
          /CN=([^,]+)/.exec(r.signer ?? '')?.[1] ?? r.signer ?? '—',
          r.signed_at ?? '—',
          r.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail[ctx.lang]}`).join('; '),
        ]),
      ], ctx.io.columns, [0, 2, 4]),
    );
    if (results.length === 0) ctx.io.out(say(ctx.lang, { kk: 'Қол қойылған файл табылмады', ru: 'Подписанных файлов не найдено' }));
  }
  return valid ? 0 : 1;
}

async function existing(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths) if (await access(p).then(() => true, () => false)) found.push(p);
  return found;
}

/** `tanu keys dev`: the development key and CA, where the config says. */
export async function keysCommand(args: string[], force: boolean, ctx: Ctx): Promise<number> {
  if (args[0] !== 'dev') throw new TanuError('USAGE', { detail: { kk: 'tanu keys dev', ru: 'tanu keys dev' } });
  const present = await access(ctx.config.signing.key).then(() => true, () => false);
  if (present && !force) {
    ctx.io.out(say(ctx.lang, { kk: `${ctx.config.signing.key} бар (--force қайта жасайды)`, ru: `${ctx.config.signing.key} уже есть (--force создаст заново)` }));
    return 0;
  }
  await createDevKey(ctx.config, ctx.io.env, ctx.io.clock, present);
  ctx.io.out(`${ctx.config.signing.key}\n${devCaPath(ctx.config)}`);
  ctx.io.err(
    say(ctx.lang, {
      kk: 'ТЕСТ кілті: ол қол қойған құжаттарда ҮЛГІ / ОБРАЗЕЦ белгісі болады',
      ru: 'ТЕСТОВЫЙ ключ: документы, подписанные им, несут отметку ҮЛГІ / ОБРАЗЕЦ',
    }),
  );
  return 0;
}
