import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { create } from 'fontkit';
import { PDFName, type PDFDocument, type PDFFont, type PDFPage } from 'pdf-lib';
import { type BundledFace, bundledFonts } from './fonts.js';

/**
 * Text drawn straight into a PDF with the bundled fonts, for Tanu's own long tables (the
 * export's verification report) that a browser would take milliseconds per row to lay
 * out. The caller writes content-stream operators as text and places the lines itself;
 * this module measures, wraps and encodes. Every face is embedded as a subset of the
 * glyphs shown. A character no face covers is shown as its code (`[U+1F600]`), never
 * dropped.
 */

export type Weight = BundledFace['weight'];

type Kit = Parameters<PDFDocument['registerFontkit']>[0];
type Metrics = { unitsPerEm: number; glyphForCodePoint(codePoint: number): { advanceWidth: number } };
type Subset = { encode(): Uint8Array; encodeStream?: () => EventEmitter };

/** pdf-lib 1.17 was written for its fork of fontkit 1, whose subsets were streams; fontkit 2's is encoded at once. */
const fontkit: Kit = {
  create(bytes) {
    const font = create(bytes) as { createSubset(): Subset };
    const createSubset = font.createSubset.bind(font);
    font.createSubset = () => {
      const subset = createSubset();
      subset.encodeStream = () => {
        const events = new EventEmitter();
        // pdf-lib attaches its listeners after the call returns.
        queueMicrotask(() => {
          try {
            events.emit('data', subset.encode());
            events.emit('end');
          } catch (e) {
            events.emit('error', e);
          }
        });
        return events;
      };
      return subset;
    };
    return font as unknown as ReturnType<Kit['create']>;
  },
};

/**
 * A WOFF 1 font as the plain TrueType file it wraps. fontkit reads a WOFF's table by
 * inflating it on every access, and its subsetter reads the glyf table once per glyph: the
 * inflation was most of the time a report took to finish.
 */
