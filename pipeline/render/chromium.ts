import { existsSync } from 'node:fs';
import PQueue from 'p-queue';
import { PDFDocument } from 'pdf-lib';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { TanuError } from '../core/tanu-error.js';
import { bundledFonts } from './fonts.js';
import type { Printable, TemplateSet } from './templates.js';
import { type RenderOptions, finishTitled } from './finish.js';

/**
 * The Renderer seam and its Chromium implementation. One browser is launched and reused;
 * one-page documents (certificates) are laid out many to a page and printed at once, then
 * split with pdf-lib: measured about ten times faster than one print per document. The
 * page runs no JavaScript and loads nothing: every request is refused (fonts and the QR
 * are inline). A crashed or hung browser is killed, relaunched and the work retried;
 * rendering has no side effects, so a retry cannot double anything.
 */

export type RenderResult = { pdf: Uint8Array; pages: number } | { error: TanuError };

export interface Renderer {
  /** One result per document, in order; a document that cannot be printed gets its error, the rest go on. */
  render(documents: readonly Printable[], options: RenderOptions): Promise<RenderResult[]>;
  /** Starts the browser now, while the caller reads its file, so the first print waits for no launch. */
  warm(): void;
  /** The same document laid out as an A4 picture, for template designers. */
  screenshot(document: Printable, options: { sample: boolean }): Promise<Uint8Array>;
  close(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'];

export function findChromium(configured?: string): string {
  const found = configured ?? CANDIDATES.find((p) => existsSync(p));
  if (!found || !existsSync(found))
    throw new TanuError('RENDER_FAILED', {
      detail: { kk: 'Chromium табылмады (npm run setup оны орнатады)', ru: 'не найден Chromium (его устанавливает npm run setup)' },
    });
  return found;
}

/** The flags this closed network needs: without them Chromium keeps trying to reach Google. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--font-render-hinting=none',
];

export type ChromiumOptions = {
  executablePath: string;
  concurrency: number;
  /** One-page documents printed together. */
  printBatch: number;
  /** A print that takes longer is taken for a hang. */
  timeoutMs?: number;
  /** A launch that takes longer has failed (Puppeteer's own default for the same wait). */
  launchTimeoutMs?: number;
  attempts?: number;
  /** Chromium's environment: Tanu's own, without its secrets (see startEngine). */
  env?: Record<string, string | undefined>;
};

/** Prints per page before it is replaced (see withPage). */
const PAGE_USES = 8;

/** A4 at 96 dpi, the size Chromium lays a page out at. */
const A4 = { width: 794, height: 1123 };

export class ChromiumRenderer implements Renderer {
  private browser: Promise<Browser> | undefined;
  private readonly idle: Page[] = [];
  /** The first page, being opened by warm() while the caller reads its file. */
  private warming: Promise<Page | undefined> | undefined;
  /** Browsers whose own tab, the blank one Chromium opens at launch, has been made a page. */
  private readonly tabTaken = new WeakSet<Browser>();
  private readonly uses = new WeakMap<Page, number>();
  private readonly queue: PQueue;
  /** Restarts after a crash or hang, for the operator's log and the tests. */
  restarts = 0;

  constructor(
    private readonly templates: TemplateSet,
    private readonly options: ChromiumOptions,
  ) {
    this.queue = new PQueue({ concurrency: options.concurrency });
  }

  private launch(): Promise<Browser> {
    const launchTimeout = this.options.launchTimeoutMs ?? 30_000;
    this.browser ??= settleWithin(
      puppeteer.launch({
        executablePath: this.options.executablePath,
        headless: true,
        args: ARGS,
        // pipe: Chromium talks over a pipe (its fds 3 and 4), so it exits when this process dies, even by kill -9.
        pipe: true,
        // Tanu owns its signals: SIGINT and SIGTERM drain the batch in hand, then close this
        // browser. Puppeteer's own handlers would kill it at once, and on SIGINT exit with 130.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        protocolTimeout: this.timeout() * 2,
        ...(this.options.env ? { env: this.options.env } : {}),
      }),
      launchTimeout,
      `Chromium did not start within ${launchTimeout} ms`,
      (late) => void late.close().catch(() => {}),
    ).then((browser) => {
      browser.on('disconnected', () => this.forget(browser));
      return browser;
    });
    return this.browser;
  }

