import { deflateSync, inflateSync } from 'node:zlib';
import { TanuError } from '../core/tanu-error.js';

/**
 * The one reader and writer of PDF structure for incremental updates (B-LT's DSS, B-LTA's
 * document timestamp): the trailer and startxref, xref tables and xref streams (with
 * objects inside object streams), objects read by number, and an update appended with
 * new or rewritten objects and a trailer whose /Prev is the previous xref. The bytes
 * before an update are never touched, so every earlier signature stays valid. An update
 * is written the way the file already is (a table after a table, an xref stream after a
 * stream: a table after a stream is not allowed by the hybrid-file rules).
 */

export type PdfRef = { ref: number; gen: number };
export type PdfName = { name: string };
/** A string's bytes, as they were between ( ) or < >. */
export type PdfBytes = { bytes: Buffer };
export type PdfDict = Map<string, PdfValue>;
export type PdfStream = { dict: PdfDict; data: Buffer };
export type PdfValue = number | boolean | null | PdfRef | PdfName | PdfBytes | PdfValue[] | PdfDict | PdfStream;

export const isRef = (v: PdfValue | undefined): v is PdfRef => typeof v === 'object' && v !== null && 'ref' in v;
export const isName = (v: PdfValue | undefined, name?: string): v is PdfName => typeof v === 'object' && v !== null && 'name' in v && (name === undefined || v.name === name);
export const isDict = (v: PdfValue | undefined): v is PdfDict => v instanceof Map;
export const isStream = (v: PdfValue | undefined): v is PdfStream => typeof v === 'object' && v !== null && 'data' in v && 'dict' in v;
export const isBytes = (v: PdfValue | undefined): v is PdfBytes => typeof v === 'object' && v !== null && 'bytes' in v;
export const ref = (n: number): PdfRef => ({ ref: n, gen: 0 });
export const name = (n: string): PdfName => ({ name: n });

const broken = (kk: string, ru: string) => new TanuError('PDF_STRUCTURE', { detail: { kk, ru } });

const WHITE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIM = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

/** A parser of PDF objects over the file's bytes, from an offset. */
class Lexer {
  constructor(
    readonly pdf: Buffer,
    public at: number,
  ) {}

  skip() {
    const { pdf } = this;
    for (;;) {
      while (this.at < pdf.length && WHITE.has(pdf[this.at] ?? 0)) this.at++;
      if (pdf[this.at] !== 0x25) return;
      while (this.at < pdf.length && pdf[this.at] !== 0x0a && pdf[this.at] !== 0x0d) this.at++;
    }
  }

  word(): string {
    this.skip();
    const start = this.at;
    while (this.at < this.pdf.length && !WHITE.has(this.pdf[this.at] ?? 0) && !DELIM.has(this.pdf[this.at] ?? 0)) this.at++;
    return this.pdf.toString('latin1', start, this.at);
  }

  peek(text: string): boolean {
    this.skip();
    return this.pdf.toString('latin1', this.at, this.at + text.length) === text;
  }

