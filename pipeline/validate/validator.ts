import { type Issue, issue } from '../core/issue.js';
import { cellText, isBlank } from '../intake/cell.js';
import type { SourceRecord } from '../intake/table.js';
import { CATALOGUE, REVOCATION_REASONS } from '../core/catalogue.js';
import { displayDate } from '../core/dates.js';
import type { RegisterStanding } from '../records/attestation.js';
import { CARD_DATE, COLUMNS, type Kind } from '../records/columns.js';
import { type KindRecord, RECORD_SCHEMAS, RegistryApplication, type SittingEntry } from '../records/records.js';
import type { Language } from '../standards/schema.js';
import { resolveCard } from './card.js';
import { iinBirthDate } from './iin.js';
import { parseCell } from './cells.js';
import { REGISTRY_RULES } from './registry-rules.js';
import { RULES, type RowFacts, type RuleContext } from './rules.js';

/**
 * The pure core of validation: one record in, its errors (all of them) and, when it has
 * none, the typed record out. It keeps only what duplicate detection needs, so a file of
 * any length streams through it.
 */

export type ValidatorContext = RuleContext & {
  defaultLanguage: Language;
  /** A certificate issued before (by an earlier file) for this person, profession and level: the ledger's answer. */
  recognizedBefore?: (iin: string, professionCode: string, level: number) => Promise<string | undefined>;
  /** A certificate of the register by its serial, with whether it still stands: the ledger's answer. */
  registerStanding?: (serial: string) => Promise<RegisterStanding | undefined>;
  /** The rows a centre's earlier files gave this protocol number: the ledger's answer. */
  sittingBefore?: (protocolNumber: string) => Promise<readonly SittingEntry[]>;
  /** The contract of this person, profession and level still awaiting its act of services: the ledger's answer. */
  contractOf?: (iin: string, professionCode: string, level: number) => Promise<{ number: string; date: string } | undefined>;
};

/** A sitting as this file's valid rows have given it so far: its date, by its first row, and each person's result. */
type Sitting = { date: string; row: number; people: Map<string, { row: number; status: string }> };

const STATUS_WORDS: Readonly<Record<string, { kk: string; ru: string }>> = {
  recognized: { kk: 'Танылды', ru: 'Признан' },
  refused: { kk: 'Танудан бас тарту', ru: 'Отказ в признании' },
  no_show: { kk: 'Емтиханға келмеу', ru: 'Неявка' },
};

const EARLIER_FILE = { kk: 'орталықтың бұрынғы файлында', ru: 'в прежнем файле центра' };
const inRow = (row: number) => ({ kk: `${row}-жолда`, ru: `в строке ${row}` });
/** One person's exam of one card and level: who a protocol gives a result to. */
const personKey = (v: Readonly<Partial<Record<string, string | number | null>>>) =>
  typeof v.iin === 'string' && typeof v.profession_code === 'string' && typeof v.level === 'number' ? `${v.iin}|${v.profession_code}|${v.level}` : undefined;

/** Where the exam was held: seed 000 stars each of the three, and the protocol prints them; a blank one has its own code. */
const LOCATION: ReadonlySet<string> = new Set(['exam_region', 'exam_city', 'exam_address']);

export class RecordValidator {
  private readonly recognized = new Map<string, number>();
  private readonly sittings = new Map<string, Sitting>();
  /** The ledger is asked once per protocol number. */
  private readonly earlierSittings = new Map<string, Promise<readonly SittingEntry[]>>();
  private readonly rules;

  constructor(
    private readonly kind: Kind,
    private readonly ctx: ValidatorContext,
    /** Columns the file has: a column missing from the header is reported once, not on every row. */
    private readonly present: ReadonlySet<string>,
  ) {
    this.rules = [...RULES, ...REGISTRY_RULES].filter((r) => r.kinds.includes(kind));
  }