  warm(): void {
    // The first page too: opening it costs Chromium another half second on a slow machine.
    // A launch that fails here is tried again by the first print (withPage), which reports it.
    if (this.browser || this.warming) return;
    this.warming = this.page().catch(() => undefined);
  }

  private forget(browser: Browser) {
    void this.browser?.then((b) => {
      if (b === browser) this.browser = undefined;
    });
    this.idle.length = 0;
    this.warming = undefined;
  }

  private timeout() {
    return this.options.timeoutMs ?? 60_000;
  }

  /** The browser process, for tests that kill it on purpose. */
  async pid(): Promise<number | undefined> {
    return (await this.launch()).process()?.pid;
  }

  private async page(): Promise<Page> {
    // The page warm() is opening goes to the first print that asks, even before it is open:
    // another page opened beside it would cost the first print the time warm() saved.
    const warming = this.warming;
    this.warming = undefined;
    const warmed = await warming;
    if (warmed && !warmed.isClosed()) return warmed;
    const reused = this.idle.pop();
    if (reused && !reused.isClosed()) return reused;
    const browser = await this.launch();
    // The launch's own tab first: opening another costs the first print half a second.
    let tab: Page | undefined;
    if (!this.tabTaken.has(browser)) {
      this.tabTaken.add(browser);
      [tab] = await browser.pages();
    }
    const page = tab && !tab.isClosed() ? tab : await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      // data: URLs never reach the network; anything else is refused, whatever a template asks for.
      if (request.url().startsWith('data:')) void request.continue();
      else void request.abort('blockedbyclient');
    });
    await page.setViewport(A4);
    return page;
  }

  /** Runs one step on a page with a deadline; a crash or a hang restarts the browser and retries. */
  private async withPage<T>(step: (page: Page) => Promise<T>): Promise<T> {
    const attempts = this.options.attempts ?? 3;
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let page: Page | undefined;
      let deadline: ReturnType<typeof rejectOnAbort> | undefined;
      try {
        page = await this.page();
        const current = page;
        deadline = rejectOnAbort(AbortSignal.timeout(this.timeout()), `print took over ${this.timeout()} ms`);
        const result = await Promise.race([step(current), deadline.promise]);
        // A page that has printed many times is closed rather than reused: Chromium's memory otherwise grows with every print.
        const uses = (this.uses.get(current) ?? 0) + 1;
        if (uses >= PAGE_USES) await current.close().catch(() => {});
        else {
          this.uses.set(current, uses);
          this.idle.push(current);
        }
        return result;
      } catch (e) {
        last = e;
        this.restarts++;
        await this.kill();
      } finally {
        deadline?.off();
      }
    }
    throw new TanuError('RENDER_FAILED', { detail: { kk: String(last), ru: String(last) } }, { cause: last });
  }

  private async kill() {
    const pending = this.browser;
    this.browser = undefined;
    this.idle.length = 0;
    this.warming = undefined;
    const browser = await pending?.catch(() => undefined);
    browser?.process()?.kill('SIGKILL');
    await browser?.close().catch(() => undefined);
  }

  private async print(html: string): Promise<Uint8Array> {
    return this.withPage(async (page) => {
      await page.setContent(html, { waitUntil: 'load', timeout: this.timeout() });
      return page.pdf({ preferCSSPageSize: true, printBackground: true, tagged: false, outline: false, timeout: this.timeout() });
    });
  }

  async render(documents: readonly Printable[], options: RenderOptions): Promise<RenderResult[]> {
    const fonts = bundledFonts();
    const results: RenderResult[] = new Array(documents.length);
    const printable: number[] = [];
    documents.forEach((document, i) => {
      const missing = fonts.uncovered(printedText(document.values));
      if (missing.length > 0) results[i] = { error: new TanuError('UNSUPPORTED_CHARACTER', { value: missing.join(' ') }) };
      else printable.push(i);
    });
    const onePage = printable.filter((i) => documents[i]?.onePage);
    const single = printable.filter((i) => !documents[i]?.onePage);
    const chunks: number[][] = [];
    for (let k = 0; k < onePage.length; k += this.options.printBatch) chunks.push(onePage.slice(k, k + this.options.printBatch));

    const one = async (i: number) => {
      const document = documents[i] as Printable;
      const pdf = await this.print(this.templates.page([document], options));
      results[i] = await finish(await PDFDocument.load(pdf, { updateMetadata: false }), document, options);
    };
    const batch = async (chunk: number[]) => {
      const chunkDocuments = chunk.map((i) => documents[i] as Printable);
      const source = await PDFDocument.load(await this.print(this.templates.page(chunkDocuments, options)));
      // Each must have filled exactly one page; if one overflowed, print the chunk one by one.
      if (source.getPageCount() !== chunk.length) return Promise.all(chunk.map(one));
      for (const [k, i] of chunk.entries()) {
        const part = await PDFDocument.create();
        const [page] = await part.copyPages(source, [k]);
        if (page) part.addPage(page);
        results[i] = await finish(part, chunkDocuments[k] as Printable, options);
      }
    };
    const settle = (i: number) => (e: unknown) => {
      results[i] = { error: e instanceof TanuError ? e : new TanuError('RENDER_FAILED', { detail: { kk: String(e), ru: String(e) } }) };
    };
    await Promise.all([
      ...chunks.map((chunk) => this.queue.add(() => batch(chunk)).catch((e) => chunk.forEach((i) => settle(i)(e)))),
      ...single.map((i) => this.queue.add(() => one(i)).catch(settle(i))),
    ]);
    return results;
  }

  async screenshot(document: Printable, options: { sample: boolean }): Promise<Uint8Array> {
    const html = this.templates.page([document], options);
    return this.withPage(async (page) => {
      await page.setContent(html, { waitUntil: 'load', timeout: this.timeout() });
      return page.screenshot({ type: 'png', fullPage: true });
    });
  }

  async close(): Promise<void> {
    await this.queue.onIdle();
    const browser = await this.browser?.catch(() => undefined);
    this.browser = undefined;
    await browser?.close();
  }
}