  value(): PdfValue {
    this.skip();
    const { pdf } = this;
    const c = pdf[this.at];
    if (c === 0x2f) {
      this.at++;
      const raw = this.word();
      return name(raw.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
    }
    if (c === 0x3c && pdf[this.at + 1] === 0x3c) {
      this.at += 2;
      const dict: PdfDict = new Map();
      while (!this.peek('>>')) {
        if (this.at >= pdf.length) throw broken('сөздік жабылмаған', 'словарь не закрыт');
        const key = this.value();
        if (!isName(key)) throw broken('сөздік кілті атау емес', 'ключ словаря не имя');
        dict.set(key.name, this.value());
      }
      this.at += 2;
      return dict;
    }
    if (c === 0x3c) {
      const close = pdf.indexOf(0x3e, this.at);
      if (close < 0) throw broken('он алтылық жол жабылмаған', 'шестнадцатеричная строка не закрыта');
      const hex = pdf.toString('latin1', this.at + 1, close).replace(/\s+/g, '');
      this.at = close + 1;
      return { bytes: Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex') };
    }
    if (c === 0x28) return this.literal();
    if (c === 0x5b) {
      this.at++;
      const items: PdfValue[] = [];
      while (!this.peek(']')) {
        if (this.at >= pdf.length) throw broken('массив жабылмаған', 'массив не закрыт');
        items.push(this.value());
      }
      this.at++;
      return items;
    }
    const word = this.word();
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(word)) throw broken(`күтілмеген «${word}»`, `неожиданное «${word}»`);
    if (/^\d+$/.test(word)) {
      // An integer may be the start of `N G R`.
      const back = this.at;
      const gen = this.word();
      if (/^\d+$/.test(gen) && this.word() === 'R') return { ref: Number(word), gen: Number(gen) };
      this.at = back;
    }
    return Number(word);
  }

  literal(): PdfBytes {
    const { pdf } = this;
    const out: number[] = [];
    let depth = 0;
    this.at++;
    for (; this.at < pdf.length; this.at++) {
      const c = pdf[this.at] ?? 0;
      if (c === 0x5c) {
        const n = pdf[++this.at] ?? 0;
        const esc: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 };
        if (esc[n] !== undefined) out.push(esc[n]);
        else if (n >= 0x30 && n <= 0x37) {
          let octal = '';
          while (octal.length < 3 && (pdf[this.at] ?? 0) >= 0x30 && (pdf[this.at] ?? 0) <= 0x37) octal += String.fromCharCode(pdf[this.at++] ?? 0);
          this.at--;
          out.push(parseInt(octal, 8) & 0xff);
        } else if (n === 0x0d) {
          if (pdf[this.at + 1] === 0x0a) this.at++;
        } else if (n !== 0x0a) out.push(n);
        continue;
      }
      if (c === 0x28) depth++;
      if (c === 0x29 && depth-- === 0) {
        this.at++;
        return { bytes: Buffer.from(out) };
      }
      out.push(c);
    }
    throw broken('жол жабылмаған', 'строка не закрыта');
  }
}

/** A PDF value written back: strings as hex, names escaped, numbers without exponents. */
export function serialize(v: PdfValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(6).replace(/\.?0+$/, '');
  if (Array.isArray(v)) return `[${v.map(serialize).join(' ')}]`;
  if (isDict(v)) return `<<${[...v].map(([k, x]) => `${serialize(name(k))} ${serialize(x)}`).join(' ')}>>`;
  if (isRef(v)) return `${v.ref} ${v.gen} R`;
  if (isName(v)) return `/${v.name.replace(/[^!-~]|[#()<>[\]{}/%]/g, (c) => `#${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
  if (isBytes(v)) return `<${v.bytes.toString('hex')}>`;
  throw new Error('a stream is only written as an object');
}

type XrefEntry = { type: 'free' } | { type: 'offset'; offset: number; gen: number } | { type: 'compressed'; stream: number; index: number };

/** One xref section and its trailer: a revision of the file. */
export type Section = {
  /** Where the section (`xref` or the xref stream's object) starts. */
  offset: number;
  /** Where its revision ends: past the `%%EOF` that follows it. */
  end: number;
  trailer: PdfDict;
  entries: Map<number, XrefEntry>;
  stream: boolean;
};

function revisionEnd(pdf: Buffer, from: number): number {
  const eof = pdf.indexOf('%%EOF', from, 'latin1');
  if (eof < 0) return pdf.length;
  let end = eof + 5;
  if (pdf[end] === 0x0d) end++;
  if (pdf[end] === 0x0a) end++;
  return end;
}

const int = (v: PdfValue | undefined): number => (typeof v === 'number' ? v : 0);

