import type { Bilingual } from '../core/catalogue.js';
import { derLength } from './cms.js';
import { dssOf } from './dss.js';
import { type PdfDict, type PdfValue, PdfFile, isBytes, isDict, isName, isRef, serialize } from './pdf-update.js';
import type { ValidationData } from './validation-data.js';

/**
 * Readers of a PDF's revisions for verification and `tanu extend`: its signatures and
 * document timestamps (from the AcroForm's signature fields), its DSS, and what the
 * updates after a signature changed.
 */

export type PdfSignature = {
  kind: 'signature' | 'document-timestamp';
  subFilter: string;
  byteRange: [number, number, number, number];
  /** The DER, padding cut. */
  contents: Uint8Array;
  revisionEnd: number;
  /** Latin-1 text of the signature dictionary. */
  dictionary: string;
};

/** Every signature field's value, in file order. */
export function pdfSignatures(pdf: Uint8Array): PdfSignature[] {
  const file = new PdfFile(pdf);
  const form = file.dict(file.catalog.get('AcroForm'));
  const found: PdfSignature[] = [];
  const visit = (field: PdfValue, depth: number) => {
    const dict = file.dict(field);
    if (!dict || depth > 16) return;
    const kids = file.resolve(dict.get('Kids'));
    if (Array.isArray(kids)) for (const kid of kids) visit(kid, depth + 1);
    const value = file.dict(dict.get('V'));
    const range = value ? file.resolve(value.get('ByteRange')) : null;
    const contents = value?.get('Contents');
    // A field prepared but not yet signed has placeholder names in its /ByteRange.
    if (!value || !Array.isArray(range) || range.length !== 4 || !range.every((n) => typeof n === 'number') || !isBytes(contents)) return;
    const byteRange = range as [number, number, number, number];
    const subFilter = value.get('SubFilter');
    const docTimestamp = isName(value.get('Type'), 'DocTimeStamp') || isName(subFilter, 'ETSI.RFC3161');
    found.push({
      kind: docTimestamp ? 'document-timestamp' : 'signature',
      subFilter: isName(subFilter) ? subFilter.name : '',
      byteRange,
      contents: contents.bytes.subarray(0, Math.min(contents.bytes.length, derLength(contents.bytes))),
      revisionEnd: byteRange[2] + byteRange[3],
      dictionary: serialize(value),
    });
  };
  const fields = form ? file.resolve(form.get('Fields')) : null;
  for (const field of Array.isArray(fields) ? fields : []) visit(field, 0);
  return found.sort((a, b) => a.revisionEnd - b.revisionEnd);
}

export function readDss(pdf: Uint8Array): ValidationData {
  const { entries } = dssOf(new PdfFile(pdf));
  return { certs: entries.certs.ders, ocsps: entries.ocsps.ders, crls: entries.crls.ders };
}

const fail = (kk: string, ru: string) => ({ ok: false as const, detail: { kk, ru } });
const same = (a: PdfValue | undefined, b: PdfValue | undefined) => (a === undefined || b === undefined ? a === b : serialize(a) === serialize(b));

/** `after` is `before` with items appended, each passing `allowed`. */
function appendedOnly(before: PdfValue, after: PdfValue, allowed: (item: PdfValue) => boolean): boolean {
  const old = Array.isArray(before) ? before : [];
  if (!Array.isArray(after) || after.length < old.length) return false;
  return old.every((v, i) => same(v, after[i])) && after.slice(old.length).every(allowed);
}

/**
 * What the updates after the revision ending at `revisionEnd` change. Allowed: a DSS
 * (new or extended, with the ESIC extension), document timestamps with an invisible
 * widget, their fields in the AcroForm and their widgets in a page's /Annots. Anything
 * else rewritten (a page's content, a new visible annotation, an earlier signature,
 * an object freed) is reported.
 */
