import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useTmpDir } from '../support/tmp.js';

const tmp = useTmpDir();

/** The benchmark at a tiny size, so it cannot rot; its figures are never asserted. */
describe('npm run bench (smoke)', () => {
  it('runs every case and reports figures as JSON', () => {
    const out = tmp();
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--n', '4', '--json', '--out', out], { encoding: 'utf8', env: { ...process.env, TANU_DOCUMENTS__PRINT_BATCH: '2' } });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result.rows.map((row: { case: string }) => row.case)).toEqual([
      'certificate, batched print + split',
      'certificate, one print per document',
      'protocol (20 candidates)',
      'contract (PDF + DOCX)',
      'sign PAdES + .p7s, RSA 2048, one core',
      'sign PAdES + .p7s, RSA 4096, one core',
    ]);
    for (const row of result.rows) {
      expect(row.documents).toBeGreaterThan(0);
      expect(row.docs_per_s).toBeGreaterThan(0);
    }
    for (const row of result.rows.slice(0, 4)) expect(row.browser_peak_pss_mb).toBeGreaterThan(0);
  });
});