function readSection(pdf: Buffer, offset: number): Section {
  const lexer = new Lexer(pdf, offset);
  if (lexer.peek('xref')) {
    lexer.word();
    const entries = new Map<number, XrefEntry>();
    while (!lexer.peek('trailer')) {
      const first = Number(lexer.word());
      const count = Number(lexer.word());
      if (!Number.isInteger(first) || !Number.isInteger(count)) throw broken('xref кестесі бұзылған', 'таблица xref повреждена');
      for (let i = 0; i < count; i++) {
        const at = Number(lexer.word());
        const gen = Number(lexer.word());
        const kind = lexer.word();
        if (!entries.has(first + i)) entries.set(first + i, kind === 'n' ? { type: 'offset', offset: at, gen } : { type: 'free' });
      }
    }
    lexer.word();
    const trailer = lexer.value();
    if (!isDict(trailer)) throw broken('trailer сөздік емес', 'trailer не словарь');
    return { offset, end: revisionEnd(pdf, lexer.at), trailer, entries, stream: false };
  }
  const object = readObjectAt(pdf, offset, null);
  if (!isStream(object) || !isName(object.dict.get('Type'), 'XRef')) throw broken(`${offset} орнында xref жоқ`, `на смещении ${offset} нет xref`);
  const data = decodeStream(object);
  const widths = (object.dict.get('W') as number[] | undefined) ?? [];
  const [w0 = 1, w1 = 0, w2 = 0] = widths.map(int);
  const size = int(object.dict.get('Size'));
  const index = ((object.dict.get('Index') as number[] | undefined) ?? [0, size]).map(int);
  const field = (at: number, width: number) => {
    let n = 0;
    for (let i = 0; i < width; i++) n = n * 256 + (data[at + i] ?? 0);
    return n;
  };
  const entries = new Map<number, XrefEntry>();
  let at = 0;
  for (let s = 0; s + 1 < index.length; s += 2) {
    const first = index[s] ?? 0;
    for (let i = 0; i < (index[s + 1] ?? 0); i++, at += w0 + w1 + w2) {
      const type = w0 === 0 ? 1 : field(at, w0);
      const a = field(at + w0, w1);
      const b = field(at + w0 + w1, w2);
      entries.set(first + i, type === 1 ? { type: 'offset', offset: a, gen: b } : type === 2 ? { type: 'compressed', stream: a, index: b } : { type: 'free' });
    }
  }
  const end = pdf.indexOf('endobj', offset, 'latin1');
  return { offset, end: revisionEnd(pdf, end), trailer: object.dict, entries, stream: true };
}

/** The PNG predictors (Predictor ≥ 10) xref and object streams are often written with. */
function unpredict(data: Buffer, params: PdfValue | undefined): Buffer {
  if (!isDict(params) || int(params.get('Predictor')) < 10) return data;
  const columns = int(params.get('Columns')) || 1;
  const out = Buffer.alloc(Math.floor(data.length / (columns + 1)) * columns);
  const prev = Buffer.alloc(columns);
  for (let row = 0; (row + 1) * (columns + 1) <= data.length; row++) {
    const filter = data[row * (columns + 1)] ?? 0;
    const line = data.subarray(row * (columns + 1) + 1, (row + 1) * (columns + 1));
    for (let i = 0; i < columns; i++) {
      const left = i > 0 ? (out[row * columns + i - 1] ?? 0) : 0;
      const up = prev[i] ?? 0;
      const upLeft = i > 0 ? (prev[i - 1] ?? 0) : 0;
      const x = line[i] ?? 0;
      const p = left + up - upLeft;
      const paeth = Math.abs(p - left) <= Math.abs(p - up) && Math.abs(p - left) <= Math.abs(p - upLeft) ? left : Math.abs(p - up) <= Math.abs(p - upLeft) ? up : upLeft;
      const pred = [0, left, up, (left + up) >> 1, paeth][filter] ?? 0;
      out[row * columns + i] = (x + pred) & 0xff;
    }
    out.copy(prev, 0, row * columns, (row + 1) * columns);
  }
  return out;
}

/** A stream's data with its filters undone (FlateDecode, the only one Tanu's producers use for structure). */
export function decodeStream(stream: PdfStream): Buffer {
  const filter = stream.dict.get('Filter');
  const filters = Array.isArray(filter) ? filter : filter === undefined ? [] : [filter];
  const params = stream.dict.get('DecodeParms');
  let data = stream.data;
  filters.forEach((f, i) => {
    if (!isName(f, 'FlateDecode')) throw broken(`${isName(f) ? f.name : '?'} сүзгісі оқылмайды`, `фильтр ${isName(f) ? f.name : '?'} не читается`);
    data = unpredict(inflateSync(data), Array.isArray(params) ? params[i] : params);
  });
  return data;
}

function readObjectAt(pdf: Buffer, offset: number, file: PdfFile | null): PdfValue {
  const lexer = new Lexer(pdf, offset);
  lexer.word();
  lexer.word();
  if (lexer.word() !== 'obj') throw broken(`${offset} орнында объект жоқ`, `на смещении ${offset} нет объекта`);
  const value = lexer.value();
  if (!isDict(value) || !lexer.peek('stream')) return value;
  lexer.at += 'stream'.length;
  if (pdf[lexer.at] === 0x0d) lexer.at++;
  if (pdf[lexer.at] === 0x0a) lexer.at++;
  const declared = value.get('Length');
  let length = isRef(declared) && file ? file.resolve(declared) : declared;
  if (typeof length !== 'number') {
    const end = pdf.indexOf('endstream', lexer.at, 'latin1');
    length = end - lexer.at;
  }
  return { dict: value, data: pdf.subarray(lexer.at, lexer.at + length) };
}

