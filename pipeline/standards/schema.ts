import { z } from 'zod';
import { schemaMessage } from '../core/catalogue.js';

/**
 * A professional standard as the methodologists keep it in `standards/<CODE>.yaml`.
 * Names that documents print are bilingual; the long lists of skills, abilities and
 * knowledge stay in the language the order was read from (`detail_language`).
 */

export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, schemaMessage('ЖЖЖЖ-АА-КК түрінде жазылған күн', 'дата в виде ГГГГ-ММ-ДД'))
  .describe('A calendar date, "YYYY-MM-DD"');

export const Language = z.enum(['kk', 'ru']);
export type Language = z.infer<typeof Language>;

const text = z.string().trim().min(1);

export const LocalizedText = z.strictObject({ kk: text, ru: text.optional() });
export const BilingualText = z.strictObject({ kk: text, ru: text });

/** A name documents print: an ellipsis ("(…)", "...") marks a placeholder someone meant to finish, never a name. */
const printedName = text.refine((s) => !/…|\.\.\./.test(s), schemaMessage('бұл атау емес, толтырылмаған орын (көп нүкте бар): атауды толық жазыңыз', 'это заготовка (в ней многоточие), а не название: напишите название полностью'));
const PrintedName = z.strictObject({ kk: printedName, ru: printedName });

export const Order = z.strictObject({
  number: text,
  date: IsoDate,
  issuer: BilingualText.optional(),
});

export const Thresholds = z.strictObject({
  pass_threshold: z.number().min(0).max(100).optional().describe('Lowest score (of 100) that passes each exam; equal passes'),
  validity_years: z.number().int().min(1).max(50).optional().describe('Years a certificate is valid from its issue date'),
});
export type Thresholds = z.infer<typeof Thresholds>;

export const CardField = z.enum([
  'name',
  'group_code',
  'levels',
  'sublevel',
  'categories',
  'other_names',
  'education',
  'experience',
  'non_formal_education',
  'main_purpose',
  'labour_functions',
  'personal_competencies',
  'related_professions',
  'abbreviations',
]);

export const Change = z.strictObject({
  paragraph: text.describe('Paragraph of the order re-worded, e.g. "12" or "3.9"'),
  card: text.nullable().describe('Code of the card the paragraph is, or null'),
  fields: z.array(CardField).min(1),
  summary: BilingualText,
});

const Skill = z.strictObject({
  title: text,
  abilities: z.array(text).optional(),
  knowledge: z.array(text).optional(),
});

export const LabourFunction = z.strictObject({
  number: z.number().int().min(1),
  kind: z.enum(['mandatory', 'additional']),
  title: text,
  skills: z.array(Skill).optional(),
});

/** What a card says, field by field: the fields a later version may re-word (docs/formats.md, "Standards: versions"). */
const cardWording = {
  group_code: text,
  name: PrintedName,
  levels: z.strictObject({ min: z.number().int().min(1).max(8), max: z.number().int().min(1).max(8) }),
  sublevel: text.nullable().optional(),
  categories: z.array(text).optional(),
  other_names: z.array(text).optional(),
  education: z
    .array(z.strictObject({ level: text.optional(), speciality: text.optional(), qualification: text.optional() }))
    .optional(),
  experience: z.array(z.strictObject({ category: text.nullable().optional(), requirement: text })).optional(),
  non_formal_education: text.optional(),
  main_purpose: text.optional(),
  labour_functions: z.array(LabourFunction).optional(),
  personal_competencies: z.array(text).optional(),
  related_professions: z.array(z.strictObject({ level: z.union([text, z.number()]), name: text })).optional(),
};

const levelsInOrder = (levels: { min: number; max: number } | undefined) => levels === undefined || levels.min <= levels.max;

export const Card = z
  .strictObject({
    paragraph: z.number().int().min(1),
    code: text.describe('Profession card code as records cite it, e.g. "5320-2-003"'),
    ...cardWording,
    notes: z.array(text).optional(),
  })
  .refine((c) => levelsInOrder(c.levels), { message: schemaMessage('levels.min мәні levels.max мәнінен үлкен', 'levels.min больше levels.max'), path: ['levels'] });
export type Card = z.infer<typeof Card>;

/** An abbreviation of the standard's list (paragraph 3), by its number. */
export const Abbreviation = z.strictObject({ number: z.number().int(), short: text, full: text });
export type Abbreviation = z.infer<typeof Abbreviation>;

