import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { create } from 'fontkit';

/**
 * The bundled fonts: Noto Serif from @fontsource (SIL Open Font License, the package's
 * LICENSE), in the subsets Kazakh and Russian need. They are inlined into each print as
 * data URIs, so the page loads nothing from outside, and Chromium embeds and subsets them
 * in the PDF. The same files answer "can this text be printed?": a character no face
 * covers is refused before rendering instead of becoming a tofu box.
 */

const FAMILY = 'Tanu Serif';
const PACKAGE = '@fontsource/noto-serif';
/** Kazakh Cyrillic letters (ә ғ қ ң ө ұ ү һ) sit in cyrillic-ext; Kazakh Latin in latin-ext. */
const SUBSETS = ['cyrillic', 'cyrillic-ext', 'latin', 'latin-ext'] as const;
const WEIGHTS = [400, 700] as const;

type Face = BundledFace & { css: string };

/** One face of the bundled fonts, for text drawn straight into a PDF (export/report-pdf.ts). */
export type BundledFace = {
  weight: (typeof WEIGHTS)[number];
  /** The same face as WOFF 1: fontkit subsets its glyf table as it is, which it cannot do from WOFF 2's transformed one. */
  woff: string;
  covers: (codePoint: number) => boolean;
};

export type FontSet = {
  family: string;
  /** @font-face rules with the fonts inline. */
  css: string;
  /** Characters of `text` that no bundled face can print, each once. */
  uncovered(text: string): string[];
  faces: readonly BundledFace[];
};

function parseRanges(value: string): [number, number][] {
  return value.split(',').map((part) => {
    const [from = '', to] = part.trim().replace(/^U\+/i, '').split('-');
    return [parseInt(from, 16), parseInt(to ?? from, 16)];
  });
}

function packageDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve(`${PACKAGE}/package.json`));
}

/** Reads the package's own @font-face CSS, so unicode ranges come from the font's makers. */
function loadFaces(): Face[] {
  const dir = packageDir();
  const faces: Face[] = [];
  for (const weight of WEIGHTS) {
    const css = readFileSync(join(dir, `${weight}.css`), 'utf8');
    for (const block of css.split('@font-face').slice(1)) {
      const file = /url\(\.\/files\/([^)]+-normal\.woff2)\)/.exec(block)?.[1];
      const subset = file && /^noto-serif-(.+)-\d+-normal\.woff2$/.exec(file)?.[1];
      const range = /unicode-range:\s*([^;]+);/.exec(block)?.[1];
      if (!file || !range || !SUBSETS.includes(subset as (typeof SUBSETS)[number])) continue;
      const bytes = readFileSync(join(dir, 'files', file));
      const ranges = parseRanges(range);
      const font = create(bytes) as { hasGlyphForCodePoint(cp: number): boolean };
      faces.push({
        weight,
        woff: join(dir, 'files', file.replace(/\.woff2$/, '.woff')),
        css: `@font-face{font-family:'${FAMILY}';font-style:normal;font-weight:${weight};font-display:block;src:url(data:font/woff2;base64,${bytes.toString('base64')}) format('woff2');unicode-range:${range};}`,
        covers: (cp) => ranges.some(([a, b]) => cp >= a && cp <= b) && font.hasGlyphForCodePoint(cp),
      });
    }
  }
  return faces;
}

let cached: FontSet | undefined;

export function bundledFonts(): FontSet {
  if (cached) return cached;
  const faces = loadFaces();
  const regular = faces.slice(0, faces.length / 2);
  if (regular.length < SUBSETS.length) throw new Error(`${PACKAGE}: expected ${SUBSETS.length} subsets, found ${regular.length}`);
  const known = new Map<number, boolean>();
  const printable = (cp: number) => {
    let ok = known.get(cp);
    if (ok === undefined) {
      // Line breaks and tabs are layout, not glyphs; both weights must carry the character.
      ok = cp === 0x0a || cp === 0x0d || cp === 0x09 || faces.filter((f) => f.covers(cp)).length >= WEIGHTS.length;
      known.set(cp, ok);
    }
    return ok;
  };
  cached = {
    family: FAMILY,
    css: faces.map((f) => f.css).join('\n'),
    uncovered: (text) => [...new Set([...text].filter((ch) => !printable(ch.codePointAt(0) ?? 0)))],
    faces,
  };
  return cached;
}
