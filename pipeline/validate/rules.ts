import type { Code, MessageParams } from '../core/catalogue.js';
import { addMonths, datePart, displayDate } from '../core/dates.js';
import type { WorkingCalendar } from '../core/working-days.js';
import { CATEGORY_NAMES, type Category } from '../records/attestation.js';
import { CARD_DATE, type Kind } from '../records/columns.js';
import type { Library } from '../standards/library.js';
import type { Standard, Thresholds } from '../standards/schema.js';
import type { CardMatch } from './card.js';
import { spelledAs } from './cells.js';
import { iinBirthDate, iinChecksumOk } from './iin.js';

/**
 * Every cross-field rule, one small function each, listed in one place (RULES at the
 * bottom). A rule sees the cells that parsed and stays silent about a cell that is
 * missing or already reported, so a row gets each of its errors once.
 */

export type Values = Readonly<Partial<Record<string, string | number>>>;

export type RuleContext = {
  library: Library;
  thresholds: (standard: Standard | undefined) => Required<Thresholds>;
  /** Today in the centre's time zone, from the Clock. */
  today: { date: string; dateTime: string };
  /** Kazakhstan's working days with the configured moves (`calendar.moved_days`), for deadlines. */
  calendar: WorkingCalendar;
};

export type RowFacts = {
  kind: Kind;
  values: Values;
  /** Columns whose cell was present but did not parse (already reported). */
  failed: ReadonlySet<string>;
  card: CardMatch | null;
};

export type Finding = { column: string | null; code: Code; params?: MessageParams };

export type Rule = { name: string; kinds: readonly Kind[]; check: (row: RowFacts, ctx: RuleContext) => Finding[] };

// Every kind of person row: the IIN, the card and the dates are checked alike.
const BOTH: readonly Kind[] = ['exam-results', 'applications', 'attestations'];
const ATTESTATIONS: readonly Kind[] = ['attestations'];
const EXAMS: readonly Kind[] = ['exam-results'];

const str = (v: string | number | undefined) => (typeof v === 'string' ? v : undefined);
const num = (v: string | number | undefined) => (typeof v === 'number' ? v : undefined);
const absent = (row: RowFacts, key: string) => row.values[key] === undefined && !row.failed.has(key);
const bi = (kk: string, ru: string) => ({ kk, ru });

const iinChecksum: Rule = {
  name: 'iin-checksum',
  kinds: BOTH,
  check: ({ values }) => {
    const iin = str(values.iin);
    return iin && !iinChecksumOk(iin) ? [{ column: 'iin', code: 'IIN_CHECKSUM' }] : [];
  },
};

const iinBirthDateReal: Rule = {
  name: 'iin-birth-date',
  kinds: BOTH,
  check: ({ values }, ctx) => {
    const iin = str(values.iin);
    if (!iin) return [];
    const born = iinBirthDate(iin);
    if ('problem' in born)
      return [
        {
          column: 'iin',
          code: 'IIN_DATE',
          params: {
            detail: born.problem === 'century'
              ? bi('7-цифр 1–6 болуы тиіс', '7-я цифра должна быть от 1 до 6')
              : bi(`${iin.slice(4, 6)}.${iin.slice(2, 4)}.${iin.slice(0, 2)} күні жоқ`, `даты ${iin.slice(4, 6)}.${iin.slice(2, 4)}.${iin.slice(0, 2)} не существует`),
          },
        },
      ];
    if (born.date > ctx.today.date)
      return [{ column: 'iin', code: 'IIN_DATE', params: { detail: bi(`${displayDate(born.date)} болашақта`, `${displayDate(born.date)} в будущем`) } }];
    return [];
  },
};

const birthDateMatchesIin: Rule = {
  name: 'birth-date-matches-iin',
  kinds: BOTH,
  check: ({ values }) => {
    const iin = str(values.iin);
    const given = str(values.birth_date);
    if (!iin || !given) return [];
    const born = iinBirthDate(iin);
    return 'date' in born && born.date !== given ? [{ column: 'birth_date', code: 'BIRTH_DATE_MISMATCH', params: { date: displayDate(born.date) } }] : [];
  },
};

