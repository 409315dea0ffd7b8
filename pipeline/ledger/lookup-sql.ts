/**
 * The questions validation asks the ledger, in text both dialects read but for how
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

/** How each dialect reads a row's protocol date out of its stored record. */
export const PROTOCOL_DATE = { sqlite: "json_extract(r.data_json, '$.protocol_date')", postgres: "(r.data_json::jsonb)->>'protocol_date'" } as const;

/** The rows a centre's earlier files gave a protocol number (a sitting told in two files must agree), oldest first. */
export const sittingEntriesSql = (centre: string, protocolNumber: string, exceptBatch: string, protocolDate: string) =>
  `SELECT r.row, r.iin, r.profession_code, r.level, r.status, ${protocolDate} AS protocol_date
   FROM records r JOIN batches b ON b.id = r.batch_id WHERE b.centre = ${centre} AND r.protocol_number = ${protocolNumber} AND r.batch_id <> ${exceptBatch} ORDER BY b.created_at, b.id, r.row`;

/** The person's published contract for a profession and level that has no act of services yet: the one an exam row closes. */
export const contractToActSql = (iin: string, profession: string, level: string) =>
  `SELECT d.model_json FROM documents d
   WHERE d.type = 'contract' AND d.state = 'published' AND d.iin = ${iin} AND d.profession_code = ${profession} AND d.level = ${level}
     AND NOT EXISTS (SELECT 1 FROM documents a WHERE a.type = 'services-act' AND a.serial = d.serial AND a.state <> 'failed')
   ORDER BY d.id DESC LIMIT 1`;
