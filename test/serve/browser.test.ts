import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { tanu } from '../support/cli.js';
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
    const unknownSerial = await tanu(['revoke', 'DEMO01-2026-000777', '--reason', 'fraud', '--config', p.config]);
    expect(unknownSerial.code).toBe(1);
    expect(unknownSerial.err).toContain('[UNKNOWN_SERIAL]');

    // tanu verify: the signature still holds, the document does not.
    const verify = await tanu(['verify', pdfPath, '--config', p.config]);
    expect(verify.code).toBe(1);
    expect(verify.out).toContain('подпись верна, но документ отозван');
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
});
