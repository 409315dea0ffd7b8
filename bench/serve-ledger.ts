import { createHash } from 'node:crypto';
import type { Centre } from '../pipeline/config/schema.js';
import type { DocumentUpdate, PlannedRecord } from '../pipeline/ledger/ledger.js';
import { SqliteLedger } from '../pipeline/ledger/sqlite.js';
import { newVerifyCode } from '../pipeline/plan/plan.js';
import { certificateModel } from '../pipeline/kinds/certificate/model.js';
import { sampleExamResult } from '../pipeline/dev/sample.js';
import type { Library } from '../pipeline/standards/library.js';

/**
 * A ledger of `count` published certificates written through the Ledger seam, as the
 * engine would leave them, without rendering PDFs: for the verification service's bench
 * and tests. Each gets its own serial, IIN and code; the PDF hash stands in for a file.
 */
export async function fillLedger(path: string, count: number, args: { centre: Centre; library: Library; issueDate: string; batch?: string }): Promise<{ serial: string; code: string }[]> {
  const ledger = SqliteLedger.open(path);
  const batchId = args.batch ?? 'bench-serve';
  const at = `${args.issueDate}T09:00:00.000Z`;
  const year = Number(args.issueDate.slice(0, 4));
  const issued: { serial: string; code: string }[] = [];
  try {
    const sha = createHash('sha256').update(batchId).digest('hex');
    await ledger.openBatch(
      { id: batchId, file_sha256: sha, centre: args.centre.id, kind: 'exam-results', created_at: at, issue_date: args.issueDate, outbox_dir: `/dev/null/${batchId}` },
      { sha256: sha, name: `${batchId}.csv`, centre: args.centre.id, kind: 'exam-results', received_at: at, stored_path: `/dev/null/${sha}`, outcome: 'accepted', batch_id: batchId },
      { owner: 'fill-ledger', alive: () => false, at },
    );
    for (let first = 0; first < count; first += 1000) {
      const records: PlannedRecord[] = [];
      for (let i = first; i < Math.min(count, first + 1000); i++) {
        const record = { ...sampleExamResult(i % 2, i % 2 ? 'ru' : 'kk'), row: i + 2, iin: String(100_000_000_000 + i) };
        const serial = `${args.centre.serial_prefix}-${year}-${String(i + 1).padStart(6, '0')}`;
        const code = newVerifyCode();
        const model = certificateModel({ record, serial, issueDate: args.issueDate, validityYears: 5, centre: args.centre, library: args.library, verifyBaseUrl: 'https://tanu.example.kz/verify', verifyCode: code });
        records.push({
          row: record.row,
          iin: record.iin,
          profession_code: record.profession_code,
          level: record.level,
          status: record.status,
          protocol_number: record.protocol_number,
          data: record,
          document: { type: 'certificate', serial, iin: record.iin, profession_code: record.profession_code, level: record.level, language: record.language, standard_code: record.standard_code, standard_version: record.standard_version, card_code: record.profession_code, verify_code: code, model },
        });
        issued.push({ serial, code });
      }
      const result = await ledger.commitPlan(batchId, { records, serials: { centre: args.centre.serial_prefix, year, after: first, count: records.length } });
      if (!result.committed) throw new Error(`fillLedger: ${result.reason}`);
    }
    await ledger.completePlan(batchId, { documents: [], report: { file: `${batchId}.csv`, kind: 'exam-results', centre: args.centre.id, rows: count, valid: count, errors: [], warnings: [] }, rejected: [], at, file: `${batchId}.csv` });
    for (let after = 0; ; ) {
      const chunk = await ledger.plannedDocuments(batchId, after, 1000);
      if (chunk.length === 0) break;
      await ledger.markDocuments(chunk.map((d): DocumentUpdate => ({ id: d.id, state: 'published', files: { pdf: `/dev/null/${d.serial}.pdf`, pdf_sha256: createHash('sha256').update(d.serial).digest('hex') } })));
      after = chunk.at(-1)?.id ?? after;
    }
    await ledger.finishBatch(batchId, `${args.issueDate}T09:05:00.000Z`, { documents: count, resumed: false });
  } finally {
    await ledger.close();
  }
  return issued;
}
