import { beforeAll, describe, expect, it } from 'vitest';
import { type ChunkContext, planChunk } from '../../pipeline/plan/plan.js';
import { sampleApplication, sampleExamResult } from '../../pipeline/dev/sample.js';
import { effectiveThresholds } from '../../pipeline/standards/library.js';
import type { ValidationEnv } from '../../pipeline/validate/validate-file.js';
import { shippedEnv } from '../support/env.js';

/** The plan of a chunk is a value: made without disk, ledger or browser, and checked as such. */
let env: ValidationEnv;
let ctx: ChunkContext;
let codes = 0;
beforeAll(async () => {
  env = await shippedEnv();
  const centre = env.config.centres[0];
  if (!centre) throw new Error('no centre');
  ctx = {
    centre,
    library: env.library,
    issueDate: '2026-11-23',
    validityYears: (code) => effectiveThresholds(env.config.defaults, env.library.byCode(code), centre).validity_years,
    verifyBaseUrl: 'https://verify.example.kz',
    // Codes counted, not drawn: the test sees which certificate got which.
    verifyCode: () => `code-${++codes}`,
    serialFormat: '{centre}-{yyyy}-{seq:6}',
    year: 2026,
    lastSerial: 41,
  };
});

describe('planChunk', () => {
  it('numbers the certificates on from the last serial, in file order; refusals and no-shows earn none', () => {
    // sampleExamResult: 0, 1, 2 recognized, 3 refused, 4 no-show, 5 recognized.
    const records = [0, 1, 2, 3, 4, 5].map((n) => sampleExamResult(n, n % 2 ? 'ru' : 'kk'));
    const plan = planChunk(records, ctx);
    const prefix = ctx.centre.serial_prefix;
    expect(plan.records.map((r) => r.row)).toEqual(records.map((r) => r.row));
    expect(plan.records.map((r) => r.document?.serial ?? null)).toEqual([
      `${prefix}-2026-000042`,
      `${prefix}-2026-000043`,
      `${prefix}-2026-000044`,
      null,
      null,
      `${prefix}-2026-000045`,
    ]);
    expect(plan.serials).toEqual({ centre: prefix, year: 2026, after: 41, count: 4 });
    const first = plan.records[0]?.document;
    expect(first).toMatchObject({ type: 'certificate', iin: records[0]?.iin, language: 'kk', card_code: '3412-0-008' });
    // What it will print is decided now: the serial is in the model and in its verification link.
    expect(first?.model).toMatchObject({ type: 'certificate', serial: `${prefix}-2026-000042` });
    // Only certificates get a verification code, and the link in the QR carries it.
    expect(plan.records.map((r) => (r.document?.verify_code ?? null) !== null)).toEqual([true, true, true, false, false, true]);
    expect((first?.model as { verify_url: string }).verify_url).toBe(`https://verify.example.kz/${prefix}-2026-000042/${first?.verify_code}`);
  });

  it('an application earns its contract under its own number, and uses no serial', () => {
    const plan = planChunk([sampleApplication('ru')], ctx);
    expect(plan.serials).toBeNull();
    expect(plan.records[0]?.document).toMatchObject({ type: 'contract', serial: 'Ө-2026-0001', language: 'ru' });
  });

  it('the same records against the same counter plan the same: a resumed plan decides as the first did', () => {
    const records = [0, 1, 2].map((n) => sampleExamResult(n, 'kk'));
    const fixed = { ...ctx, verifyCode: () => 'same' };
    expect(planChunk(records, fixed)).toEqual(planChunk(records, fixed));
  });
});
