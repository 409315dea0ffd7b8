import { TanuError } from '../core/tanu-error.js';
import { type Timestamper, TOKEN_ROOM } from './timestamp.js';
import { catalogWith } from './dss.js';
import { type NewObject, type PdfDict, type PdfValue, PdfFile, appendUpdate, isRef, name, ref } from './pdf-update.js';

/**
 * B-LTA: a document timestamp (ETSI EN 319 142-1, 5.4.3) over the whole file as it is,
 * its DSS included, appended as an incremental update: a signature dictionary /Type
 * /DocTimeStamp /SubFilter /ETSI.RFC3161 whose /Contents is the TSA's token, in a field
 * with an invisible widget on page 1. The /ByteRange is written with a fixed width and
 * patched once the update's length is known, as pades.ts does for the signature.
 */

const RANGE_WIDTH = '/ByteRange [0 0000000000 0000000000 0000000000]';

export async function appendDocumentTimestamp(pdf: Uint8Array, timestamper: Timestamper): Promise<Uint8Array> {
  const file = new PdfFile(pdf);
  let next = file.size;
  const sigNumber = next++;
  const widgetNumber = next++;
  const page = file.firstPage();
  const objects: NewObject[] = [];
  // Written as raw text so the placeholders sit where they can be patched.
  const sigText = `<</Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 ${RANGE_WIDTH} /Contents <${'0'.repeat(TOKEN_ROOM * 2)}>>>`;
  const fields = fieldsOf(file);
  objects.push({
    number: widgetNumber,
    value: new Map<string, PdfValue>([
      ['Type', name('Annot')],
      ['Subtype', name('Widget')],
      ['FT', name('Sig')],
      ['Rect', [0, 0, 0, 0]],
      ['F', 132],
      ['T', { bytes: Buffer.from(`Tanu timestamp ${fields.count + 1}`, 'latin1') }],
      ['V', ref(sigNumber)],
      ['P', ref(page.number)],
    ]),
  });
  objects.push(...withAppended(file, page.number, page.dict, 'Annots', ref(widgetNumber)));
  objects.push(...fields.add(ref(widgetNumber)));
  return stampedUpdate(file, objects, sigNumber, sigText, timestamper);
}

async function stampedUpdate(file: PdfFile, objects: NewObject[], sigNumber: number, sigText: string, timestamper: Timestamper): Promise<Uint8Array> {
  const { pdf, offsets } = appendUpdate(file, objects, new Map([[sigNumber, sigText]]));
  const at = offsets.get(sigNumber) ?? 0;
  const rangeAt = pdf.indexOf(RANGE_WIDTH, at, 'latin1');
  const open = pdf.indexOf('/Contents <', at, 'latin1') + '/Contents '.length;
  const close = pdf.indexOf('>', open + 1, 'latin1');
  const ranges = [0, open, close + 1, pdf.length - close - 1];
  pdf.write(`/ByteRange [${ranges.join(' ')}]`.padEnd(RANGE_WIDTH.length, ' '), rangeAt, 'latin1');
  const token = await timestamper.stamp(Buffer.concat([pdf.subarray(0, open), pdf.subarray(close + 1)]));
  if (token.length > TOKEN_ROOM) throw new TanuError('SIGNATURE_SPACE', { max: TOKEN_ROOM });
  pdf.write(Buffer.from(token).toString('hex').padEnd(TOKEN_ROOM * 2, '0'), open + 1, 'latin1');
  return pdf;
}

/** The object holding `dict[key]` (an array) rewritten with `item` appended: the array's own object when indirect, else `dict`'s. */
function withAppended(file: PdfFile, number: number, dict: PdfDict, key: string, item: PdfValue): NewObject[] {
  const held = dict.get(key);
  const array = file.resolve(held);
  const items = [...(Array.isArray(array) ? array : []), item];
  if (isRef(held)) return [{ number: held.ref, value: items }];
  const rewritten = new Map(dict);
  rewritten.set(key, items);
  return [{ number, value: rewritten }];
}

/** The AcroForm's /Fields, and how to add a field: in the AcroForm object, or in the catalog when it is held there. */
function fieldsOf(file: PdfFile): { count: number; add: (field: PdfValue) => NewObject[] } {
  const held = file.catalog.get('AcroForm');
  const form = file.dict(held);
  const resolved = form ? file.resolve(form.get('Fields')) : null;
  const existing = Array.isArray(resolved) ? resolved : [];
  return {
    count: existing.length,
    add: (field) => {
      if (form && isRef(held)) return withAppended(file, held.ref, form, 'Fields', field);
      const fields = form?.get('Fields');
      if (isRef(fields)) return [{ number: fields.ref, value: [...existing, field] }];
      const acroForm: PdfDict = new Map(form ?? [['SigFlags', 3]]);
      acroForm.set('Fields', [...existing, field]);
      return [catalogWith(file, { AcroForm: acroForm })];
    },
  };
}
