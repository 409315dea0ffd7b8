import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fillLedger } from '../../bench/serve-ledger.js';
import { fixedClock } from '../../pipeline/core/clock.js';
import type { LoadedConfig } from '../../pipeline/config/load.js';
import { SqliteLedger } from '../../pipeline/ledger/sqlite.js';
import { SqliteLedgerReader, documentByPdfHashSql } from '../../pipeline/serve/reader.js';
import { buildServer } from '../../pipeline/serve/server.js';
import { VerificationJson } from '../../pipeline/serve/verdict.js';
import { clock, shippedEnv } from '../support/env.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * The verification service through fastify's inject: a real SQLite ledger filled through
 * the Ledger class, opened read-only by the server exactly as `tanu serve` does.
 */
const tmp = useTmpDir();
const TOKEN = 'centre-status-token-7f3a9c';
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

type Setup = { ledgerPath: string; issued: { serial: string; code: string }[]; config: LoadedConfig; logs: string[] };
let setup: Setup;
const opened: { close(): void }[] = [];

beforeEach(async () => {
  const env = await shippedEnv();
  const base = env.config as LoadedConfig;
  const centre = { ...base.centres[0]!, status_token_sha256: sha(TOKEN), status_language: 'kk' as const };
  const ledgerPath = join(tmp(), 'ledger.sqlite');
  const issued = await fillLedger(ledgerPath, 6, { centre, library: env.library, issueDate: '2026-11-23' });
  const config = { ...base, centres: [centre], paths: { ...base.paths, ledger: ledgerPath }, serve: { ...base.serve, rate_limit: { max: 1000, window_ms: 60_000 } } };
  setup = { ledgerPath, issued, config, logs: [] };
});

afterEach(() => {
  while (opened.length > 0) opened.pop()?.close();
});

