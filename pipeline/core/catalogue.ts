import { z } from 'zod';

/**
 * The bilingual catalogue of everything a user can cause. Codes are stable API: reports,
 * scripts and centres' own tooling match on them, so a code is never renamed or reused.
 * Messages take parameters so that one entry serves every column and card.
 */

import { withEnding } from './kazakh.js';

export type Bilingual = { kk: string; ru: string };

/**
 * A schema's own message in both languages. zod carries a message as one string, so the
 * two travel as JSON and `readSchemaMessage` takes them apart for whoever reads the error.
 */
export const schemaMessage = (kk: string, ru: string) => JSON.stringify({ kk, ru });

export function readSchemaMessage(message: string): Bilingual | null {
  try {
    const parsed: unknown = JSON.parse(message);
    if (parsed && typeof parsed === 'object' && 'kk' in parsed && 'ru' in parsed && typeof parsed.kk === 'string' && typeof parsed.ru === 'string') return { kk: parsed.kk, ru: parsed.ru };
  } catch {
    // zod's own English message: not one of ours.
  }
  return null;
}

export type MessageParams = {
  /** What was expected, already in both languages where it is prose. */
  expected?: Bilingual;
  /** A short detail of why, in both languages. */
  detail?: Bilingual;
  min?: number | string;
  max?: number | string;
  code?: string;
  date?: string;
  value?: string;
};

type Entry = {
  severity: 'error' | 'warning';
  text: (p: MessageParams) => Bilingual;
  /**
   * A failure that passes by itself (a full disk freed, a ledger let go, a token put
   * back): `tanu watch` and `tanu worker` try the same work again `watch.retry_ms` later
   * instead of giving it up (`passes` in core/tanu-error.ts).
   */
  passing?: true;
};

const withDetail = (base: Bilingual, p: MessageParams): Bilingual =>
  p.detail ? { kk: `${base.kk}: ${p.detail.kk}`, ru: `${base.ru}: ${p.detail.ru}` } : base;

/** An error whose message is a fixed statement, followed by the detail of the case when there is one. */
const explained = (kk: string, ru: string): Entry => ({ severity: 'error', text: (p) => withDetail({ kk, ru }, p) });

