import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { TanuError } from '../core/tanu-error.js';
import { configuredTrust, createDevKey, devCaPath } from '../sign/keys.js';
import { describeSlots } from '../sign/pkcs11.js';
import { REVOCATION_REASONS, REVOKED, type RevocationReason, message } from '../core/catalogue.js';
import { displayDate } from '../core/dates.js';
import { verifyPackage } from '../export/verify-package.js';
import { openReader } from '../serve/open-reader.js';
import { type Verification, verifyPaths } from '../sign/verify.js';
import type { Ctx } from './context.js';
import { say, table } from './output.js';
import { drawProgress } from './run.js';

/** `tanu verify PATH...`: every signature under the paths, each check reported; an export package (FILE.zip) checked whole. */
export async function verifyCommand(paths: string[], ctx: Ctx): Promise<number> {
  if (paths.length === 0) throw new TanuError('USAGE', { detail: { kk: 'тексерілетін жол көрсетілмеген', ru: 'не указан путь для проверки' } });
  for (const p of paths)
    await access(p).catch(() => {
      throw new TanuError('USAGE', { detail: { kk: `${p} жоқ`, ru: `${p} не существует` } });
    });
  // An export package is checked from itself alone (its own trust anchors); everything else against the config's, and the ledger's status.
  const zips = paths.filter((p) => p.toLowerCase().endsWith('.zip'));
  const others = paths.filter((p) => !zips.includes(p));
  const packages = [];
  for (const zip of zips) packages.push(await verifyPackage(zip, packageProgress(zip, ctx)));
  const checked = others.length > 0 ? await withLedgerStatus(await verifyPaths(others, await configuredTrust(ctx.config)), ctx) : [];
  const results = checked.map((r) => r.result);
  const revoked = checked.filter((r) => r.ledger?.status === 'revoked');
  const valid = (results.length > 0 || packages.length > 0) && results.every((r) => r.valid) && revoked.length === 0 && packages.every((p) => p.valid);
  if (ctx.json) ctx.io.out(JSON.stringify({ valid, files: checked.map((r) => ({ ...r.result, ledger: r.ledger })), packages }, null, 2));
  else
    for (const p of packages) {
      const where = relative(process.cwd(), p.file) || p.file;
      for (const problem of p.problems) ctx.io.out(`${where}: ${problem.file}: ${problem.problem[ctx.lang]}`);
      ctx.io.out(
        p.valid
          ? say(ctx.lang, { kk: `${where}: пакет жарамды (құжат ${p.documents}, қолтаңба ${p.signatures})`, ru: `${where}: пакет верен (документов ${p.documents}, подписей ${p.signatures})` })
          : say(ctx.lang, { kk: `${where}: пакет ЖАРАМСЫЗ, айырма ${p.problems.length}`, ru: `${where}: пакет НЕВЕРЕН, расхождений: ${p.problems.length}` }),
      );
    }
  if (!ctx.json && results.length > 0) {
    const yes = say(ctx.lang, { kk: 'жарамды', ru: 'верна' });
    const no = say(ctx.lang, { kk: 'ЖАРАМСЫЗ', ru: 'НЕВЕРНА' });
    ctx.io.out(
      table([
        ctx.lang === 'kk' ? ['файл', 'қолтаңба', 'қол қойған', 'уақыты', 'себебі'] : ['файл', 'подпись', 'подписант', 'время', 'причина'],
        ...checked.map(({ result: r, ledger }) => [
          relative(process.cwd(), r.file) || r.file,
          r.valid ? yes : no,
          /CN=([^,]+)/.exec(r.signer ?? '')?.[1] ?? r.signer ?? '—',
          r.signed_at ?? '—',
          [
            ...r.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail[ctx.lang]}`),
            ...(ledger?.status === 'superseded'
              ? [say(ctx.lang, { kk: `қолтаңба жарамды; ${ledger.revision}-редакция ауыстырылған, ағымдағысы — ${ledger.current ?? '—'}-редакция`, ru: `подпись верна; редакция ${ledger.revision} заменена, текущая — редакция ${ledger.current ?? '—'}` })]
              : ledger && ledger.current !== null && ledger.current > 1 && ledger.revision === ledger.current
                ? [say(ctx.lang, { kk: `${ledger.revision}-редакция, ағымдағы`, ru: `редакция ${ledger.revision}, текущая` })]
                : []),
            ...(ledger?.status === 'revoked' && ledger.revocation
              ? [
                  say(ctx.lang, {
                    kk: `қолтаңба жарамды, бірақ құжат ${REVOKED.kk} ${displayDate(ledger.revocation.revoked_at.slice(0, 10))} (${REVOCATION_REASONS[ledger.revocation.reason].kk})`,
                    ru: `подпись верна, но документ отозван ${displayDate(ledger.revocation.revoked_at.slice(0, 10))} (${REVOCATION_REASONS[ledger.revocation.reason].ru})`,
                  }),
                ]
              : []),
          ].join('; '),
        ]),
      ], ctx.io.columns, [0, 2, 4]),
    );
  }
  if (!ctx.json && results.length === 0 && packages.length === 0) ctx.io.out(say(ctx.lang, { kk: 'Қол қойылған файл табылмады', ru: 'Подписанных файлов не найдено' }));
  return valid ? 0 : 1;
}

/** `current`: the serial's revision in force (not superseded), which a superseded file's reader should look at instead. */
type LedgerStatus = { serial: string; revision: number; status: 'issued' | 'superseded' | 'revoked'; current: number | null; revocation: { revoked_at: string; reason: RevocationReason } | null };

/**
 * What the ledger, when there is one, says of each signed PDF it issued (found by the
 * file's SHA-256): a valid signature on a revoked certificate is not a valid document.
 */
async function withLedgerStatus(results: Verification[], ctx: Ctx): Promise<{ result: Verification; ledger: LedgerStatus | null }[]> {
  const { config } = ctx;
  if (config.ledger.url === undefined && !(await access(config.paths.ledger).then(() => true, () => false))) return results.map((result) => ({ result, ledger: null }));
  const reader = await openReader(config, ctx.io.env);
  try {
    const out = [];
    for (const result of results) {
      const found = result.kind === 'pdf' ? await reader.documentByPdfHash(createHash('sha256').update(await readFile(result.file)).digest('hex')) : undefined;
      // Revocation and revisions are a certificate's: what this command says of other kinds is unchanged.
      const row = found?.type === 'certificate' ? found : undefined;
      out.push({
        result,
        ledger: row
          ? {
              serial: row.serial,
              revision: row.revision,
              status: row.status,
              current: (await reader.certificate(row.serial)).filter((r) => r.status !== 'superseded').at(-1)?.revision ?? null,
              revocation: row.revoked_at && row.reason ? { revoked_at: row.revoked_at, reason: row.reason } : null,
            }
          : null,
      });
    }
    return out;
  } finally {
    await reader.close();
  }
}

/** A progress line on a terminal while a large package is read. */
function packageProgress(zip: string, ctx: Ctx): ((done: number, total: number) => void) | undefined {
  if (process.stderr.isTTY !== true || ctx.json) return undefined;
  const started = Date.now();
  return (done, total) => {
    drawProgress(zip, done, done, total, started);
    if (done === total) process.stderr.write('\n');
  };
}

/** `tanu keys dev`: the development key and CA, where the config says. */
export async function keysCommand(args: string[], force: boolean, ctx: Ctx): Promise<number> {
  if (args[0] === 'token') return tokenCommand(ctx);
  if (args[0] !== 'dev') throw new TanuError('USAGE', { detail: { kk: 'tanu keys dev | tanu keys token', ru: 'tanu keys dev | tanu keys token' } });
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

/**
 * `tanu keys token [--json]`: what the configured PKCS#11 module shows (slots, token labels,
 * keys and certificates with their labels and ids, the signing mechanisms), to set
 * signing.pkcs11's labels from. Nothing is signed; the PIN, when set, opens the configured
 * token's private objects and is tried once.
 */
async function tokenCommand(ctx: Ctx): Promise<number> {
  const { pkcs11 } = ctx.config.signing;
  const pin = ctx.io.env[ctx.config.signing.pin_env];
  const slots = describeSlots(pkcs11.module, { token: pkcs11.token, key: pkcs11.key, pin: pin === '' ? undefined : pin });
  if (ctx.json) {
    ctx.io.out(JSON.stringify({ module: pkcs11.module, slots }, null, 2));
    return 0;
  }
  const yes = say(ctx.lang, { kk: 'иә', ru: 'да' });
  const no = say(ctx.lang, { kk: 'жоқ', ru: 'нет' });
  ctx.io.out(`${pkcs11.module}`);
  for (const s of slots) {
    const t = s.token;
    ctx.io.out(
      t
        ? say(ctx.lang, {
            kk: `\nслот ${s.slot} (${s.description}): токен «${t.label}», ${t.manufacturer} ${t.model}, №${t.serial}`,
            ru: `\nслот ${s.slot} (${s.description}): токен «${t.label}», ${t.manufacturer} ${t.model}, №${t.serial}`,
          })
        : say(ctx.lang, { kk: `\nслот ${s.slot} (${s.description}): токен жоқ`, ru: `\nслот ${s.slot} (${s.description}): токена нет` }),
    );
    if (!t) continue;
    ctx.io.out(
      s.signing_mechanisms.length > 0
        ? table([
            ctx.lang === 'kk' ? ['қолтаңба механизмі', 'CKF_SIGN', 'Tanu'] : ['механизм подписи', 'CKF_SIGN', 'Tanu'],
            ...s.signing_mechanisms.map((m) => [m.name, m.sign ? yes : no, m.name === s.uses ? say(ctx.lang, { kk: `«${pkcs11.key}» кілтімен қол қояды`, ru: `подписывает ключом «${pkcs11.key}»` }) : '']),
          ])
        : say(ctx.lang, {
            kk: '  токен тізімдегі қолтаңба механизмдерінің (RSA PKCS#1 v1.5, PSS, ECDSA) ешқайсысын ұсынбайды',
            ru: '  токен не предлагает ни одного механизма подписи из списка (RSA PKCS#1 v1.5, PSS, ECDSA)',
          }),
    );
    // The configured key is seen but Tanu cannot sign with it, or the login shows no such key: what opening a signer would refuse.
    const key = s.keys.find((k) => k.configured);
    if (t.label === pkcs11.token && s.uses === null && (key || s.logged_in))
      ctx.io.out(`  ${(key ? message('TOKEN_MECHANISM', { code: t.label }) : message('TOKEN_KEY', { code: t.label, value: pkcs11.key }))[ctx.lang]}`);
    if (!s.logged_in)
      ctx.io.out(
        say(ctx.lang, {
          kk: `  жабық объектілер көрсетілмейді: PIN тек баптаулардағы «${pkcs11.token}» токеніне ${ctx.config.signing.pin_env} айнымалысынан беріледі`,
          ru: `  закрытые объекты не показаны: PIN подаётся только токену «${pkcs11.token}» из настроек, из переменной ${ctx.config.signing.pin_env}`,
        }),
      );
    if (s.keys.length > 0)
      ctx.io.out(
        table([
          ctx.lang === 'kk' ? ['кілт (CKA_LABEL)', 'id', 'түрі', 'экспортталады', 'әр қолтаңбаға PIN'] : ['ключ (CKA_LABEL)', 'id', 'тип', 'извлекаемый', 'PIN на каждую подпись'],
          ...s.keys.map((k) => [k.label, `id:${k.id}`, `${k.type}${k.bits ? ` ${k.bits}` : ''}`, k.extractable ? yes : no, k.always_authenticate ? yes : no]),
        ], ctx.io.columns, [0]),
      );
    if (s.certificates.length > 0)
      ctx.io.out(
        table([
          ctx.lang === 'kk' ? ['сертификат (CKA_LABEL)', 'id', 'иесі', 'мерзімі'] : ['сертификат (CKA_LABEL)', 'id', 'владелец', 'действует до'],
          ...s.certificates.map((c) => [c.label, `id:${c.id}`, c.subject, c.not_after.slice(0, 10)]),
        ], ctx.io.columns, [0, 2]),
      );
  }
  return 0;
}