const examDateUnlessNoShow: Rule = {
  name: 'exam-date-unless-no-show',
  kinds: EXAMS,
  check: (row) =>
    row.values.status !== undefined && row.values.status !== 'no_show' && absent(row, 'exam1_at')
      ? [{ column: 'exam1_at', code: 'REQUIRED', params: { detail: bi('емтиханға келмеуден басқа жағдайда', 'кроме случая неявки') } }]
      : [],
};

const noShowNeedsReason: Rule = {
  name: 'no-show-needs-reason',
  kinds: EXAMS,
  check: (row) => (row.values.status === 'no_show' && absent(row, 'no_show_reason') ? [{ column: 'no_show_reason', code: 'NO_SHOW_REASON' }] : []),
};

/**
 * A no-show for health reasons is rescheduled, not closed (seed 000; docs/domain.md): the
 * re-sit date belongs to that case alone, comes after the sitting, and its absence is
 * worth a warning, since the centre still owes the person a date.
 */
const resitOnlyForHealth: Rule = {
  name: 'resit-only-for-health',
  kinds: EXAMS,
  check: ({ values }) => {
    if (values.resit_date === undefined) return values.status === 'no_show' && values.no_show_reason === 'health' ? [{ column: 'resit_date', code: 'RESIT_DATE_MISSING' }] : [];
    if (values.status !== 'no_show' || values.no_show_reason !== 'health') return [{ column: 'resit_date', code: 'RESIT_DATE_UNEXPECTED' }];
    const resit = str(values.resit_date);
    const protocol = str(values.protocol_date);
    return resit && protocol && resit <= protocol ? [{ column: 'resit_date', code: 'DATE_ORDER', params: { detail: bi('қайта тапсыру хаттамадан кейін болуы тиіс', 'пересдача должна быть позже протокола') } }] : [];
  },
};

const professionCard: Rule = {
  name: 'profession-card-in-force',
  kinds: BOTH,
  check: ({ values, card, kind }) => {
    if (!card || card.found) return [];
    const code = str(values.profession_code);
    switch (card.problem) {
      case 'unknown-standard':
        return [{ column: 'standard_code', code: 'UNKNOWN_PROFESSION', params: { code, detail: bi(`${card.standardCode} стандарты жоқ`, `стандарта ${card.standardCode} нет`) } }];
      case 'unknown-card':
        return [{ column: 'profession_code', code: 'UNKNOWN_PROFESSION', ...(card.standardCode ? { params: { code, detail: bi(`${card.standardCode} стандартында`, `в стандарте ${card.standardCode}`) } } : { params: { code } }) }];
      case 'not-in-force': {
        const s = card.standard;
        const dateKey = CARD_DATE[kind];
        const from = displayDate(s.in_force_from);
        const detail =
          s.repealed_from === null
            ? bi(`${from} бастап қолданыста`, `действует с ${from}`)
            : bi(`${from} – ${displayDate(s.repealed_from)} аралығында қолданыста болған`, `действовал с ${from} по ${displayDate(s.repealed_from)} (не включая)`);
        return [{ column: 'profession_code', code: 'STANDARD_NOT_IN_FORCE', params: { code: s.code, date: displayDate(String(values[dateKey])), detail } }];
      }
      case 'no-date':
        return [];
    }
  },
};

const levelInRange: Rule = {
  name: 'level-in-card-range',
  kinds: BOTH,
  check: ({ values, card }) => {
    const level = num(values.level);
    const bounds = card && (card.found || card.problem === 'not-in-force' || card.problem === 'no-date') ? card.card : undefined;
    if (level === undefined || !bounds) return [];
    const { min, max } = bounds.levels;
    return level < min || level > max ? [{ column: 'level', code: 'LEVEL_OUT_OF_RANGE', params: { min, max, code: bounds.code } }] : [];
  },
};

