import { z } from 'zod';
import { Config } from '../config/schema.js';
import { Standard } from '../standards/schema.js';
import { Report } from '../validate/report.js';

/**
 * The JSON Schemas published in schemas/, generated from the zod schemas that are the
 * single source of truth. Config and standards describe what people write (input side);
 * the report describes what Tanu writes (output side).
 */
const generate = (schema: z.ZodType, io: 'input' | 'output', title: string) => ({
  ...z.toJSONSchema(schema, { io, unrepresentable: 'any' }),
  title,
});

export const JSON_SCHEMAS = {
  'config.schema.json': generate(Config, 'input', 'Tanu pipeline.config.yaml'),
  'standard.schema.json': generate(Standard, 'input', 'Tanu professional standard (standards/*.yaml)'),
  'report.schema.json': generate(Report, 'output', 'Tanu validation report'),
};