function server(over: { max?: number; today?: string } = {}) {
  const reader = SqliteLedgerReader.open(setup.ledgerPath);
  opened.push(reader);
  const config = over.max ? { ...setup.config, serve: { ...setup.config.serve, rate_limit: { max: over.max, window_ms: 60_000 } } } : setup.config;
  const log = new Writable({
    write(chunk, _enc, done) {
      setup.logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = buildServer({ config, reader, trust: [], clock: over.today ? fixedClock(over.today) : clock, log });
  opened.push({ close: () => void app.close() });
  return { app, reader };
}

const first = () => setup.issued[0]!;
const json = { accept: 'application/json' };

describe('GET /verify/<serial>/<code>', () => {
  it('answers JSON with the public fields only: the holder shortened, no IIN', async () => {
    const { app } = server();
    const { serial, code } = first();
    const res = await app.inject({ url: `/verify/${serial}/${code}`, headers: json });
    expect(res.statusCode).toBe(200);
    const body = VerificationJson.parse(res.json());
    expect(body).toMatchObject({ serial, revision: 1, type: 'certificate', status: 'valid', issued: '2026-11-23', expires: '2031-11-23', profession_code: '3412-0-008', level: 4, holder: 'Әбдіғұлова-Өмірзақ Г.', current_revision: null, revocation: null });
    expect(res.body).not.toContain('100000000000');
    expect(res.body).not.toContain('Гүлшаһар');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a page in the language asked for: ?lang first, then Accept-Language', async () => {
    const { app } = server();
    const { serial, code } = setup.issued[1]!;
    const ru = await app.inject({ url: `/verify/${serial}/${code}`, headers: { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' } });
    expect(ru.statusCode).toBe(200);
    expect(ru.body).toContain('<html lang="ru">');
    expect(ru.body).toContain('действителен');
    expect(ru.body).toContain('Шаһизадаев Ж.');
    expect(ru.body).not.toContain('Жәңгір');
    const kk = await app.inject({ url: `/verify/${serial}/${code}?lang=kk`, headers: { 'accept-language': 'ru' } });
    expect(kk.body).toContain('<html lang="kk">');
    expect(kk.body).toContain('жарамды');
    expect(kk.body).toContain('href="?lang=ru"');
  });

  it('a wrong code, a missing code and an unknown serial get the same neutral 404', async () => {
    const { app } = server();
    const { serial, code } = first();
    const wrong = await app.inject({ url: `/verify/${serial}/${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}` });
    const unknown = await app.inject({ url: `/verify/DEMO01-2026-999999/${code}` });
    const missing = await app.inject({ url: `/verify/${serial}` });
    for (const res of [wrong, unknown, missing]) expect(res.statusCode).toBe(404);
    expect(wrong.body).toBe(unknown.body);
    expect(missing.body).toBe(unknown.body);
    expect(wrong.body).not.toContain(serial);
    expect(wrong.body).not.toContain('Әбдіғұлова');
  });

  it('a revoked certificate says so, with date and reason; an old one says expired', async () => {
    const { serial, code } = first();
    const ledger = SqliteLedger.open(setup.ledgerPath);
    expect(await ledger.revoke(serial, 'fraud', 'test', '2026-11-25T08:00:00.000Z')).toMatchObject({ outcome: 'revoked', revision: 1 });
    await ledger.close();
    const { app } = server();
    const res = await app.inject({ url: `/verify/${serial}/${code}`, headers: json });
    expect(res.json()).toMatchObject({ status: 'revoked', revocation: { date: '2026-11-25', reason: 'fraud' } });
    const page = await app.inject({ url: `/verify/${serial}/${code}?lang=ru` });
    expect(page.body).toContain('отозван');
    expect(page.body).toContain('25.11.2026, выявлено мошенничество');
    // Recalled («кері шақырылған»), not returned («кері қайтарылған»).
    const kk = (await app.inject({ url: `/verify/${serial}/${code}?lang=kk` })).body;
    expect(kk).toContain('кері шақырылған');
    expect(kk).not.toContain('қайтарыл');
    const later = server({ today: '2032-01-10T12:00:00+05:00' }).app;
    const { serial: other, code: otherCode } = setup.issued[1]!;
    expect((await later.inject({ url: `/verify/${other}/${otherCode}`, headers: json })).json()).toMatchObject({ status: 'expired' });
  });

  it('a document issued before codes answers at /verify/<serial> with its status only', async () => {
    const legacy = setup.issued[2]!;
    // What a ledger migrated from before issue 16 holds: a published certificate without a code.
    const db = new Database(setup.ledgerPath);
    db.prepare('UPDATE documents SET verify_code = NULL WHERE serial = ?').run(legacy.serial);
    db.close();
    const { app } = server();
    const res = await app.inject({ url: `/verify/${legacy.serial}`, headers: json });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ serial: legacy.serial, revision: 1, type: 'certificate', status: 'valid' });
    const page = await app.inject({ url: `/verify/${legacy.serial}?lang=kk` });
    expect(page.body).toContain('жарамды');
    expect(page.body).not.toMatch(/Әбдіғұлова|Шаһизадаев/);
    // Its old code no longer opens anything: the holder is shown only behind a code.
    expect((await app.inject({ url: `/verify/${legacy.serial}/${legacy.code}` })).statusCode).toBe(404);
  });
});

describe('the service', () => {
  it('security headers on every answer: a CSP without inline script or style, no framing', async () => {
    const { app } = server();
    for (const url of ['/health', `/verify/${first().serial}/${first().code}`, '/nowhere']) {
      const res = await app.inject({ url });
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    const css = await app.inject({ url: '/static/verify.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('answers only its routes and methods', async () => {
    const { app } = server();
    const { serial, code } = first();
    for (const [method, url] of [
      ['DELETE', `/verify/${serial}/${code}`],
      ['PUT', '/verify'],
      ['POST', '/centre'],
      ['GET', '/admin'],
      ['OPTIONS', '/verify'],
    ] as const)
      expect((await app.inject({ method, url })).statusCode, `${method} ${url}`).toBe(404);
    expect((await app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
  });

  it('limits each client: past the limit 429 with a bilingual message; /health stays open', async () => {
    const { app } = server({ max: 3 });
    const { serial, code } = first();
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await app.inject({ url: `/verify/${serial}/${code}`, remoteAddress: '10.0.0.1' })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await app.inject({ url: `/verify/${serial}/${code}`, remoteAddress: '10.0.0.1' });
    expect(limited.body).toContain('Сұраулар тым көп');
    expect(limited.body).toContain('Слишком много запросов');
    // Another client is counted on its own.
    expect((await app.inject({ url: `/verify/${serial}/${code}`, remoteAddress: '10.0.0.2' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/health', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
  });

  it('GET /centre: missing or wrong token 401, the right one shows that centre\'s batches in its language', async () => {
    const { app } = server();
    const missing = await app.inject({ url: '/centre' });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const wrong = await app.inject({ url: '/centre', headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toBe(missing.body);
    const right = await app.inject({ url: '/centre', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('bench-serve');
    expect(right.body).toContain('>топтама</th>');
    const asJson = await app.inject({ url: '/centre', headers: { authorization: `Bearer ${TOKEN}`, ...json } });
    expect(asJson.json()).toMatchObject({ centre: 'DEMO01', batches: [{ id: 'bench-serve', file: 'bench-serve.csv', state: 'published', rows: 6, documents: 6, failed: 0 }] });
  });

  it('GET / is the front page: what the service is and the upload form, in kk and ru', async () => {
    const { app } = server();
    const kk = await app.inject({ url: '/?lang=kk' });
    expect(kk.statusCode).toBe(200);
    expect(kk.body).toContain('<html lang="kk">');
    expect(kk.body).toContain('QR-кодты');
    expect(kk.body).toContain('<form method="post" action="/verify?lang=kk" enctype="multipart/form-data">');
    expect(kk.body).toContain('href="/centre?lang=kk"');
    const ru = await app.inject({ url: '/', headers: { 'accept-language': 'ru' } });
    expect(ru.body).toContain('Здесь можно проверить документ');
    expect(ru.body).toContain('action="/verify?lang=ru"');
  });

  it('/centre in a browser: the sign-in form without a token; the token posted sets a strict cookie that opens the page; sign-out ends it', async () => {
    const { app } = server();
    const here = { host: 'tanu.example.kz', origin: 'https://tanu.example.kz' };
    const form = (token: string, headers: Record<string, string> = here, url = '/centre/sign-in?lang=ru') =>
      app.inject({ method: 'POST', url, payload: new URLSearchParams({ token }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

    const door = await app.inject({ url: '/centre?lang=ru' });
    expect(door.statusCode).toBe(401);
    expect(door.body).toContain('<form method="post" action="/centre/sign-in?lang=ru">');
    expect(door.body).toContain('type="password" id="token" name="token"');

    const signedIn = await form(` ${TOKEN} `);
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/centre?lang=ru');
    const setCookie = String(signedIn.headers['set-cookie']);
    expect(setCookie).toBe(`__Host-tanu_centre=${TOKEN}; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Strict`);
    const cookie = setCookie.split(';')[0]!;

    const page = await app.inject({ url: '/centre?lang=ru', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    // The batch as a person reads it: its file, the local time of Asia/Almaty (09:00 UTC), its kind and outcome in words.
    for (const text of ['bench-serve.csv', '23.11.2026 14:00', 'результаты экзаменов', 'опубликован', 'Часовой пояс: Asia/Almaty', 'action="/centre/sign-out?lang=ru"']) expect(page.body).toContain(text);
    const kk = await app.inject({ url: '/centre', headers: { cookie } });
    for (const text of ['емтихан нәтижелері', 'жарияланған', '>файл</th>', 'Шығу']) expect(kk.body).toContain(text);

    const wrong = await form(`${TOKEN}x`);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(wrong.body).toContain('Токен не подходит ни одному центру');
    expect(wrong.body).toContain('Токен ешбір орталыққа сәйкес келмейді');

    const signedOut = await app.inject({ method: 'POST', url: '/centre/sign-out?lang=ru', headers: { ...here, cookie } });
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers['set-cookie']).toBe('__Host-tanu_centre=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict');
    expect(signedOut.headers.location).toBe('/centre?lang=ru');

    // A cookie whose token the config no longer holds opens nothing, and is dropped.
    const stale = await app.inject({ url: '/centre', headers: { cookie: '__Host-tanu_centre=old-token' } });
    expect(stale.statusCode).toBe(401);
    expect(stale.headers['set-cookie']).toContain('Max-Age=0');
    const lines = setup.logs.map((l) => JSON.parse(l) as { url?: string }).filter((l) => l.url);
    expect(lines.map((l) => l.url)).toContain('/centre/sign-in');
    expect(setup.logs.join('\n')).not.toContain(TOKEN);
  });

  it('the centre forms are refused from another site or without an Origin (403, both languages), and set no cookie', async () => {
    const { app } = server();
    const post = (url: string, headers: Record<string, string>) =>
      app.inject({ method: 'POST', url, payload: `token=${TOKEN}`, headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'tanu.example.kz', ...headers } });
    for (const url of ['/centre/sign-in', '/centre/sign-out'])
      for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }, {}, { origin: 'https://tanu.example.kz.evil.example' }] as Record<string, string>[]) {
        const res = await post(url, headers);
        expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.body).toContain('Форма отправлена с чужой страницы');
        expect(res.body).toContain('Пішін басқа беттен жіберілді');
      }
    expect((await post('/centre/sign-in', { origin: 'https://tanu.example.kz' })).statusCode).toBe(303);
  });

  it('logs one JSON line per request, without the code or the token', async () => {
    const { app } = server();
    const { serial, code } = first();
    await app.inject({ url: `/verify/${serial}/${code}?lang=ru` });
    await app.inject({ url: '/centre', headers: { authorization: `Bearer ${TOKEN}` } });
    const lines = setup.logs.map((l) => JSON.parse(l) as { url?: string; status?: number });
    expect(lines.filter((l) => l.url)).toEqual([
      expect.objectContaining({ url: `/verify/${serial}/[redacted]`, status: 200 }),
      expect.objectContaining({ url: '/centre', status: 200 }),
    ]);
    const all = setup.logs.join('\n');
    expect(all).not.toContain(code);
    expect(all).not.toContain(TOKEN);
  });

  it('POST /verify: bytes that are not our signed PDF are "not ours"; over the limit refused in both languages', async () => {
    const { app } = server();
    const upload = (bytes: Buffer) => {
      const boundary = '----tanu-test-boundary';
      const payload = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="pdf"; filename="doc.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
        bytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return app.inject({ method: 'POST', url: '/verify?lang=ru', payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    };
    const stranger = await upload(Buffer.from('%PDF-1.7\nnot signed\n%%EOF\n'));
    expect(stranger.statusCode).toBe(200);
    expect(stranger.body).toContain('Это не выданный нами документ, или он изменён.');
    const huge = await upload(Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));
    expect(huge.statusCode).toBe(413);
    expect(huge.body).toContain('Файл слишком большой (предел 10 MB)');
    expect(huge.body).toContain('Файл тым үлкен (шегі 10 MB)');
    expect((await app.inject({ method: 'POST', url: '/verify' })).statusCode).toBe(400);
  });

  it('finds a document of any kind by its PDF hash, through the index', async () => {
    // A sitting's protocol as the ledger holds one: no record of its own, no expiry.
    const db = new Database(setup.ledgerPath);
    const { serial } = first();
    const hash = (db.prepare(`SELECT json_extract(files_json, '$.pdf_sha256') AS h FROM documents WHERE serial = ?`).get(serial) as { h: string }).h;
    db.prepare(`UPDATE documents SET type = 'protocol', serial = 'П-7', record_id = NULL, verify_code = NULL, model_json = '{"type":"protocol"}' WHERE serial = ?`).run(serial);
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${documentByPdfHashSql("json_extract(d.model_json, '$.valid_until')", "json_extract(d.files_json, '$.pdf_sha256') = ?")}`).all(hash) as { detail: string }[];
    db.close();
    expect(plan.map((p) => p.detail).join('\n')).toContain('documents_pdf_sha256');
    const { reader } = server();
    expect(await reader.documentByPdfHash(hash)).toEqual({ type: 'protocol', serial: 'П-7', revision: 1, status: 'issued', expires: null, revoked_at: null, reason: null });
    // The bench ledger's PDF hashes are its serials' hashes.
    expect(await reader.documentByPdfHash(sha(setup.issued[1]!.serial))).toMatchObject({ type: 'certificate', expires: '2031-11-23' });
    expect(await reader.documentByPdfHash(sha('no such PDF'))).toBeUndefined();
  });

  it('never writes to the ledger: the file is unchanged, and the connection refuses a write', async () => {
    const state = () => ({ hash: sha(readFileSync(setup.ledgerPath)), mtime: statSync(setup.ledgerPath).mtimeMs });
    const before = state();
    const { app, reader } = server();
    const { serial, code } = first();
    await app.inject({ url: `/verify/${serial}/${code}` });
    await app.inject({ url: `/verify/${serial}/wrong` });
    await app.inject({ url: '/centre', headers: { authorization: `Bearer ${TOKEN}` } });
    await app.inject({ url: '/health' });
    expect(() => (reader as unknown as { db: Database.Database }).db.prepare(`UPDATE documents SET status = 'revoked'`).run()).toThrow(/readonly/i);
    expect(state()).toEqual(before);
    // SQLite may create the write-ahead log beside the file for a reader; nothing is ever written to it.
    const wal = `${setup.ledgerPath}-wal`;
    if (readdirSync(join(setup.ledgerPath, '..')).includes('ledger.sqlite-wal')) expect(statSync(wal).size).toBe(0);
  });
});
