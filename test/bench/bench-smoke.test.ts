import { describe, expect, it } from 'vitest';
import { runChild } from '../support/spawn.js';
import { useTmpDir } from '../support/tmp.js';

const tmp = useTmpDir();

const run = async (script: string, args: string[]) => {
  const r = await runChild(process.execPath, ['--import', 'tsx', script, ...args, '--json', '--out', tmp()], { env: { ...process.env, TANU_DOCUMENTS__PRINT_BATCH: '2' } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
};

/** The benchmarks at a tiny size, so they cannot rot; their figures are never asserted. */
describe('npm run bench (smoke)', () => {
  it('runs the whole flow and the naive baseline and reports the figures as one JSON line', async () => {
    const result = await run('bench/run.ts', ['--n', '12', '--naive-n', '3']);
    expect(Object.keys(result)).toEqual(['n', 'pipeline_docs_per_s', 'naive_docs_per_s', 'ratio', 'peak_rss_mb', 'first_doc_s', 'stages', 'cpu_ms_per_certificate', 'cpu_bound_docs_per_s']);
    expect(result.n).toBe(12);
    for (const key of ['pipeline_docs_per_s', 'naive_docs_per_s', 'ratio', 'peak_rss_mb', 'first_doc_s', 'cpu_bound_docs_per_s']) expect(result[key], key).toBeGreaterThan(0);
    expect(Object.keys(result.stages)).toEqual(['validate', 'plan', 'render_wait', 'sign', 'write', 'ledger', 'complete']);
    // Tanu and Chromium's rendering both did work, and were both seen doing it.
    for (const role of ['tanu', 'chromium rendering']) expect(result.cpu_ms_per_certificate[role], role).toBeGreaterThan(0);
  });

  it('runs the whole flow and signatures alone with a PKCS#12 file and with a SoftHSM2 token, in one run', async () => {
    const result = await run('bench/run.ts', ['--signers', '--n', '4', '--signatures', '20']);
    expect(Object.keys(result)).toEqual(['n', 'pkcs12_docs_per_s', 'pkcs11_docs_per_s', 'flow_ratio', 'pkcs12_signatures_per_s', 'pkcs11_signatures_per_s', 'signing_ratio']);
    for (const key of Object.keys(result)) expect(result[key], key).toBeGreaterThan(0);
  });

  it('runs the whole flow at B-B and at B-T against the local TSA, in one run', async () => {
    const result = await run('bench/run.ts', ['--levels', '--n', '4']);
    expect(Object.keys(result)).toEqual(['n', 'b_b_docs_per_s', 'b_t_docs_per_s', 'ratio']);
    for (const key of Object.keys(result)) expect(result[key], key).toBeGreaterThan(0);
  });

  it('issues certificates, exports them and verifies the package, reporting both rates and peak memory', async () => {
    const result = await run('bench/export.ts', ['--n', '5']);
    expect(Object.keys(result)).toEqual(['n', 'documents', 'export_docs_per_s', 'verify_docs_per_s', 'export_peak_mb', 'verify_peak_mb', 'zip_mb']);
    // Five certificates and their protocol.
    expect(result.documents).toBe(6);
    for (const key of ['export_docs_per_s', 'verify_docs_per_s', 'export_peak_mb', 'verify_peak_mb', 'zip_mb']) expect(result[key], key).toBeGreaterThan(0);
  });

  it('plans and applies a regeneration, reporting the plan time, the re-issue rate and peak memory', async () => {
    const result = await run('bench/regenerate.ts', ['--n', '6']);
    expect(Object.keys(result)).toEqual(['n', 'affected', 'plan_s', 'reissue_docs_per_s', 'plan_peak_mb', 'reissue_peak_mb']);
    // Card 4 in rows 0, 2, 3 and 4, and their protocol.
    expect(result.affected).toBe(5);
    for (const key of ['reissue_docs_per_s', 'plan_peak_mb', 'reissue_peak_mb']) expect(result[key], key).toBeGreaterThan(0);
  });

  it('measures rendering per document type and signing', async () => {
    const result = await run('bench/render.ts', ['--n', '4']);
    expect(result.rows.map((row: { case: string }) => row.case)).toEqual([
      'certificate, batched print + split',
      'certificate, one print per document',
      'protocol (20 candidates)',
      'contract (PDF + DOCX)',
      'sign PAdES + .p7s, RSA 2048, one core',
      'sign PAdES + .p7s, RSA 4096, one core',
    ]);
    for (const row of result.rows) expect(row.docs_per_s).toBeGreaterThan(0);
  });
});
