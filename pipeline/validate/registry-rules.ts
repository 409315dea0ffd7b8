import type { Bilingual } from '../core/catalogue.js';
import { displayDate } from '../core/dates.js';
import type { Kind } from '../records/columns.js';
import { DECISION_LABELS, REASONS_OF, REASON_LABELS, type RegistryDecision, type RegistryReason } from '../records/specialists.js';
import { iinChecksumOk } from './iin.js';
import type { Finding, Rule, RowFacts } from './rules.js';

/**
 * The rules of a registry application (seed 003; docs/formats.md, "Registry
 * applications"), one named function each like those of rules.ts, which the validator
 * runs together with them.
 */

const REGISTRY: readonly Kind[] = ['registry-applications'];

/** Seed 003, paragraph 9: the administrator decides within five working days of the application. */
const DECISION_WORKING_DAYS = 5;

const str = (v: string | number | undefined) => (typeof v === 'string' ? v : undefined);
const given = (row: RowFacts, key: string) => row.values[key] !== undefined || row.failed.has(key);
const decisionOf = (row: RowFacts) => str(row.values.decision) as RegistryDecision | undefined;
const reasonOf = (row: RowFacts) => str(row.values.decision_reason) as RegistryReason | undefined;
const FOR_ENTRY: Bilingual = { kk: 'тізілімге енгізу үшін', ru: 'для внесения в реестр' };

/** What the registry's form (seed 003's ten columns) needs of a registered specialist. */
const ENTRY_COLUMNS = [
  'address_region',
  'address_locality',
  'address_registered',
  'experience_years',
  'education_level',
  'education_institution',
  'education_document',
  'employer_name',
  'employer_bin',
  'position',
  'employment_start',
  'registry_date',
] as const;

const registeredEntryComplete: Rule = {
  name: 'registered-entry-complete',
  kinds: REGISTRY,
  check: (row) => (decisionOf(row) === 'register' ? ENTRY_COLUMNS.filter((key) => !given(row, key)).map((key) => ({ column: key, code: 'REQUIRED', params: { detail: FOR_ENTRY } })) : []),
};

const registryDateOnlyWhenRegistered: Rule = {
  name: 'registry-date-only-when-registered',
  kinds: REGISTRY,
  check: (row) => {
    const decision = decisionOf(row);
    return decision !== undefined && decision !== 'register' && row.values.registry_date !== undefined ? [{ column: 'registry_date', code: 'REGISTRY_DATE_UNEXPECTED' }] : [];
  },
};

/** Seed 003, paragraph 8: an applicant registers with a mobile phone number or an email address. */
const contactGiven: Rule = {
  name: 'contact-given',
  kinds: REGISTRY,
  check: (row) => (!given(row, 'phone') && !given(row, 'email') ? [{ column: 'phone', code: 'CONTACT_REQUIRED' }] : []),
};

/** A BIN's twelfth digit is a check digit computed as the IIN's (docs/domain.md, "The IIN"). */
const binChecksum: Rule = {
  name: 'bin-checksum',
  kinds: REGISTRY,
  check: ({ values }) => {
    const bin = str(values.employer_bin);
    return bin && !iinChecksumOk(bin) ? [{ column: 'employer_bin', code: 'BIN_CHECKSUM' }] : [];
  },
};

/** Returning or refusing names one of the reasons paragraph 9 lists for that decision; registering names none. */
const decisionReason: Rule = {
  name: 'decision-reason-of-its-decision',
  kinds: REGISTRY,
  check: (row) => {
    const decision = decisionOf(row);
    if (decision === undefined) return [];
    const reason = reasonOf(row);
    const allowed = REASONS_OF[decision];
    if (reason === undefined)
      return decision !== 'register' && !row.failed.has('decision_reason') ? [{ column: 'decision_reason', code: 'DECISION_REASON_REQUIRED', params: { detail: DECISION_LABELS[decision] } }] : [];
    return allowed.includes(reason) ? [] : [{ column: 'decision_reason', code: 'DECISION_REASON_MISMATCH', params: { detail: DECISION_LABELS[decision] } }];
  },
};

const qualificationComplete: Rule = {
  name: 'qualification-complete',
  kinds: REGISTRY,
  check: (row) => {
    const parts = ['qualification_category', 'qualification_date', 'qualification_authority'] as const;
    if (!parts.some((key) => given(row, key))) return [];
    const detail: Bilingual = { kk: 'біліктілік санаты туралы ақпарат толық болуы тиіс', ru: 'сведения о квалификационной категории должны быть полными' };
    return parts.filter((key) => !given(row, key)).map((key): Finding => ({ column: key, code: 'REQUIRED', params: { detail } }));
  },
};