export const CATALOGUE = {
  FILE_UNREADABLE: explained('Файлды оқу мүмкін емес', 'Файл невозможно прочитать'),
  FILE_INCOMPLETE: explained('Файл әлі соңына дейін жазылмаған: жазу аяқталғанда ол алынады', 'Файл ещё не записан до конца: он будет взят, когда запись закончится'),
  FILE_TOO_LARGE: {
    severity: 'error',
    text: (p) =>
      withDetail(
        {
          kk: `Файл тым үлкен (шегі ${p.max})`,
          ru: `Файл слишком большой (предел ${p.max})`,
        },
        p,
      ),
  },
  NO_RECORDS: {
    severity: 'error',
    text: () => ({
      kk: 'Файлда бірде-бір жазба жоқ (тек тақырып жолы немесе бос тізім)',
      ru: 'В файле нет ни одной записи (только строка заголовков или пустой список)',
    }),
  },
  UNSAFE_PATH: explained('Файл кіріс бумасынан тыс жерге сілтейді, ол оқылмайды', 'Файл указывает за пределы входящей папки и не читается'),
  UNKNOWN_KIND: {
    severity: 'error',
    text: (p) =>
      withDetail(
        {
          kk: 'Файлдың түрі анықталмады: kind өрісін көрсетіңіз немесе файл атауын exam-results…, applications…, registry-applications…, attestations… деп бастаңыз',
          ru: 'Не удалось определить вид файла: укажите поле kind или начните имя файла с exam-results…, applications…, registry-applications…, attestations…',
        },
        p,
      ),
  },
  UNKNOWN_CENTRE: {
    severity: 'error',
    text: (p) => ({
      kk: `«${p.code}» орталығы баптауларда жоқ`,
      ru: `Центр «${p.code}» отсутствует в настройках`,
    }),
  },
  MISSING_COLUMN: {
    severity: 'error',
    text: (p) =>
      withDetail(
        {
          kk: `Міндетті баған жоқ: ${p.expected?.kk}`,
          ru: `Нет обязательного столбца: ${p.expected?.ru}`,
        },
        p,
      ),
  },
  REQUIRED: explained('Міндетті өріс толтырылмаған', 'Обязательное поле не заполнено'),
  IIN_FORMAT: {
    severity: 'error',
    text: () => ({
      kk: 'ЖСН 12 цифрдан тұруы тиіс',
      ru: 'ИИН должен состоять из 12 цифр',
    }),
  },
  IIN_LEADING_ZERO: {
    severity: 'error',
    text: () => ({
      kk: 'ЖСН-да 11 цифр: электрондық кесте бастапқы нөлді алып тастаған (2000–2009 жылдары туғандардың ЖСН-ы 0-ден басталады). ЖСН бағанына мәтіндік пішім беріңіз (Ұяшық пішімі → Мәтіндік) және ЖСН-ды қайта енгізіңіз',
      ru: 'В ИИН 11 цифр: электронная таблица отбросила ведущий ноль (ИИН родившихся в 2000–2009 годах начинается с 0). Задайте столбцу ИИН текстовый формат (Формат ячеек → Текстовый) и введите ИИН заново',
    }),
  },
  IIN_EXPONENT: {
    severity: 'error',
    text: () => ({
      kk: 'ЖСН экспоненциалды түрдегі сан болып жазылған (мысалы 8,80523E+11), цифрлары жоғалған. ЖСН бағанына мәтіндік пішім беріңіз (Ұяшық пішімі → Мәтіндік) және ЖСН-ды қайта енгізіңіз',
      ru: 'ИИН записан числом в экспоненциальной форме (например 8,80523E+11), его цифры потеряны. Задайте столбцу ИИН текстовый формат (Формат ячеек → Текстовый) и введите ИИН заново',
    }),
  },
  IIN_CHECKSUM: {
    severity: 'error',
    text: () => ({
      kk: 'ЖСН бақылау саны сәйкес келмейді',
      ru: 'Контрольная цифра ИИН не сходится',
    }),
  },
  IIN_DATE: explained('ЖСН ішіндегі туған күн нақты күн емес', 'Дата рождения внутри ИИН не является реальной датой'),
  BIRTH_DATE_MISMATCH: {
    severity: 'error',
    text: (p) => ({
      kk: `Туған күні ЖСН-дағы күнге (${p.date}) сәйкес келмейді`,
      ru: `Дата рождения не совпадает с датой в ИИН (${p.date})`,
    }),
  },
  NAME_CHARS: {
    severity: 'error',
    text: () => ({
      kk: 'Атауда тек қазақ, орыс, латын әріптері, бос орын, дефис және апостроф болуы керек',
      ru: 'В имени допустимы только буквы казахского, русского, латинского алфавитов, пробел, дефис и апостроф',
    }),
  },
  NAME_ENCODING: {
    severity: 'error',
    text: () => ({
      kk: 'Атауда әріптің орнында «?» тұр: файл қазақ әріптері (Ә, Ғ, Қ, Ң, Ө, Ұ, Ү, Һ, І) жоқ Windows-1251 кодтауында сақталған. Файлды «CSV UTF-8 (үтірмен бөлінген)» түрінде сақтап, қайта жіберіңіз',
      ru: 'В имени «?» на месте буквы: файл сохранён в кодировке Windows-1251, в которой нет казахских букв (Ә, Ғ, Қ, Ң, Ө, Ұ, Ү, Һ, І). Сохраните файл как «CSV UTF-8 (разделитель — запятая)» и отправьте снова',
    }),
  },
  NAME_DOUBLE_SPACE: {
    severity: 'error',
    text: () => ({
      kk: 'Атауда қатар тұрған екі бос орын бар: біреуін қалдырыңыз',
      ru: 'В имени два пробела подряд: оставьте один',
    }),
  },
  VALUE_TOO_LONG: {
    severity: 'error',
    text: (p) => ({
      kk: `Мән тым ұзын: ${p.value} таңба, шегі ${p.max}`,
      ru: `Слишком длинное значение: ${p.value} символов, предел ${p.max}`,
    }),
  },
  DATE_FORMAT: {
    severity: 'error',
    text: (p) => ({
      kk: `Күн пішімі дұрыс емес, күтілгені: ${p.expected?.kk ?? 'кк.аа.жжжж'}`,
      ru: `Неверный формат даты, ожидается: ${p.expected?.ru ?? 'дд.мм.гггг'}`,
    }),
  },
  DATE_NOT_REAL: {
    severity: 'error',
    text: (p) => withDetail({ kk: `Пішімі дұрыс, бірақ ${p.value} күні күнтізбеде жоқ`, ru: `Формат верный, но даты ${p.value} нет в календаре` }, p),
  },
  UNKNOWN_PROFESSION: {
    severity: 'error',
    text: (p) => withDetail({
      kk: `«${p.code}» кәсіп карточкасы кәсіптік стандарттарда жоқ`,
      ru: `Карточка профессии «${p.code}» отсутствует в профессиональных стандартах`,
    }, p),
  },
  STANDARD_NOT_IN_FORCE: {
    severity: 'error',
    text: (p) => withDetail({
      kk: `${p.code} кәсіптік стандарты ${p.date} күні қолданыста болмаған`,
      ru: `Профессиональный стандарт ${p.code} не действовал на ${p.date}`,
    }, p),
  },
  LEVEL_OUT_OF_RANGE: {
    severity: 'error',
    text: (p) =>
      p.min === p.max
        ? { kk: `СБШ деңгейі ${p.min} болуы тиіс (${p.code})`, ru: `Уровень ОРК должен быть ${p.min} (${p.code})` }
        : {
            kk: `СБШ деңгейі ${p.min}–${p.max} аралығындағы бүтін сан болуы тиіс (${p.code})`,
            ru: `Уровень ОРК должен быть целым числом от ${p.min} до ${p.max} (${p.code})`,
          },
  },
  SCORE_RANGE: {
    severity: 'error',
    text: () => ({
      kk: `Балл ${withEnding(0, 'ablative')} ${withEnding(100, 'dative')} дейінгі сан болуы тиіс`,
      ru: 'Балл должен быть числом от 0 до 100',
    }),
  },
  BELOW_THRESHOLD: {
    severity: 'error',
    text: (p) => ({
      kk: `«Танылды» мәртебесі үшін балл ${withEnding(p.min ?? 0, 'ablative')} кем болмауы тиіс`,
      ru: `Для статуса «Признан» балл должен быть не ниже ${p.min}`,
    }),
  },
  STATUS_UNKNOWN: {
    severity: 'error',
    text: () => ({
      kk: 'Белгісіз мәртебе; рұқсат етілгені: Танылды, Танудан бас тарту, Емтиханға келмеу',
      ru: 'Неизвестный статус; допустимы: Признан, Отказ в признании, Неявка',
    }),
  },
  NO_SHOW_REASON: {
    severity: 'error',
    text: () => ({
      kk: 'Емтиханға келмеу себебі көрсетілмеген немесе белгісіз; рұқсат етілгені: өз қалауы бойынша, денсаулыққа байланысты',
      ru: 'Причина неявки не указана или неизвестна; допустимы: по собственному желанию, по состоянию здоровья',
    }),
  },
  LANGUAGE_UNKNOWN: {
    severity: 'error',
    text: () => ({
      kk: 'Белгісіз тіл; рұқсат етілгені: қазақ (kk), орыс (ru)',
      ru: 'Неизвестный язык; допустимы: казахский (kk), русский (ru)',
    }),
  },
  DATE_ORDER: explained('Күндердің реті бұзылған', 'Нарушен порядок дат'),
  FUTURE_DATE: {
    severity: 'error',
    text: (p) => ({
      kk: `Күн болашақта (бүгін ${p.date})`,
      ru: `Дата в будущем (сегодня ${p.date})`,
    }),
  },
  DUPLICATE: {
    severity: 'error',
    text: (p) => withDetail({
      kk: 'Бұл адам осы кәсіп пен деңгей бойынша бұрын танылған',
      ru: 'Этот человек уже признан по этой профессии и уровню',
    }, p),
  },
  // A protocol number is one sitting: one date, one result per person (docs/formats.md, "Exam results").
  PROTOCOL_DATE_CONFLICT: {
    severity: 'error',
    text: (p) => ({
      kk: `№ ${p.code} хаттаманың күні ${p.date} (${p.detail?.kk ?? ''}): бір хаттаманың бір ғана күні болады, күнді немесе хаттаманың нөмірін түзетіңіз`,
      ru: `Протокол № ${p.code} датирован ${p.date} (${p.detail?.ru ?? ''}): у протокола одна дата, исправьте дату или номер протокола`,
    }),
  },
  PROTOCOL_RESULT_CONFLICT: {
    severity: 'error',
    text: (p) => ({
      kk: `Бұл адам № ${p.code} хаттамада басқа нәтижемен бар (${p.detail?.kk ?? ''}): бір хаттамада адамның бір ғана нәтижесі болады`,
      ru: `Этот человек уже есть в протоколе № ${p.code} с другим результатом (${p.detail?.ru ?? ''}): в одном протоколе у человека один результат`,
    }),
  },
  UNKNOWN_COLUMN: {
    severity: 'warning',
    text: () => ({
      kk: 'Белгісіз баған: оның мәндері өңделмейді',
      ru: 'Неизвестный столбец: его значения не обрабатываются',
    }),
  },
  RESIT_DATE_MISSING: {
    severity: 'warning',
    text: () => ({
      kk: 'Денсаулыққа байланысты келмеу: емтихан қайта белгіленуі тиіс, қайта тапсыру күні көрсетілмеген (tanu resits тізімінде ашық тұрады)',
      ru: 'Неявка по состоянию здоровья: экзамен нужно перенести, дата пересдачи не указана (остаётся открытой в списке tanu resits)',
    }),
  },
  RESIT_DATE_UNEXPECTED: {
    severity: 'error',
    text: () => ({
      kk: 'Қайта тапсыру күні тек денсаулыққа байланысты келмеуде көрсетіледі',
      ru: 'Дата пересдачи указывается только при неявке по состоянию здоровья',
    }),
  },
  // The attestation of social workers (docs/domain.md, "Attestation of social workers").
  ATTESTATION_RESULT_UNKNOWN: {
    severity: 'error',
    text: () => ({
      kk: 'Аттестаттау нәтижесі белгісіз; рұқсат етілгені: аттестатталды, аттестатталмады, келмеді, шеттетілді',
      ru: 'Неизвестный результат аттестации; допустимы: аттестован, не аттестован, неявка, отстранён',
    }),
  },
  CATEGORY_UNKNOWN: {
    severity: 'error',
    text: () => ({ kk: 'Санат белгісіз; рұқсат етілгені: жоғары, бірінші, екінші, санатсыз', ru: 'Неизвестная категория; допустимы: высшая, первая, вторая, без категории' }),
  },
  ABSENCE_REASON_UNKNOWN: {
    severity: 'error',
    text: () => ({
      kk: 'Келмеу себебі дәлелді себептердің бірі емес: еңбекке уақытша қабілетсіздік, демалыс, кәмелетке толмаған баланың сырқаты, жақын туысының қайтыс болуы, іссапар',
      ru: 'Причина неявки не из числа уважительных: временная нетрудоспособность, отпуск, болезнь несовершеннолетнего ребёнка, смерть близкого родственника, командировка',
    }),
  },
  VIOLATION_UNKNOWN: {
    severity: 'error',
    text: () => ({ kk: 'Бұзушылық белгісіз; рұқсат етілгені: әдебиет, құрылғы', ru: 'Неизвестное нарушение; допустимы: литература, устройство' }),
  },
  RECOGNITION_DOCUMENT_REQUIRED: {
    severity: 'error',
    text: () => ({
      kk: 'Тану туралы құжаттың № немесе (тізілімде жоқ құжат үшін) оны берген ұйым мен күні көрсетілмеген',
      ru: 'Не указан № документа о признании или (для документа не из реестра) выдавшая его организация и дата',
    }),
  },
  CERTIFICATE_NOT_IN_REGISTER: {
    severity: 'error',
    text: (p) => ({ kk: `№ ${p.value} құжаты танылған тұлғалар тізілімінде жоқ`, ru: `Документа № ${p.value} нет в реестре признанных лиц` }),
  },
  CERTIFICATE_REVOKED: {
    severity: 'error',
    text: (p) => withDetail({ kk: `№ ${p.value} құжаты ${p.date} ${REVOKED.kk}`, ru: `Документ № ${p.value} отозван ${p.date}` }, p),
  },
  CERTIFICATE_SUPERSEDED: {
    severity: 'error',
    text: (p) => withDetail({ kk: `№ ${p.value} құжатының орнына басқасы берілген`, ru: `Документ № ${p.value} заменён другим` }, p),
  },
  CERTIFICATE_OTHER_PERSON: {
    severity: 'error',
    text: (p) => ({ kk: `№ ${p.value} құжаты басқа тұлғаға (ЖСН ${p.code}) берілген`, ru: `Документ № ${p.value} выдан другому лицу (ИИН ${p.code})` }),
  },
  NO_SHOW_UNEXCUSED: {
    severity: 'error',
    text: () => ({
      kk: 'Дәлелді себепсіз келмеген қызметкер аттестатталмаған болып есептеледі: нәтижеге «аттестатталмады» деп жазыңыз немесе дәлелді себепті көрсетіңіз',
      ru: 'Работник, не явившийся без уважительной причины, считается не аттестованным: укажите результат «не аттестован» или уважительную причину',
    }),
  },
  ATTESTATION_RESCHEDULED: {
    severity: 'warning',
    text: (p) => ({
      kk: `Дәлелді себеппен келмеді: аттестаттау ауыстырылады, ${withEnding(p.date ?? '', 'ablative')} кешіктірмей өткізілуі тиіс (жұмысқа шыққан күннен бастап бір ай)`,
      ru: `Неявка по уважительной причине: аттестация переносится и должна пройти не позднее ${p.date} (месяц со дня выхода на работу)`,
    }),
  },
  RETURN_DATE_MISSING: {
    severity: 'warning',
    text: () => ({
      kk: 'Дәлелді себеппен келмеді, бірақ жұмысқа шыққан күні көрсетілмеген: ауыстырылған аттестаттаудың мерзімі есептелмейді',
      ru: 'Неявка по уважительной причине, но не указана дата выхода на работу: срок перенесённой аттестации не рассчитан',
    }),
  },
  VIOLATION_REQUIRED: {
    severity: 'error',
    text: () => ({
      kk: 'Бұзушылық үшін шеттетілген қызметкерге бұзушылық (әдебиет немесе құрылғы) көрсетілуі тиіс: ол бойынша акт жасалады',
      ru: 'Для отстранённого за нарушение нужно указать нарушение (литература или устройство): по нему составляется акт',
    }),
  },
  CATEGORY_REQUIRED: {
    severity: 'error',
    text: () => ({ kk: 'Аттестатталған қызметкерге санат (жоғары, бірінші, екінші немесе санатсыз) көрсетілуі тиіс', ru: 'Аттестованному работнику нужно указать категорию (высшая, первая, вторая или без категории)' }),
  },
  CATEGORY_NOT_ON_CARD: {
    severity: 'error',
    text: (p) => withDetail({ kk: `${p.code} кәсіп карточкасы бұл санатты көздемейді; карточкадағы санаттар`, ru: `Карточка профессии ${p.code} не предусматривает этой категории; категории карточки` }, p),
  },
  CATEGORY_WITHOUT_ATTESTATION: {
    severity: 'error',
    text: () => ({ kk: 'Санат тек аттестатталған қызметкерге беріледі', ru: 'Категория присваивается только аттестованному работнику' }),
  },
  EXAM_LOCATION_MISSING: {
    severity: 'error',
    text: () => ({
      kk: 'Емтиханды өткізу орны толық көрсетілмеген: облыс, қала немесе аудан және мекен-жайы міндетті, хаттама оларды басып шығарады',
      ru: 'Место проведения экзамена указано не полностью: область, город или район и адрес обязательны, протокол их печатает',
    }),
  },
  // The registry of specialists (seed 003; docs/formats.md, "Registry applications").
  BIN_FORMAT: {
    severity: 'error',
    text: () => ({ kk: 'БСН 12 цифрдан тұруы тиіс', ru: 'БИН должен состоять из 12 цифр' }),
  },
  BIN_CHECKSUM: {
    severity: 'error',
    text: () => ({ kk: 'БСН бақылау саны сәйкес келмейді', ru: 'Контрольная цифра БИН не сходится' }),
  },
  EXPERIENCE_RANGE: {
    severity: 'error',
    text: (p) => ({ kk: `Жұмыс өтілі 0-ден ${p.max} жылға дейінгі сан болуы тиіс`, ru: `Стаж работы должен быть числом лет от 0 до ${p.max}` }),
  },
  CONTACT_REQUIRED: {
    severity: 'error',
    text: () => ({ kk: 'Ұялы телефон немесе электрондық пошта мекенжайы көрсетілуі тиіс', ru: 'Нужен мобильный телефон или адрес электронной почты' }),
  },
  DECISION_UNKNOWN: {
    severity: 'error',
    text: () => ({ kk: 'Белгісіз шешім; рұқсат етілгені: тіркеу, қайта қарау, бас тарту', ru: 'Неизвестное решение; допустимы: регистрация, возврат на доработку, отказ' }),
  },
  DECISION_REASON_UNKNOWN: explained('Шешімнің себебі Қағидалардың 9-тармағындағы тізімде жоқ', 'Причины решения нет в перечне пункта 9 Правил'),
  DECISION_REASON_REQUIRED: {
    severity: 'error',
    text: (p) => withDetail({ kk: 'Қайтару немесе бас тарту шешімінің себебі көрсетілмеген', ru: 'Не указана причина возврата или отказа' }, p),
  },
  DECISION_REASON_MISMATCH: explained('Себеп бұл шешімге сәйкес келмейді', 'Причина не подходит к этому решению'),
  REGISTRY_DATE_UNEXPECTED: explained('Тізілімге енгізілген күн тек тіркеу шешімінде болады', 'Дата внесения в реестр бывает только при решении о регистрации'),
  RECEIVED_BEFORE_RULES: {
    severity: 'error',
    text: (p) => ({
      kk: `Өтініш Қағидаларды бекіткен № 21 бұйрық тіркелген күннен (${p.date}) бұрын түсуі мүмкін емес`,
      ru: `Заявление не могло поступить раньше регистрации приказа № 21, утвердившего Правила (${p.date})`,
    }),
  },
  DECISION_OVERDUE: {
    severity: 'warning',
    text: (p) => ({
      kk: `Шешім бес жұмыс күні ішінде қабылданбаған (мерзімі ${p.date}): ${p.value} жұмыс күні кешіктірілді`,
      ru: `Решение принято позже пяти рабочих дней (срок ${p.date}): опоздание ${p.value} раб. дн.`,
    }),
  },
  APPLICATION_RETURNED: {
    severity: 'warning',
    text: (p) => withDetail({ kk: 'Өтініш қайта қарау үшін қайтарылды, тізілімге енгізілмейді', ru: 'Заявление возвращено на доработку и в реестр не вносится' }, p),
  },
  APPLICATION_REFUSED: {
    severity: 'warning',
    text: (p) => withDetail({ kk: 'Өтініш бойынша бас тартылды, тізілімге енгізілмейді', ru: 'По заявлению отказано, в реестр не вносится' }, p),
  },
  UNSUPPORTED_CHARACTER: {
    severity: 'error',
    text: (p) => ({
      kk: `Құжат қарпінде мына таңбалар жоқ, олар басылмайды: ${p.value}`,
      ru: `В шрифте документа нет этих символов, их нельзя напечатать: ${p.value}`,
    }),
  },
  DOCUMENT_TOO_LARGE: {
    severity: 'error',
    text: (p) => ({
      kk: `Құжат файлы рұқсат етілген көлемнен (${p.max}) үлкен`,
      ru: `Файл документа больше допустимого размера (${p.max})`,
    }),
  },
  RENDER_FAILED: explained('Құжатты жасау мүмкін болмады', 'Не удалось сформировать документ'),
  SIGNING_KEY: explained('Қол қою кілтін пайдалану мүмкін емес', 'Невозможно использовать ключ подписи'),
  TOKEN_MODULE: {
    severity: 'error',
    text: (p) => withDetail({ kk: `PKCS#11 кітапханасы жүктелмеді (signing.pkcs11.module): ${p.value}`, ru: `Не удалось загрузить библиотеку PKCS#11 (signing.pkcs11.module): ${p.value}` }, p),
  },
  TOKEN_NOT_FOUND: {
    severity: 'error',
    text: (p) => ({
      kk: `«${p.code}» белгісі бар токен табылмады (signing.pkcs11.token); табылған токендер: ${p.value || 'жоқ'}`,
      ru: `Не найден токен с меткой «${p.code}» (signing.pkcs11.token); найдены токены: ${p.value || 'нет'}`,
    }),
  },
  TOKEN_KEY: {
    severity: 'error',
    text: (p) => ({
      kk: `«${p.code}» токенінде ${p.value} жабық кілті жоқ (signing.pkcs11.key: белгісі немесе id:<hex>); tanu keys token не бар екенін көрсетеді`,
      ru: `На токене «${p.code}» нет закрытого ключа ${p.value} (signing.pkcs11.key: метка или id:<hex>); tanu keys token покажет, что на нём есть`,
    }),
  },
  TOKEN_CERTIFICATE_MISSING: {
    severity: 'error',
    text: (p) => ({
      kk: `${p.value} кілтінің сертификаты табылмады: токенде осы CKA_ID-мен сертификат жоқ, signing.pkcs11.certificate файлын көрсетіңіз`,
      ru: `Не найден сертификат ключа ${p.value}: на токене нет сертификата с тем же CKA_ID, укажите файл в signing.pkcs11.certificate`,
    }),
  },
  TOKEN_CERTIFICATE_MISMATCH: {
    severity: 'error',
    text: (p) => ({
      kk: `${p.value} сертификаты ${p.code} кілтіне сәйкес келмейді: оның ашық кілті басқа`,
      ru: `Сертификат ${p.value} не соответствует ключу ${p.code}: в нём другой открытый ключ`,
    }),
  },
  TOKEN_MECHANISM: {
    severity: 'error',
    text: (p) => ({
      kk: `«${p.code}» токені кілт үшін RSA PKCS#1 v1.5 қолтаңбасын (CKM_RSA_PKCS та, CKM_SHA256_RSA_PKCS та) ұсынбайды немесе кілт RSA емес`,
      ru: `Токен «${p.code}» не предлагает для ключа подпись RSA PKCS#1 v1.5 (ни CKM_RSA_PKCS, ни CKM_SHA256_RSA_PKCS) или ключ не RSA`,
    }),
  },
  TOKEN_PIN_MISSING: {
    severity: 'error',
    text: (p) => ({
      kk: `Токеннің PIN-коды ${p.code} орта айнымалысында жоқ (signing.pin_env)`,
      ru: `PIN-код токена не задан в переменной окружения ${p.code} (signing.pin_env)`,
    }),
  },
  TOKEN_PIN: {
    severity: 'error',
    text: (p) => {
      const tries: Record<string, Bilingual> = {
        low: { kk: 'токен әрекеттер аз қалғанын хабарлайды', ru: 'токен сообщает, что попыток осталось мало' },
        final: { kk: 'токен тек бір әрекет қалғанын хабарлайды', ru: 'токен сообщает, что осталась одна попытка' },
        locked: { kk: 'токен PIN бұғатталғанын хабарлайды: оны әкімші (SO) ашады', ru: 'токен сообщает, что PIN заблокирован: разблокирует администратор (SO)' },
        unknown: { kk: 'токен қалған әрекеттер санын хабарламайды', ru: 'сколько попыток осталось, токен не сообщает' },
      };
      const left = tries[p.value ?? 'unknown'] ?? tries.unknown;
      return {
        kk: `«${p.code}» токенінің PIN-коды қате; қайта әрекет жасалмайды (токен бірнеше қате PIN-нен кейін бұғатталады); ${left?.kk}`,
        ru: `Неверный PIN-код токена «${p.code}»; повторной попытки не будет (токен блокируется после нескольких неверных PIN); ${left?.ru}`,
      };
    },
  },
  TOKEN_REMOVED: {
    severity: 'error',
    passing: true,
    text: (p) => ({
      kk: `«${p.code}» токені қол қою кезінде ажыратылды: бөлік жарияланбады, пакет тоқтатылды және токен қайта қосылғанда жалғасады`,
      ru: `Токен «${p.code}» отключён во время подписи: часть не опубликована, пакет остановлен и продолжится, когда токен вернётся`,
    }),
  },
  TOKEN_FAILED: explained('Токен қол қоюдан бас тартты', 'Токен отказал в подписи'),
  SIGNATURE_SPACE: {
    severity: 'error',
    text: (p) => ({
      kk: `Қолтаңба PDF ішінде қалдырылған орынға (${p.max} байт) сыймайды`,
      ru: `Подпись не помещается в место, оставленное в PDF (${p.max} байт)`,
    }),
  },
  SIGNING_LEVEL_UNAVAILABLE: {
    severity: 'error',
    text: (p) => ({
      kk: `signing.level: ${p.value} деңгейі Tanu-дың бұл нұсқасында әлі жоқ; B-B немесе B-T таңдаңыз`,
      ru: `signing.level: уровень ${p.value} в этой версии Tanu ещё недоступен; выберите B-B или B-T`,
    }),
  },
  TSA_URL_MISSING: {
    severity: 'error',
    text: (p) => ({
      kk: `signing.level: ${p.value} уақыт белгісін талап етеді, бірақ signing.tsa.url көрсетілмеген (әзірлеу кілтінде, dev_key: true, Tanu тест TSA-ны өзі қосады); қолтаңба B-B деңгейіне үнсіз түсірілмейді`,
      ru: `signing.level: ${p.value} требует метки времени, но signing.tsa.url не задан (с ключом разработки, dev_key: true, Tanu сам запускает тестовую TSA); подпись не понижается до B-B молча`,
    }),
  },
  TSA_UNREACHABLE: {
    severity: 'error',
    passing: true,
    text: (p) =>
      withDetail(
        {
          kk: `Уақыт белгісі қызметіне (TSA) ${p.value} қосылу мүмкін болмады: бөлік жарияланбады, пакет кейін жалғасады`,
          ru: `Не удалось обратиться к службе меток времени (TSA) ${p.value}: часть не опубликована, пакет продолжится позже`,
        },
        p,
      ),
  },
  TSA_TIMEOUT: {
    severity: 'error',
    passing: true,
    text: (p) => ({
      kk: `Уақыт белгісі қызметі (TSA) ${p.value} ${p.max} мс ішінде жауап бермеді (signing.tsa.timeout_ms): бөлік жарияланбады, пакет кейін жалғасады`,
      ru: `Служба меток времени (TSA) ${p.value} не ответила за ${p.max} мс (signing.tsa.timeout_ms): часть не опубликована, пакет продолжится позже`,
    }),
  },
  TSA_REFUSED: {
    severity: 'error',
    passing: true,
    text: (p) =>
      withDetail(
        { kk: `Уақыт белгісі қызметі (TSA) белгі бермеді (мәртебе ${p.value}): бөлік жарияланбады`, ru: `Служба меток времени (TSA) не выдала метку (статус ${p.value}): часть не опубликована` },
        p,
      ),
  },
  TSA_RESPONSE_INVALID: { ...explained('Уақыт белгісі қызметінің (TSA) жауабы жарамсыз: бөлік жарияланбады', 'Ответ службы меток времени (TSA) недействителен: часть не опубликована'), passing: true },
  TSA_IMPRINT_MISMATCH: {
    ...explained(
      'Уақыт белгісі басқа деректерге берілген (хэші қолтаңбаның SHA-256 мәніне сәйкес келмейді): бөлік жарияланбады',
      'Метка времени выдана на другие данные (хэш не совпадает с SHA-256 подписи): часть не опубликована',
    ),
    passing: true,
  },
  TSA_NONCE_MISMATCH: {
    ...explained(
      'Уақыт белгісіндегі nonce сұраудағыға сәйкес келмейді (басқа сұрауға берілген жауап): бөлік жарияланбады',
      'Nonce в метке времени не совпадает с запросом (ответ на другой запрос): часть не опубликована',
    ),
    passing: true,
  },
  TSA_CERTIFICATE: explained('Уақыт белгісі қызметінің (TSA) сертификаты жарамсыз', 'Сертификат службы меток времени (TSA) недействителен'),
  TSA_UNTRUSTED: explained(
    'Уақыт белгісі қызметінің (TSA) сертификатынан сенімді куәландырушы орталыққа (signing.trust) тізбек жоқ',
    'Нет цепочки от сертификата службы меток времени (TSA) до доверенного удостоверяющего центра (signing.trust)',
  ),
  TSA_SIGNATURE: explained('Уақыт белгісінің қолтаңбасы TSA сертификатымен расталмайды', 'Подпись метки времени не проверяется сертификатом TSA'),
  LEDGER: explained('Журналды (ledger) ашу мүмкін емес', 'Не удалось открыть журнал (ledger)'),
  LEDGER_BUSY: {
    severity: 'error',
    passing: true,
    text: (p) => ({
      kk: `Журналды (ledger) басқа процесс ${p.max} бойы бұғаттап тұр; файл өзгертілмеді, оны кейін қайта өңдеуге болады`,
      ru: `Журнал (ledger) занят другим процессом дольше ${p.max}; файл не тронут, его можно обработать позже`,
    }),
  },
  NO_SPACE: { ...explained('Дискіде орын жоқ: пакет аяқталмады, орын босағанда жалғасады', 'На диске нет места: пакет не завершён и продолжится, когда место появится'), passing: true },
  PATH_MISSING: {
    severity: 'error',
    text: (p) => ({
      kk: `Баптаулардағы ${p.code} жолы табылмады: ${p.value} (салыстырмалы жолдар баптаулар файлының бумасынан саналады)`,
      ru: `Путь ${p.code} из настроек не найден: ${p.value} (относительные пути считаются от папки файла настроек)`,
    }),
  },
  CONFIG_INVALID: explained('Баптаулар файлы жарамсыз', 'Файл настроек недействителен'),
  STANDARD_INVALID: explained('Кәсіптік стандарт файлы жарамсыз', 'Файл профессионального стандарта недействителен'),
  EXPORT_EMPTY: explained('Таңдауға бірде-бір жарияланған құжат кірмейді: ештеңе экспортталмады', 'В выборку не попал ни один опубликованный документ: ничего не экспортировано'),
  EXPORT_DOCUMENT_MISSING: explained(
    'Құжат outbox ішінде жоқ немесе журналдағы SHA-256-дан өзгеше: экспорт жасалмады (--allow-missing оны есепте көрсетіп, жалғастырады)',
    'Документа нет в outbox или его SHA-256 отличается от журнала: экспорт не создан (--allow-missing отметит его в отчёте и продолжит)',
  ),
  USAGE: explained('Команда дұрыс берілмеген', 'Команда задана неверно'),
  UNKNOWN_OPTION: {
    severity: 'error',
    text: (p) => ({
      kk: `Белгісіз параметр ${p.value}${p.expected ? ` (${p.expected.kk} болар ма?)` : ''}`,
      ru: `Неизвестный параметр ${p.value}${p.expected ? ` (может быть, ${p.expected.ru}?)` : ''}`,
    }),
  },
  OPTION_VALUE_MISSING: { severity: 'error', text: (p) => ({ kk: `${p.value} параметрінің мәні берілмеген`, ru: `Не указано значение параметра ${p.value}` }) },
  OPTION_VALUE_UNEXPECTED: { severity: 'error', text: (p) => ({ kk: `${p.value} параметрі мән алмайды`, ru: `Параметр ${p.value} не принимает значения` }) },
  OPTION_VALUE_INVALID: {
    severity: 'error',
    text: (p) => ({
      kk: `${p.code} параметрінің мәні «${p.value}» жарамсыз, күтілгені: ${p.expected?.kk}`,
      ru: `Недопустимое значение параметра ${p.code}: «${p.value}», ожидается ${p.expected?.ru}`,
    }),
  },
  UNKNOWN_SERIAL: {
    severity: 'error',
    text: (p) => ({
      kk: `${p.code} нөмірлі куәлік журналда жоқ немесе әлі жарияланбаған`,
      ru: `Свидетельства № ${p.code} нет в журнале или оно ещё не опубликовано`,
    }),
  },
  CENTRE_TOKEN_WRONG: {
    severity: 'error',
    text: () => ({
      kk: 'Токен ешбір орталыққа сәйкес келмейді: оны орталық алған күйінде толық енгізіңіз',
      ru: 'Токен не подходит ни одному центру: введите его целиком, как его получил центр',
    }),
  },
  FORM_FOREIGN_ORIGIN: {
    severity: 'error',
    text: () => ({
      kk: 'Пішін басқа беттен жіберілді, сондықтан қабылданбады: осы қызметтің бетін қайта ашып, қайталап көріңіз',
      ru: 'Форма отправлена с чужой страницы и поэтому не принята: откройте страницу этого сервиса заново и повторите',
    }),
  },
  // Issue 28, PDF incremental updates (B-LT DSS, B-LTA document timestamp).
  PDF_STRUCTURE: explained('PDF құрылымы оқылмады: оған жаңарту қосылмайды', 'Структура PDF не читается: обновление к нему не добавить'),
} as const satisfies Record<string, Entry>;

