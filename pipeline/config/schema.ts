import { z } from 'zod';
import { schemaMessage } from '../core/catalogue.js';
import { parseDateText } from '../core/dates.js';
import { BilingualText, Language, Thresholds } from '../standards/schema.js';

/**
 * `pipeline.config.yaml`. Strict objects: a misspelt key is an error, not a silently
 * ignored setting, and a secret typed into the file (a `password:` key) is refused.
 */

const CentreOverrides = Thresholds.extend({
  standards: z.record(z.string(), Thresholds).optional().describe('Overrides for one standard, by its code'),
}).strict();

export const Requisites = z.strictObject({
  bin: z.string().regex(/^\d{12}$/, '12 digits').describe('Business identification number (БСН / БИН)'),
  address: BilingualText,
  bank: z.string().min(1).optional(),
  iban: z.string().regex(/^KZ[0-9A-Z]{18}$/, schemaMessage('қазақстандық IBAN: KZ және 18 әріп не цифр', 'казахстанский IBAN: KZ и 18 букв или цифр')).optional(),
  bik: z.string().min(1).optional(),
  phone: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
});

export const Centre = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, schemaMessage('әріптер, цифрлар, "-" не "_", ең көбі 32', 'буквы, цифры, "-" или "_", не больше 32')),
  name: BilingualText,
  head: BilingualText.describe('Head of the centre, as printed on certificates'),
  city: BilingualText,
  serial_prefix: z.string().regex(/^[A-Za-z0-9-]{1,16}$/, schemaMessage('әріптер, цифрлар не "-", ең көбі 16', 'буквы, цифры или "-", не больше 16')),
  bilingual_documents: z.boolean().default(false).describe('Print Kazakh and Russian on every document, whatever the record\'s language'),
  requisites: Requisites.optional().describe('The centre as a party to contracts'),
  fee: z
    .strictObject({ amount: z.number().min(0), currency: z.string().default('KZT') })
    .optional()
    .describe('The service fee printed in contracts not paid by a voucher'),
  overrides: CentreOverrides.optional(),
  status_token_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, schemaMessage('токеннің SHA-256 мәні, 64 кіші он алтылық цифр', 'SHA-256 токена, 64 строчные шестнадцатеричные цифры'))
    .optional()
    .describe('GET /centre of tanu serve answers the bearer token with this SHA-256 (the token itself is never stored)'),
  status_language: Language.optional().describe('Language of the centre\'s status page; default_language when unset'),
});
export type Centre = z.infer<typeof Centre>;

/**
 * Octal permissions. YAML reads an unquoted 0640 as the number 640, so a number is taken
 * as the digits the user typed: 640 and "0640" both mean rw-r-----.
 */
const Mode = z
  .union([z.string(), z.number().int()])
  .refine((v) => /^0?[0-7]{3}$/.test(String(v)), schemaMessage('сегіздік рұқсаттар, мысалы 0644', 'восьмеричные права, например 0644'))
  .transform((v) => String(v).padStart(4, '0'));

/** A real calendar date written as ISO (quoted or not, YAML reads it as text). */
const IsoDate = z.string().refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && parseDateText(d, false) === d, schemaMessage('күн жжжж-аа-кк түрінде', 'дата в виде гггг-мм-дд'));

/** The baseline levels of the contract (docs/contracts.md), each including the ones before it. */
export const SIGNING_LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;
export type SigningLevel = (typeof SIGNING_LEVELS)[number];

export const modeBits = (mode: string | number) => Number.parseInt(String(mode), 8);

