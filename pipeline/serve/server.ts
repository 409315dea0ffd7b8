import { createHash, timingSafeEqual, type X509Certificate } from 'node:crypto';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino from 'pino';
import { type Clock, localNow } from '../core/clock.js';
import type { Bilingual } from '../core/catalogue.js';
import type { LoadedConfig } from '../config/load.js';
import { verifyPdf } from '../sign/verify.js';
import type { Language } from '../standards/schema.js';
import {
  CSS,
  STYLESHEET,
  centrePage,
  documentPage,
  legacyPage,
  negotiate,
  noFileText,
  notFoundPage,
  refusalPage,
  tooLargeText,
  tooManyText,
  unauthorizedText,
  uploadPage,
} from './pages.js';
import type { LedgerReader } from './reader.js';
import { uploadVerdict, verify, verifyLegacy } from './verdict.js';

/**
 * `tanu serve`, the thin shell: fastify routes around the pure verdicts and pages. Only the
 * routes below answer (anything else is the neutral 404); every response carries the
 * security headers; each client address is rate limited; one JSON log line per request,
 * with the code in a /verify path and every header (Authorization) left out.
 */

/**
 * The security headers of every answer: what helmet sets for this policy (a CSP without
 * inline script or style, no framing), written out once. @fastify/helmet built helmet's
 * middleware again for every request, 7 % of a lookup's CPU time in a profile.
 */
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none';style-src 'self';form-action 'self';frame-ancestors 'none';base-uri 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
} as const;

export type ServeDeps = {
  config: LoadedConfig;
  reader: LedgerReader;
  trust: readonly X509Certificate[];
  clock: Clock;
  /** Where the JSON request log goes (stdout for `tanu serve`). */
  log: pino.DestinationStream;
};

