import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { requirePaths } from '../config/load.js';
import { localNow } from '../core/clock.js';
import { TanuError } from '../core/tanu-error.js';
import { ChromiumRenderer, findChromium } from '../render/chromium.js';
import { sampleModel } from '../dev/sample.js';
import { loadKindTemplates, printable, renderDocuments } from '../kinds/registry.js';
import { DocumentType } from '../ledger/rows.js';
import { type Ctx, libraryOrFail } from './context.js';

/** `tanu preview`: a sample of one document, as PDF and PNG, for template designers. */
export async function previewCommand(args: { document: string | undefined; language: string | undefined; out: string }, ctx: Ctx): Promise<number> {
  const type = DocumentType.safeParse(args.document);
  const languages = args.language ?? 'kk';
  if (!type.success || !['kk', 'ru', 'both'].includes(languages)) {
    const usage = `--document ${DocumentType.options.join('|')} --document-language kk|ru|both`;
    throw new TanuError('USAGE', { detail: { kk: usage, ru: usage } });
  }
  const library = await libraryOrFail(ctx);
  await requirePaths(ctx.config, ['templates']);
  const templates = loadKindTemplates(ctx.config.paths.templates);
  const renderer = new ChromiumRenderer(templates, {
    executablePath: findChromium(ctx.config.documents.chromium),
    concurrency: 1,
    printBatch: ctx.config.documents.print_batch,
  });
  try {
    const model = sampleModel(type.data, languages as 'kk' | 'ru' | 'both', ctx.config, library, localNow(ctx.io.clock, ctx.config.timezone).date);
    const [rendered] = await renderDocuments(renderer, templates, [model], { sample: true, now: ctx.io.clock.now() });
    if (!rendered) throw new Error('nothing rendered');
    if ('error' in rendered) throw rendered.error;
    await mkdir(args.out, { recursive: true });
    const base = join(args.out, `${type.data}-${languages}`);
    const written = [`${base}.pdf`, `${base}.png`];
    await writeFile(`${base}.pdf`, rendered.pdf);
    await writeFile(`${base}.png`, await renderer.screenshot(await printable(model, templates), { sample: true }));
    if (rendered.docx) {
      await writeFile(`${base}.docx`, rendered.docx);
      written.push(`${base}.docx`);
    }
    if (ctx.json) ctx.io.out(JSON.stringify({ files: written }));
    else for (const f of written) ctx.io.out(relative(process.cwd(), f));
    return 0;
  } finally {
    await renderer.close();
  }
}
