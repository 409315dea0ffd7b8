import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { examResultsCsv, makeProject } from '../support/project.js';
import { CARD4, NEW_NAME, V3, ownStandards, q88WithVersion } from '../support/standards.js';
import { useTmpDir } from '../support/tmp.js';
import { startTanu, until } from '../reliability/support.js';

/**
 * `tanu watch` watches `standards/`: a broken edit is reported at its file and line and
 * the last good library stays; a sound one takes effect for the next file. A real
 * `tanu watch` process (so the system clock: the sitting below is dated 21.11.2026).
 */
const tmp = useTmpDir();

describe('tanu watch and standards/', () => {
  it('reports a broken edit with file:line and keeps the library; a sound edit prints from the next file on', async () => {
    const p = makeProject(tmp());
    const standards = ownStandards(p);
    const watch = startTanu(['watch', '--config', p.config, '--language', 'ru']);
    try {
      await until(() => watch.stderr().includes('Наблюдаю за папкой входящих'), 60_000, 'the watcher ready');
      writeFileSync(join(standards, 'Q88100061.yaml'), q88WithVersion(V3.replace(`code: ${CARD4}`, 'code: 9999-9-999')));
      await until(() => watch.stderr().includes('остаётся последняя верная библиотека'), 60_000, 'the broken edit reported');
      expect(watch.stderr()).toMatch(/Q88100061\.yaml:\d+: versions\[2\]\.cards\[0\]\.code: версия излагает заново карточку 9999-9-999/);

      writeFileSync(join(standards, 'Q88100061.yaml'), q88WithVersion(V3));
      await until(() => watch.stderr().includes('Стандарты перечитаны'), 60_000, 'the sound edit taken');
      // One card-4 row of a sitting after version 3 took effect (a protocol of its own: the earlier one has its date).
      const [header, , , , row] = (await examResultsCsv(4)).trim().split('\n');
      const later = (row ?? '').replace('10.11.2026', '19.11.2026').replace('11.11.2026', '20.11.2026').replace('12.11.2026', '21.11.2026').replace(',П-1,', ',П-2,');
      expect(later).toContain(`,${CARD4},`);
      writeFileSync(join(p.inbox, 'exam-results-later.csv'), `${header}\n${later}\n`);
      const printed = () => {
        const db = new Database(p.ledger, { readonly: true });
        try {
          return db.prepare(`SELECT json_extract(model_json, '$.profession.name.kk') FROM documents WHERE type = 'certificate' AND state = 'published'`).pluck().get() as string | undefined;
        } catch {
          return undefined;
        } finally {
          db.close();
        }
      };
      await until(() => printed() !== undefined, 120_000, 'the certificate published');
      expect(printed()).toBe(NEW_NAME);
    } finally {
      watch.child.kill('SIGTERM');
      await watch.exited;
    }
  });
});