/**
 * A card as a later version re-words it: its code and only the fields that version
 * changes, each replacing the earlier wording whole (docs/formats.md, "Standards: versions").
 */
export const CardRewording = z
  .strictObject(cardWording)
  .partial()
  .extend({ code: text.describe('Code of the card re-worded; the card must exist in the standard') })
  .refine((c) => levelsInOrder(c.levels), { message: schemaMessage('levels.min мәні levels.max мәнінен үлкен', 'levels.min больше levels.max'), path: ['levels'] });
export type CardRewording = z.infer<typeof CardRewording>;

export const Version = z.strictObject({
  version: z.number().int().min(1),
  order: Order,
  effective_from: IsoDate,
  changes: z.array(Change),
  cards: z.array(CardRewording).optional().describe('Cards this version re-words: each applies over the wording of the versions before it'),
  abbreviations: z.array(Abbreviation).optional().describe('Abbreviations this version re-words or adds, by number'),
});
export type Version = z.infer<typeof Version>;

export const Standard = z
  .strictObject({
    code: text,
    title: PrintedName,
    approved_by: Order,
    in_force_from: IsoDate,
    repealed_from: IsoDate.nullable(),
    repealed_by: Order.optional(),
    source: text.optional(),
    detail_language: Language,
    activity: text.optional(),
    settings: Thresholds.optional(),
    versions: z.array(Version).min(1),
    abbreviations: z.array(Abbreviation).optional(),
    cards: z.array(Card).min(1),
    notes: z.array(text).optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.cards.forEach((card, i) => {
      if (seen.has(card.code)) ctx.addIssue({ code: 'custom', message: schemaMessage(`${card.code} карточка коды екі рет кездеседі`, `код карточки ${card.code} встречается дважды`), path: ['cards', i, 'code'] });
      seen.add(card.code);
    });
    s.versions.forEach((v, i) => {
      if (v.version !== i + 1) ctx.addIssue({ code: 'custom', message: schemaMessage('нұсқалар ретімен 1, 2, … деп нөмірленуі тиіс', 'версии нумеруются по порядку: 1, 2, …'), path: ['versions', i, 'version'] });
      const prev = s.versions[i - 1];
      if (prev && v.effective_from <= prev.effective_from)
        ctx.addIssue({ code: 'custom', message: schemaMessage('әр нұсқа алдыңғысынан кейін күшіне енуі тиіс', 'каждая версия вступает в силу после предыдущей'), path: ['versions', i, 'effective_from'] });
      const reworded = new Set<string>();
      v.cards?.forEach((c, j) => {
        if (!seen.has(c.code))
          ctx.addIssue({ code: 'custom', message: schemaMessage(`нұсқа стандартта жоқ ${c.code} карточкасын қайта баяндайды`, `версия излагает заново карточку ${c.code}, которой в стандарте нет`), path: ['versions', i, 'cards', j, 'code'] });
        if (reworded.has(c.code))
          ctx.addIssue({ code: 'custom', message: schemaMessage(`${c.code} карточкасы бір нұсқада екі рет`, `карточка ${c.code} дважды в одной версии`), path: ['versions', i, 'cards', j, 'code'] });
        reworded.add(c.code);
      });
      v.changes.forEach((c, j) => {
        if (c.card !== null && !seen.has(c.card))
          ctx.addIssue({ code: 'custom', message: schemaMessage(`өзгеріс стандартта жоқ ${c.card} карточкасын атайды`, `изменение называет карточку ${c.card}, которой в стандарте нет`), path: ['versions', i, 'changes', j, 'card'] });
      });
    });
    if (s.versions[0] && s.versions[0].effective_from !== s.in_force_from)
      ctx.addIssue({ code: 'custom', message: schemaMessage('1-нұсқа in_force_from күні күшіне енуі тиіс', 'версия 1 вступает в силу в день in_force_from'), path: ['versions', 0, 'effective_from'] });
    if (s.repealed_from !== null && s.repealed_from <= s.in_force_from)
      ctx.addIssue({ code: 'custom', message: schemaMessage('repealed_from күні in_force_from күнінен кейін болуы тиіс', 'repealed_from должна быть позже in_force_from'), path: ['repealed_from'] });
  });
export type Standard = z.infer<typeof Standard>;