  /** The row's issues, errors and warnings (a rule's warning such as DECISION_OVERDUE) alike; only errors keep a record out. */
  async check(source: SourceRecord): Promise<{ record?: KindRecord; errors: Issue[] }> {
    const errors: Issue[] = [];
    const warnings: Issue[] = [];
    const values: Record<string, string | number> = {};
    const failed = new Set<string>();
    const at = (column: string | null) => {
      const cell = column === null ? undefined : source.cells.get(column);
      return { row: source.row, column, value: cell === undefined ? null : cellText(cell) };
    };

    for (const col of COLUMNS[this.kind]) {
      const cell = source.cells.get(col.key);
      if (cell === undefined || isBlank(cell)) {
        if (col.required === 'yes' && this.present.has(col.key)) errors.push(issue(this.kind === 'exam-results' && LOCATION.has(col.key) ? 'EXAM_LOCATION_MISSING' : 'REQUIRED', at(col.key)));
        continue;
      }
      const parsed = parseCell(col.type, cell);
      if (parsed.ok) values[col.key] = parsed.value;
      else {
        failed.add(col.key);
        errors.push(issue(parsed.code, at(col.key), parsed.params));
      }
    }

    const dateKey = CARD_DATE[this.kind];
    const profession = values.profession_code;
    const facts: RowFacts = {
      kind: this.kind,
      values,
      failed,
      card:
        typeof profession === 'string'
          ? resolveCard(this.ctx.library, profession, values.standard_code as string | undefined, values[dateKey] as string | undefined)
          : null,
    };
    // A rule may warn (a late decision, a rescheduled attestation's due date): a warning never keeps the record out.
    for (const rule of this.rules)
      for (const f of rule.check(facts, this.ctx)) (CATALOGUE[f.code].severity === 'error' ? errors : warnings).push(issue(f.code, at(f.column), f.params));

    // Before the duplicate check, which remembers only a row without errors.
    if (this.kind === 'exam-results') errors.push(...(await this.sittingAgrees(values, at)), ...(await this.afterContract(values, at)));
    const key = personKey(values);
    if (this.kind === 'exam-results' && values.status === 'recognized' && key) {
      const first = this.recognized.get(key);
      const earlier = typeof values.iin === 'string' && typeof profession === 'string' && typeof values.level === 'number' ? await this.ctx.recognizedBefore?.(values.iin, profession, values.level) : undefined;
      // The earlier row of this file is named first: the ledger may already hold its certificate too.
      if (first !== undefined) errors.push(issue('DUPLICATE', at('iin'), { detail: { kk: `${first}-жолда`, ru: `в строке ${first}` } }));
      else if (earlier !== undefined)
        errors.push(issue('DUPLICATE', at('iin'), { detail: { kk: `№ ${earlier} құжаты бұрын берілген`, ru: `ранее выдан документ № ${earlier}` } }));
      else if (errors.length === 0) this.recognized.set(key, source.row);
    }
    if (this.kind === 'attestations' && typeof values.certificate_serial === 'string' && this.ctx.registerStanding)
      errors.push(...this.standing(await this.ctx.registerStanding(values.certificate_serial), values, at('certificate_serial')));
    if (errors.length > 0) return { errors: [...errors, ...warnings] };
    if (this.kind === 'exam-results') this.joinSitting(values, source.row);
    const cells = Object.fromEntries(COLUMNS[this.kind].map((c) => [c.key, values[c.key] ?? null]));
    // A registry application names a profession in words and earns no document: no card, no IIN.
    if (this.kind === 'registry-applications') return { record: RegistryApplication.parse({ row: source.row, ...cells }), errors: warnings };
    if (!facts.card?.found) return { errors: [...errors, ...warnings] };

    const born = iinBirthDate(String(values.iin));
    const record = {
      row: source.row,
      ...cells,
      birth_date: values.birth_date ?? ('date' in born ? born.date : null),
      language: values.language ?? this.ctx.defaultLanguage,
      standard_code: facts.card.standard.code,
      standard_version: facts.card.version,
    };
    // The schema is the contract with later stages; a rule that let a bad value through is our bug.
    return { record: RECORD_SCHEMAS[this.kind].parse(record), errors: warnings };
  }

  /**
   * A protocol has one date and gives each person one result (docs/formats.md, "Exam
   * results"): a row is checked against its sitting's earlier files in the ledger first
   * (their protocol is issued already), then against this file's first valid row of it.
   */
  private async sittingAgrees(values: Readonly<Record<string, string | number>>, at: (column: string) => { row: number; column: string | null; value: string | null }): Promise<Issue[]> {
    const number = values.protocol_number;
    if (typeof number !== 'string') return [];
    const earlier = this.ctx.sittingBefore ? await this.earlierSitting(number) : [];
    const sitting = this.sittings.get(number);
    const found: Issue[] = [];
    const date = values.protocol_date;
    if (typeof date === 'string') {
      const before = earlier.find((e) => e.protocol_date !== null);
      if (before?.protocol_date && before.protocol_date !== date)
        found.push(issue('PROTOCOL_DATE_CONFLICT', at('protocol_date'), { code: number, date: displayDate(before.protocol_date), detail: EARLIER_FILE }));
      else if (!before && sitting && sitting.date !== date) found.push(issue('PROTOCOL_DATE_CONFLICT', at('protocol_date'), { code: number, date: displayDate(sitting.date), detail: inRow(sitting.row) }));
    }
    const status = values.status;
    const person = personKey(values);
    if (typeof status === 'string' && person) {
      const other = earlier.find((e) => personKey(e) === person && e.status !== null && e.status !== status);
      const mine = sitting?.people.get(person);
      const conflict = other?.status ? { status: other.status, detail: EARLIER_FILE } : mine && mine.status !== status ? { status: mine.status, detail: inRow(mine.row) } : undefined;
      const word = conflict && STATUS_WORDS[conflict.status];
      if (conflict && word)
        found.push(issue('PROTOCOL_RESULT_CONFLICT', at('status'), { code: number, detail: { kk: `«${word.kk}», ${conflict.detail.kk}`, ru: `«${word.ru}», ${conflict.detail.ru}` } }));
    }
    return found;
  }

