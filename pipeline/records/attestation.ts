import { z } from 'zod';
import { RevocationReason } from '../core/catalogue.js';

/**
 * The coded values of an attestation of social workers (docs/domain.md, "Attestation of
 * social workers"), with their names in both languages: the register, the protocol and the
 * act print these names, validation reads their spellings (validate/cells.ts).
 */

/** What the commission decided: attested; not attested; did not come (with a valid reason: rescheduled); removed for a violation. */
export const AttestationResult = z.enum(['attested', 'not_attested', 'no_show', 'removed']);
export type AttestationResult = z.infer<typeof AttestationResult>;

/** The categories of docs/domain.md: higher, first, second, and "without a category". */
export const Category = z.enum(['higher', 'first', 'second', 'none']);
export type Category = z.infer<typeof Category>;

/** The only valid reasons for not coming: with one of them the attestation is rescheduled, without one the worker is not attested. */
export const AbsenceReason = z.enum(['incapacity', 'vacation', 'child_illness', 'relative_death', 'business_trip']);
export type AbsenceReason = z.infer<typeof AbsenceReason>;

/** What the commission may find on a worker during the interview. */
export const Violation = z.enum(['literature', 'device']);
export type Violation = z.infer<typeof Violation>;

type Names<T extends string> = Record<T, { kk: string; ru: string }>;

export const RESULT_NAMES: Names<AttestationResult> = {
  attested: { kk: 'аттестатталды', ru: 'аттестован' },
  not_attested: { kk: 'аттестатталмады', ru: 'не аттестован' },
  no_show: { kk: 'келмеді (дәлелді себеппен, ауыстырылды)', ru: 'неявка (по уважительной причине, перенесена)' },
  removed: { kk: 'бұзушылық үшін шеттетілді', ru: 'отстранён за нарушение' },
};

export const CATEGORY_NAMES: Names<Category> = {
  higher: { kk: 'жоғары санат', ru: 'высшая категория' },
  first: { kk: 'бірінші санат', ru: 'первая категория' },
  second: { kk: 'екінші санат', ru: 'вторая категория' },
  none: { kk: 'санатсыз', ru: 'без категории' },
};

export const REASON_NAMES: Names<AbsenceReason> = {
  incapacity: { kk: 'еңбекке уақытша қабілетсіздік', ru: 'временная нетрудоспособность' },
  vacation: { kk: 'демалыс', ru: 'отпуск' },
  child_illness: { kk: 'кәмелетке толмаған баланың сырқаты', ru: 'болезнь несовершеннолетнего ребёнка' },
  relative_death: { kk: 'жақын туысының қайтыс болуы', ru: 'смерть близкого родственника' },
  business_trip: { kk: 'іссапар', ru: 'командировка' },
};

export const VIOLATION_NAMES: Names<Violation> = {
  literature: { kk: 'анықтамалық, арнайы немесе өзге әдебиетті пайдалану', ru: 'использование справочной, специальной или иной литературы' },
  device: { kk: 'қабылдайтын-беретін электрондық құрылғыны пайдалану', ru: 'использование принимающего-передающего электронного устройства' },
};

/**
 * A certificate of the register as an attestation sees it: whose, for which card, since
 * when, and whether it still stands (revoked with the date and reason; superseded, by which
 * serial). The ledger's answer (`Ledger.registerStanding`).
 */
export const RegisterStanding = z.object({
  iin: z.string(),
  profession_code: z.string(),
  level: z.number().int(),
  issue_date: z.string(),
  // ledger/rows.ts DocumentStatus, which this layer cannot import.
  status: z.enum(['issued', 'superseded', 'revoked']),
  revoked_at: z.string().nullable(),
  revocation_reason: RevocationReason.nullable(),
  superseded_by: z.string().nullable(),
});
export type RegisterStanding = z.infer<typeof RegisterStanding>;