/**
 * The launch within a deadline. Puppeteer's launch never settles when Chromium dies while
 * its first targets attach (seen here as a kill in a 10 ms window): nothing is left to wake
 * the process, so `tanu watch` waiting on it at shutdown ended with Node's exit 13. The
 * timer is a real one (AbortSignal.timeout's does not keep the process alive); a browser
 * that starts after its deadline is closed, not leaked.
 */
function settleWithin<T>(started: Promise<T>, ms: number, message: string, late: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      reject(new Error(message));
    }, ms);
    started.then(
      (value) => {
        clearTimeout(timer);
        if (expired) late(value);
        else resolve(value);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A promise that fails once the signal aborts; `off` stops listening when the race is over, so a late deadline rejects nothing. */
function rejectOnAbort(signal: AbortSignal, message: string): { promise: Promise<never>; off: () => void } {
  let off = () => {};
  const promise = new Promise<never>((_, reject) => {
    const listener = () => reject(new Error(message));
    signal.addEventListener('abort', listener, { once: true });
    off = () => signal.removeEventListener('abort', listener);
  });
  return { promise, off };
}

/** A printed document finished under its own title and first language (finish.ts). */
const finish = (doc: PDFDocument, document: Printable, options: RenderOptions) => finishTitled(doc, document.title, document.languages[0] ?? 'kk', options);

/** Every piece of text a document will print, for the font coverage check. */
export function printedText(values: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(values);
  return out.join('\n');
}
