import { AlignmentType, Document, NoBreakHyphen, Packer, PageBreak, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import { displayDate } from '../../core/dates.js';
import { type Labels, NUMBER_WITH_WORD, label } from '../../render/templates.js';
import type { Language } from '../../standards/schema.js';
import { currencyWord, headInParties } from '../views.js';
import type { ContractModel } from './model.js';

/**
 * The editable contract (DOCX), built from the same model and the same wording
 * (templates/contract/labels.yaml) as its PDF, so the two never disagree. Word fills in
 * its own fonts; Times New Roman carries every Kazakh letter.
 */

const FONT = 'Times New Roman';
/**
 * Word breaks lines where a browser does, so the PDF's rules are spelt out for it: a hyphen
 * inside a word ("Айгерім-Гүлнұр", "4-деңгейдегі") is Word's non-breaking hyphen, and a
 * number keeps to the word it counts ("5 уровень") through a no-break space.
 */
function unbroken(t: string): (string | NoBreakHyphen)[] {
  const kept = t.replace(NUMBER_WITH_WORD, (m) => m.replace(' ', '\u00a0'));
  return kept.split(/(?<=[\p{L}\d])-(?=[\p{L}\d])/u).flatMap((part, i) => (i > 0 ? [new NoBreakHyphen(), part] : [part]));
}
const text = (t: string, bold = false) => new TextRun({ children: unbroken(t), bold, font: FONT, size: 22 });
export const para = (t: string, options: { bold?: boolean; align?: (typeof AlignmentType)[keyof typeof AlignmentType]; after?: number } = {}) =>
  new Paragraph({ children: [text(t, options.bold)], alignment: options.align ?? AlignmentType.JUSTIFIED, spacing: { after: options.after ?? 120 } });

/**
 * Who pays, in the document's own wording (labels `payment_voucher`, `payment_fee`,
 * `payment_unset`, `currency_<code>`): the contract's PDF and DOCX and the act of services'.
 */
export function paymentLine(payment: ContractModel['payment'], labels: Labels, lang: Language): string {
  if (payment.voucher !== null) return label(labels, 'payment_voucher', lang, { voucher: payment.voucher });
  if (payment.amount !== null)
    return label(labels, 'payment_fee', lang, { amount: payment.amount.toLocaleString('ru-RU').replace(/\u00a0/g, ' '), currency: currencyWord(labels, payment.currency ?? '', lang) });
  return label(labels, 'payment_unset', lang);
}

function section(model: ContractModel, labels: Labels, lang: Language): (Paragraph | Table)[] {
  const l = (key: string, values: Record<string, unknown> = {}) => label(labels, key, lang, values);
  const c = model.centre;
  const req = c.requisites;
  const payment = paymentLine(model.payment, labels, lang);
  const executor = [
    c.name[lang],
    ...(req
      ? [
          `${l('bin')}: ${req.bin}`,
          `${l('address')}: ${req.address[lang]}`,
          ...(req.bank ? [`${l('bank')}: ${req.bank}`] : []),
          ...(req.iban ? [`${l('iban')}: ${req.iban}`] : []),
          ...(req.bik ? [`${l('bik')}: ${req.bik}`] : []),
          ...(req.phone ? [`${l('phone')}: ${req.phone}`] : []),
        ]
      : []),
    `${l('signature')} ____________`,
    // Under the signature line, on one line: Word may not wrap the head's name inside the cell.
    c.head[lang].replace(/ /g, '\u00a0'),
  ];
  const p = model.candidate;
  const customer = [
    p.full_name,
    `${l('iin')}: ${p.iin}`,
    `${l('birth_date')}: ${displayDate(p.birth_date)}`,
    `${l('address')}: ${p.address}`,
    ...(p.phone ? [`${l('phone')}: ${p.phone}`] : []),
    ...(p.email ? [`${l('email')}: ${p.email}`] : []),
    `${l('signature')} ____________`,
  ];
  const cell = (lines: string[]) =>
    new TableCell({ width: { size: 50, type: WidthType.PERCENTAGE }, children: lines.map((t, i) => para(t, { bold: i === 0, align: AlignmentType.LEFT, after: 60 })) });
  return [
    para(l('title'), { bold: true, align: AlignmentType.CENTER, after: 240 }),
    para(`${l('drawn_up', { city: c.city[lang], date: displayDate(model.date) })}    ${l('number', { number: model.number })}`, { align: AlignmentType.LEFT, after: 120 }),
    para(l('application', { number: model.application.number, date: displayDate(model.application.date) }), { align: AlignmentType.LEFT, after: 240 }),
    para(l('parties', { centre: c.name[lang], head: headInParties(c.head, lang), candidate: p.full_name, iin: p.iin })),
    para(l('subject_heading'), { bold: true }),
    para(
      l('subject', {
        profession: model.profession.name[lang],
        level: model.profession.level,
        standard: model.profession.standard_title[lang],
        code: model.profession.standard_code,
        duty: l(model.payment.voucher !== null ? 'duty_voucher' : 'duty_fee'),
      }),
    ),
    para(l('payment_heading'), { bold: true }),
    para(payment),
    para(l('terms_heading'), { bold: true }),
    para(l('terms')),
    para(l('requisites_heading'), { bold: true }),
    new Table({
      width: { size: 100, type: WidthType.PERCENTAGE },
      rows: [
        new TableRow({ children: [cell([l('executor')]), cell([l('customer')])] }),
        new TableRow({ children: [cell(executor), cell(customer)] }),
      ],
    }),
  ];
}

/** A Word document of one part per language, each from a new page, in the contract's font and margins (the act of services uses it too). */
export async function wordDocument(parts: readonly (Paragraph | Table)[][], title: string): Promise<Uint8Array> {
  const children = parts.flatMap((part, i) => [...(i > 0 ? [new Paragraph({ children: [new PageBreak()] })] : []), ...part]);
  const doc = new Document({
    creator: 'Tanu',
    title,
    styles: { default: { document: { run: { font: FONT, size: 22 } } } },
    sections: [{ properties: { page: { margin: { top: 1000, bottom: 1000, left: 1400, right: 850 } } }, children }],
  });
  return Packer.toBuffer(doc);
}

export async function contractDocx(model: ContractModel, labels: Labels): Promise<Uint8Array> {
  const lang = model.languages[0] ?? 'kk';
  return wordDocument(
    model.languages.map((l) => section(model, labels, l)),
    `${label(labels, 'title', lang)} № ${model.number}`,
  );
}
