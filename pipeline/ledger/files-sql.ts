/**
 * A dropped file's row, the same statement in both dialects but for how parameters are
 * written. A rejection is the verdict of one reading, not of the bytes for ever: the
 * configuration may have changed since (a centre added), or the reader had a fault. So the
 * same bytes dropped again are judged again, and their row is taken over by the new
 * verdict; only an accepted file (its batch planned or published) keeps its row.
 */

const FILE_COLUMNS = ['sha256', 'name', 'centre', 'kind', 'received_at', 'stored_path', 'outcome', 'batch_id'] as const;

/** `placeholder(i)` writes the i-th parameter (1-based) as the dialect does. */
export const recordFileSql = (placeholder: (i: number) => string) => `INSERT INTO files (${FILE_COLUMNS.join(', ')})
  VALUES (${FILE_COLUMNS.map((_, i) => placeholder(i + 1)).join(', ')})
  ON CONFLICT (sha256) DO UPDATE SET ${FILE_COLUMNS.slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}
  WHERE files.outcome = 'rejected'`;

export const fileValues = (f: Record<(typeof FILE_COLUMNS)[number], unknown>) => FILE_COLUMNS.map((c) => f[c]);
