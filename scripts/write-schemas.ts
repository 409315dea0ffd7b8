/**
 * Writes the JSON Schemas generated from the zod schemas into schemas/, so editors
 * validate pipeline.config.yaml and standards/*.yaml as people type. Run after changing a
 * schema: npm run schemas. A test fails while the committed files are out of date.
 */
import { writeFileSync } from 'node:fs';
import { JSON_SCHEMAS } from '../pipeline/schemas/json-schemas.js';

for (const [file, schema] of Object.entries(JSON_SCHEMAS)) {
  writeFileSync(new URL(`../schemas/${file}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`schemas/${file}`);
}
