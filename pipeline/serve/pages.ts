import { BATCH_KINDS, BATCH_STATES, type Bilingual, REVOCATION_REASONS, message } from '../core/catalogue.js';
import { localTime } from '../core/clock.js';
import { displayDate } from '../core/dates.js';
import { KINDS } from '../kinds/registry.js';
import type { Language } from '../standards/schema.js';
import type { CentreBatch } from './reader.js';
import { type LegacyJson, STATUS_LABELS, type UploadVerdict, type VerificationJson } from './verdict.js';

/**
 * The verification service's pages, pure: HTML strings from verdicts. No script, no inline
 * style (the CSP allows neither): the look comes from one stylesheet served at STYLESHEET.
 * Every value is escaped.
 */

export const STYLESHEET = '/static/verify.css';

export const CSS = `body{font-family:"Noto Sans",Arial,sans-serif;margin:0;background:#f4f5f7;color:#1d2430}
main{max-width:42rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:6px;box-shadow:0 1px 3px #0002}
nav{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:.25rem .75rem;font-size:.9rem}nav a{white-space:nowrap}nav a[aria-current]{font-weight:bold;text-decoration:none;color:inherit}
h1{font-size:1.3rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}dt{color:#5a6272}dd{margin:0}
.status{display:inline-block;padding:.15rem .6rem;border-radius:4px;font-weight:bold}
.valid{background:#dff3e4;color:#135c2a}.revoked,.not-ours{background:#fbe3e3;color:#8a1f1f}.superseded,.expired{background:#fff1d6;color:#7a4d00}
form{margin-top:1.5rem;border-top:1px solid #e3e6eb;padding-top:1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e3e6eb;padding:.3rem;text-align:left}
main.wide{max-width:72rem}th{font-weight:600;color:#5a6272;vertical-align:bottom}td{vertical-align:top}
td.file{overflow-wrap:anywhere}td.time,td.id{white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#5a6272;font-size:.9rem}.error{background:#fbe3e3;color:#8a1f1f;padding:.5rem .75rem;border-radius:4px}
form.inline{display:inline;margin:0;border:0;padding:0}label.block{display:block;margin-bottom:.5rem}input[type=password]{width:100%;max-width:28rem;box-sizing:border-box;padding:.4rem}
@media (max-width:40rem){main{margin:0;padding:1rem;border-radius:0}
table.batches thead{display:none}table.batches tr{display:block;border-bottom:2px solid #e3e6eb;padding:.4rem 0}
table.batches td{display:grid;grid-template-columns:9rem 1fr;border:0;padding:.15rem 0;text-align:left}table.batches td::before{content:attr(data-label);color:#5a6272}}
`;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `?lang=` first, then the browser's Accept-Language (by q), then the configured default. */
export function negotiate(query: unknown, acceptLanguage: string | undefined, fallback: Language): Language {
  if (query === 'kk' || query === 'ru') return query;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = Number(/q=([\d.]+)/.exec(params.join(';'))?.[1] ?? 1);
      return { lang: tag.split('-')[0], q };
    })
    .filter((x): x is { lang: Language; q: number } => (x.lang === 'kk' || x.lang === 'ru') && x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked[0]?.lang ?? fallback;
}

