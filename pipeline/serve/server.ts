import { createHash, timingSafeEqual, type X509Certificate } from 'node:crypto';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino from 'pino';
import { type Clock, localNow } from '../core/clock.js';
import { type Bilingual, message } from '../core/catalogue.js';
import type { LoadedConfig } from '../config/load.js';
import { verifyPdf } from '../sign/verify.js';
import type { Language } from '../standards/schema.js';
import {
  CSS,
  STYLESHEET,
  centrePage,
  documentPage,
  homePage,
  legacyPage,
  negotiate,
  noFileText,
  notFoundPage,
  refusalPage,
  signInPage,
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
  /**
   * A page whose forms post to /centre/…: under `no-referrer` a browser sends `Origin: null`
   * with a form, so these pages let their own origin be named (`same-origin`: to other
   * sites still nothing), and the POSTs can check it.
   */
  const formPage = (reply: FastifyReply, status: number, body: string) => html(reply.header('referrer-policy', 'same-origin'), status, body);
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
  // The sign-in form's body; other routes take none (bodyLimit holds it to 16 KB).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, new URLSearchParams(String(body))));

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

    routes.get('/', async (req, reply) => html(reply, 200, homePage(langOf(req))));

    /**
     * A script names its centre with `Authorization: Bearer`; a browser with the cookie the
     * sign-in form set. Without either, a person gets the form (401, so scripts see what they always saw).
     */
    routes.get('/centre', async (req, reply) => {
      const centre = centreFor(config.centres, bearerToken(req.headers.authorization) ?? cookieValue(req.headers.cookie, SESSION_COOKIE));
      reply.header('cache-control', 'no-store');
      if (!centre) {
        reply.header('www-authenticate', 'Bearer');
        // A cookie that no longer opens anything (its token was replaced in the config) is dropped.
        if (cookieValue(req.headers.cookie, SESSION_COOKIE) !== undefined) reply.header('set-cookie', sessionCookie('', 0));
        return wantsJson(req) ? refuse(req, reply, 401, unauthorizedText) : formPage(reply, 401, signInPage(langOf(req)));
      }
      const batches = await reader.centreBatches(centre.id, 50);
      const query = (req.query as { lang?: unknown }).lang;
      const lang: Language = query === 'kk' || query === 'ru' ? query : (centre.status_language ?? config.default_language);
      return wantsJson(req) ? reply.send({ centre: centre.id, batches }) : formPage(reply, 200, centrePage(centre.name, batches, lang, config.timezone));
    });

    routes.post('/centre/sign-in', async (req, reply) => {
      if (!sameOrigin(req)) return refuse(req, reply, 403, message('FORM_FOREIGN_ORIGIN'));
      const token = formField(req.body, 'token');
      const centre = centreFor(config.centres, token);
      reply.header('cache-control', 'no-store');
      if (!centre || token === undefined) return formPage(reply, 401, signInPage(langOf(req), message('CENTRE_TOKEN_WRONG')));
      return reply.code(303).header('set-cookie', sessionCookie(token, SESSION_SECONDS)).header('location', `/centre?lang=${langOf(req)}`).send();
    });

    routes.post('/centre/sign-out', async (req, reply) => {
      if (!sameOrigin(req)) return refuse(req, reply, 403, message('FORM_FOREIGN_ORIGIN'));
      return reply.code(303).header('cache-control', 'no-store').header('set-cookie', sessionCookie('', 0)).header('location', `/centre?lang=${langOf(req)}`).send();
    });
  });
  return app;
}

/**
 * The centre's session in a browser. The service keeps no state of its own (it only reads
 * the ledger, and may run as several processes), so the cookie carries the token itself:
 * HttpOnly (no script reads it), Secure (sent only over HTTPS; browsers also accept it from
 * http://localhost and 127.0.0.1, so a local `tanu serve` works), SameSite=Strict (no
 * other site makes the browser send it), `__Host-` (only this host sets it, for every path).
 * Replacing a centre's token in the config ends every session made with the old one.
 */
export const SESSION_COOKIE = '__Host-tanu_centre';
const SESSION_SECONDS = 8 * 60 * 60;
const sessionCookie = (token: string, maxAge: number) => `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`;

/** The token of an `Authorization: Bearer` header. */
const bearerToken = (authorization: string | undefined) => /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];

/** One cookie's value out of a Cookie header; undefined when absent or not decodable. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at < 0 || part.slice(0, at).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** One field of a posted form (parsed into URLSearchParams by the server's body parser), trimmed. */
const formField = (body: unknown, name: string) => (body instanceof URLSearchParams ? body.get(name)?.trim() || undefined : undefined);

/**
 * A form posted from this service's own pages: its Origin names the host the request was
 * sent to (behind a proxy, the forwarded host when `serve.trust_proxy`). With SameSite=Strict
 * this is the defence against cross-site forms; a POST without Origin is refused too.
 */
function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host === req.host;
  } catch {
    return false;
  }
}

/**
 * The centre whose status token this is. Every configured hash is compared (constant time,
 * no early exit), so the answer's timing says nothing about which centre came close.
 */
export function centreFor<C extends { status_token_sha256?: string | undefined }>(centres: readonly C[], token: string | undefined): C | undefined {
  if (!token) return undefined;
  const presented = sha256(token);
  let match: C | undefined;
  for (const centre of centres) {
    if (!centre.status_token_sha256) continue;
    if (timingSafeEqual(presented, Buffer.from(centre.status_token_sha256, 'hex')) && !match) match = centre;
  }
  return match;
}
