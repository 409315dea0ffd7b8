import { createHash } from 'node:crypto';
import type { Centre } from '../pipeline/config/schema.js';
import { Ledger } from '../pipeline/ledger/ledger.js';
import { newVerifyCode } from '../pipeline/plan/plan.js';
import { certificateModel } from '../pipeline/render/models.js';
import { sampleExamResult } from '../pipeline/render/sample.js';
import type { Library } from '../pipeline/standards/library.js';

/**
 * A ledger of `count` published certificates written straight through the Ledger class, as
 * the engine would leave them, without rendering PDFs: for the verification service's
 * bench and tests. Each gets its own serial, IIN and code; the PDF hash stands in for a file.
 */
export function fillLedger(path: string, count: number, args: { centre: Centre; library: Library; issueDate: string; batch?: string }): { serial: string; code: string }[] {
  const ledger = Ledger.open(path);
  const batchId = args.batch ?? 'bench-serve';
  const issued: { serial: string; code: string }[] = [];
  try {
    ledger.transaction(() => {
      const sha = createHash('sha256').update(batchId).digest('hex');
      ledger.recordFile({ sha256: sha, name: `${batchId}.csv`, centre: args.centre.id, kind: 'exam-results', received_at: `${args.issueDate}T09:00:00.000Z`, stored_path: `/dev/null/${sha}`, outcome: 'accepted', batch_id: batchId });
      ledger.insertBatch({ id: batchId, file_sha256: sha, centre: args.centre.id, kind: 'exam-results', created_at: `${args.issueDate}T09:00:00.000Z`, issue_date: args.issueDate, outbox_dir: `/dev/null/${batchId}`, rows: count, valid: count, errors: 0, report_json: '{}', rejected_json: '[]' });
      for (let i = 0; i < count; i++) {
        const record = { ...sampleExamResult(i % 2, i % 2 ? 'ru' : 'kk'), row: i + 2, iin: String(100_000_000_000 + i) };
        const serial = `${args.centre.serial_prefix}-${args.issueDate.slice(0, 4)}-${String(i + 1).padStart(6, '0')}`;
        const code = newVerifyCode();
        const recordId = ledger.insertRecord(batchId, { row: record.row, iin: record.iin, profession_code: record.profession_code, level: record.level, status: record.status, protocol_number: record.protocol_number, data: record });
        const model = certificateModel({ record, serial, issueDate: args.issueDate, validityYears: 5, centre: args.centre, library: args.library, verifyBaseUrl: 'https://tanu.example.kz/verify', verifyCode: code });
        ledger.insertDocument(batchId, recordId, {
          type: 'certificate',
          serial,
          iin: record.iin,
          profession_code: record.profession_code,
          level: record.level,
          language: record.language,
          standard_code: record.standard_code,
          standard_version: record.standard_version,
          card_code: record.profession_code,
          verify_code: code,
          model_json: JSON.stringify(model),
        });
        issued.push({ serial, code });
      }
      for (let after = 0; ; ) {
        const chunk = ledger.plannedDocuments(batchId, after, 1000);
        if (chunk.length === 0) break;
        for (const d of chunk) ledger.markDocument(d.id, 'published', { pdf: `/dev/null/${d.serial}.pdf`, pdf_sha256: createHash('sha256').update(d.serial).digest('hex') });
        after = chunk.at(-1)?.id ?? after;
      }
      ledger.finishBatch(batchId, `${args.issueDate}T09:05:00.000Z`, []);
    });
  } finally {
    ledger.close();
  }
  return issued;
}