const T = {
  title: { kk: 'Құжатты тексеру', ru: 'Проверка документа' },
  type: { kk: 'Құжат түрі', ru: 'Вид документа' },
  certificate: { kk: 'Кәсіптік біліктілікті тану туралы құжат', ru: 'Документ о признании профессиональной квалификации' },
  serial: { kk: 'Нөмірі', ru: 'Номер' },
  revision: { kk: 'Редакциясы', ru: 'Редакция' },
  status: { kk: 'Күйі', ru: 'Статус' },
  issued: { kk: 'Берілген күні', ru: 'Дата выдачи' },
  expires: { kk: 'Жарамдылық мерзімі', ru: 'Действителен до' },
  profession: { kk: 'Кәсібі', ru: 'Профессия' },
  level: { kk: 'Біліктілік деңгейі', ru: 'Уровень квалификации' },
  centre: { kk: 'Орталық', ru: 'Центр' },
  holder: { kk: 'Иесі', ru: 'Владелец' },
  current: { kk: 'Қолданыстағы редакциясы', ru: 'Действующая редакция' },
  revoked: { kk: 'Кері шақырылды', ru: 'Отозван' },
  notFound: {
    kk: 'Мұндай құжат табылмады. Сілтемені QR-кодтан қайта ашып көріңіз.',
    ru: 'Такой документ не найден. Попробуйте открыть ссылку из QR-кода ещё раз.',
  },
  legacy: {
    kk: 'Бұл құжат тексеру коды енгізілгенге дейін берілген: тек оның күйі көрсетіледі.',
    ru: 'Документ выдан до введения кодов проверки: показывается только его статус.',
  },
  upload: { kk: 'Қолыңыздағы PDF-файлды тексеру (10 МБ дейін)', ru: 'Проверить имеющийся у вас PDF-файл (до 10 МБ)' },
  check: { kk: 'Тексеру', ru: 'Проверить' },
  ours: { kk: 'Бұл біз берген құжат, өзгертілмеген.', ru: 'Это выданный нами документ, он не изменён.' },
  notOurs: { kk: 'Бұл біз берген құжат емес немесе ол өзгертілген.', ru: 'Это не выданный нами документ, или он изменён.' },
  noFile: { kk: 'PDF-файл таңдалмаған.', ru: 'PDF-файл не выбран.' },
  batches: { kk: 'Соңғы топтамалар', ru: 'Последние пакеты' },
  about: {
    kk: 'Мұнда біліктілікті тану орталығы берген құжатты тексеруге болады: кәсіптік біліктілікті тану туралы құжатты, емтихан немесе аттестаттау хаттамасын, шартты, актіні. Құжаттағы QR-кодты телефонмен сканерлеңіз немесе оның PDF-файлын төменде жүктеңіз: қолтаңбасы мен файлдың өзгертілмегені тексеріледі.',
    ru: 'Здесь можно проверить документ, выданный центром признания квалификации: документ о признании профессиональной квалификации, протокол экзамена или аттестации, договор, акт. Отсканируйте телефоном QR-код на документе или загрузите ниже его PDF-файл: проверяются подпись и то, что файл не изменён.',
  },
  forCentres: { kk: 'Орталықтарға', ru: 'Для центров' },
  home: { kk: 'Басты бет', ru: 'Главная' },
  signIn: { kk: 'Орталықтың кіруі', ru: 'Вход для центра' },
  signInHelp: {
    kk: 'Орталыққа берілген токенді енгізіңіз. Ол осы браузерде 8 сағатқа сақталады; бөтен компьютерде жұмысты аяқтағанда «Шығу» түймесін басыңыз.',
    ru: 'Введите токен, выданный центру. Он запоминается в этом браузере на 8 часов; на чужом компьютере по окончании нажмите «Выйти».',
  },
  token: { kk: 'Токен', ru: 'Токен' },
  enter: { kk: 'Кіру', ru: 'Войти' },
  signOut: { kk: 'Шығу', ru: 'Выйти' },
  timesIn: { kk: 'Уақыт белдеуі', ru: 'Часовой пояс' },
  noBatches: { kk: 'Әзірге бірде-бір топтама жоқ.', ru: 'Пока нет ни одного пакета.' },
  unauthorized: { kk: 'Кіру үшін орталықтың токені қажет.', ru: 'Для доступа нужен токен центра.' },
  tooMany: { kk: 'Сұраулар тым көп. Біраз уақыттан кейін қайталаңыз.', ru: 'Слишком много запросов. Повторите немного позже.' },
} satisfies Record<string, Bilingual>;