/** Pairs of (earlier, later) columns and what it means when they are the wrong way round. */
const ORDER: readonly [string, string, Bilingual][] = [
  ['received_date', 'decision_date', { kk: 'шешім өтініштен бұрын', ru: 'решение раньше заявления' }],
  ['received_date', 'registry_date', { kk: 'тізілімге енгізу өтініштен бұрын', ru: 'внесение в реестр раньше заявления' }],
  ['birth_date', 'received_date', { kk: 'өтініш туған күннен бұрын', ru: 'заявление раньше даты рождения' }],
  ['education_start', 'education_end', { kk: 'оқу басталмай аяқталған', ru: 'обучение окончено раньше начала' }],
  ['employment_start', 'employment_end', { kk: 'жұмыс басталмай аяқталған', ru: 'работа окончена раньше начала' }],
];

const registryDatesInOrder: Rule = {
  name: 'registry-dates-in-order',
  kinds: REGISTRY,
  check: ({ values }) =>
    ORDER.flatMap(([earlier, later, detail]): Finding[] => {
      const a = str(values[earlier]);
      const b = str(values[later]);
      return a && b && b < a ? [{ column: later, code: 'DATE_ORDER', params: { detail } }] : [];
    }),
};

const DATES = ['birth_date', 'education_start', 'education_end', 'employment_start', 'employment_end', 'qualification_date', 'registry_date', 'received_date', 'decision_date'];

const registryDatesNotInFuture: Rule = {
  name: 'registry-dates-not-in-future',
  kinds: REGISTRY,
  check: ({ values }, ctx) =>
    DATES.flatMap((key): Finding[] => {
      const value = str(values[key]);
      return value && value > ctx.today.date ? [{ column: key, code: 'FUTURE_DATE', params: { date: displayDate(ctx.today.date) } }] : [];
    }),
};

/**
 * Seed 003's order was registered on 24.01.2025 and took effect after its publication: no
 * application under its rules arrived before. (This also bounds the working days the
 * deadline rule counts.)
 */
const RULES_REGISTERED = '2025-01-24';

const receivedUnderTheRules: Rule = {
  name: 'received-under-the-rules',
  kinds: REGISTRY,
  check: ({ values }) => {
    const received = str(values.received_date);
    return received && received < RULES_REGISTERED ? [{ column: 'received_date', code: 'RECEIVED_BEFORE_RULES', params: { date: displayDate(RULES_REGISTERED) } }] : [];
  },
};

/** A late decision is still the administrator's decision: a warning with the working days it is late, never an error. */
const decisionOnTime: Rule = {
  name: 'decision-within-five-working-days',
  kinds: REGISTRY,
  check: ({ values }, ctx) => {
    const received = str(values.received_date);
    const decided = str(values.decision_date);
    // Dates other rules refuse are not counted: the span stays between 2025 and today.
    if (!received || !decided || received < RULES_REGISTERED || decided > ctx.today.date) return [];
    const due = ctx.calendar.addWorkingDays(received, DECISION_WORKING_DAYS);
    const late = ctx.calendar.workingDaysAfter(due, decided);
    return late > 0 ? [{ column: 'decision_date', code: 'DECISION_OVERDUE', params: { date: displayDate(due), value: String(late) } }] : [];
  },
};

/** A returned or refused application is not an error of the file but the batch report says so, with its reason. */
const decisionReported: Rule = {
  name: 'returned-or-refused-reported',
  kinds: REGISTRY,
  check: (row) => {
    const decision = decisionOf(row);
    const reason = reasonOf(row);
    if (decision === undefined || decision === 'register' || reason === undefined || !REASONS_OF[decision].includes(reason)) return [];
    return [{ column: 'decision', code: decision === 'return' ? 'APPLICATION_RETURNED' : 'APPLICATION_REFUSED', params: { detail: REASON_LABELS[reason] } }];
  },
};

export const REGISTRY_RULES: readonly Rule[] = [
  registeredEntryComplete,
  registryDateOnlyWhenRegistered,
  contactGiven,
  binChecksum,
  decisionReason,
  qualificationComplete,
  registryDatesInOrder,
  registryDatesNotInFuture,
  receivedUnderTheRules,
  decisionOnTime,
  decisionReported,
];
