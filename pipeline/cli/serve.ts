import pino from 'pino';
import { REVOCATION_REASONS, RevocationReason } from '../core/catalogue.js';
import { displayDate } from '../core/dates.js';
import { TanuError } from '../core/tanu-error.js';
import { openLedger } from '../ledger/open.js';
import { openReader } from '../serve/open-reader.js';
import { buildServer } from '../serve/server.js';
import { configuredTrust } from '../sign/keys.js';
import type { Ctx } from './context.js';
import { say } from './output.js';

/** `tanu serve` and `tanu revoke`: the verification service and what it reports. */

/** Runs until SIGINT or SIGTERM; the ledger is only ever read. */
export async function serveCommand(options: { host: string | undefined; port: string | undefined }, ctx: Ctx): Promise<number> {
  const port = options.port === undefined ? ctx.config.serve.port : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TanuError('USAGE', { detail: { kk: `--port ${options.port}: 0–65535`, ru: `--port ${options.port}: 0–65535` } });
  const reader = await openReader(ctx.config, ctx.io.env);
  // The request log is written without blocking: lines that come while a write is under way
  // go out together in the next one, instead of one blocking write to stdout per request.
  const log = pino.destination({ dest: 1, sync: false });
  const app = buildServer({ config: ctx.config, reader, trust: await configuredTrust(ctx.config), clock: ctx.io.clock, log });
  try {
    const address = await app.listen({ host: options.host ?? ctx.config.serve.host, port });
    ctx.io.err(say(ctx.lang, { kk: `Тексеру қызметі: ${address}`, ru: `Сервис проверки: ${address}` }));
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
  } finally {
    await app.close();
    await reader.close();
  }
  return 0;
}

/** Exit 0 revoked or already revoked; 1 no such published certificate. */
export async function revokeCommand(args: string[], options: { reason: string | undefined; note: string | undefined }, ctx: Ctx): Promise<number> {
  const [serial, ...extra] = args;
  const reason = RevocationReason.safeParse(options.reason);
  if (!serial || extra.length > 0 || !reason.success)
    throw new TanuError('USAGE', {
      detail: {
        kk: `tanu revoke SERIAL --reason ${RevocationReason.options.join('|')} [--note TEXT]`,
        ru: `tanu revoke SERIAL --reason ${RevocationReason.options.join('|')} [--note TEXT]`,
      },
    });
  const ledger = await openLedger(ctx.config, ctx.io.env);
  let result;
  try {
    result = await ledger.revoke(serial, reason.data, options.note ?? null, ctx.io.clock.now().toISOString());
  } finally {
    await ledger.close();
  }
  if (!result) {
    const e = new TanuError('UNKNOWN_SERIAL', { code: serial });
    if (ctx.json) ctx.io.out(JSON.stringify({ serial, outcome: 'unknown', error: { code: e.code, message: e.text } }, null, 2));
    ctx.io.err(`[${e.code}] ${e.text[ctx.lang]}`);
    return 1;
  }
  if (ctx.json) ctx.io.out(JSON.stringify({ serial, ...result }, null, 2));
  else {
    const label = REVOCATION_REASONS[result.reason];
    const date = displayDate(result.revoked_at.slice(0, 10));
    ctx.io.out(
      result.outcome === 'revoked'
        ? say(ctx.lang, { kk: `${serial} (${result.revision}-редакция) кері шақырылды: ${label.kk}`, ru: `${serial} (редакция ${result.revision}) отозван: ${label.ru}` })
        : say(ctx.lang, { kk: `${serial} бұрын кері шақырылған (${date}, ${label.kk}): ештеңе өзгермеді`, ru: `${serial} уже отозван (${date}, ${label.ru}): ничего не изменено` }),
    );
  }
  return 0;
}