/** The centre's table: each column's heading and whether it holds a number (set right). */
const BATCH_COLUMNS: { label: Bilingual; number?: true }[] = [
  { label: { kk: 'файл', ru: 'файл' } },
  { label: { kk: 'қабылданды', ru: 'принят' } },
  { label: { kk: 'түрі', ru: 'вид' } },
  { label: { kk: 'нәтижесі', ru: 'итог' } },
  { label: { kk: 'жол', ru: 'строк' }, number: true },
  { label: { kk: 'жарамды', ru: 'верных' }, number: true },
  { label: { kk: 'қате', ru: 'ошибок' }, number: true },
  { label: { kk: 'құжат', ru: 'документов' }, number: true },
  { label: { kk: 'сәтсіз', ru: 'сбоев' }, number: true },
  { label: { kk: 'топтама', ru: 'пакет' } },
];

/** Every page: the language links (keeping the page), home and the centres' page, then its body. */
function layout(lang: Language, body: string, wide = false): string {
  const other = (l: Language, label: string) => (l === lang ? `<a href="?lang=${l}" aria-current="page">${label}</a>` : `<a href="?lang=${l}" hreflang="${l}">${label}</a>`);
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(T.title[lang])}</title><link rel="stylesheet" href="${STYLESHEET}"></head>
<body><main${wide ? ' class="wide"' : ''}><nav><a href="/?lang=${lang}">${escape(T.home[lang])}</a><a href="/centre?lang=${lang}">${escape(T.forCentres[lang])}</a>${other('kk', 'Қазақша')}${other('ru', 'Русский')}</nav>
<h1>${escape(T.title[lang])}</h1>
${body}
</main></body></html>
`;
}

const row = (label: string, value: string) => `<dt>${escape(label)}</dt><dd>${value}</dd>`;
const badge = (status: keyof typeof STATUS_LABELS, lang: Language) => `<span class="status ${status}">${escape(STATUS_LABELS[status][lang])}</span>`;

/** The upload form: posts to /verify, keeping the page's language. */
const uploadForm = (lang: Language) => `<form method="post" action="/verify?lang=${lang}" enctype="multipart/form-data">
<label>${escape(T.upload[lang])} <input type="file" name="pdf" accept="application/pdf" required></label>
<button type="submit">${escape(T.check[lang])}</button></form>`;

export function documentPage(v: VerificationJson, lang: Language): string {
  const rows = [
    row(T.type[lang], escape(T.certificate[lang])),
    row(T.serial[lang], escape(v.serial)),
    row(T.revision[lang], String(v.revision)),
    row(T.status[lang], badge(v.status, lang)),
    ...(v.revocation ? [row(T.revoked[lang], `${displayDate(v.revocation.date)}, ${escape(REVOCATION_REASONS[v.revocation.reason][lang])}`)] : []),
    ...(v.current_revision ? [row(T.current[lang], `<a href="${escape(v.current_revision.url)}?lang=${lang}">${v.current_revision.revision}</a>`)] : []),
    row(T.issued[lang], displayDate(v.issued)),
    row(T.expires[lang], displayDate(v.expires)),
    row(T.profession[lang], `${escape(v.profession_code)} ${escape(v.profession[lang])}`),
    row(T.level[lang], String(v.level)),
    row(T.centre[lang], escape(v.centre[lang])),
    row(T.holder[lang], escape(v.holder)),
  ];
  return layout(lang, `<dl>${rows.join('\n')}</dl>\n${uploadForm(lang)}`);
}

export function legacyPage(v: LegacyJson, lang: Language): string {
  const rows = [row(T.type[lang], escape(T.certificate[lang])), row(T.serial[lang], escape(v.serial)), row(T.revision[lang], String(v.revision)), row(T.status[lang], badge(v.status, lang))];
  return layout(lang, `<p>${escape(T.legacy[lang])}</p><dl>${rows.join('\n')}</dl>\n${uploadForm(lang)}`);
}

/** The one page for a wrong code, an unknown serial or an unknown address: it says nothing of either. */
export const notFoundPage = (lang: Language) => layout(lang, `<p>${escape(T.notFound[lang])}</p>\n${uploadForm(lang)}`);

export function uploadPage(verdict: UploadVerdict, lang: Language): string {
  const body = verdict.ours
    ? `<p><span class="status valid">${escape(T.ours[lang])}</span></p><dl>${row(T.type[lang], escape(KINDS[verdict.type].title[lang]))}${row(T.serial[lang], escape(verdict.serial))}${row(T.revision[lang], String(verdict.revision))}${row(T.status[lang], badge(verdict.status, lang))}</dl>`
    : `<p><span class="status not-ours">${escape(T.notOurs[lang])}</span></p>`;
  return layout(lang, `${body}\n${uploadForm(lang)}`);
}

/** A refusal said in both languages at once: the person may not read the page's language. */
export function refusalPage(lang: Language, text: Bilingual): string {
  return layout(lang, `<p lang="kk">${escape(text.kk)}</p><p lang="ru">${escape(text.ru)}</p>\n${uploadForm(lang)}`);
}

export const tooLargeText = (maxBytes: number): Bilingual => message('FILE_TOO_LARGE', { max: `${Math.floor(maxBytes / (1024 * 1024))} MB` });
export const noFileText = T.noFile;
export const unauthorizedText = T.unauthorized;
export const tooManyText = T.tooMany;

/** The service's front door: what it is, and the upload form. */
export const homePage = (lang: Language) => layout(lang, `<p>${escape(T.about[lang])}</p>\n${uploadForm(lang)}`);

/**
 * The centre's sign-in: its token in a form posted to /centre/sign-in (never in a URL), with
 * what went wrong, in both languages, when the last try failed.
 */
export function signInPage(lang: Language, problem?: Bilingual): string {
  const said = problem ? `<p class="error" role="alert"><span lang="kk">${escape(problem.kk)}</span><br><span lang="ru">${escape(problem.ru)}</span></p>` : '';
  return layout(
    lang,
    `<h2>${escape(T.signIn[lang])}</h2>${said}<p lang="kk" class="note">${escape(T.unauthorized.kk)}</p><p lang="ru" class="note">${escape(T.unauthorized.ru)}</p>
