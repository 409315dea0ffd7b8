import type { Bilingual } from '../core/catalogue.js';
import { abbreviationsOn, cardOn } from './library.js';
import type { Card, Language, Standard } from './schema.js';

/**
 * What changed between two versions of a standard, card by card and field by field
 * (`tanu standards diff`): each field's wording before and after and, for lists, the items
 * added and removed, so a methodologist sees what an order changed, not only that it did.
 */

export type FieldChange = {
  /** The card's code; null for the standard's abbreviations. */
  card: string | null;
  field: string;
  label: Bilingual;
  from: unknown;
  to: unknown;
  added: string[];
  removed: string[];
};

const LABELS: Record<string, Bilingual> = {
  name: { kk: 'атауы', ru: 'название' },
  group_code: { kk: 'топ коды', ru: 'код группы' },
  levels: { kk: 'СБШ деңгейлері', ru: 'уровни ОРК' },
  sublevel: { kk: 'кіші деңгей', ru: 'подуровень' },
  categories: { kk: 'санаттар', ru: 'категории' },
  other_names: { kk: 'басқа атаулары', ru: 'другие названия' },
  education: { kk: 'білімі', ru: 'образование' },
  experience: { kk: 'жұмыс тәжірибесі', ru: 'опыт работы' },
  non_formal_education: { kk: 'формальды емес білім', ru: 'неформальное образование' },
  main_purpose: { kk: 'негізгі мақсаты', ru: 'основная цель' },
  labour_functions: { kk: 'еңбек функциялары', ru: 'трудовые функции' },
  personal_competencies: { kk: 'жеке құзыреттер', ru: 'личностные компетенции' },
  related_professions: { kk: 'байланысты кәсіптер', ru: 'связанные профессии' },
  abbreviations: { kk: 'қысқартулар', ru: 'сокращения' },
};

/** The fields of a card its versions may re-word, in the order the standard prints them. */
const WORDED_FIELDS = Object.keys(LABELS).filter((f) => f !== 'abbreviations') as (keyof Card)[];

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** An item of a list as a reader knows it: its text, title, name or requirement. */
function itemText(item: unknown): string {
  if (typeof item === 'string' || typeof item === 'number') return String(item);
  if (item && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    if (typeof o.short === 'string' && typeof o.full === 'string') return `${o.number ?? ''}) ${o.short} – ${o.full}`;
    if (typeof o.title === 'string') return typeof o.number === 'number' ? `${o.number}. ${o.title}` : o.title;
    for (const key of ['name', 'requirement', 'speciality', 'qualification', 'level'] as const) if (typeof o[key] === 'string') return o[key];
  }
  return JSON.stringify(item);
}

/** A field's label in both languages (its key where the standard has no word for it). */
export const fieldLabel = (field: string): Bilingual => LABELS[field] ?? { kk: field, ru: field };

const isBilingual = (v: unknown): v is Bilingual =>
  typeof v === 'object' && v !== null && typeof (v as Bilingual).kk === 'string' && typeof (v as Bilingual).ru === 'string';

/**
 * A value as a reader knows it, never JSON: a range as «3–5», a list item by item, a
 * bilingual text with each language named.
 */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.map(itemText).join('; ');
  if (isBilingual(value)) return `kk: ${value.kk}; ru: ${value.ru}`;
  const o = value as Record<string, unknown>;
  if (typeof o.min === 'number' && typeof o.max === 'number') return o.min === o.max ? String(o.min) : `${o.min}–${o.max}`;
  return Object.entries(o)
    .map(([k, v]) => `${k}: ${valueText(v)}`)
    .join(', ');
}

/** A re-worded value, before and after: a bilingual one per language that changed. */
export type ValueChange = { language: Language | null; from: string; to: string };

export function valueChanges(from: unknown, to: unknown): ValueChange[] {
  if (isBilingual(from) && isBilingual(to))
    return (['kk', 'ru'] as const).filter((l) => from[l] !== to[l]).map((language) => ({ language, from: from[language], to: to[language] }));
  return [{ language: null, from: valueText(from), to: valueText(to) }];
}

function change(card: string | null, field: string, from: unknown, to: unknown): FieldChange {
  const lists = Array.isArray(from) || Array.isArray(to);
  const a = lists ? ((from as unknown[] | undefined) ?? []) : [];
  const b = lists ? ((to as unknown[] | undefined) ?? []) : [];
  return {
    card,
    field,
    label: fieldLabel(field),
    from: from ?? null,
    to: to ?? null,
    added: b.filter((x) => !a.some((y) => same(x, y))).map(itemText),
    removed: a.filter((x) => !b.some((y) => same(x, y))).map(itemText),
  };
}

export function diffStandard(standard: Standard, from: number, to: number): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const { code } of standard.cards) {
    const before = cardOn(standard, code, from);
    const after = cardOn(standard, code, to);
    if (!before || !after) continue;
    for (const field of WORDED_FIELDS) if (!same(before[field], after[field])) changes.push(change(code, field, before[field], after[field]));
  }
  const abbreviationsBefore = abbreviationsOn(standard, from);
  const abbreviationsAfter = abbreviationsOn(standard, to);
  if (!same(abbreviationsBefore, abbreviationsAfter)) changes.push(change(null, 'abbreviations', abbreviationsBefore, abbreviationsAfter));
  return changes;
}
