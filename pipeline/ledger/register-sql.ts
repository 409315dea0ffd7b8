/**
 * The register's statements that read the same in both dialects but for how parameters
 * are written (as `pages.ts` does for the export's): a batch's rows are gathered into
 * `registry_pending` while it completes and entered into `registry` when it is published.
 */

/** A register row's columns, as `registry_pending` and `registry` both hold them. */
export const REGISTER_COLUMNS = ['certificate_serial', 'revision', 'iin', 'full_name', 'profession_code', 'profession_kk', 'profession_ru', 'level', 'centre', 'issue_date', 'expiry_date'] as const;

const columns = REGISTER_COLUMNS.join(', ');

/**
 * A batch's gathered rows into the register: a certificate's new revision takes its
 * serial's row over; an older one never does. (The SELECT has its WHERE before ON CONFLICT:
 * SQLite's rule for an upsert from a SELECT.)
 */
export const enterRegisterSql = (batch: string) => `INSERT INTO registry (${columns}, batch_id)
  SELECT ${columns}, batch_id FROM registry_pending WHERE batch_id = ${batch}
  ON CONFLICT (certificate_serial) DO UPDATE SET ${[...REGISTER_COLUMNS.slice(1), 'batch_id'].map((c) => `${c} = excluded.${c}`).join(', ')}
  WHERE excluded.revision > registry.revision`;

/** The rows a batch gathered, once entered. */
export const clearPendingSql = (batch: string) => `DELETE FROM registry_pending WHERE batch_id = ${batch}`;

/** A revision's predecessor stops being current only once the revision is published. */
export const supersedeSql = (batch: string) => `UPDATE documents SET status = 'superseded'
  WHERE status = 'issued' AND id IN (SELECT supersedes FROM documents WHERE batch_id = ${batch} AND state = 'published' AND supersedes IS NOT NULL)`;
