/**
 * The columns centres send (docs/formats.md, §3 Columns), with their Kazakh and Russian headers. Intake
 * matches headers against this table and validation parses cells by `type`, so adding a
 * column or a header spelling is one line here.
 */

export const KINDS = ['exam-results', 'applications', 'registry-applications', 'attestations'] as const;
export type Kind = (typeof KINDS)[number];

export type CellType =
  | 'iin'
  | 'name'
  | 'text'
  | 'date'
  | 'datetime'
  | 'score'
  | 'level'
  | 'status'
  | 'no_show_reason'
  | 'language'
  | 'bin'
  | 'years'
  | 'decision'
  | 'decision_reason'

  | 'attestation_result'
  | 'category'
  | 'absence_reason'
  | 'violation';

export type Column = {
  key: string;
  kk: string;
  ru: string;
  /** Other header spellings seen in centres' exports. */
  aliases?: readonly string[];
  type: CellType;
  required: 'yes' | 'no' | 'unless-no-show';
};

const person: readonly Column[] = [
  { key: 'iin', kk: 'ЖСН', ru: 'ИИН', type: 'iin', required: 'yes' },
  { key: 'last_name', kk: 'Тегі', ru: 'Фамилия', type: 'name', required: 'yes' },
  { key: 'first_name', kk: 'Аты', ru: 'Имя', type: 'name', required: 'yes' },
  { key: 'middle_name', kk: 'Әкесінің аты', ru: 'Отчество', type: 'name', required: 'no' },
  { key: 'birth_date', kk: 'Туған күні', ru: 'Дата рождения', type: 'date', required: 'no' },
  { key: 'phone', kk: 'Телефон', ru: 'Телефон', type: 'text', required: 'no' },
  { key: 'email', kk: 'Email', ru: 'Email', aliases: ['E-mail', 'Эл. пошта', 'Эл. почта'], type: 'text', required: 'no' },
];

const profession: readonly Column[] = [
  { key: 'standard_code', kk: 'Кәсіптік стандарт', ru: 'Профессиональный стандарт', type: 'text', required: 'no' },
  { key: 'profession_code', kk: 'Кәсіп коды', ru: 'Код профессии', type: 'text', required: 'yes' },
  { key: 'level', kk: 'СБШ деңгейі', ru: 'Уровень ОРК', type: 'level', required: 'yes' },
  { key: 'language', kk: 'Тіл', ru: 'Язык', type: 'language', required: 'no' },
];

