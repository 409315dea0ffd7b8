import ExcelJS from 'exceljs';
import { displayDate } from '../core/dates.js';
import { displayWidth } from '../core/width.js';
import type { SpecialistRow } from '../ledger/ledger.js';
import type { RegistryApplication } from '../records/records.js';
import type { Language } from '../standards/schema.js';
import { csvCell, excelDate, inert } from './register.js';

/**
 * The registry of specialists providing special social services as files for people
 * (`tanu registry export --registry specialists`): the ten columns of seed 003's form,
 * its Kazakh headings word for word (the Russian ones are Tanu's), each multi-part column
 * split into its parts so that every value keeps its type: dates are dates, the years of
 * experience a number, the BIN text with its leading zeros (docs/contracts.md, "Register export").
 */

type Cell = string | number | null;
type Part = { kk: string; ru: string; type: 'text' | 'date' | 'number'; value: (r: RegistryApplication) => Cell };
type Group = { kk: string; ru: string; parts: readonly Part[] };

const text = (kk: string, ru: string, value: (r: RegistryApplication) => Cell): Part => ({ kk, ru, type: 'text', value });
const date = (kk: string, ru: string, value: (r: RegistryApplication) => Cell): Part => ({ kk, ru, type: 'date', value });
/** A column of one part: its heading is the group's. */
const single = (kk: string, ru: string, type: Part['type'], value: (r: RegistryApplication) => Cell): Group => ({ kk, ru, parts: [{ kk, ru, type, value }] });

const fullName = (r: RegistryApplication) => [r.last_name, r.first_name, r.middle_name].filter((p) => p !== null).join(' ');

export const SPECIALIST_COLUMNS: readonly Group[] = [
  single('маманның тегі, аты, әкесінің аты (бар болса)', 'фамилия, имя, отчество (при наличии) специалиста', 'text', fullName),
  single('туған күні', 'дата рождения', 'date', (r) => r.birth_date),
  {
    kk: 'байланыс деректері (ұялы телефон, электрондық пошта мекенжайы)',
    ru: 'контактные данные (мобильный телефон, адрес электронной почты)',
    parts: [text('ұялы телефон', 'мобильный телефон', (r) => r.phone), text('электрондық пошта мекенжайы', 'адрес электронной почты', (r) => r.email)],
  },
  {
    kk: 'тұрғылықты мекенжайы (облыс, елді мекен, тіркелген мекенжайы)',
    ru: 'адрес проживания (область, населённый пункт, адрес регистрации)',
    parts: [text('облыс', 'область', (r) => r.address_region), text('елді мекен', 'населённый пункт', (r) => r.address_locality), text('тіркелген мекенжайы', 'адрес регистрации', (r) => r.address_registered)],
  },
  single('кәсіп атауы', 'наименование профессии', 'text', (r) => r.profession_name),
  single('арнаулы әлеуметтік қызметтер көрсету саласындағы жұмыс өтілі', 'стаж работы в сфере оказания специальных социальных услуг', 'number', (r) => r.experience_years),
  {
    kk: 'білімі туралы мәліметтер (білім деңгейі, оқу орнының атауы, басталу күні, аяқталу күні, білімі туралы құжат)',
    ru: 'сведения об образовании (уровень образования, наименование учебного заведения, дата начала, дата окончания, документ об образовании)',
    parts: [
      text('білім деңгейі', 'уровень образования', (r) => r.education_level),
      text('оқу орнының атауы', 'наименование учебного заведения', (r) => r.education_institution),
      date('басталу күні', 'дата начала', (r) => r.education_start),
      date('аяқталу күні', 'дата окончания', (r) => r.education_end),
      text('білімі туралы құжат', 'документ об образовании', (r) => r.education_document),
    ],
  },
  {
    kk: 'еңбек қызметі жөніндегі мәліметтер (ұйымның атауы, БСН, лауазымы, жұмыс басталған күні, аяқталған күні)',
    ru: 'сведения о трудовой деятельности (наименование организации, БИН, должность, дата начала работы, дата окончания)',
    parts: [
      text('ұйымның атауы', 'наименование организации', (r) => r.employer_name),
      text('БСН', 'БИН', (r) => r.employer_bin),
      text('лауазымы', 'должность', (r) => r.position),
      date('жұмыс басталған күні', 'дата начала работы', (r) => r.employment_start),
      date('аяқталған күні', 'дата окончания', (r) => r.employment_end),
    ],
  },
  {
    kk: 'біліктілік санатын беру туралы ақпарат (біліктілік санаты, біліктілік санатын беру күні, аттестаттау комиссиясының деректері (уәкілетті органның атауы))',
    ru: 'информация о присвоении квалификационной категории (квалификационная категория, дата присвоения, данные аттестационной комиссии (наименование уполномоченного органа))',
    parts: [
      text('біліктілік санаты', 'квалификационная категория', (r) => r.qualification_category),
      date('біліктілік санатын беру күні', 'дата присвоения', (r) => r.qualification_date),
      text('аттестаттау комиссиясының деректері (уәкілетті органның атауы)', 'данные аттестационной комиссии (наименование уполномоченного органа)', (r) => r.qualification_authority),
    ],
  },
  single('тізілімге енгізілген күні', 'дата внесения в реестр', 'date', (r) => r.registry_date),
];

