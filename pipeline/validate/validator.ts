import { type Issue, issue } from '../core/issue.js';
import { cellText, isBlank } from '../intake/cell.js';
import type { SourceRecord } from '../intake/table.js';
import { CATALOGUE, REVOCATION_REASONS } from '../core/catalogue.js';
import { displayDate } from '../core/dates.js';
import type { RegisterStanding } from '../records/attestation.js';
import { CARD_DATE, COLUMNS, type Kind } from '../records/columns.js';
import { type KindRecord, RECORD_SCHEMAS, RegistryApplication } from '../records/records.js';
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
};

/** Where the exam was held: the protocol prints it (seed 000 asks for it), so its absence is worth a warning. */
const LOCATION = ['exam_region', 'exam_city', 'exam_address'] as const;

export class RecordValidator {
  private readonly recognized = new Map<string, number>();
  private readonly rules;
  /** A file without any location column is told once, not on every row. */
  private locationToldForFile = false;

  constructor(
    private readonly kind: Kind,
    private readonly ctx: ValidatorContext,
    /** Columns the file has: a column missing from the header is reported once, not on every row. */
    private readonly present: ReadonlySet<string>,
  ) {
    this.rules = [...RULES, ...REGISTRY_RULES].filter((r) => r.kinds.includes(kind));
  }

  /** The row's issues, errors and warnings (EXAM_LOCATION_MISSING, a rule's warning such as DECISION_OVERDUE) alike; only errors keep a record out. */
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
        if (col.required === 'yes' && this.present.has(col.key)) errors.push(issue('REQUIRED', at(col.key)));
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

    const key = `${values.iin}|${profession}|${values.level}`;
    if (this.kind === 'exam-results' && values.status === 'recognized') {
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
    if (this.kind === 'exam-results' && LOCATION.every((key) => values[key] === undefined)) {
      const inFile = LOCATION.some((key) => this.present.has(key));
      if (inFile) warnings.push(issue('EXAM_LOCATION_MISSING', at(LOCATION[0])));
      else if (!this.locationToldForFile) {
        this.locationToldForFile = true;
        warnings.push(issue('EXAM_LOCATION_MISSING', { row: null, column: null, value: null }));
      }
    }
    if (errors.length > 0) return { errors: [...errors, ...warnings] };
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