export const COLUMNS: Record<Kind, readonly Column[]> = {
  'exam-results': [
    ...person,
    ...profession,
    { key: 'exam1_at', kk: 'Бірінші емтиханның күні мен уақыты', ru: 'Дата и время первого экзамена', type: 'datetime', required: 'unless-no-show' },
    { key: 'exam1_score', kk: 'Бірінші емтихан балы', ru: 'Балл первого экзамена', type: 'score', required: 'no' },
    { key: 'exam2_at', kk: 'Екінші емтиханның күні мен уақыты', ru: 'Дата и время второго экзамена', type: 'datetime', required: 'no' },
    { key: 'exam2_score', kk: 'Екінші емтихан балы', ru: 'Балл второго экзамена', type: 'score', required: 'no' },
    { key: 'status', kk: 'Мәртебе', ru: 'Статус', type: 'status', required: 'yes' },
    { key: 'no_show_reason', kk: 'Келмеу себебі', ru: 'Причина неявки', type: 'no_show_reason', required: 'no' },
    // A no-show for health is rescheduled (seed 000): the day of the re-sit, when the centre has set it.
    { key: 'resit_date', kk: 'Қайта тапсыру күні', ru: 'Дата пересдачи', type: 'date', required: 'no' },
    { key: 'protocol_number', kk: 'Хаттаманың №', ru: '№ протокола', type: 'text', required: 'yes' },
    { key: 'protocol_date', kk: 'Хаттаманың күні', ru: 'Дата протокола', type: 'date', required: 'yes' },
    // Seed 000's field; when absent the protocol names the centre.
    { key: 'protocol_issuer', kk: 'Хаттама берген ұйымның атауы', ru: 'Организация, выдавшая протокол', aliases: ['Наименование организации, выдавшей протокол'], type: 'text', required: 'no' },
    // Where the exam was held: seed 000 stars all three.
    { key: 'exam_region', kk: 'Облыс / Республикалық маңызы бар қала', ru: 'Область / город республиканского значения', type: 'text', required: 'yes' },
    { key: 'exam_city', kk: 'Қала немесе аудан', ru: 'Город или район', type: 'text', required: 'yes' },
    { key: 'exam_address', kk: 'Мекен-жайы', ru: 'Адрес', type: 'text', required: 'yes' },
  ],
  applications: [
    ...person,
    { key: 'address_region', kk: 'Облыс / Республикалық маңызы бар қала', ru: 'Область / город республиканского значения', type: 'text', required: 'no' },
    { key: 'address_city', kk: 'Қала немесе аудан', ru: 'Город или район', type: 'text', required: 'no' },
    { key: 'address_street', kk: 'Мекен-жайы', ru: 'Адрес', type: 'text', required: 'yes' },
    ...profession,
    { key: 'application_number', kk: 'Өтінімнің №', ru: '№ заявки', type: 'text', required: 'yes' },
    { key: 'application_date', kk: 'Өтінімнің күні', ru: 'Дата заявки', type: 'date', required: 'yes' },
    // The day the contract was concluded on the platform (seed 000, steps 5–7); the contract is dated by it, else by the application.
    { key: 'contract_date', kk: 'Шарт жасалған күні', ru: 'Дата заключения договора', aliases: ['Шарттың күні', 'Дата договора'], type: 'date', required: 'no' },
    { key: 'voucher_number', kk: 'Ваучердің №', ru: '№ ваучера', type: 'text', required: 'no' },
  ],
  // Seed 003's form of the registry of specialists (columns 1–10, the multi-part ones
  // split), then the application and the administrator's decision (its paragraph 9).
  // Columns marked 'no' that an entry needs are required by the rule
  // `registered-entry-complete` when the decision is to register (docs/formats.md, "Registry applications").
  'registry-applications': [
    { key: 'last_name', kk: 'Тегі', ru: 'Фамилия', type: 'name', required: 'yes' },
    { key: 'first_name', kk: 'Аты', ru: 'Имя', type: 'name', required: 'yes' },
    { key: 'middle_name', kk: 'Әкесінің аты', ru: 'Отчество', type: 'name', required: 'no' },
    { key: 'birth_date', kk: 'Туған күні', ru: 'Дата рождения', type: 'date', required: 'yes' },
    { key: 'phone', kk: 'Ұялы телефон', ru: 'Мобильный телефон', aliases: ['Телефон'], type: 'text', required: 'no' },
    { key: 'email', kk: 'Электрондық пошта мекенжайы', ru: 'Адрес электронной почты', aliases: ['Email', 'E-mail', 'Эл. пошта', 'Эл. почта'], type: 'text', required: 'no' },
    { key: 'address_region', kk: 'Облыс', ru: 'Область', type: 'text', required: 'no' },
    { key: 'address_locality', kk: 'Елді мекен', ru: 'Населённый пункт', aliases: ['Населенный пункт'], type: 'text', required: 'no' },
    { key: 'address_registered', kk: 'Тіркелген мекенжайы', ru: 'Адрес регистрации', type: 'text', required: 'no' },
    { key: 'profession_name', kk: 'Кәсіп атауы', ru: 'Наименование профессии', type: 'text', required: 'yes' },
    { key: 'experience_years', kk: 'Жұмыс өтілі (жыл)', ru: 'Стаж работы (лет)', type: 'years', required: 'no' },
    { key: 'education_level', kk: 'Білім деңгейі', ru: 'Уровень образования', type: 'text', required: 'no' },
    { key: 'education_institution', kk: 'Оқу орнының атауы', ru: 'Наименование учебного заведения', type: 'text', required: 'no' },
    { key: 'education_start', kk: 'Оқудың басталу күні', ru: 'Дата начала обучения', type: 'date', required: 'no' },
    { key: 'education_end', kk: 'Оқудың аяқталу күні', ru: 'Дата окончания обучения', type: 'date', required: 'no' },
    { key: 'education_document', kk: 'Білімі туралы құжат', ru: 'Документ об образовании', type: 'text', required: 'no' },
    { key: 'employer_name', kk: 'Ұйымның атауы', ru: 'Наименование организации', type: 'text', required: 'no' },
    { key: 'employer_bin', kk: 'БСН', ru: 'БИН', type: 'bin', required: 'no' },
    { key: 'position', kk: 'Лауазымы', ru: 'Должность', type: 'text', required: 'no' },
    { key: 'employment_start', kk: 'Жұмыс басталған күні', ru: 'Дата начала работы', type: 'date', required: 'no' },
    { key: 'employment_end', kk: 'Жұмыс аяқталған күні', ru: 'Дата окончания работы', type: 'date', required: 'no' },
    { key: 'qualification_category', kk: 'Біліктілік санаты', ru: 'Квалификационная категория', type: 'text', required: 'no' },
    { key: 'qualification_date', kk: 'Біліктілік санатын беру күні', ru: 'Дата присвоения квалификационной категории', type: 'date', required: 'no' },
    { key: 'qualification_authority', kk: 'Аттестаттау комиссиясы (уәкілетті орган)', ru: 'Аттестационная комиссия (уполномоченный орган)', type: 'text', required: 'no' },
    { key: 'registry_date', kk: 'Тізілімге енгізілген күні', ru: 'Дата внесения в реестр', type: 'date', required: 'no' },
    { key: 'received_date', kk: 'Өтініш түскен күні', ru: 'Дата поступления заявления', type: 'date', required: 'yes' },
    { key: 'decision', kk: 'Әкімшінің шешімі', ru: 'Решение администратора', type: 'decision', required: 'yes' },
    { key: 'decision_reason', kk: 'Шешімнің себебі', ru: 'Причина решения', type: 'decision_reason', required: 'no' },
    { key: 'decision_date', kk: 'Шешім күні', ru: 'Дата решения', type: 'date', required: 'yes' },
  ],
  // docs/formats.md, "Attestations": a sitting of the attestation commission of social workers.
  attestations: [
    ...person,
    // The document of recognition the worker presents; an external one is named by its issuer and date instead.
    { key: 'certificate_serial', kk: 'Тану туралы құжаттың №', ru: '№ документа о признании', aliases: ['Certificate serial'], type: 'text', required: 'no' },
    { key: 'external_issuer', kk: 'Тану туралы құжатты берген ұйым', ru: 'Организация, выдавшая документ о признании', aliases: ['External issuer'], type: 'text', required: 'no' },
    { key: 'external_date', kk: 'Тану туралы құжаттың күні', ru: 'Дата документа о признании', aliases: ['External date'], type: 'date', required: 'no' },
    { key: 'standard_code', kk: 'Кәсіптік стандарт', ru: 'Профессиональный стандарт', type: 'text', required: 'no' },
    { key: 'profession_code', kk: 'Кәсіп коды', ru: 'Код профессии', type: 'text', required: 'yes' },
    { key: 'level', kk: 'СБШ деңгейі', ru: 'Уровень ОРК', type: 'level', required: 'yes' },
    // The worker chooses the state language or Russian: always stated, never defaulted.
    { key: 'language', kk: 'Тіл', ru: 'Язык', type: 'language', required: 'yes' },
    { key: 'attestation_date', kk: 'Аттестаттау күні', ru: 'Дата аттестации', aliases: ['Attestation date'], type: 'date', required: 'yes' },
    { key: 'result', kk: 'Аттестаттау нәтижесі', ru: 'Результат аттестации', aliases: ['Result'], type: 'attestation_result', required: 'yes' },
    { key: 'category', kk: 'Берілген санат', ru: 'Присвоенная категория', aliases: ['Category'], type: 'category', required: 'no' },
    { key: 'commission', kk: 'Аттестаттау комиссиясы', ru: 'Аттестационная комиссия', aliases: ['Commission'], type: 'text', required: 'yes' },
    { key: 'sitting_number', kk: 'Отырыстың №', ru: '№ заседания', aliases: ['Sitting number'], type: 'text', required: 'yes' },
    { key: 'absence_reason', kk: 'Келмеу себебі', ru: 'Причина неявки', aliases: ['Absence reason'], type: 'absence_reason', required: 'no' },
    { key: 'return_date', kk: 'Жұмысқа шыққан күні', ru: 'Дата выхода на работу', aliases: ['Return date'], type: 'date', required: 'no' },
    { key: 'violation', kk: 'Бұзушылық', ru: 'Нарушение', aliases: ['Violation'], type: 'violation', required: 'no' },
    { key: 'violation_details', kk: 'Бұзушылықтың сипаттамасы', ru: 'Описание нарушения', aliases: ['Violation details'], type: 'text', required: 'no' },
  ],
};

