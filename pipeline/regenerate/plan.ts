import type { CurrentDocument, NewRevision } from '../ledger/ledger.js';
import { CertificateModel } from '../kinds/certificate/model.js';
import { ProtocolModel } from '../kinds/protocol/model.js';
import type { DocumentModel } from '../kinds/registry.js';
import { professionView } from '../kinds/views.js';
import { valueText } from '../standards/diff.js';
import { type Library, cardOn } from '../standards/library.js';
import type { Language, Standard } from '../standards/schema.js';

/**
 * A regeneration's plan, pure (docs/architecture.md, "A regeneration"): for each
 * current document of a standard, what it printed (the model stored in the ledger) against
 * what it would print under the version in force today. A document is affected when the
 * printed values differ; the plan lists the fields that do, and the new revision each
 * affected document becomes. Nothing here reads or writes anything.
 */

/** Why a document needs no new revision. */
export type UnaffectedReason = 'wording-unchanged' | 'not-in-its-languages' | 'issued-under-this-version' | 'other-cards' | 'other-centre';

export type AffectedDocument = {
  type: 'certificate' | 'protocol';
  serial: string;
  revision: number;
  /** Paths of the printed values that differ, e.g. `profession.name.kk`. */
  fields: string[];
  /** The same values as a methodologist reads them: which card, which field, what it said and will say. */
  changes: ChangedValue[];
  centre: string;
  /** The revision it becomes, ready for the ledger. */
  next: NewRevision;
};

/** An affected document as the plan lists it: its new revision is made when it is issued. */
export type PlannedDocument = Omit<AffectedDocument, 'next'>;

export type RegenerationPlan = {
  standard: string;
  to_version: number;
  affected: PlannedDocument[];
  unaffected: Partial<Record<UnaffectedReason, number>>;
};

/** A printed value that differs: its card, the card's field, the language it is printed in (null for a value in none), before and after. */
export type ChangedValue = { card: string; field: string; language: Language | null; from: string; to: string };

export type RegenerationScope = { cards: readonly string[] | null; centre: string | null };

export type RegenerationContext = {
  standard: Standard;
  library: Library;
  version: number;
  scope: RegenerationScope;
  /**
   * A new certificate revision's verification code (`newVerifyCode`): its QR leads to it,
   * and the old paper's QR to "superseded, see the current revision". Chance comes in from
   * outside, so the plan stays a value.
   */
  verifyCode: () => string;
};

/**
 * Which version a value names rather than what the card says: under a new version every
 * document names a new order, but only one whose wording changed needs re-issuing. The
 * revision note and the verification link are the re-issue's own.
 */
const NAMING_THE_VERSION = ['revision', 'verify_url', 'profession.standard_version', 'profession.standard_order'];
const namesTheVersion = (path: string) => NAMING_THE_VERSION.some((p) => path === p || path.startsWith(`${p}.`));

/** Paths where two printed values differ: leaves, or an array whose length changed (items added or removed). */
export function changedFields(printed: unknown, now: unknown, path = ''): string[] {
  if (Array.isArray(printed) && Array.isArray(now)) {
    if (printed.length !== now.length) return [path];
    return printed.flatMap((item, i) => changedFields(item, now[i], `${path}[${i}]`));
  }
  if (isRecord(printed) && isRecord(now)) {
    const keys = [...new Set([...Object.keys(printed), ...Object.keys(now)])];
    return keys.flatMap((k) => changedFields(printed[k], now[k], path ? `${path}.${k}` : k));
  }
  return Object.is(printed, now) ? [] : [path];
}

/** A document prints only its languages' side of a bilingual value: a Kazakh re-wording leaves a Russian-only certificate as it was. */
const printedIn = (languages: readonly string[]) => (path: string) => {
  const last = path.slice(path.lastIndexOf('.') + 1);
  return !['kk', 'ru'].includes(last) || languages.includes(last);
};

const valueAt = (root: unknown, path: string): unknown =>
  (path.match(/[^.[\]]+/g) ?? []).reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined), root);

