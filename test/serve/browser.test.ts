import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { fillLedger } from '../../bench/serve-ledger.js';
import type { LoadedConfig } from '../../pipeline/config/load.js';
import { SqliteLedgerReader } from '../../pipeline/serve/reader.js';
import { buildServer } from '../../pipeline/serve/server.js';
import { tanu } from '../support/cli.js';
import { clock, shippedEnv } from '../support/env.js';
import { findChromium } from '../../pipeline/render/chromium.js';
import { manifests, readManifest } from '../support/outbox.js';
import { pdfQrCodes } from '../support/poppler.js';
import { examResultsCsv, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * The verification service as a person meets it: a real certificate issued by `tanu run`,
 * its QR read by zbarimg, `tanu serve` as its own process on a free port of 127.0.0.1, and
 * Chromium following the link, switching language and uploading files.
 */
const tmp = useTmpDir();
let server: ChildProcess | undefined;
let browser: Browser | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
  if (server && server.exitCode === null) {
    const exited = new Promise((done) => server?.once('exit', done));
    server.kill('SIGTERM');
    await exited;
  }
  server = undefined;
});

/** `tanu serve` through the real bin on port 0; resolves with the address it prints. */
function serve(config: string): Promise<string> {
  const child = spawn(process.execPath, ['bin/tanu.js', 'serve', '--config', config, '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  child.stdout.resume();
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += String(chunk);
      const address = /http:\/\/127\.0\.0\.1:\d+/.exec(err)?.[0];
      if (address) resolve(address);
    });
    child.once('exit', (code) => reject(new Error(`tanu serve exited ${code}: ${err}`)));
  });
}

