import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tanu } from '../support/cli.js';
import { examResultsFile, makeProject } from '../support/project.js';
import { useTmpDir } from '../support/tmp.js';

/**
 * An install that moves keeps working: the ledger holds outbox paths relative to the
 * outbox, so "already handled" points at the batch where it is now, and the batch there
 * verifies.
 */
const tmp = useTmpDir();

describe('an install moved to another folder', () => {
  it('finds its batches where they are now; the ledger names no absolute outbox path', async () => {
    const start = join(tmp(), 'before');
    mkdirSync(start);
    const before = makeProject(start);
    const file = await examResultsFile(before.dir, 'exam-results-moved.csv', 3);
    const first = await tanu(['run', file, '--config', before.config, '--json']);
    expect(first.code, first.err).toBe(0);

    const db = new Database(before.ledger, { readonly: true });
    const folders = db.prepare('SELECT outbox_dir FROM batches').pluck().all() as string[];
    const paths = (db.prepare("SELECT json_extract(files_json, '$.pdf') FROM documents WHERE state = 'published'").pluck().all() as string[]);
    db.close();
    expect(folders).toEqual([join('DEMO01', '2026-11-23', JSON.parse(first.out).outcomes[0].batch)]);
    for (const path of paths) expect(path).toMatch(/^(certificates|protocols)\/[^/]+\.pdf$/);

    const after = join(tmp(), 'after');
    renameSync(before.dir, after);
    const again = await tanu(['run', join(after, 'exam-results-moved.csv'), '--config', join(after, 'pipeline.config.yaml'), '--json']);
    expect(again.code, again.err).toBe(0);
    const [outcome] = JSON.parse(again.out).outcomes;
    expect(outcome).toMatchObject({ outcome: 'already-published' });
    expect(outcome.dir).toBe(join(after, 'outbox', folders[0] ?? ''));
    const verified = await tanu(['verify', outcome.dir, '--config', join(after, 'pipeline.config.yaml')]);
    expect(verified.code, verified.out).toBe(0);
  });
});