/** Why a certificate was revoked (`tanu revoke --reason`): stable codes, stored in the ledger. */
export const RevocationReason = z.enum(['issued_in_error', 'court_decision', 'fraud', 'duplicate', 'other']);
export type RevocationReason = z.infer<typeof RevocationReason>;

export const REVOCATION_REASONS: Record<RevocationReason, Bilingual> = {
  issued_in_error: { kk: 'қате берілген', ru: 'выдано ошибочно' },
  court_decision: { kk: 'сот шешімі бойынша', ru: 'по решению суда' },
  fraud: { kk: 'алаяқтық анықталды', ru: 'выявлено мошенничество' },
  duplicate: { kk: 'қайталап берілген', ru: 'выдано повторно' },
  other: { kk: 'басқа себеп', ru: 'иная причина' },
};

/** A revoked document, as reports, registers and pages say it: «кері шақырылған» (recalled), never «кері қайтарылған» (returned). */
export const REVOKED: Bilingual = { kk: 'кері шақырылған', ru: 'отозван' };

/** A batch's kind, as `tanu status` and the centre's page name it: the file's kind, or a regeneration. */
export const BATCH_KINDS: Record<string, Bilingual> = {
  'exam-results': { kk: 'емтихан нәтижелері', ru: 'результаты экзаменов' },
  applications: { kk: 'өтінімдер', ru: 'заявки' },
  'registry-applications': { kk: 'тізілімге өтініштер', ru: 'заявления в реестр' },
  attestations: { kk: 'аттестаттау нәтижелері', ru: 'результаты аттестации' },
  regeneration: { kk: 'қайта шығару', ru: 'перевыпуск' },
};

/** Where a batch is: its documents still being made, or all of it published. */
export const BATCH_STATES: Record<string, Bilingual> = {
  planned: { kk: 'жоспарланған', ru: 'запланирован' },
  published: { kk: 'жарияланған', ru: 'опубликован' },
};

export type Code = keyof typeof CATALOGUE;
export const CODES = Object.keys(CATALOGUE) as Code[];

export function message(code: Code, params: MessageParams = {}): Bilingual {
  return CATALOGUE[code].text(params);
}