function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF 1 font');
  const count = woff.readUInt16BE(12);
  const tables = Array.from({ length: count }, (_, i) => {
    const at = 44 + i * 20;
    const [offset, compressed, length] = [woff.readUInt32BE(at + 4), woff.readUInt32BE(at + 8), woff.readUInt32BE(at + 12)];
    const stored = woff.subarray(offset, offset + compressed);
    return { tag: woff.subarray(at, at + 4), checksum: woff.readUInt32BE(at + 16), data: compressed < length ? inflateSync(stored) : stored };
  });
  const header = Buffer.alloc(12 + 16 * count);
  woff.copy(header, 0, 4, 8);
  const power = 2 ** Math.floor(Math.log2(count));
  header.writeUInt16BE(count, 4);
  header.writeUInt16BE(power * 16, 6);
  header.writeUInt16BE(Math.log2(power), 8);
  header.writeUInt16BE(count * 16 - power * 16, 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((table, i) => {
    const at = 12 + i * 16;
    table.tag.copy(header, at);
    header.writeUInt32BE(table.checksum, at + 4);
    header.writeUInt32BE(offset, at + 8);
    header.writeUInt32BE(table.data.length, at + 12);
    const padded = Buffer.alloc((table.data.length + 3) & ~3);
    table.data.copy(padded);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}

type Face = { weight: Weight; name: string; font: PDFFont; metrics: Metrics; covers: (codePoint: number) => boolean };
type Glyph = { face: Face; advance: number; hex?: string };

const LAYOUT = new Set([0x0a, 0x0d, 0x09]);
/** A coordinate as a content stream writes it: two decimals are a hundredth of a point. */
export const num = (x: number) => String(Math.round(x * 100) / 100);

export class PdfText {
  private readonly glyphs = new Map<number, Glyph | null>();
  /**
   * Wrapped and encoded strings seen lately: a report's rows repeat most of their text
   * (type, status, verdict, signer), and a row's lines were most of its cost. Emptied when
   * full, so it cannot grow. Text the caller says does not repeat (serials, hashes) is not
   * kept: kept, it filled the map every few hundred rows and, having outlived V8's young
   * generation, stayed as garbage: the peak of an export of 10,000 documents fell by about
   * 40 MB when it was no longer kept.
   */
  private readonly recent = new Map<string, string[] | string>();

  private remember<T extends string[] | string>(key: string, make: () => T, repeats: boolean): T {
    if (!repeats) return make();
    let value = this.recent.get(key) as T | undefined;
    if (value === undefined) {
      if (this.recent.size >= 4096) this.recent.clear();
      value = make();
      this.recent.set(key, value);
    }
    return value;
  }

  private constructor(private readonly faces: readonly Face[]) {}

  static async embed(doc: PDFDocument): Promise<PdfText> {
    doc.registerFontkit(fontkit);
    const faces = await Promise.all(
      bundledFonts().faces.map(async (face, i) => {
        const bytes = woffToSfnt(readFileSync(face.woff));
        return { weight: face.weight, name: `T${i}`, covers: face.covers, metrics: create(bytes) as Metrics, font: await doc.embedFont(bytes, { subset: true }) };
      }),
    );
    return new PdfText(faces);
  }

  /** The fonts as the page's resources, under the names `show` uses. */
  use(page: PDFPage): void {
    for (const face of this.faces) page.node.setFontDictionary(PDFName.of(face.name), face.font.ref);
  }

  private glyph(codePoint: number, weight: Weight): Glyph | null {
    const key = codePoint * 2 + (weight === 700 ? 1 : 0);
    let glyph = this.glyphs.get(key);
    if (glyph === undefined) {
      const face = LAYOUT.has(codePoint) ? undefined : this.faces.find((f) => f.weight === weight && f.covers(codePoint));
      glyph = face ? { face, advance: face.metrics.glyphForCodePoint(codePoint).advanceWidth / face.metrics.unitsPerEm } : null;
      this.glyphs.set(key, glyph);
    }
    return glyph;
  }

  /** `text` with line breaks as \n and every character either weight cannot show replaced by its code. */
  printable(text: string): string {
    let out = '';
    for (const ch of text.replace(/\r\n?/g, '\n').replaceAll('\t', ' ')) {
      const cp = ch.codePointAt(0) ?? 0;
      out += cp === 0x0a || (this.glyph(cp, 400) && this.glyph(cp, 700)) ? ch : `[U+${cp.toString(16).toUpperCase().padStart(4, '0')}]`;
    }
    return out;
  }

  private shown(ch: string, weight: Weight): Glyph {
    const glyph = this.glyph(ch.codePointAt(0) ?? 0, weight);
    if (!glyph) throw new Error(`no bundled face shows U+${(ch.codePointAt(0) ?? 0).toString(16)}: pass the text through printable()`);
    return glyph;
  }

  width(text: string, size: number, weight: Weight): number {
    let em = 0;
    for (const ch of text) em += this.shown(ch, weight).advance;
    return em * size;
  }

  /**
   * The lines `text` takes in `width`: broken at its line breaks, then between words, and
   * inside a word only when the word alone is wider than the column. Nothing is cut.
   */
  wrap(text: string, width: number, size: number, weight: Weight, repeats = true): string[] {
    return this.remember(`w${width} ${size} ${weight} ${text}`, () => this.wrapped(text, width, size, weight), repeats);
  }

  private wrapped(text: string, width: number, size: number, weight: Weight): string[] {
    const lines: string[] = [];
    const space = this.width(' ', size, weight);
    for (const paragraph of this.printable(text).split('\n')) {
      let line = '';
      let used = 0;
      for (const word of paragraph.split(' ')) {
        const w = this.width(word, size, weight);
        if (line !== '' && used + space + w <= width) {
          line += ` ${word}`;
          used += space + w;
          continue;
        }
        if (line !== '') lines.push(line);
        line = '';
        used = 0;
        for (const ch of word) {
          const cw = this.shown(ch, weight).advance * size;
          if (line !== '' && used + cw > width) {
            lines.push(line);
            line = '';
            used = 0;
          }
          line += ch;
          used += cw;
        }
      }
      lines.push(line);
    }
    return lines;
  }

  /** Content-stream operators that show one line of printable text with its baseline starting at (x, y). */
  show(text: string, x: number, y: number, size: number, weight: Weight, repeats = true): string {
    return `BT 1 0 0 1 ${num(x)} ${num(y)} Tm${this.remember(`s${size} ${weight} ${text}`, () => this.encoded(text, size, weight), repeats)} ET`;
  }

  /** The font changes and glyph strings that show a line. */
  private encoded(text: string, size: number, weight: Weight): string {
    let ops = '';
    let face: Face | undefined;
    let hex = '';
    for (const ch of text) {
      const glyph = this.shown(ch, weight);
      // Encoded one character at a time, the first time it is shown (which puts it in the subset): pdf-lib's encodeText shapes every string it is given, about 0.25 ms each, and Tj applies no shaping anyway.
      glyph.hex ??= glyph.face.font.encodeText(ch).asString();
      if (glyph.face !== face) {
        if (hex) ops += ` <${hex}> Tj`;
        face = glyph.face;
        ops += ` /${face.name} ${num(size)} Tf`;
        hex = '';
      }
      hex += glyph.hex;
    }
    if (hex) ops += ` <${hex}> Tj`;
    return ops;
  }
}