/** `profession.name.kk` (a certificate's card) or `professions[1].name.kk` (a protocol's second card). */
const PROFESSION_PATH = /^(?:profession|professions\[(\d+)\])\.([^.[]+)/;

function changedValue(path: string, printed: unknown, now: DocumentModel, doc: CurrentDocument): ChangedValue {
  const at = PROFESSION_PATH.exec(path);
  const index = at?.[1];
  const card = index !== undefined && now.type === 'protocol' ? (now.professions[Number(index)]?.code ?? doc.card_code) : doc.card_code;
  const last = path.slice(path.lastIndexOf('.') + 1);
  return { card, field: at?.[2] ?? path, language: last === 'kk' || last === 'ru' ? last : null, from: valueText(valueAt(printed, path)), to: valueText(valueAt(now, path)) };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The cards a document prints: a certificate its own, a protocol every one of its sitting. */
export function printedCards(doc: CurrentDocument): string[] {
  if (doc.type === 'certificate') return [doc.card_code];
  return ProtocolModel.parse(doc.model).professions.map((p) => p.code);
}

/**
 * What a document would print under `version`: its card wording re-read (only of the cards
 * `only` names, when given: `--cards` re-issues for those cards' changes), everything else
 * as issued.
 */
export function reword(doc: CurrentDocument, standard: Standard, library: Library, version: number, only: readonly string[] | null = null): DocumentModel {
  const chosen = (code: string) => only === null || only.includes(code);
  if (doc.type === 'certificate') {
    const model = CertificateModel.parse(doc.model);
    const profession = professionView(library, { profession_code: model.profession.code, level: model.profession.level, standard_code: standard.code, standard_version: version });
    return { ...model, profession };
  }
  const model = ProtocolModel.parse(doc.model);
  return { ...model, professions: model.professions.map((p) => ({ ...p, name: (chosen(p.code) && cardOn(standard, p.code, version)?.name) || p.name })) };
}

/** One document's verdict: affected with its new revision, or the reason it is not. */
export function judge(doc: CurrentDocument, ctx: RegenerationContext): { affected: AffectedDocument } | { unaffected: UnaffectedReason } {
  const { scope } = ctx;
  if (scope.centre !== null && doc.centre !== scope.centre) return { unaffected: 'other-centre' };
  if (scope.cards !== null && !printedCards(doc).some((c) => scope.cards?.includes(c))) return { unaffected: 'other-cards' };
  if (doc.type !== 'certificate' && doc.type !== 'protocol') throw new Error(`a ${doc.type} prints no standard wording`);
  const now = reword(doc, ctx.standard, ctx.library, ctx.version, scope.cards);
  const differ = changedFields(doc.model, now).filter((f) => !namesTheVersion(f));
  const fields = differ.filter(printedIn(now.languages));
  if (fields.length === 0) return { unaffected: doc.standard_version === ctx.version ? 'issued-under-this-version' : differ.length > 0 ? 'not-in-its-languages' : 'wording-unchanged' };
  const revision = doc.revision + 1;
  const verifyCode = now.type === 'certificate' ? ctx.verifyCode() : null;
  const model =
    now.type === 'certificate' && verifyCode !== null
      ? { ...now, verify_url: now.verify_url.replace(/[^/]+$/, verifyCode), revision: { number: revision, replaces: doc.revision } }
      : { ...now, revision: { number: revision, replaces: doc.revision } };
  return {
    affected: {
      type: doc.type,
      serial: doc.serial,
      revision: doc.revision,
      fields,
      changes: fields.map((f) => changedValue(f, doc.model, now, doc)),
      centre: doc.centre,
      next: {
        type: doc.type,
        serial: doc.serial,
        iin: doc.iin,
        profession_code: doc.profession_code,
        level: doc.level,
        language: doc.language,
        standard_code: ctx.standard.code,
        standard_version: ctx.version,
        card_code: doc.card_code,
        verify_code: verifyCode,
        model,
        record_id: doc.record_id,
        revision,
        supersedes: doc.id,
      },
    },
  };
}

/**
 * The plan over every current document of the standard, as they come from the ledger.
 * Each affected document, with its new revision, goes to `onAffected` as it is judged
 * (applying issues them a batch at a time); the plan keeps only what it lists.
 */
export async function planRegeneration(
  documents: AsyncIterable<CurrentDocument>,
  ctx: RegenerationContext,
  onAffected: (affected: AffectedDocument) => Promise<void> | void = () => {},
): Promise<RegenerationPlan> {
  const plan: RegenerationPlan = { standard: ctx.standard.code, to_version: ctx.version, affected: [], unaffected: {} };
  for await (const doc of documents) {
    const verdict = judge(doc, ctx);
    if ('affected' in verdict) {
      const { next: _, ...listed } = verdict.affected;
      plan.affected.push(listed);
      await onAffected(verdict.affected);
    } else plan.unaffected[verdict.unaffected] = (plan.unaffected[verdict.unaffected] ?? 0) + 1;
  }
  return plan;
}

/** The plan as `--json` prints it (docs/contracts.md, `tanu regenerate`). */
export const planJson = (plan: RegenerationPlan) => ({
  standard: plan.standard,
  to_version: plan.to_version,
  affected: plan.affected.map((a) => ({ type: a.type, serial: a.serial, revision: a.revision, fields: a.fields, changes: a.changes })),
  unaffected: Object.values(plan.unaffected).reduce((a, b) => a + b, 0),
});
