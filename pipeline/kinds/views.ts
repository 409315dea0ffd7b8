import { z } from 'zod';
import type { Centre } from '../config/schema.js';
import { displayDate } from '../core/dates.js';
import type { ValidRecord } from '../records/records.js';
import { type Labels, label } from '../render/templates.js';
import { type Library, cardOn } from '../standards/library.js';
import { Language } from '../standards/schema.js';
import { iinSex } from '../validate/iin.js';
import { genitiveName } from './names.js';

/**
 * The parts several document kinds print alike (the centre, the profession under its
 * standard), as zod schemas: a model is stored in the ledger as JSON and parsed back by its
 * kind's schema, so what is issued after a crash is checked, not assumed.
 */

export const BilingualValue = z.strictObject({ kk: z.string(), ru: z.string() });

/** Every key present (null when unset): templates run in strict mode, where a missing key is an error, not a blank. */
const RequisitesView = z.strictObject({
  bin: z.string(),
  address: BilingualValue,
  bank: z.string().nullable(),
  iban: z.string().nullable(),
  bik: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
});

export const CentreView = z.strictObject({ id: z.string(), name: BilingualValue, head: BilingualValue, city: BilingualValue, requisites: RequisitesView.nullable() });
export type CentreView = z.infer<typeof CentreView>;

export const ProfessionView = z.strictObject({
  code: z.string(),
  name: BilingualValue,
  level: z.number().int(),
  standard_code: z.string(),
  standard_version: z.number().int(),
  standard_title: BilingualValue,
  /** The order whose wording of the standard applies: what a reader can look up, unlike Tanu's version counter. */
  standard_order: z.strictObject({ number: z.string(), date: z.string() }),
});
export type ProfessionView = z.infer<typeof ProfessionView>;

export const Languages = z.array(Language).min(1);

/** A re-issued document says which revision it is and which one it replaces (docs/contracts.md, "Regeneration"); absent on a first issue. */
export const RevisionView = z.strictObject({ number: z.number().int().min(2), replaces: z.number().int().min(1) });


export function centreView(c: Centre): CentreView {
  const r = c.requisites;
  return {
    id: c.id,
    name: c.name,
    head: c.head,
    city: c.city,
    requisites: r
      ? { bin: r.bin, address: r.address, bank: r.bank ?? null, iban: r.iban ?? null, bik: r.bik ?? null, phone: r.phone ?? null, email: r.email ?? null }
      : null,
  };
}

export function professionView(library: Library, r: { profession_code: string; level: number; standard_code: string; standard_version: number }): ProfessionView {
  const standard = library.byCode(r.standard_code);
  // The card as the version the record was checked under words it (docs/formats.md, §8).
  const card = standard && cardOn(standard, r.profession_code, r.standard_version);
  const version = standard?.versions.find((v) => v.version === r.standard_version);
  if (!standard || !card || !version) throw new Error(`validated record cites ${r.standard_code} v${r.standard_version}/${r.profession_code}, which the library lacks`);
  return {
    code: card.code,
    name: card.name,
    level: r.level,
    standard_code: standard.code,
    standard_version: r.standard_version,
    standard_title: standard.title,
    standard_order: { number: version.order.number, date: version.order.date },
  };
}

/** What a document earned by one record says of whom and which card: the ledger's columns beside its model. */
export const aboutRecord = (r: ValidRecord) => ({
  iin: r.iin,
  profession_code: r.profession_code,
  level: r.level,
  language: r.language,
  standard_code: r.standard_code,
  standard_version: r.standard_version,
  card_code: r.profession_code,
});

/** The languages a document is printed in: the record's, or both where the centre asks. */
export const languagesFor = (centre: Centre, language: Language): Language[] => (centre.bilingual_documents ? ['kk', 'ru'] : [language]);

/**
 * The languages of a sitting's document: the one its people chose, both when they chose
 * differently (one document for the whole commission), or both where the centre asks.
 */
export const sittingLanguages = (centre: Centre, rows: readonly { language: Language }[]): Language[] =>
  centre.bilingual_documents ? ['kk', 'ru'] : Language.options.filter((lang) => rows.some((r) => r.language === lang));

/** What a sitting's document (a protocol) says of whom and which card: nobody in particular, its first row's card. */
export const aboutSitting = (first: ValidRecord) => ({
  iin: null,
  profession_code: null,
  level: null,
  standard_code: first.standard_code,
  standard_version: first.standard_version,
  card_code: first.profession_code,
  verify_code: null,
});

/** What a sitting's protocol repeats in the margins of every page: its number and date, and the word for "page" (its labels `number_date` and `page`). */
export function runningHeader(model: { languages: Language[]; number: string; date: string }, labels: Labels) {
  const each = (f: (lang: Language) => string) => model.languages.map(f).join(' / ');
  return {
    header: each((lang) => label(labels, 'number_date', lang, { number: model.number, date: displayDate(model.date) })),
    page: each((lang) => label(labels, 'page', lang)),
  };
}

/**
 * The centre's head as the parties' sentence names them: as written in Kazakh («… басшысы
 * Әлімова Гүлнар Серікқызы»), in the genitive in Russian («в лице руководителя Алимовой
 * Гульнар Сериковны»): the contract's PDF and DOCX and the act of services say it alike.
 */
export const headInParties = (head: { kk: string; ru: string }, lang: Language): string => (lang === 'ru' ? genitiveName(head.ru) : head.kk);

/**
 * A currency by its word in the document's language («теңге», «тенге»; labels
 * `currency_<code>`), the code itself for one the wording does not name.
 */
export const currencyWord = (labels: Labels, code: string, lang: Language): string => (labels[`currency_${code}`] ? label(labels, `currency_${code}`, lang) : code);

/** A sitting's rows with the sex each worker's IIN gives: the Russian wording of a decision agrees with it («признана», «аттестована»). */
export const rowsWithSex = <R extends { iin: string }>(rows: readonly R[]) => rows.map((r) => ({ ...r, sex: iinSex(r.iin) }));
