import type { Bilingual } from '../core/catalogue.js';
import type { Centre } from '../config/schema.js';
import type { Application, ExamResult } from '../records/records.js';
import { type Library, cardOn } from '../standards/library.js';
import { Language } from '../standards/schema.js';

/**
 * What each document shows, computed from validated records before any HTML exists: the
 * pure core of rendering. Templates only lay these values out; the DOCX contract is built
 * from the same model, so the two contract files can never say different things.
 */

export const DOCUMENT_TYPES = ['certificate', 'protocol', 'contract'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Every key present (null when unset): templates run in strict mode, where a missing key is an error, not a blank. */
type RequisitesView = { bin: string; address: Bilingual; bank: string | null; iban: string | null; bik: string | null; phone: string | null; email: string | null };
type CentreView = { id: string; name: Bilingual; head: Bilingual; city: Bilingual; requisites: RequisitesView | null };
type ProfessionView = {
  code: string;
  name: Bilingual;
  level: number;
  standard_code: string;
  standard_version: number;
  standard_title: Bilingual;
  /** The order whose wording of the standard applies: what a reader can look up, unlike Tanu's version counter. */
  standard_order: { number: string; date: string };
};

/** A re-issued document says which revision it is and which one it replaces (docs/contracts.md, "Regeneration"); absent on a first issue. */
export type RevisionView = { number: number; replaces: number };

export type CertificateModel = {
  type: 'certificate';
  revision?: RevisionView;
  languages: Language[];
  serial: string;
  centre: CentreView;
  holder: { full_name: string; iin: string };
  profession: ProfessionView;
  protocol: { number: string; date: string };
  issue_date: string;
  valid_until: string;
  verify_url: string;
};

export type ProtocolRow = {
  n: number;
  full_name: string;
  /** The name's words, each kept on one line: a double surname never breaks at its hyphen. */
  name_words: string[];
  iin: string;
  profession: string;
  level: number;
  exam1_at: string | null;
  exam1_score: number | null;
  exam2_at: string | null;
  exam2_score: number | null;
  status: ExamResult['status'];
  no_show_reason: ExamResult['no_show_reason'];
};

export type ProtocolModel = {
  type: 'protocol';
  revision?: RevisionView;
  languages: Language[];
  number: string;
  date: string;
  centre: CentreView;
  /** The organization that issued the protocol, as the file names it; the centre when null. */
  issuer: string | null;
  place: { region: string | null; city: string | null; address: string | null };
  professions: { code: string; name: Bilingual; level: number }[];
  rows: ProtocolRow[];
};

export type ContractModel = {
  type: 'contract';
  languages: Language[];
  number: string;
  /** The day the contract was drawn up (the batch's issue date). */
  date: string;
  /** The candidate's application the contract answers. */
  application: { number: string; date: string };
  centre: CentreView;
  candidate: { full_name: string; iin: string; birth_date: string; phone: string | null; email: string | null; address: string };
  profession: ProfessionView;
  /** A voucher, else the centre's fee, else neither (the price list applies). */
  payment: { voucher: string | null; amount: number | null; currency: string | null };
};

export type DocumentModel = CertificateModel | ProtocolModel | ContractModel;

export const fullName = (p: { last_name: string; first_name: string; middle_name: string | null }) =>
  [p.last_name, p.first_name, p.middle_name].filter((x): x is string => !!x).join(' ');

function centreView(c: Centre): CentreView {
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

/** The languages a document is printed in: the record's, or both where the centre asks. */
export const languagesFor = (centre: Centre, language: Language): Language[] => (centre.bilingual_documents ? ['kk', 'ru'] : [language]);

/** `years` after an ISO date; 29 February falls back to 28 February in a common year. */
export function addYears(isoDate: string, years: number): string {
  const [y = 0, m = 1, d = 1] = isoDate.split('-').map(Number);
  const target = new Date(Date.UTC(y + years, m - 1, d));
  if (target.getUTCMonth() !== m - 1) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

export function certificateModel(args: {
  record: ExamResult;
  serial: string;
  issueDate: string;
  validityYears: number;
  centre: Centre;
  library: Library;
  verifyBaseUrl: string;
  /** The document's secret verification code (plan time): the QR's link works only with it. */
  verifyCode: string;
}): CertificateModel {
  const { record, serial, issueDate, centre } = args;
  return {
    type: 'certificate',
    languages: languagesFor(centre, record.language),
    serial,
    centre: centreView(centre),
    holder: { full_name: fullName(record), iin: record.iin },
    profession: professionView(args.library, record),
    protocol: { number: record.protocol_number, date: record.protocol_date },
    issue_date: issueDate,
    valid_until: addYears(issueDate, args.validityYears),
    verify_url: `${args.verifyBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(serial)}/${args.verifyCode}`,
  };
}

/**
 * The languages of a sitting's protocol: the one its candidates chose, both when they chose
 * differently (one document for the whole commission), or both where the centre asks.
 */
export const sittingLanguages = (centre: Centre, rows: readonly { language: Language }[]): Language[] =>
  centre.bilingual_documents ? ['kk', 'ru'] : Language.options.filter((lang) => rows.some((r) => r.language === lang));

/** One protocol per protocol number: every valid exam row of that number, in file order. */
export function protocolModels(args: { records: readonly ExamResult[]; centre: Centre; library: Library }): ProtocolModel[] {
  const groups = new Map<string, ExamResult[]>();
  for (const r of args.records) groups.set(r.protocol_number, [...(groups.get(r.protocol_number) ?? []), r]);
  return [...groups.entries()].map(([number, rows]) => {
    const first = rows[0] as ExamResult;
    const professions = new Map<string, { code: string; name: Bilingual; level: number }>();
    for (const r of rows) {
      const view = professionView(args.library, r);
      professions.set(`${view.code}|${view.level}`, { code: view.code, name: view.name, level: view.level });
    }
    return {
      type: 'protocol',
      languages: sittingLanguages(args.centre, rows),
      number,
      date: rows.map((r) => r.protocol_date).sort().at(-1) ?? first.protocol_date,
      centre: centreView(args.centre),
      issuer: first.protocol_issuer,
      place: { region: first.exam_region, city: first.exam_city, address: first.exam_address },
      professions: [...professions.values()],
      rows: rows.map((r, i) => ({
        n: i + 1,
        full_name: fullName(r),
        name_words: fullName(r).split(' '),
        iin: r.iin,
        profession: r.profession_code,
        level: r.level,
        exam1_at: r.exam1_at,
        exam1_score: r.exam1_score,
        exam2_at: r.exam2_at,
        exam2_score: r.exam2_score,
        status: r.status,
        no_show_reason: r.no_show_reason,
      })),
    };
  });
}

export function contractModel(args: { record: Application; centre: Centre; library: Library; drawnUp: string }): ContractModel {
  const { record, centre } = args;
  return {
    type: 'contract',
    languages: languagesFor(centre, record.language),
    number: record.application_number,
    date: args.drawnUp,
    application: { number: record.application_number, date: record.application_date },
    centre: centreView(centre),
    candidate: {
      full_name: fullName(record),
      iin: record.iin,
      birth_date: record.birth_date,
      phone: record.phone,
      email: record.email,
      address: [record.address_region, record.address_city, record.address_street].filter((x): x is string => !!x).join(', '),
    },
    profession: professionView(args.library, record),
    payment: record.voucher_number
      ? { voucher: record.voucher_number, amount: null, currency: null }
      : { voucher: null, amount: centre.fee?.amount ?? null, currency: centre.fee?.currency ?? null },
  };
}

/** Every piece of text a model will print, for the font coverage check. */
export function printedText(model: DocumentModel): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(model);
  return out.join('\n');
}
