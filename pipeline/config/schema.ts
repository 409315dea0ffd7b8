import { z } from 'zod';
import { BilingualText, Language, Thresholds } from '../standards/schema.js';

/**
 * `pipeline.config.yaml`. Strict objects: a misspelt key is an error, not a silently
 * ignored setting, and a secret typed into the file (a `password:` key) is refused.
 */

const CentreOverrides = Thresholds.extend({
  standards: z.record(z.string(), Thresholds).optional().describe('Overrides for one standard, by its code'),
}).strict();

export const Centre = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, "-" or "_", at most 32'),
  name: BilingualText,
  head: BilingualText.describe('Head of the centre, as printed on certificates'),
  city: BilingualText,
  serial_prefix: z.string().regex(/^[A-Za-z0-9-]{1,16}$/, 'letters, digits or "-", at most 16'),
  overrides: CentreOverrides.optional(),
});
export type Centre = z.infer<typeof Centre>;

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
      })
      .prefault({}),
    signing: z
      .strictObject({
        key: z.string().default('var/keys/dev-centre.p12').describe('PKCS#12 file of the signing key'),
        password_env: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
          .default('TANU_KEY_PASSWORD')
          .describe('Environment variable that holds the key password (never the password itself)'),
        trust: z.array(z.string()).default([]).describe('PEM files of trusted CA certificates'),
      })
      .prefault({}),
    concurrency: z.number().int().min(1).max(64).default(2),
    limits: z
      .strictObject({
        max_file_bytes: z.number().int().min(1).default(200 * 1024 * 1024).describe('Larger input files are refused whole'),
      })
      .prefault({}),
    defaults: z
      .strictObject({
        pass_threshold: z.number().min(0).max(100).default(70),
        validity_years: z.number().int().min(1).max(50).default(5),
        serial_format: z.string().default('{centre}-{yyyy}-{seq:6}'),
      })
      .prefault({}),
    centres: z.array(Centre).min(1),
  })
  .superRefine((c, ctx) => {
    const ids = c.centres.map((centre) => centre.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', message: `centre ${id} is listed twice`, path: ['centres', i, 'id'] });
    });
    if (!ids.includes(c.default_centre))
      ctx.addIssue({ code: 'custom', message: `default_centre ${c.default_centre} is not among centres (${ids.join(', ')})`, path: ['default_centre'] });
  });
export type Config = z.infer<typeof Config>;
