import { basename, join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type { BatchRow, PlanChunk } from '../ledger/ledger.js';
import { ContractModel } from '../kinds/contract/model.js';
import { KIND_LIST } from '../kinds/registry.js';
import { type ChunkContext, type PlanContext, newVerifyCode, planChunk } from '../plan/plan.js';
import { isKind } from '../records/columns.js';
import { RECORD_SCHEMAS, type RegistryApplication, type ValidRecord, isRegistryApplication } from '../records/records.js';
import { effectiveThresholds } from '../standards/library.js';
import type { RejectedRow } from '../ledger/rows.js';
import { fileLevelErrors } from '../validate/report.js';
import { ledgerChecks, validateFile } from '../validate/validate-file.js';
import { type Issue, issue } from '../core/issue.js';
import { type EngineContext, timed } from './context.js';

/**
 * Planning a batch: its stored file streams through validation and each chunk of valid
 * records is planned as a value (`planChunk`) and committed in one short transaction, so
 * no transaction is held while the file is read and the first documents can be issued at
 * once. A crash mid-plan is resumed by reading the file again and planning only the rows
 * the ledger does not hold yet: validation is deterministic, so the rows and serials come
 * out as they would have. The documents of a sitting (protocols), which gather its rows, are
 * planned last, with the file's report, in the step that completes the plan.
 */

/** The first chunk is small so the first certificate is rendered within seconds; later ones amortise the commit. */
const FIRST_PLAN_CHUNK = 4;
const PLAN_CHUNK = 500;
/**
 * How far the plan may run ahead of issuing, in documents. Without a bound, planning a
 * 100,000-row file took the CPU the first chunk needed to be signed: 52,000 rows were
 * planned before the first certificate was on disk.
 */
const PLAN_LEAD = 1000;

/** How the plan is growing, for the issuing that follows it. */
export class PlanProgress {
  private version = 0;
  private failure: { error: unknown } | null = null;
  private waiters: (() => void)[] = [];
  /** Documents planned in this run and not yet taken for issuing (negative on resume, when it takes what an earlier run planned). */
  private lead = 0;
  private issuing = true;
  /**
   * While this run's first chunk is being issued, planning waits: its validation and
   * commits took the CPU that chunk's print needed (the first certificate came 1 s later).
   */
  private firstChunk: 'waiting' | 'issuing' | 'published' = 'waiting';
  private leadWaiters: (() => void)[] = [];

  constructor(private complete: boolean) {}

  /** A mark to wait from: a change after it is never missed. */
  get mark() {
    return this.version;
  }

  get ended() {
    return this.complete || this.failure !== null;
  }

  /** Throws what stopped the plan, if something did. */
  check() {
    if (this.failure) throw this.failure.error;
  }

  /** Resolves once the plan has grown or ended since `mark`. */
  async changedSince(mark: number): Promise<void> {
    if (this.version !== mark || this.ended) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  grew(documents = 0) {
    this.lead += documents;
    this.version++;
    this.wake();
  }

  /** Issuing took `count` planned documents. */
  took(count: number) {
    this.lead -= count;
    if (this.firstChunk === 'waiting') this.firstChunk = 'issuing';
    if (this.lead <= PLAN_LEAD) this.wakeLead();
  }

  /** This run's first chunk is on disk: planning goes on, up to `PLAN_LEAD` ahead. */
  published() {
    this.firstChunk = 'published';
    this.wakeLead();
  }

  /** Issuing has ended (all issued, failed or stopped): planning no longer waits for it. */
  issuingEnded() {
    this.issuing = false;
    this.wakeLead();
  }

  /** The first chunk is coming: planned and about to be taken, or taken and not yet on disk. */
  private get firstChunkComing() {
    return this.firstChunk === 'issuing' || (this.firstChunk === 'waiting' && this.lead > 0);
  }

  /** Planning waits here while the first chunk is coming, or while it is more than `PLAN_LEAD` documents ahead. */
  async keepLead(): Promise<void> {
    while (this.issuing && (this.firstChunkComing || this.lead > PLAN_LEAD)) await new Promise<void>((resolve) => this.leadWaiters.push(resolve));
  }

  private wakeLead() {
    const waiters = this.leadWaiters;
    this.leadWaiters = [];
    waiters.forEach((w) => w());
  }

  finish() {
    this.complete = true;
    this.grew();
  }

  fail(error: unknown): never {
    this.failure = { error };
    this.grew();
    throw error;
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }
}

export async function planBatch(batch: BatchRow, ctx: EngineContext, options: { file: string; progress: PlanProgress }): Promise<void> {
  const { ledger, config } = ctx;
  const centre = config.centres.find((c) => c.id === batch.centre);
  if (!centre) throw new Error(`batch ${batch.id}: centre ${batch.centre} missing from config`);
  const fileRow = await ledger.file(batch.file_sha256);
  if (!fileRow) throw new Error(`batch ${batch.id}: its file is not in the ledger`);
  const { stored_path: stored, name } = fileRow;
  const context: PlanContext = {
    centre,
    library: ctx.library,
    issueDate: batch.issue_date,
    validityYears: (code) => effectiveThresholds(config.defaults, ctx.library.byCode(code), centre).validity_years,
    verifyBaseUrl: config.documents.verify_base_url,
    verifyCode: newVerifyCode,
  };
  const year = Number(batch.issue_date.slice(0, 4));
  const done = await ledger.plannedRows(batch.id);
  const rejected: RejectedRow[] = [];
  const lateDuplicates: Issue[] = [];
  let pending: ValidRecord[] = [];
  // A registry application earns no document: a registered one is a row of the specialists registry.
  let specialists: RegistryApplication[] = [];
  let chunkSize = done.size === 0 ? FIRST_PLAN_CHUNK : PLAN_CHUNK;

  const commit = async () => {
    if (pending.length === 0) return;
    let records = pending;
    pending = [];
    // Optimistic: planned against the counter as read, committed only if it has not moved.
    let documents = 0;
    for (;;) {
      const chunkContext: ChunkContext = { ...context, serialFormat: config.defaults.serial_format, year, lastSerial: await ledger.lastSerial(centre.serial_prefix, year) };
      const chunk: PlanChunk = await timed(ctx, 'plan', () => planChunk(records, chunkContext));
      const result = await timed(ctx, 'ledger', () => ledger.commitPlan(batch.id, chunk));
      documents = chunk.records.filter((r) => r.document !== null).length;
      if (result.committed) break;
      if (result.reason === 'recognized') {
        // Another batch issued to these persons while this one was read: duplicates now, as validation would say.
        const taken = new Map(result.rows.map((r) => [r.row, r.serial]));
        for (const r of records) {
          const serial = taken.get(r.row);
          if (serial !== undefined)
            lateDuplicates.push(issue('DUPLICATE', { row: r.row, column: 'iin', value: r.iin }, { detail: { kk: `№ ${serial} құжаты бұрын берілген`, ru: `ранее выдан документ № ${serial}` } }));
        }
        records = records.filter((r) => !taken.has(r.row));
      }
    }
    chunkSize = PLAN_CHUNK;
    options.progress.grew(documents);
    await options.progress.keepLead();
  };

  const commitSpecialists = async () => {
    if (specialists.length === 0) return;
    const records = specialists;
    specialists = [];
    await timed(ctx, 'ledger', () => ledger.addSpecialists(batch.id, records));
  };

  // The centre is the batch's: the stored copy is read as if it were in that centre's inbox folder.
  const origin = join(config.paths.inbox, batch.centre, name);
  const report = await timed(ctx, 'validate', () =>
    validateFile(
      stored,
      { config, library: ctx.library, clock: ctx.clock },
      async (record) => {
        ctx.signal?.throwIfAborted();
        if (done.has(record.row)) return;
        if (isRegistryApplication(record)) {
          if (record.decision === 'register') specialists.push(record);
          if (specialists.length >= PLAN_CHUNK) await commitSpecialists();
          return;
        }
        pending.push(record);
        if (pending.length >= chunkSize) await commit();
      },
      {
        origin,
        ...ledgerChecks(ledger, batch.id),
        onRejected: (r) => rejected.push({ row: r.row, cells: Object.fromEntries(r.cells) }),
      },
    ),
  );
  await commit();
  await commitSpecialists();
  // The scan found the file readable; reading it again cannot disagree unless the stored copy changed.
  if (fileLevelErrors(report).length > 0) throw new Error(`batch ${batch.id}: the stored file ${stored} no longer reads as it did`);
  report.file = options.file;
  report.valid -= lateDuplicates.length;
  report.errors.push(...lateDuplicates);
  // The documents of a sitting (a protocol, an attestation protocol): each kind that is earned per sitting plans its own.
  if (!isKind(batch.kind)) throw new Error(`batch ${batch.id}: unknown kind ${batch.kind}`);
  const schema = RECORD_SCHEMAS[batch.kind];
  const sittings = [];
  // And the documents a record earns through its person's contract (the act of services rendered), one per contract.
  const acted = new Set<string>();
  const parsed = (stored: unknown[]) => stored.map((r) => schema.parse(r)).filter((r): r is ValidRecord => !isRegistryApplication(r));
  for (const number of await ledger.protocolNumbers(batch.id)) {
    // A sitting at a time, letting issuing run between them: SQLite answers synchronously, and
    // the sittings of 30,000 rows held the event loop for 12 s while the certificates waited.
    await setImmediate();
    const records = parsed(await ledger.protocolRecords(batch.id, number));
    // The sitting's rows of every file of the centre, read once if a kind re-issues its document with them.
    let whole: ValidRecord[] | undefined;
    for (const kind of KIND_LIST) {
      const sitting = kind.perSitting;
      // The same sitting in an earlier file of the centre: its document is re-issued with every row of both (docs/contracts.md, "Regeneration").
      const earlier = sitting?.revise ? await ledger.currentSittingDocument(kind.type, batch.centre, number, batch.id) : undefined;
      const document = earlier ? sitting?.revise?.((whole ??= parsed(await ledger.sittingRecords(batch.centre, number))), context, earlier) : sitting?.plan(records, context);
      if (document) sittings.push(document);
      for (const record of records.filter((r) => kind.perContract?.earns(r))) {
        const stored = await ledger.contractToAct(record.iin, record.profession_code, record.level);
        if (stored === undefined || !kind.perContract) continue;
        const contract = ContractModel.parse(stored);
        if (acted.has(contract.number)) continue;
        acted.add(contract.number);
        sittings.push(kind.perContract.plan(record, contract, context));
      }
    }
  }
  await ledger.completePlan(batch.id, {
    documents: sittings,
    report,
    rejected: rejected.sort((a, b) => a.row - b.row),
    at: ctx.clock.now().toISOString(),
    file: basename(options.file),
  });
  options.progress.finish();
  const counts = await ledger.documentCounts(batch.id);
  ctx.onEvent?.({ type: 'planned', batch: batch.id, documents: counts.total });
}
