import { describe, expect, it } from 'vitest';
import { manifestText } from '../../pipeline/sign/manifest.js';
import type { Manifest, ManifestEntry } from '../../pipeline/publish/publish.js';

/** manifest.json written a document at a time must be the bytes JSON.stringify writes whole: verifiers, and a completion done again, read the same file. */
const entry = (serial: string, iin: string | null): ManifestEntry => ({
  type: iin ? 'certificate' : 'protocol',
  serial,
  revision: 1,
  file: `certificates/${serial}.pdf`,
  sha256: 'ab'.repeat(32),
  signature: `certificates/${serial}.pdf.p7s`,
  iin,
  profession_code: iin ? '7212-1-001' : null,
  level: iin ? 4 : null,
  language: 'kk',
  status: 'issued',
});

const whole = (manifest: Manifest) => `${JSON.stringify(manifest, null, 2)}\n`;
const pieces = (manifest: Manifest) =>
  manifestText.head(manifest) + manifest.documents.map((d, i) => manifestText.entry(d, i === 0)).join('') + manifestText.tail(manifest.documents.length, manifest.reports);

describe('manifest.json in pieces', () => {
  const head = { batch: 'a1b2c3d4e5f6', centre: 'DEMO01', created_at: '2026-12-07T04:00:00.000Z' };
  const reports = [
    { file: 'report.json', sha256: 'cd'.repeat(32) },
    { file: 'report.html', sha256: 'ef'.repeat(32) },
  ];
  it.each([
    ['no documents, no reports', [], []],
    ['one document', [entry('DEMO01-2026-000001', '900101300001')], reports],
    ['three, one without a person, "quoted" and Cyrillic values', [entry('DEMO01-2026-000001', '900101300001'), entry('P-"32"', null), entry('ДЕМО-2026-000003', '900101300003')], reports.slice(0, 1)],
  ])('%s: the same bytes as JSON.stringify', (_name, documents, reportList) => {
    const manifest: Manifest = { ...head, documents, reports: reportList };
    expect(pieces(manifest)).toBe(whole(manifest));
    expect(JSON.parse(pieces(manifest))).toEqual(manifest);
  });
});