  /** The exam the contract promised comes after it: a protocol dated before its contract (known to the ledger) is refused. */
  private async afterContract(values: Readonly<Record<string, string | number>>, at: (column: string) => { row: number; column: string | null; value: string | null }): Promise<Issue[]> {
    const { iin, profession_code: code, level, protocol_date: date } = values;
    if (typeof iin !== 'string' || typeof code !== 'string' || typeof level !== 'number' || typeof date !== 'string' || !this.ctx.contractOf) return [];
    const contract = await this.ctx.contractOf(iin, code, level);
    if (!contract || date >= contract.date) return [];
    const on = displayDate(contract.date);
    return [issue('DATE_ORDER', at('protocol_date'), { detail: { kk: `хаттама № ${contract.number} шарттан (${on}) бұрын`, ru: `протокол раньше договора № ${contract.number} от ${on}` } })];
  }

  private earlierSitting(number: string): Promise<readonly SittingEntry[]> {
    let entries = this.earlierSittings.get(number);
    if (!entries && this.ctx.sittingBefore) this.earlierSittings.set(number, (entries = this.ctx.sittingBefore(number)));
    return entries ?? Promise.resolve([]);
  }

  /** A valid row joins its sitting: the first sets the date, each gives its person's result. */
  private joinSitting(values: Readonly<Record<string, string | number>>, row: number) {
    const number = values.protocol_number;
    const date = values.protocol_date;
    if (typeof number !== 'string' || typeof date !== 'string') return;
    let sitting = this.sittings.get(number);
    if (!sitting) this.sittings.set(number, (sitting = { date, row, people: new Map() }));
    const person = personKey(values);
    if (person && typeof values.status === 'string' && !sitting.people.has(person)) sitting.people.set(person, { row, status: values.status });
  }

  /**
   * The certificate an attestation row presents, against the register (docs/domain.md,
   * "Attestation of social workers"): it must be there, still stand, be the worker's, and
   * predate the attestation.
   */
  private standing(found: RegisterStanding | undefined, values: Readonly<Record<string, string | number>>, where: { row: number; column: string | null; value: string | null }): Issue[] {
    const serial = String(values.certificate_serial);
    if (!found) return [issue('CERTIFICATE_NOT_IN_REGISTER', where, { value: serial })];
    if (found.status === 'revoked') {
      const reason = found.revocation_reason ? REVOCATION_REASONS[found.revocation_reason] : undefined;
      return [issue('CERTIFICATE_REVOKED', where, { value: serial, date: displayDate((found.revoked_at ?? '').slice(0, 10)), ...(reason ? { detail: reason } : {}) })];
    }
    if (found.status === 'superseded') {
      const by = found.superseded_by;
      return [issue('CERTIFICATE_SUPERSEDED', where, { value: serial, ...(by ? { detail: { kk: `қазіргісі № ${by}`, ru: `действующий № ${by}` } } : {}) })];
    }
    if (typeof values.iin === 'string' && found.iin !== values.iin) return [issue('CERTIFICATE_OTHER_PERSON', where, { value: serial, code: found.iin })];
    const on = values.attestation_date;
    if (typeof on === 'string' && on < found.issue_date)
      return [
        issue('DATE_ORDER', { ...where, column: 'attestation_date', value: displayDate(on) }, {
          detail: { kk: `аттестаттау № ${serial} құжаты берілген ${displayDate(found.issue_date)} күнінен бұрын`, ru: `аттестация раньше выдачи документа № ${serial} (${displayDate(found.issue_date)})` },
        }),
      ];
    return [];
  }
}
