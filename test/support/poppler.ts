import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Independent readers of what Tanu writes: poppler's pdftotext, pdffonts and pdftoppm, and
 * zbarimg for QR codes. Tests judge PDFs by what these tools see, never by their bytes.
 */
function withFile<T>(bytes: Uint8Array, name: string, f: (path: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'tanu-pdf-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return f(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of a PDF with white space folded to single spaces and words rejoined where a line broke after a hyphen. */
export const pdfText = (pdf: Uint8Array) =>
  withFile(pdf, 'doc.pdf', (path) => execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' }))
    .replace(/\s+/g, ' ')
    .replace(/(\p{L})- (\p{L})/gu, '$1-$2');

export const pdfPages = (pdf: Uint8Array) =>
  Number(/Pages:\s+(\d+)/.exec(withFile(pdf, 'doc.pdf', (path) => execFileSync('pdfinfo', [path], { encoding: 'utf8' })))?.[1]);

/** Every one of `expected` is in `text`, each reported by itself when it is not. */
export function expectAllIn(text: string, expected: readonly string[]) {
  const missing = expected.filter((s) => !text.includes(s));
  if (missing.length > 0) throw new Error(`missing from the text: ${missing.map((m) => JSON.stringify(m)).join(', ')}\n---\n${text}`);
}

/** pdffonts rows: name, whether embedded and subset. */
export function pdfFonts(pdf: Uint8Array): { name: string; embedded: boolean; subset: boolean }[] {
  const out = withFile(pdf, 'doc.pdf', (path) => execFileSync('pdffonts', [path], { encoding: 'utf8' }));
  return out
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      // name … emb sub uni object ID: the flags are the 5th-to-last to 3rd-to-last columns.
      return { name: cols[0] ?? '', embedded: cols.at(-5) === 'yes', subset: cols.at(-4) === 'yes' };
    });
}

/** Every QR code on the first page, decoded by zbarimg from a 200 dpi raster. */
export const pdfQrCodes = (pdf: Uint8Array): string[] =>
  withFile(pdf, 'doc.pdf', (path, dir) => {
    execFileSync('pdftoppm', ['-png', '-r', '200', '-f', '1', '-l', '1', '-singlefile', path, join(dir, 'page')]);
    const out = execFileSync('zbarimg', ['-q', '--raw', join(dir, 'page.png')], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean);
  });


/** The lines of each page as `pdftotext -layout` places them: what a reader sees broken where. */
export const pdfPageLines = (pdf: Uint8Array): string[][] =>
  withFile(pdf, 'doc.pdf', (path) => execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', path, '-'], { encoding: 'utf8' }))
    .split('\f')
    .slice(0, -1)
    .map((page) =>
      page
        .split('\n')
        .map((l) => l.replace(/\s+/g, ' ').trim())
        .filter(Boolean),
    );

export const pdfLines = (pdf: Uint8Array): string[] => pdfPageLines(pdf).flat();

/** Each of `expected` whole on some line: reported with the lines when one is broken across two. */
export function expectOnOneLine(lines: readonly string[], expected: readonly string[]) {
  const broken = expected.filter((s) => !lines.some((l) => l.includes(s)));
  if (broken.length > 0) throw new Error(`not on one line: ${broken.map((m) => JSON.stringify(m)).join(', ')}\n---\n${lines.join('\n')}`);
}

/** The text of each page, folded like pdfText. */
export const pdfPageTexts = (pdf: Uint8Array): string[] =>
  withFile(pdf, 'doc.pdf', (path) => execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' }))
    .split('\f')
    .slice(0, -1)
    .map((page) => page.replace(/\s+/g, ' ').replace(/(\p{L})- (\p{L})/gu, '$1-$2'));