export const Config = z
  .strictObject({
    $schema: z.string().optional(),
    default_centre: z.string(),
    default_language: Language.default('kk').describe('Document language when a record names none'),
    operator_language: Language.default('ru').describe('Language of the messages Tanu prints for the operator'),
    timezone: z.string().default('Asia/Almaty').describe('Where "today" is decided for future-date checks'),
    paths: z
      .strictObject({
        inbox: z.string().default('inbox'),
        outbox: z.string().default('outbox'),
        ledger: z.string().default('var/ledger.sqlite'),
        standards: z.string().default('standards'),
        templates: z.string().default('templates'),
        received: z.string().default('var/received').describe('Every accepted file, byte for byte, named by its SHA-256'),
        rejected: z.string().default('var/rejected').describe('Unreadable files, untouched, each with its report beside it'),
      })
      .prefault({}),
    signing: z
      .strictObject({
        // The kind of key store: a signer of another kind (a signing service) is a new
        // value here and a new Signer class.
        kind: z
          .enum(['pkcs12', 'pkcs11'])
          .default('pkcs12')
          .describe('How the key is held: pkcs12 (a PKCS#12 file and its password) or pkcs11 (a hardware token, through its vendor\'s PKCS#11 library)'),
        key: z.string().default('var/keys/dev-centre.p12').describe('PKCS#12 file of the signing key'),
        password_env: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, schemaMessage('орта айнымалысының аты', 'имя переменной окружения'))
          .default('TANU_KEY_PASSWORD')
          .describe('Environment variable that holds the key password (never the password itself)'),
        pkcs11: z
          .strictObject({
            module: z.string().default('/usr/lib/softhsm/libsofthsm2.so').describe("The token vendor's PKCS#11 library"),
            // Slot ids change between starts and between machines: a token is found by its label only.
            token: z.string().min(1).default('tanu').describe('The token\'s label'),
            key: z.string().min(1).default('signkey').describe('The private key: its label (CKA_LABEL), or id:<hex> for its CKA_ID'),
            certificate: z
              .string()
              .nullable()
              .default(null)
              .describe("PEM file of the signer's certificate and its chain; when null, the certificate on the token with the key's CKA_ID"),
          })
          .prefault({})
          .describe('signing.kind: pkcs11, the key on a token (docs/deploy.md)'),
        pin_env: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, schemaMessage('орта айнымалысының аты', 'имя переменной окружения'))
          .default('TANU_PKCS11_PIN')
          .describe("Environment variable that holds the token's user PIN (never the PIN itself)"),
        trust: z.array(z.string()).default([]).describe("PEM files of trusted CA certificates: the signer's and the timestamp authority's roots"),
        // The contract's default is B-LTA; until B-LT and B-LTA are built, B-B (docs/contracts.md, "Signature levels").
        level: z
          .enum(SIGNING_LEVELS)
          .default('B-B')
          .describe('PAdES/CAdES baseline level of every signature: B-B (no time proven), B-T (an RFC 3161 timestamp over each signature value); B-LT and B-LTA are not available in this version'),
        tsa: z
          .strictObject({
            url: z.url().nullable().default(null).describe('The RFC 3161 timestamp authority (HTTP POST, application/timestamp-query); with dev_key: true and no url, Tanu serves its TEST TSA on 127.0.0.1'),
            policy: z
              .string()
              .regex(/^\d+(\.\d+)+$/, schemaMessage('OID, мысалы 1.2.3.4', 'OID, например 1.2.3.4'))
              .nullable()
              .default(null)
              .describe("The TSA policy OID asked for in each request; the TSA's default when null"),
            timeout_ms: z.number().int().min(100).default(10_000).describe('A timestamp request unanswered for this long fails: the chunk is not published'),
          })
          .prefault({})
          .describe('Where signature timestamps come from, for levels above B-B'),

        centres: z
          .array(z.string())
          .optional()
          .describe("Centres this machine's key signs for: a tanu worker leaves other centres' jobs to the machines that hold their keys; every centre when unset"),
        dev_key: z
          .boolean()
          .default(false)
          .describe('The key is a development key: created with its TEST CA beside it when missing; documents it signs carry the sample mark'),
      })
      .prefault({}),
    ledger: z
      .strictObject({
        // A server-backed ledger for installations where several machines (or workers)
        // issue at once (docs/deploy.md); without it the SQLite file at paths.ledger.
        url: z
          .string()
          .regex(/^postgres(?:ql)?:\/\//, schemaMessage('postgres://пайдаланушы@хост/база', 'postgres://пользователь@хост/база'))
          // Secrets only from the environment: a URL that carries one is refused like a password key.
          .refine(
            (url) => !/^postgres(?:ql)?:\/\/[^/@]*:[^/@]*@/.test(url) && !/[?&]password=/i.test(url),
            schemaMessage('құпия сөз URL-ға жазылмайды: оны ledger.password_env атаған орта айнымалысына қойыңыз', 'пароль не пишется в URL: задайте его в переменной окружения, названной в ledger.password_env'),
          )
          .optional()
          .describe('PostgreSQL ledger, postgres://user@host:port/database (no password); the SQLite file at paths.ledger when unset'),
        password_env: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, schemaMessage('орта айнымалысының аты', 'имя переменной окружения'))
          .default('TANU_LEDGER_PASSWORD')
          .describe('Environment variable that holds the PostgreSQL password; when it is unset, PGPASSWORD or ~/.pgpass as libpq would'),
        jobs: z
          .boolean()
          .default(false)
          .describe('Batches as jobs on the PostgreSQL ledger: tanu watch and tanu run plan them, tanu worker processes (on any machine) issue them (docs/deploy.md)'),
      })
      .prefault({}),
    worker: z
      .strictObject({
        lease_ms: z
          .number()
          .int()
          .min(1000)
          .default(30_000)
          .describe('A tanu worker that has not been heard from for this long is taken for dead: its job goes to another worker'),
        poll_ms: z.number().int().min(100).default(1000).describe('How often an idle tanu worker looks for jobs that are not announced to it (retries, a dead worker\'s)'),
      })
      .prefault({}),
    concurrency: z.number().int().min(1).max(64).default(2),
    watch: z
      .strictObject({
        stability_ms: z.number().int().min(100).default(2000).describe('A file is taken once its size has not changed for this long'),
        incomplete_ms: z
          .number()
          .int()
          .min(100)
          .default(60_000)
          .describe(
            'A file that has held still this long but is not complete by its format is reported; a CSV or YAML whose last line does not end is then taken as it is, an unfinished XLSX or JSON stays in the inbox',
          ),
        retry_ms: z
          .number()
          .int()
          .min(100)
          .default(10_000)
          .describe('After a failure that passes (a full disk, a ledger held by another process, the signing token pulled out), tanu watch tries the file or batch again, and tanu worker the job, this much later'),
      })
      .prefault({}),
    documents: z
      .strictObject({
        verify_base_url: z.url().default('https://tanu.example.kz/verify').describe('QR codes on certificates point here, followed by /<serial>/<code>'),
        chromium: z.string().optional().describe('Chromium executable; found on the system when not set'),
        print_batch: z.number().int().min(1).max(500).default(50).describe('One-page documents printed together, then split'),
        regeneration_batch: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(500)
          .describe("A regeneration re-issues at most this many of a centre's documents per batch: each batch's new revisions are committed, and held in memory, on their own"),
        render_timeout_ms: z
          .number()
          .int()
          .min(100)
          .default(60_000)
          .describe('A print that takes longer is taken for a hung browser: it is killed, relaunched and the print retried'),
      })
      .prefault({}),
    publish: z
      .strictObject({
        file_mode: Mode.default('0644').describe('Permissions of every file written to the outbox (octal, applied whatever the umask)'),
        dir_mode: Mode.default('0755').describe('Permissions of the folders created in the outbox (octal)'),
      })
      .prefault({}),
    limits: z
      .strictObject({
        max_file_bytes: z.number().int().min(1).default(200 * 1024 * 1024).describe('Larger input files are refused whole'),
        max_unpacked_bytes: z
          .number()
          .int()
          .min(1)
          .default(1024 * 1024 * 1024)
          .describe('An XLSX whose parts declare more than this, unpacked, is refused before anything is inflated'),
      })
      .prefault({}),
    serve: z
      .strictObject({
        host: z.string().default('127.0.0.1').describe('tanu serve listens here; put a reverse proxy in front for the public'),
        port: z.number().int().min(0).max(65535).default(8080).describe('0 picks a free port'),
        trust_proxy: z.boolean().default(false).describe('Take the client address from X-Forwarded-For (only behind your own reverse proxy)'),
        max_upload_bytes: z.number().int().min(1).max(10 * 1024 * 1024).default(10 * 1024 * 1024).describe('A PDF uploaded to POST /verify may be at most this large'),
        rate_limit: z
          .strictObject({
            max: z.number().int().min(1).default(60).describe('Requests per client address per window'),
            window_ms: z.number().int().min(1000).default(60_000),
          })
          .prefault({}),
      })
      .prefault({}),
    defaults: z
      .strictObject({
        pass_threshold: z.number().min(0).max(100).default(70),
        validity_years: z.number().int().min(1).max(50).default(5),
        serial_format: z.string().default('{centre}-{yyyy}-{seq:6}'),
      })
      .prefault({}),
    calendar: z
      .strictObject({
        moved_days: z
          .array(
            z.strictObject({
              from: IsoDate.describe('The day off that becomes a working day (e.g. a Saturday)'),
              to: IsoDate.describe('The day the day off is taken instead'),
            }),
          )
          .default([])
          .describe("The government's yearly moves of days off, which no holiday table knows ahead (docs/formats.md, \"Registry applications\")"),
      })
      .prefault({}),
    centres: z.array(Centre).min(1),
  })
  .superRefine((c, ctx) => {
    const ids = c.centres.map((centre) => centre.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', message: schemaMessage(`${id} орталығы екі рет аталған`, `центр ${id} указан дважды`), path: ['centres', i, 'id'] });
    });
    for (const [i, id] of (c.signing.centres ?? []).entries())
      if (!ids.includes(id)) ctx.addIssue({ code: 'custom', message: schemaMessage(`${id} орталығы centres тізімінде жоқ`, `центра ${id} нет среди centres`), path: ['signing', 'centres', i] });
    if (c.ledger.jobs && c.ledger.url === undefined)
      ctx.addIssue({ code: 'custom', message: schemaMessage('тапсырмалар кезегі PostgreSQL журналында ғана: ledger.url көрсетіңіз', 'очередь заданий есть только в журнале PostgreSQL: укажите ledger.url'), path: ['ledger', 'jobs'] });
    if (!ids.includes(c.default_centre))
      ctx.addIssue({ code: 'custom', message: schemaMessage(`default_centre ${c.default_centre} centres тізімінде жоқ (${ids.join(', ')})`, `default_centre ${c.default_centre} нет среди centres (${ids.join(', ')})`), path: ['default_centre'] });
  });
export type Config = z.infer<typeof Config>;