/**
 * The columns Tanu adds to rejected-rows.xlsx (the original row number, the messages): a
 * centre that fixes the rows and drops the workbook again gets no UNKNOWN_COLUMN for them.
 */
export const ADDED_BY_TANU = {
  row: { kk: 'Жол (бастапқы файлда)', ru: 'Строка (в исходном файле)' },
  error_kk: 'Қате (kk)',
  error_ru: 'Ошибка (ru)',
} as const;

/** Columns that tell a kind apart when neither a `kind` field nor the file name does. */
export const DISTINCTIVE: Record<Kind, readonly string[]> = {
  'exam-results': ['status', 'protocol_number', 'exam1_at'],
  applications: ['application_number', 'application_date'],
  'registry-applications': ['decision', 'registry_date', 'employer_bin', 'received_date'],
  attestations: ['attestation_date', 'result', 'sitting_number'],
};

/** The date a row's profession card is looked up on: the standard in force that day applies. */
export const CARD_DATE: Record<Kind, string> = {
  'exam-results': 'protocol_date',
  applications: 'application_date',
  // A registry application names a profession in words: no card is looked up, and its received date is the one that counts.
  'registry-applications': 'received_date',
  attestations: 'attestation_date',
};

/** Case-, space- and underscore-insensitive form of a header. */
export const headerKey = (header: string) => header.normalize('NFC').toLowerCase().replace(/[\s_]+/g, '');

const lookup = new Map<Kind, Map<string, Column>>(
  KINDS.map((kind) => [
    kind,
    new Map(COLUMNS[kind].flatMap((c) => [c.key, c.kk, c.ru, ...(c.aliases ?? [])].map((h) => [headerKey(h), c] as const))),
  ]),
);

export const columnFor = (kind: Kind, header: string): Column | undefined => lookup.get(kind)?.get(headerKey(header));

const added = new Set([ADDED_BY_TANU.row.kk, ADDED_BY_TANU.row.ru, ADDED_BY_TANU.error_kk, ADDED_BY_TANU.error_ru].map(headerKey));
export const isAddedByTanu = (header: string) => added.has(headerKey(header));

export const isKind = (value: unknown): value is Kind => typeof value === 'string' && (KINDS as readonly string[]).includes(value);
