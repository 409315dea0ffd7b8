/**
 * Rows read a page at a time along an index, by key: `read(after)` gives the rows after
 * `after` in the key's order, `key(row)` a row's key. Pages rather than one open statement
 * or cursor, because the caller awaits (reads files, writes a zip) between rows.
 */
export async function* keysetPages<T, K>(first: K, read: (after: K) => T[] | Promise<T[]>, key: (row: T) => K): AsyncGenerator<T> {
  for (let after = first; ; ) {
    const rows = await read(after);
    yield* rows;
    const last = rows.at(-1);
    if (last === undefined) return;
    after = key(last);
  }
}

/** How a dialect writes the export queries' parameters: the selection's five, then the key to page after. */
export type ExportParameters = { from: string; to: string; centre: string; profession: string; status: string; after: [string, string] };

/**
 * What an export selects: a published revision matching the filter (any revision that
 * matches selects every revision of its serial).
 */
const exportFilter = (p: ExportParameters) => `d.state = 'published' AND (${p.from} IS NULL OR b.issue_date >= ${p.from}) AND (${p.to} IS NULL OR b.issue_date <= ${p.to})
  AND (${p.centre} IS NULL OR b.centre = ${p.centre}) AND (${p.profession} IS NULL OR d.profession_code = ${p.profession}) AND (${p.status} IS NULL OR d.status = ${p.status})`;

/** Serials, or register rows, an export reads at a time. */
const EXPORT_PAGE = 1000;

/**
 * The next page of an export's documents, in both dialects: the next serials chosen along
 * the (type, serial, revision) index from the last key (type, serial), with all their
 * published revisions. Choosing the whole selection again for every page made an export
 * of 100,000 documents quadratic.
 */
export const exportDocumentsSql = (p: ExportParameters) => `WITH chosen AS (
    SELECT DISTINCT d.type, d.serial FROM documents d JOIN batches b ON b.id = d.batch_id
    WHERE ${exportFilter(p)} AND (d.type, d.serial) > (${p.after[0]}, ${p.after[1]})
    ORDER BY d.type, d.serial LIMIT ${EXPORT_PAGE})
  SELECT d.id, d.batch_id, d.type, d.serial, d.revision, d.status, d.supersedes, d.iin, d.profession_code, d.level, d.language, d.files_json,
    b.centre, b.issue_date, b.outbox_dir, b.published_at, v.revoked_at, v.reason AS revocation_reason
  FROM chosen c JOIN documents d ON d.type = c.type AND d.serial = c.serial JOIN batches b ON b.id = d.batch_id
    LEFT JOIN revocations v ON v.document_id = d.id
  WHERE d.state = 'published'
  ORDER BY d.type, d.serial, d.revision`;

/** The next page of the selection's register rows, along registry_export from the last key (centre, serial). */
export const exportRegistrySql = (p: ExportParameters, columns: string) => `SELECT ${columns} FROM registry r
  WHERE (r.centre, r.certificate_serial) > (${p.after[0]}, ${p.after[1]})
    AND EXISTS (SELECT 1 FROM documents d JOIN batches b ON b.id = d.batch_id
                WHERE d.type = 'certificate' AND d.serial = r.certificate_serial AND ${exportFilter(p)})
  ORDER BY r.centre, r.certificate_serial LIMIT ${EXPORT_PAGE}`;