export function changesAfter(pdf: Uint8Array, revisionEnd: number): { ok: true } | { ok: false; detail: Bilingual } {
  const latest = new PdfFile(pdf);
  const { sections } = latest;
  for (let i = sections.length - 2; i >= 0; i--) {
    const update = sections[i];
    const previous = sections[i + 1];
    if (!update || !previous || update.end <= revisionEnd) continue;
    const before = new PdfFile(pdf, previous.end);
    const after = new PdfFile(pdf, update.end);
    const dssBefore = before.catalog.get('DSS');
    const allowedNew = (n: number) => !before.has(n);
    const isTimestampWidget = (item: PdfValue): boolean => {
      if (!isRef(item) || !allowedNew(item.ref)) return false;
      const w = after.dict(item);
      const rect = w ? after.resolve(w.get('Rect')) : null;
      const sig = w ? after.dict(w.get('V')) : null;
      const zero = Array.isArray(rect) && rect.length === 4 && (rect[0] === rect[2] || rect[1] === rect[3]);
      return !!w && isName(w.get('FT'), 'Sig') && zero && !!sig && isName(sig.get('Type'), 'DocTimeStamp');
    };
    for (const [n, entry] of update.entries) {
      if (entry.type === 'free') return fail(`${n} объектісі жойылған`, `объект ${n} удалён`);
      const now = after.object(n);
      if (!before.has(n)) {
        const d = isDict(now) ? now : null;
        if (d && (isName(d.get('Type'), 'Page') || isName(d.get('Type'), 'Pages') || (isName(d.get('Type'), 'Annot') && !isTimestampWidget({ ref: n, gen: 0 }))))
          return fail(`жаңа ${n} объектісі бетті немесе көрінетін аннотацияны қосады`, `новый объект ${n} добавляет страницу или видимую аннотацию`);
        continue;
      }
      const was = before.object(n);
      if (isRef(dssBefore) && dssBefore.ref === n) continue;
      if (n === before.rootNumber) {
        const a = was as PdfDict;
        const b = isDict(now) ? now : new Map();
        for (const key of new Set([...a.keys(), ...b.keys()])) {
          if (key === 'DSS' || key === 'Extensions' || same(a.get(key), b.get(key))) continue;
          if (key === 'AcroForm' && isDict(a.get('AcroForm')) && formOk(a.get('AcroForm'), b.get('AcroForm'), isTimestampWidget)) continue;
          return fail(`каталогтың /${key} өзгертілген`, `в каталоге изменён /${key}`);
        }
        continue;
      }
      if (isDict(was) && isName(was.get('Type'), 'Page') && isDict(now)) {
        for (const key of new Set([...was.keys(), ...now.keys()])) {
          if (same(was.get(key), now.get(key))) continue;
          if (key === 'Annots' && !isRef(was.get('Annots')) && appendedOnly(before.resolve(was.get('Annots')), now.get('Annots') ?? [], isTimestampWidget)) continue;
          return fail(`беттің /${key} өзгертілген (${n})`, `у страницы изменён /${key} (${n})`);
        }
        continue;
      }
      if (isDict(was) && was.has('Fields') && formOk(was, now, isTimestampWidget)) continue;
      if (Array.isArray(was) && appendedOnly(was, now, isTimestampWidget)) continue;
      return fail(`${n} объектісі қайта жазылған`, `объект ${n} переписан`);
    }
  }
  return { ok: true };
}

/** An AcroForm the same but for fields appended (document timestamps') and SigFlags. */
function formOk(before: PdfValue | undefined, after: PdfValue | undefined, allowed: (item: PdfValue) => boolean): boolean {
  if (!isDict(before) || !isDict(after)) return false;
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    if (key === 'SigFlags' || same(before.get(key), after.get(key))) continue;
    if (key === 'Fields' && appendedOnly(before.get('Fields') ?? [], after.get('Fields') ?? [], allowed)) continue;
    return false;
  }
  return true;
}