const recognizedScores: Rule = {
  name: 'recognized-scores-pass',
  kinds: EXAMS,
  check: (row, ctx) => {
    if (row.values.status !== 'recognized') return [];
    const findings: Finding[] = [];
    const needed = bi('«Танылды» мәртебесі үшін', 'для статуса «Признан»');
    if (absent(row, 'exam1_score')) findings.push({ column: 'exam1_score', code: 'REQUIRED', params: { detail: needed } });
    if (row.values.exam2_at !== undefined && absent(row, 'exam2_score')) findings.push({ column: 'exam2_score', code: 'REQUIRED', params: { detail: needed } });
    const standard = row.card?.found ? row.card.standard : undefined;
    const threshold = ctx.thresholds(standard).pass_threshold;
    for (const key of ['exam1_score', 'exam2_score']) {
      const score = num(row.values[key]);
      if (score !== undefined && score < threshold) findings.push({ column: key, code: 'BELOW_THRESHOLD', params: { min: threshold } });
    }
    return findings;
  },
};

const examDatesInOrder: Rule = {
  name: 'exam-dates-in-order',
  kinds: EXAMS,
  check: ({ values }) => {
    const first = str(values.exam1_at);
    const second = str(values.exam2_at);
    const protocol = str(values.protocol_date);
    const findings: Finding[] = [];
    if (first && second && second < first)
      findings.push({ column: 'exam2_at', code: 'DATE_ORDER', params: { detail: bi('екінші емтихан біріншіден бұрын', 'второй экзамен раньше первого') } });
    const lastExam = [first, second].filter((d): d is string => d !== undefined).map(datePart).sort().at(-1);
    if (protocol && lastExam && protocol < lastExam)
      findings.push({ column: 'protocol_date', code: 'DATE_ORDER', params: { detail: bi('хаттама емтиханнан бұрын', 'протокол раньше экзамена') } });
    return findings;
  },
};

const notInFuture: Rule = {
  name: 'dates-not-in-future',
  kinds: BOTH,
  check: ({ values }, ctx) =>
    ['exam1_at', 'exam2_at', 'protocol_date', 'application_date', 'contract_date', 'attestation_date', 'external_date'].flatMap((key): Finding[] => {
      const value = str(values[key]);
      if (!value) return [];
      const now = value.includes('T') ? ctx.today.dateTime : ctx.today.date;
      return value > now ? [{ column: key, code: 'FUTURE_DATE', params: { date: displayDate(ctx.today.date) } }] : [];
    }),
};

/** A contract answers its application: it is concluded on the application's day or later. */
const contractAfterApplication: Rule = {
  name: 'contract-after-application',
  kinds: ['applications'],
  check: ({ values }) => {
    const contract = str(values.contract_date);
    const application = str(values.application_date);
    return contract && application && contract < application
      ? [{ column: 'contract_date', code: 'DATE_ORDER', params: { detail: bi('шарт өтінімнен бұрын', 'договор раньше заявки') } }]
      : [];
  },
};

/** docs/domain.md, "Attestation of social workers": the worker presents a document of recognition, from the register or named by its issuer and date. */
const recognitionDocument: Rule = {
  name: 'attestation-recognition-document',
  kinds: ATTESTATIONS,
  check: (row) => {
    if (!absent(row, 'certificate_serial') || row.failed.has('external_issuer') || row.failed.has('external_date')) return [];
    return row.values.external_issuer !== undefined && row.values.external_date !== undefined ? [] : [{ column: 'certificate_serial', code: 'RECOGNITION_DOCUMENT_REQUIRED' }];
  },
};