/** A PDF as its newest revision sees it: every section by /Prev, objects by number. */
export class PdfFile {
  readonly pdf: Buffer;
  /** Newest first. */
  readonly sections: Section[];
  private readonly entries = new Map<number, XrefEntry>();
  private readonly objects = new Map<number, PdfValue>();

  constructor(bytes: Uint8Array, upTo?: number) {
    this.pdf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = upTo ?? this.pdf.length;
    const tail = this.pdf.toString('latin1', Math.max(0, end - 1024), end);
    const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail) ?? /startxref\s+(\d+)/.exec(tail.slice(tail.lastIndexOf('startxref')));
    if (!m) throw broken('startxref табылмады', 'startxref не найден');
    this.sections = [];
    const seen = new Set<number>();
    for (let at: number | null = Number(m[1]); at !== null; ) {
      if (seen.has(at) || at >= end) throw broken('/Prev тізбегі бұзылған', 'цепочка /Prev повреждена');
      seen.add(at);
      const section = readSection(this.pdf, at);
      this.sections.push(section);
      const prev = section.trailer.get('Prev');
      at = typeof prev === 'number' ? prev : null;
    }
    for (const section of this.sections) for (const [n, e] of section.entries) if (!this.entries.has(n)) this.entries.set(n, e);
  }

  get trailer(): PdfDict {
    return this.sections[0]?.trailer ?? new Map();
  }

  /** Whether the newest revision writes xref streams. */
  get usesXrefStreams(): boolean {
    return this.sections[0]?.stream ?? false;
  }

  get size(): number {
    return Math.max(int(this.trailer.get('Size')), ...[...this.entries.keys()].map((n) => n + 1));
  }

  /** Whether object `n` is in use in this revision. */
  has(n: number): boolean {
    const e = this.entries.get(n);
    return e !== undefined && e.type !== 'free';
  }

  object(n: number): PdfValue {
    const cached = this.objects.get(n);
    if (cached !== undefined || this.objects.has(n)) return cached ?? null;
    const entry = this.entries.get(n);
    let value: PdfValue = null;
    if (entry?.type === 'offset') value = readObjectAt(this.pdf, entry.offset, this);
    else if (entry?.type === 'compressed') value = this.fromObjectStream(entry.stream, entry.index);
    this.objects.set(n, value);
    return value;
  }

  /** A value with a reference followed (once: PDF values are read one level at a time). */
  resolve(v: PdfValue | undefined): PdfValue {
    return isRef(v) ? this.object(v.ref) : (v ?? null);
  }

  dict(v: PdfValue | undefined): PdfDict | null {
    const d = this.resolve(v);
    return isDict(d) ? d : isStream(d) ? d.dict : null;
  }

  get catalog(): PdfDict {
    const root = this.dict(this.trailer.get('Root'));
    if (!root) throw broken('/Root каталогы жоқ', 'нет каталога /Root');
    return root;
  }

  get rootNumber(): number {
    const root = this.trailer.get('Root');
    if (!isRef(root)) throw broken('/Root сілтеме емес', '/Root не ссылка');
    return root.ref;
  }

  /** Page 1's object number and dictionary, down the page tree. */
  firstPage(): { number: number; dict: PdfDict } {
    let at = this.catalog.get('Pages');
    for (let depth = 0; depth < 32 && isRef(at); depth++) {
      const node = this.dict(at);
      if (!node) break;
      if (isName(node.get('Type'), 'Page')) return { number: at.ref, dict: node };
      const kids = this.resolve(node.get('Kids'));
      at = Array.isArray(kids) ? kids[0] : undefined;
    }
    throw broken('1-бет табылмады', 'страница 1 не найдена');
  }

  private fromObjectStream(stream: number, index: number): PdfValue {
    const container = this.object(stream);
    if (!isStream(container)) throw broken(`${stream} объектілер ағыны емес`, `${stream} не поток объектов`);
    const data = decodeStream(container);
    const first = int(container.dict.get('First'));
    const header = new Lexer(data, 0);
    let offset = 0;
    for (let i = 0; i <= index; i++) {
      header.value();
      offset = int(header.value());
    }
    return new Lexer(data, first + offset).value();
  }
}

/** An object an update writes: a value, or a stream whose /Length is set here. */
export type NewObject = { number: number; value: PdfValue };