/** A /verify path without what follows the serial: codes never reach a log. */
export function redactUrl(url: string): string {
  const path = url.split('?')[0] ?? '';
  const m = /^\/verify\/([^/]+)\/./.exec(path);
  return m ? `/verify/${m[1]}/[redacted]` : path;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();

export function buildServer(deps: ServeDeps): FastifyInstance {
  const { config, reader } = deps;
  const serve = config.serve;
  const app = Fastify({
    loggerInstance: pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, deps.log) as FastifyBaseLogger,
    // One line per request, written by the onResponse hook below, instead of fastify's two;
    // the request's id goes into that line rather than into a child logger made per request.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger) => logger,
    trustProxy: serve.trust_proxy,
    // Nothing but the multipart upload has a body; multipart enforces its own limit.
    bodyLimit: 16 * 1024,
  });
  // Today's local date, worked out at most once a second: an Intl formatter per request would cost more than the lookup.
  let todayAt = Number.NEGATIVE_INFINITY;
  let todayDate = '';
  const today = () => {
    const now = deps.clock.now().getTime();
    if (Math.abs(now - todayAt) >= 1000) {
      todayDate = localNow(deps.clock, config.timezone).date;
      todayAt = now;
    }
    return todayDate;
  };
  const langOf = (req: FastifyRequest) => negotiate((req.query as { lang?: unknown }).lang, req.headers['accept-language'], config.default_language);
  const wantsJson = (req: FastifyRequest) => /\bapplication\/json\b/.test(req.headers.accept ?? '');
  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const refuse = (req: FastifyRequest, reply: FastifyReply, status: number, text: Bilingual) =>
    wantsJson(req) ? reply.code(status).send({ error: text }) : html(reply, status, refusalPage(langOf(req), text));
  const notFound = (req: FastifyRequest, reply: FastifyReply) =>
    wantsJson(req) ? reply.code(404).send({ error: 'not found' }) : html(reply, 404, notFoundPage(langOf(req)));

  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    req.log.info({ reqId: req.id, method: req.method, url: redactUrl(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ip: req.ip }, 'request');
    done();
  });
  app.register(rateLimit, {
    max: serve.rate_limit.max,
    timeWindow: serve.rate_limit.window_ms,
    keyGenerator: (req) => req.ip,
    errorResponseBuilder: (_req, context) => ({ statusCode: context.statusCode, code: 'RATE_LIMITED', message: tooManyText.ru }),
  });
  app.register(multipart, { limits: { fileSize: serve.max_upload_bytes, files: 1, fields: 0, parts: 1 } });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (error.statusCode === 429) return refuse(req, reply, 429, tooManyText);
    if (error.code === 'FST_REQ_FILE_TOO_LARGE' || error.statusCode === 413) return refuse(req, reply, 413, tooLargeText(serve.max_upload_bytes));
    if (error.statusCode && error.statusCode < 500) return refuse(req, reply, error.statusCode, noFileText);
    req.log.error({ reqId: req.id, err: { message: error.message, stack: error.stack } }, 'failed');
    return reply.code(500).send({ error: 'internal error' });
  });

  app.register(async (routes) => {
    routes.setNotFoundHandler((req, reply) => notFound(req, reply));

    routes.get('/health', { config: { rateLimit: false } }, async (_req, reply) => reply.send({ status: (await reader.readable()) ? 'ok' : 'ledger unreadable' }));

    routes.get(STYLESHEET, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=86400').send(CSS));

    routes.get<{ Params: { serial: string; code: string } }>('/verify/:serial/:code', async (req, reply) => {
      const found = verify(await reader.certificate(req.params.serial), req.params.code, today());
      if (!found) return notFound(req, reply);
      reply.header('cache-control', 'no-store').header('vary', 'Accept, Accept-Language');
      return wantsJson(req) ? reply.send(found) : html(reply, 200, documentPage(found, langOf(req)));
    });

    routes.get<{ Params: { serial: string } }>('/verify/:serial', async (req, reply) => {
      const found = verifyLegacy(await reader.certificate(req.params.serial), today());
      if (!found) return notFound(req, reply);
      reply.header('cache-control', 'no-store').header('vary', 'Accept, Accept-Language');
      return wantsJson(req) ? reply.send(found) : html(reply, 200, legacyPage(found, langOf(req)));
    });

    routes.post('/verify', async (req, reply) => {
      const part = req.isMultipart() ? await req.file() : undefined;
      if (!part) return refuse(req, reply, 400, noFileText);
      const bytes = await part.toBuffer();
      const row = await reader.documentByPdfHash(sha256(bytes).toString('hex'));
      const verdict = uploadVerdict(row, verifyPdf(part.filename, bytes, deps.trust).valid, today());
      reply.header('cache-control', 'no-store');
      return wantsJson(req) ? reply.send(verdict) : html(reply, 200, uploadPage(verdict, langOf(req)));
    });

    routes.get('/centre', async (req, reply) => {
      const centre = centreFor(config.centres, req.headers.authorization);
      if (!centre) return refuse(req, reply.header('www-authenticate', 'Bearer'), 401, unauthorizedText);
      const batches = await reader.centreBatches(centre.id, 50);
      reply.header('cache-control', 'no-store');
      const lang: Language = centre.status_language ?? config.default_language;
      return wantsJson(req) ? reply.send({ centre: centre.id, batches }) : html(reply, 200, centrePage(centre.name, batches, lang));
    });
  });
  return app;
}

/**
 * The centre whose status token this is. Every configured hash is compared (constant time,
 * no early exit), so the answer's timing says nothing about which centre came close.
 */
export function centreFor<C extends { status_token_sha256?: string | undefined }>(centres: readonly C[], authorization: string | undefined): C | undefined {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  const presented = sha256(token);
  let match: C | undefined;
  for (const centre of centres) {
    if (!centre.status_token_sha256) continue;
    if (timingSafeEqual(presented, Buffer.from(centre.status_token_sha256, 'hex')) && !match) match = centre;
  }
  return match;
}