/** A no-show without one of the valid reasons counts as not attested: the file must say so, not "no-show". */
const noShowExcused: Rule = {
  name: 'attestation-no-show-excused',
  kinds: ATTESTATIONS,
  check: (row) => (row.values.result === 'no_show' && absent(row, 'absence_reason') ? [{ column: 'absence_reason', code: 'NO_SHOW_UNEXCUSED' }] : []),
};

/** With a valid reason the attestation moves to within one month of the return to work: the centre is told the date it is due by. */
const rescheduledDue: Rule = {
  name: 'attestation-rescheduled-due',
  kinds: ATTESTATIONS,
  check: ({ values, failed }) => {
    if (values.result !== 'no_show' || values.absence_reason === undefined || failed.has('return_date')) return [];
    const back = str(values.return_date);
    return back ? [{ column: 'return_date', code: 'ATTESTATION_RESCHEDULED', params: { date: displayDate(addMonths(back, 1)) } }] : [{ column: 'return_date', code: 'RETURN_DATE_MISSING' }];
  },
};

/** A removal is recorded in an act, which must say what was found. */
const removalNeedsViolation: Rule = {
  name: 'attestation-removal-needs-violation',
  kinds: ATTESTATIONS,
  check: (row) => (row.values.result === 'removed' && absent(row, 'violation') ? [{ column: 'violation', code: 'VIOLATION_REQUIRED' }] : []),
};

/** An attested worker is given a category ("without a category" is one); nobody else is. */
const categoryOnlyWhenAttested: Rule = {
  name: 'attestation-category',
  kinds: ATTESTATIONS,
  check: (row) => {
    const result = row.values.result;
    if (result === undefined) return [];
    if (result === 'attested') return absent(row, 'category') ? [{ column: 'category', code: 'CATEGORY_REQUIRED' }] : [];
    return row.values.category !== undefined ? [{ column: 'category', code: 'CATEGORY_WITHOUT_ATTESTATION' }] : [];
  },
};

/**
 * A category is one the card provides (seed 004, each card's "categories" row): a card that
 * names only «санатсыз», or none at all, gives no higher, first or second category.
 */
const categoryOnCard: Rule = {
  name: 'attestation-category-on-card',
  kinds: ATTESTATIONS,
  check: ({ values, card }) => {
    const category = str(values.category);
    if (!category || !card?.found) return [];
    const named = (card.card.categories ?? []).flatMap((text) => spelledAs('category', text) ?? []);
    // A card that names no category still lets a worker be attested without one.
    const allowed: readonly Category[] = named.length === 0 ? ['none'] : named;
    if (allowed.includes(category as Category)) return [];
    const listed = bi(allowed.map((c) => CATEGORY_NAMES[c].kk).join(', '), allowed.map((c) => CATEGORY_NAMES[c].ru).join(', '));
    return [{ column: 'category', code: 'CATEGORY_NOT_ON_CARD', params: { code: card.card.code, detail: listed } }];
  },
};

/** An external document of recognition must predate the attestation it is presented at. */
const externalBeforeAttestation: Rule = {
  name: 'attestation-external-document-before',
  kinds: ATTESTATIONS,
  check: ({ values }) => {
    const external = str(values.external_date);
    const on = str(values.attestation_date);
    return external && on && on < external
      ? [{ column: 'attestation_date', code: 'DATE_ORDER', params: { detail: bi('аттестаттау тану туралы құжаттан бұрын', 'аттестация раньше документа о признании') } }]
      : [];
  },
};

export const RULES: readonly Rule[] = [
  iinChecksum,
  iinBirthDateReal,
  birthDateMatchesIin,
  examDateUnlessNoShow,
  noShowNeedsReason,
  resitOnlyForHealth,
  professionCard,
  levelInRange,
  recognizedScores,
  examDatesInOrder,
  notInFuture,
  contractAfterApplication,
  recognitionDocument,
  noShowExcused,
  rescheduledDue,
  removalNeedsViolation,
  categoryOnlyWhenAttested,
  categoryOnCard,
  externalBeforeAttestation,
];