/**
 * The file with an incremental update appended: `objects` (new numbers from `file.size`
 * upward, or existing numbers rewritten) and a trailer carrying /Root, /Info, /ID and
 * /Prev; `raw` objects are written as the text given (placeholders a caller patches). Returns the bytes and where each object starts, for a caller that patches
 * fixed-width placeholders afterwards (a signature's /ByteRange and /Contents).
 */
export function appendUpdate(file: PdfFile, objects: readonly NewObject[], raw: ReadonlyMap<number, string> = new Map()): { pdf: Buffer; offsets: Map<number, number> } {
  const parts: Buffer[] = [file.pdf];
  let length = file.pdf.length;
  const push = (b: Buffer) => {
    parts.push(b);
    length += b.length;
  };
  const last = file.pdf[file.pdf.length - 1];
  if (last !== 0x0a && last !== 0x0d) push(Buffer.from('\n', 'latin1'));
  const offsets = new Map<number, number>();
  for (const [number, text] of raw) {
    offsets.set(number, length);
    push(Buffer.from(`${number} 0 obj\n${text}\nendobj\n`, 'latin1'));
  }
  for (const { number, value } of objects) {
    offsets.set(number, length);
    if (isStream(value)) {
      const dict = new Map(value.dict);
      dict.set('Length', value.data.length);
      push(Buffer.from(`${number} 0 obj\n${serialize(dict)}\nstream\n`, 'latin1'));
      push(value.data);
      push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
    } else push(Buffer.from(`${number} 0 obj\n${serialize(value)}\nendobj\n`, 'latin1'));
  }
  const trailer: PdfDict = new Map();
  for (const key of ['Root', 'Info', 'ID']) {
    const v = file.trailer.get(key);
    if (v !== undefined) trailer.set(key, v);
  }
  trailer.set('Prev', file.sections[0]?.offset ?? 0);
  const numbers = [...offsets.keys()];
  const xrefAt = length;
  if (file.usesXrefStreams) {
    const self = Math.max(file.size, ...numbers.map((n) => n + 1));
    offsets.set(self, xrefAt);
    numbers.push(self);
    const { index, rows } = runs(numbers, (n) => {
      const row = Buffer.alloc(7);
      row[0] = 1;
      row.writeUInt32BE(offsets.get(n) ?? 0, 1);
      return row;
    });
    const dict: PdfDict = new Map([
      ['Type', name('XRef')],
      ['Size', self + 1],
      ['W', [1, 4, 2]],
      ['Index', index],
      ['Filter', name('FlateDecode')],
      ...trailer,
    ]);
    const data = deflateSync(Buffer.concat(rows));
    dict.set('Length', data.length);
    push(Buffer.from(`${self} 0 obj\n${serialize(dict)}\nstream\n`, 'latin1'));
    push(data);
    push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  } else {
    trailer.set('Size', Math.max(file.size, ...numbers.map((n) => n + 1)));
    const { index, rows } = runs(numbers, (n) => Buffer.from(`${String(offsets.get(n) ?? 0).padStart(10, '0')} 00000 n\r\n`, 'latin1'));
    const lines: Buffer[] = [Buffer.from('xref\n', 'latin1')];
    let row = 0;
    for (let s = 0; s < index.length; s += 2) {
      lines.push(Buffer.from(`${index[s]} ${index[s + 1]}\n`, 'latin1'));
      for (let i = 0; i < (index[s + 1] ?? 0); i++) lines.push(rows[row++] ?? Buffer.alloc(0));
    }
    lines.push(Buffer.from(`trailer\n${serialize(trailer)}\n`, 'latin1'));
    push(Buffer.concat(lines));
  }
  push(Buffer.from(`startxref\n${xrefAt}\n%%EOF\n`, 'latin1'));
  return { pdf: Buffer.concat(parts, length), offsets };
}

/** Object numbers in contiguous runs (/Index pairs), each row made in that order. */
function runs(numbers: number[], row: (n: number) => Buffer): { index: number[]; rows: Buffer[] } {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const index: number[] = [];
  for (const n of sorted) {
    const lastStart = index[index.length - 2];
    const lastCount = index[index.length - 1];
    if (lastStart !== undefined && lastCount !== undefined && lastStart + lastCount === n) index[index.length - 1] = lastCount + 1;
    else index.push(n, 1);
  }
  return { index, rows: sorted.map(row) };
}