describe('tanu serve in a browser', () => {
  it('QR link → page in kk and ru; wrong code → neutral 404; upload checks; after tanu revoke the page says revoked', async () => {
    const p = makeProject(tmp());
    const csv = await examResultsCsv(2);
    const file = join(p.inbox, 'exam-results-serve.csv');
    writeFileSync(file, csv);
    const run = await tanu(['run', file, '--config', p.config]);
    expect(run.code, run.err).toBe(0);
    const [manifestPath] = manifests(p.outbox);
    if (!manifestPath) throw new Error('no manifest');
    const pdfPath = join(manifestPath, '..', 'certificates', 'DEMO01-2026-000001.pdf');
    const pdf = readFileSync(pdfPath);

    const [qr] = pdfQrCodes(pdf);
    const m = /^https:\/\/tanu\.example\.kz(\/verify\/DEMO01-2026-000001\/([A-Za-z0-9_-]{16}))$/.exec(qr ?? '');
    if (!m) throw new Error(`unexpected QR: ${qr}`);
    const [, path = '', code = ''] = m;
    // The first row's holder: the page shows the last name and the first name's initial, never the IIN.
    const [iin = '', last = '', first = ''] = csv.split('\n')[1]?.split(',') ?? [];
    const holder = `${last} ${Array.from(first)[0]}.`;

    const base = await serve(p.config);
    browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-dev-shm-usage'], pipe: true });
    const page = await browser.newPage();
    const text = () => page.evaluate('document.body.innerText') as Promise<string>;
    const lang = () => page.evaluate('document.documentElement.lang') as Promise<string>;

    const kk = await page.goto(`${base}${path}`, { waitUntil: 'load' });
    expect(kk?.status()).toBe(200);
    expect(await lang()).toBe('kk');
    expect(await text()).toContain(holder);
    expect(await text()).toContain('жарамды');
    expect(await text()).not.toContain(iin);
    // The stylesheet loaded under the CSP: the status badge is coloured.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('.status')).fontWeight`)).toBe('700');

    await Promise.all([page.waitForNavigation(), page.click('a[hreflang="ru"]')]);
    expect(await lang()).toBe('ru');
    expect(await text()).toContain('действителен');
    expect(await text()).toContain(holder);

    // The issued PDF, uploaded through the page's form: ours. One byte changed: not ours.
    const upload = async (bytes: Buffer, name: string) => {
      const copy = join(p.dir, name);
      writeFileSync(copy, bytes);
      const input = await page.$('input[type=file]');
      if (!input) throw new Error('no upload form');
      await input.uploadFile(copy);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      return text();
    };
    expect(await upload(pdf, 'issued.pdf')).toContain('Это выданный нами документ, он не изменён.');
    // Every kind Tanu issues is found by its hash: the sitting's exam protocol too.
    const protocol = readManifest(manifestPath).documents.find((d) => d.type === 'protocol');
    if (!protocol) throw new Error('no protocol in the batch');
    const protocolText = await upload(readFileSync(join(manifestPath, '..', protocol.file)), 'protocol.pdf');
    expect(protocolText).toContain('Это выданный нами документ, он не изменён.');
    expect(protocolText).toContain('Протокол экзаменационной комиссии');
    expect(protocolText).toContain(protocol.serial);
    const altered = Buffer.from(pdf);
    const at = altered.indexOf('DEMO01');
    altered[at] = altered[at] === 0x44 ? 0x45 : 0x44;
    expect(await upload(altered, 'altered.pdf')).toContain('Это не выданный нами документ, или он изменён.');

    const wrong = await page.goto(`${base}/verify/DEMO01-2026-000001/${code.endsWith('A') ? code.slice(0, -1) + 'B' : code.slice(0, -1) + 'A'}?lang=kk`);
    expect(wrong?.status()).toBe(404);
    const neutral = await text();
    expect(neutral).toContain('Мұндай құжат табылмады');
    expect(neutral).not.toContain(last);
    const unknown = await page.goto(`${base}/verify/DEMO01-2026-000099/${code}?lang=kk`);
    expect(unknown?.status()).toBe(404);
    expect(await text()).toBe(neutral);

    // Revoked while the service runs: the ledger is written by tanu, read by the server.
    const revoke = await tanu(['revoke', 'DEMO01-2026-000001', '--reason', 'issued_in_error', '--note', 'wrong person', '--config', p.config]);
    expect(revoke.code, revoke.err).toBe(0);
    expect(revoke.out).toContain('отозван');
    await page.goto(`${base}${path}?lang=kk`);
    expect(await text()).toContain('кері шақырылған');
    expect(await text()).toContain('қате берілген');
    await page.goto(`${base}${path}?lang=ru`);
    expect(await text()).toContain('отозван');

    const again = await tanu(['revoke', 'DEMO01-2026-000001', '--reason', 'fraud', '--config', p.config]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('уже отозван');
    // The CLI says it as the pages do: recalled, not returned.
    const againKk = await tanu(['revoke', 'DEMO01-2026-000001', '--reason', 'fraud', '--config', p.config, '--language', 'kk']);
    expect(againKk.out).toContain('бұрын кері шақырылған');
    const unknownSerial = await tanu(['revoke', 'DEMO01-2026-000777', '--reason', 'fraud', '--config', p.config]);
    expect(unknownSerial.code).toBe(1);
    expect(unknownSerial.err).toContain('[UNKNOWN_SERIAL]');

    // tanu verify: the signature still holds, the document does not.
    const verify = await tanu(['verify', pdfPath, '--config', p.config]);
    expect(verify.code).toBe(1);
    expect(verify.out).toContain('подпись верна, но документ отозван');
    expect((await tanu(['verify', pdfPath, '--config', p.config, '--language', 'kk'])).out).toContain('бірақ құжат кері шақырылған');
    const other = await tanu(['verify', join(manifestPath, '..', 'certificates', 'DEMO01-2026-000002.pdf'), '--config', p.config]);
    expect(other.code).toBe(0);

    const registry = join(p.dir, 'registry.csv');
    expect((await tanu(['registry', 'export', '--config', p.config, '--out', registry])).code).toBe(0);
    const lines = readFileSync(registry, 'utf8').trim().split('\r\n');
    expect(lines[0]).toMatch(/;СТАТУС$/);
    expect(lines.find((l) => l.includes('DEMO01-2026-000001'))).toMatch(/;отозван \d\d\.\d\d\.\d{4} \(выдано ошибочно\)$/);
    expect(lines.find((l) => l.includes('DEMO01-2026-000002'))).toMatch(/;действует$/);
    const kkRegistry = join(p.dir, 'registry-kk.csv');
    expect((await tanu(['registry', 'export', '--language', 'kk', '--config', p.config, '--out', kkRegistry])).code).toBe(0);
    expect(readFileSync(kkRegistry, 'utf8').split('\r\n').find((l) => l.includes('DEMO01-2026-000001'))).toMatch(/;кері шақырылған \d\d\.\d\d\.\d{4} \(қате берілген\)$/);
    // Rendering, two processes and a browser on a shared 2-core machine: bounded, but generous.
  }, 300_000);

  it('a centre signs in with its token through the form, reads its batches at 1,200 px and on a phone in kk and ru, and signs out; a form from another site is refused', async () => {
    const env = await shippedEnv();
    const base = env.config as LoadedConfig;
    const token = 'centre-status-token-browser-4d1e';
    const centre = { ...base.centres[0]!, status_token_sha256: createHash('sha256').update(token).digest('hex'), status_language: 'kk' as const };
    const ledgerPath = join(tmp(), 'ledger.sqlite');
    await fillLedger(ledgerPath, 3, { centre, library: env.library, issueDate: '2026-11-23' });
    // A second batch, still being issued, from a file with a long name and rejected rows: the table must still fit.
    const db = new Database(ledgerPath);
    const sha = 'f'.repeat(64);
    const name = 'exam-results-2026-11-24-astana-bolashak-oqu-ortalygy-tobi-7-qaita-tapsyru.xlsx';
    db.prepare(`INSERT INTO files (sha256, name, centre, kind, received_at, stored_path, outcome, batch_id) VALUES (?, ?, ?, 'exam-results', '2026-11-24T04:05:00.000Z', '/dev/null', 'accepted', 'b2')`).run(sha, name, centre.id);
    db.prepare(`INSERT INTO batches (id, file_sha256, centre, kind, created_at, issue_date, outbox_dir, state, rows, valid, errors, report_json) VALUES ('b2', ?, ?, 'exam-results', '2026-11-24T04:05:00.000Z', '2026-11-24', '/dev/null', 'planned', 1250, 1187, 63, '{}')`).run(sha, centre.id);
    db.close();
    const config = { ...base, centres: [centre], paths: { ...base.paths, ledger: ledgerPath } };
    const reader = SqliteLedgerReader.open(ledgerPath);
    const app = buildServer({ config, reader, trust: [], clock, log: new Writable({ write: (_c, _e, done) => done() }) });
    // Another site's page with a form aimed at the sign-in: what a cross-site request forgery would send.
    const foreign = createServer((_req, res) => res.setHeader("content-type", "text/html").end(`<form method="post" action="${address}/centre/sign-in"><input name="token" value="${token}"><button>go</button></form>`));
    let address = '';
    try {
      address = await app.listen({ host: '127.0.0.1', port: 0 });
      await new Promise<void>((done) => foreign.listen(0, '127.0.0.1', done));
      const foreignPort = (foreign.address() as { port: number }).port;
      // Where the screenshots go to be looked at (TANU_SCREENSHOTS), else the test's own temporary folder.
      const shots = process.env.TANU_SCREENSHOTS ?? join(tmp(), 'shots');
      mkdirSync(shots, { recursive: true });
      browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-dev-shm-usage'], pipe: true });
      const page = await browser.newPage();
      const text = () => page.evaluate('document.body.innerText') as Promise<string>;
      /** At this width nothing sticks out sideways; and a screenshot to look at. */
      const fits = async (p: Page, width: number, shot: string) => {
        await p.setViewport({ width, height: 900 });
        expect(await p.evaluate('document.documentElement.scrollWidth'), `${shot} at ${width}px`).toBeLessThanOrEqual(width);
        await p.screenshot({ path: join(shots, `${shot}-${width}.png`), fullPage: true });
      };

      expect((await page.goto(`${address}/?lang=kk`))?.status()).toBe(200);
      expect(await text()).toContain('QR-кодты');
      expect(await page.$('input[type=file]')).not.toBeNull();
      await fits(page, 1200, 'home-kk');
      await fits(page, 390, 'home-kk');
      await page.setViewport({ width: 1200, height: 900 });

      const [door] = await Promise.all([page.waitForNavigation(), page.click('a[href="/centre?lang=kk"]')]);
      expect(door?.status()).toBe(401);
      await fits(page, 390, 'sign-in-kk');
      await page.setViewport({ width: 1200, height: 900 });
      const signIn = async (value: string) => {
        await page.type('#token', value);
        const [answer] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
        return answer?.status();
      };
      expect(await signIn(`${token}x`)).toBe(401);
      expect(await text()).toContain('Токен ешбір орталыққа сәйкес келмейді');
      await fits(page, 1200, 'sign-in-wrong-kk');
      expect(await signIn(token)).toBe(200);
      expect(page.url()).toBe(`${address}/centre?lang=kk`);

      // The session: a cookie no script can read, sent only over a secure channel (loopback counts), to this site only.
      const [session, ...others] = await page.cookies();
      expect(others).toEqual([]);
      expect(session).toMatchObject({ name: '__Host-tanu_centre', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
      expect(await page.evaluate('document.cookie')).toBe('');

      const kk = await text();
      for (const t of ['bench-serve.csv', name, '23.11.2026 14:00', '24.11.2026 09:05', 'емтихан нәтижелері', 'жарияланған', 'жоспарланған', 'Asia/Almaty']) expect(kk).toContain(t);
      await fits(page, 1200, 'centre-kk');
      await fits(page, 390, 'centre-kk');
      await page.setViewport({ width: 1200, height: 900 });
      await Promise.all([page.waitForNavigation(), page.click('a[hreflang="ru"]')]);
      const ru = await text();
      for (const t of ['результаты экзаменов', 'опубликован', 'запланирован', 'Выйти']) expect(ru).toContain(t);
      // The table's last column ends inside the page at 1,200 px.
      expect(await page.evaluate(`document.querySelector('table').getBoundingClientRect().right <= document.querySelector('main').getBoundingClientRect().right`)).toBe(true);
      await fits(page, 1200, 'centre-ru');
      await fits(page, 390, 'centre-ru');
      await page.setViewport({ width: 1200, height: 900 });

      const [out] = await Promise.all([page.waitForNavigation(), page.click('form.inline button')]);
      expect(out?.status()).toBe(401);
      expect(await page.cookies()).toEqual([]);
      expect(await page.$('#token')).not.toBeNull();
      expect(await text()).toContain('Вход для центра');
      await fits(page, 390, 'sign-in-ru');

      // Another site's form posting the right token: refused, and no session is made.
      await page.goto(`http://127.0.0.1:${foreignPort}/`);
      const [forged] = await Promise.all([page.waitForNavigation(), page.click('button')]);
      expect(forged?.status()).toBe(403);
      expect(await text()).toContain('Форма отправлена с чужой страницы');
      expect(await page.cookies(address)).toEqual([]);
    } finally {
      // The browser first: fastify's close waits for the connections it keeps alive.
      await browser?.close();
      browser = undefined;
      foreign.close();
      await app.close();
      await reader.close();
    }
  }, 120_000);
});
