import { createHash } from 'node:crypto';
import type { ValidationData } from './validation-data.js';
import { type NewObject, type PdfDict, type PdfFile, type PdfValue, PdfFile as File, appendUpdate, decodeStream, isRef, isStream, name, ref } from './pdf-update.js';

/**
 * B-LT inside the PDF: the catalog's /DSS (ETSI EN 319 142-1, 5.4.2) with /Certs, /OCSPs
 * and /CRLs, each an array of streams holding one DER object. Written as an incremental
 * update, so the signatures before it stay valid; what an earlier DSS holds is kept (its
 * streams referenced again, not copied) and nothing already there is added twice.
 */

const KEYS = { certs: 'Certs', ocsps: 'OCSPs', crls: 'CRLs' } as const;

const sha = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/** The DSS of a file's newest revision: each array's references and the DER each holds. */
export function dssOf(file: PdfFile): { dict: PdfDict | null; number: number | null; entries: Record<keyof typeof KEYS, { refs: PdfValue[]; ders: Buffer[] }> } {
  const raw = file.catalog.get('DSS');
  const dict = file.dict(raw);
  const entries = { certs: { refs: [], ders: [] }, ocsps: { refs: [], ders: [] }, crls: { refs: [], ders: [] } } as Record<keyof typeof KEYS, { refs: PdfValue[]; ders: Buffer[] }>;
  for (const [field, key] of Object.entries(KEYS) as [keyof typeof KEYS, string][]) {
    const array = dict ? file.resolve(dict.get(key)) : null;
    for (const item of Array.isArray(array) ? array : []) {
      const stream = file.resolve(item);
      if (!isStream(stream)) continue;
      entries[field].refs.push(item);
      entries[field].ders.push(decodeStream(stream));
    }
  }
  return { dict, number: isRef(raw) ? raw.ref : null, entries };
}

/**
 * The catalog rewritten with `changes`, and the PDF 1.7 extension a DSS needs (ISO
 * 32000-2 has it natively; ETSI's ESIC extension level 5 declares it for 1.7).
 */
export function catalogWith(file: PdfFile, changes: Record<string, PdfValue>): NewObject {
  const catalog = new Map(file.catalog);
  for (const [k, v] of Object.entries(changes)) catalog.set(k, v);
  if ('DSS' in changes && file.pdf.toString('latin1', 5, 8) < '2.0') {
    const extensions: PdfDict = new Map(file.dict(catalog.get('Extensions')) ?? []);
    if (!extensions.has('ESIC')) extensions.set('ESIC', new Map<string, PdfValue>([['BaseVersion', name('1.7')], ['ExtensionLevel', 5]]));
    catalog.set('Extensions', extensions);
  }
  return { number: file.rootNumber, value: catalog };
}

export function appendDss(pdf: Uint8Array, data: ValidationData): Uint8Array {
  const file = new File(pdf);
  const dss = dssOf(file);
  const objects: NewObject[] = [];
  let next = file.size;
  const arrays: Record<string, PdfValue[]> = {};
  let added = 0;
  for (const [field, key] of Object.entries(KEYS) as [keyof typeof KEYS, string][]) {
    const known = new Set(dss.entries[field].ders.map(sha));
    const refs = [...dss.entries[field].refs];
    for (const der of data[field]) {
      const hash = sha(der);
      if (known.has(hash)) continue;
      known.add(hash);
      const number = next++;
      objects.push({ number, value: { dict: new Map(), data: Buffer.from(der) } });
      refs.push(ref(number));
      added++;
    }
    arrays[key] = refs;
  }
  if (added === 0) return pdf;
  const dict: PdfDict = new Map(dss.dict ?? []);
  for (const [key, refs] of Object.entries(arrays)) if (refs.length > 0) dict.set(key, refs);
  const dssNumber = dss.number ?? next++;
  objects.push({ number: dssNumber, value: dict });
  // An indirect DSS is rewritten in place; the catalog only when it gains the reference.
  if (dss.number === null) objects.push(catalogWith(file, { DSS: ref(dssNumber) }));
  return appendUpdate(file, objects).pdf;
}
