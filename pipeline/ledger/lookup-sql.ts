/**
 * The two questions validation asks the ledger, in text both dialects read but for how
 * parameters are written (as `register-sql.ts` does): the writer's adapters answer them
 * while a batch is planned, the read-only readers (serve/reader.ts) while `tanu validate`
 * predicts that plan, so both say the same of the same row.
 */

/** The current certificate already issued to a person for a profession and level, outside one batch. */
export const recognizedSql = (iin: string, profession: string, level: string, exceptBatch: string) =>
  `SELECT serial FROM documents WHERE type = 'certificate' AND status = 'issued' AND iin = ${iin} AND profession_code = ${profession} AND level = ${level} AND batch_id <> ${exceptBatch} LIMIT 1`;

/** A certificate of the register by its serial: whose it is, and whether it was revoked or superseded. */
export const registerStandingSql = (serial: string) => `SELECT d.iin, d.profession_code, d.level, r.issue_date, d.status, v.revoked_at, v.reason AS revocation_reason,
    (SELECT n.serial FROM documents n WHERE n.supersedes = d.id ORDER BY n.id DESC LIMIT 1) AS superseded_by
  FROM documents d JOIN registry r ON r.certificate_serial = d.serial LEFT JOIN revocations v ON v.document_id = d.id
  WHERE d.type = 'certificate' AND d.serial = ${serial} AND d.state = 'published' ORDER BY d.revision DESC LIMIT 1`;