const PARTS = SPECIALIST_COLUMNS.flatMap((g) => g.parts);

/** The heading without its list of parts: "тұрғылықты мекенжайы (облыс, …)" → "тұрғылықты мекенжайы". */
const shortHeading = (heading: string) => heading.replace(/\s*\(.*\)$/, '');

/** One header line for programs: "4. тұрғылықты мекенжайы: облыс", a single column by its full heading. */
const specialistCsvHeaders = (lang: Language) =>
  SPECIALIST_COLUMNS.flatMap((g, i) => (g.parts.length === 1 ? [`${i + 1}. ${g[lang]}`] : g.parts.map((p) => `${i + 1}. ${shortHeading(g[lang])}: ${p[lang]}`)));

const asText = (part: Part, value: Cell) => (value === null ? '' : part.type === 'date' ? displayDate(String(value)) : String(value));

/** The registry as CSV: UTF-8 with BOM and ";" like the register of recognized persons, dates dd.mm.yyyy, every cell inert. */
export const specialistsCsv = (rows: readonly SpecialistRow[], lang: Language) =>
  Buffer.from(
    `\uFEFF${[specialistCsvHeaders(lang), ...rows.map((r) => PARTS.map((p) => inert(asText(p, p.value(r.record)))))].map((line) => line.map(csvCell).join(';')).join('\r\n')}\r\n`,
  );

/** Rows 1–3 are the form's heading: the ten headings (merged over their parts), the parts, the columns' numbers. */
const SPECIALISTS_HEADER_ROWS = 3;

/**
 * The registry for people, laid out as seed 003's form: each heading spans its parts,
 * with the parts named beneath and the form's column numbers 1–10 under them; frozen
 * below the heading, with a filter. Text cells are never formulas; the workbook's own
 * dates are fixed, so the same rows give the same bytes.
 */
export async function specialistsXlsx(rows: readonly SpecialistRow[], lang: Language): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.created = wb.modified = new Date(0);
  const ws = wb.addWorksheet(lang === 'kk' ? 'Мамандар тізілімі' : 'Реестр специалистов', { views: [{ state: 'frozen', ySplit: SPECIALISTS_HEADER_ROWS }] });
  let column = 1;
  SPECIALIST_COLUMNS.forEach((group, i) => {
    const last = column + group.parts.length - 1;
    ws.getCell(1, column).value = group[lang];
    ws.getCell(3, column).value = i + 1;
    if (group.parts.length === 1) ws.mergeCells(1, column, 2, column);
    else {
      ws.mergeCells(1, column, 1, last);
      ws.mergeCells(3, column, 3, last);
      group.parts.forEach((part, j) => (ws.getCell(2, column + j).value = part[lang]));
    }
    column = last + 1;
  });
  for (const r of [1, 2, 3]) {
    const header = ws.getRow(r);
    header.font = { bold: r < 3 };
    header.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' };
  }
  for (const row of rows) {
    const added = ws.addRow(
      PARTS.map((p) => {
        const value = p.value(row.record);
        return value === null ? null : p.type === 'date' ? excelDate(String(value)) : value;
      }),
    );
    // Formats go on the data cells, not the columns: the heading's numbers would show as dates.
    PARTS.forEach((p, i) => {
      if (p.type !== 'number') added.getCell(i + 1).numFmt = p.type === 'date' ? 'dd.mm.yyyy' : '@';
    });
  }
  PARTS.forEach((_, i) => {
    const col = ws.getColumn(i + 1);
    // Headings wrap; a column is as wide as its values, within reason.
    const widest = Math.max(12, ...(col.values ?? []).slice(SPECIALISTS_HEADER_ROWS + 1).map((v) => (v instanceof Date ? 10 : displayWidth(String(v ?? '')))));
    col.width = Math.min(widest + 2, 40);
  });
  ws.autoFilter = { from: { row: SPECIALISTS_HEADER_ROWS, column: 1 }, to: { row: SPECIALISTS_HEADER_ROWS, column: PARTS.length } };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