<form method="post" action="/centre/sign-in?lang=${lang}"><label class="block" for="token">${escape(T.token[lang])}</label>
<input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
<p class="note">${escape(T.signInHelp[lang])}</p><button type="submit">${escape(T.enter[lang])}</button></form>`,
  );
}

/**
 * A centre's recent batches: the file each came from, when it was taken (local time of the
 * configured zone), its kind and outcome in words, its counts; a sign-out button.
 */
export function centrePage(centreName: Bilingual, batches: readonly CentreBatch[], lang: Language, timeZone: string): string {
  const head = BATCH_COLUMNS.map((c) => `<th scope="col"${c.number ? ' class="n"' : ''}>${escape(c.label[lang])}</th>`).join('');
  const cell = (i: number, value: string, cls?: string) => {
    const column = BATCH_COLUMNS[i];
    const classes = [cls, column?.number ? 'n' : undefined].filter(Boolean).join(' ');
    return `<td data-label="${escape(column?.label[lang] ?? '')}"${classes ? ` class="${classes}"` : ''}>${escape(value)}</td>`;
  };
  const rows = batches.map(
    (b) =>
      `<tr>${[
        cell(0, b.file, 'file'),
        cell(1, localTime(b.created_at, timeZone), 'time'),
        cell(2, BATCH_KINDS[b.kind]?.[lang] ?? b.kind),
        cell(3, BATCH_STATES[b.state]?.[lang] ?? b.state),
        ...[b.rows, b.valid, b.errors, b.documents, b.failed].map((n, i) => cell(4 + i, String(n))),
        cell(9, b.id, 'id'),
      ].join('')}</tr>`,
  );
  const table = rows.length > 0 ? `<table class="batches"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>` : `<p>${escape(T.noBatches[lang])}</p>`;
  const signOut = `<form class="inline" method="post" action="/centre/sign-out?lang=${lang}"><button type="submit">${escape(T.signOut[lang])}</button></form>`;
  return layout(
    lang,
    `<h2>${escape(centreName[lang])} ${signOut}</h2><h3>${escape(T.batches[lang])}</h3><p class="note">${escape(T.timesIn[lang])}: ${escape(timeZone)}</p>${table}`,
    true,
  );
}
