import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteLedger } from '../../pipeline/ledger/sqlite.js';
import type { RegistryApplication } from '../../pipeline/records/records.js';
import { useTmpDir } from '../support/tmp.js';

/** The specialists table on a real SQLite file: written once per row while planned, seen once published. */
const tmp = useTmpDir();

const application = (row: number, registry_date: string): RegistryApplication => ({
  row,
  last_name: 'Серікова',
  first_name: 'Айгерім',
  middle_name: null,
  birth_date: '2001-01-09',
  phone: '+7 701 111 22 33',
  email: null,
  address_region: 'Алматы облысы',
  address_locality: 'Қонаев қ.',
  address_registered: 'Абай к-сі, 12',
  profession_name: 'Әлеуметтік жұмыскер',
  experience_years: 2,
  education_level: 'жоғары',
  education_institution: 'ҚазҰУ',
  education_start: null,
  education_end: null,
  education_document: 'ЖБ-Б № 1',
  employer_name: '«Мейірім»',
  employer_bin: '040540000123',
  position: 'әлеуметтік жұмыскер',
  employment_start: '2022-09-01',
  employment_end: null,
  qualification_category: null,
  qualification_date: null,
  qualification_authority: null,
  registry_date,
  received_date: '2026-11-02',
  decision: 'register',
  decision_reason: null,
  decision_date: registry_date,
});

describe('ledger: the registry of specialists', () => {
  it('a resumed plan writes its rows again without doubling them; only a published batch shows', async () => {
    const ledger = SqliteLedger.open(join(tmp(), 'ledger.sqlite'));
    try {
      const at = '2026-11-23T07:00:00.000Z';
      const batch = { id: 'b1', file_sha256: 'f'.repeat(64), centre: 'DEMO01', kind: 'registry-applications', created_at: at, issue_date: '2026-11-23', outbox_dir: 'DEMO01/2026-11-23/b1' };
      const file = { sha256: batch.file_sha256, name: 'registry-applications.csv', centre: 'DEMO01', kind: batch.kind, received_at: at, stored_path: '/x', outcome: 'accepted' as const, batch_id: 'b1' };
      expect(await ledger.openBatch(batch, file, { owner: 'test', alive: () => true, at })).toEqual({ opened: true });
      await ledger.addSpecialists('b1', [application(2, '2026-11-06'), application(3, '2026-11-05')]);
      await ledger.addSpecialists('b1', [application(3, '2026-11-05'), application(4, '2026-11-13')]);
      expect(await ledger.specialists()).toEqual([]);
      await ledger.finishBatch('b1', at, {});
      const rows = await ledger.specialists();
      expect(rows.map((r) => [r.row, r.registry_date, r.centre])).toEqual([
        [3, '2026-11-05', 'DEMO01'],
        [2, '2026-11-06', 'DEMO01'],
        [4, '2026-11-13', 'DEMO01'],
      ]);
      expect(rows[0]?.record).toEqual(application(3, '2026-11-05'));
    } finally {
      await ledger.close();
    }
  });
});
