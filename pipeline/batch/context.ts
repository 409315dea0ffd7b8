import type { Clock } from '../core/clock.js';
import type { LoadedConfig } from '../config/load.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Modes } from '../publish/publish.js';
import { isKind } from '../records/columns.js';
import type { Renderer } from '../render/chromium.js';
import type { RenderOptions } from '../render/finish.js';
import type { TemplateSet } from '../render/templates.js';
import type { Signer } from '../sign/signer.js';
import type { Timestamper } from '../sign/timestamp.js';
import type { Library } from '../standards/library.js';
import type { FileReport } from '../validate/report.js';
import { TanuError } from '../core/tanu-error.js';

/** What issuing takes beyond planning: the browser, the templates and the key. */
export type Issuer = {
  renderer: Renderer;
  templates: TemplateSet;
  signer: Signer;
  /** The TSA of a timestamped level (signing.level B-T): null for B-B. */
  timestamper: Timestamper | null;
  /** Prepares each rendered PDF for the signer: its signature field, sized for its CMS. */
  prepare: NonNullable<RenderOptions['prepare']>;
};

/** What the engine's parts share: opened once by `startEngine`. */
export type EngineContext = {
  config: LoadedConfig;
  library: Library;
  ledger: Ledger;
  clock: Clock;
  /**
   * Null in a process that only plans: \`tanu watch\` and \`tanu run\` with \`ledger.jobs\`,
   * whose batches \`tanu worker\` processes issue; such a machine needs no browser and holds no key.
   */
  issuer: Issuer | null;
  outbox: string;
  /** Permissions of published files and folders. */
  modes: Modes;
  received: string;
  rejected: string;
  /** Structured progress, for logs and the progress bar. */
  onEvent?: (event: EngineEvent) => void;
  /** Seconds spent per stage, for the benchmark. */
  onStage?: (stage: Stage, seconds: number) => void;
  /**
   * Shutdown: once aborted, a batch stops at its next chunk boundary (what is planned and
   * published stays so) and is resumed from the ledger by the next start, instead of a
   * 100,000-row file holding `tanu watch` for many minutes after SIGTERM.
   */
  signal?: AbortSignal;
};

/** The issuer of a process that issues; a plan-only process reaching here is a bug, not an operator's error. */
export function issuerOf(ctx: EngineContext): Issuer {
  if (!ctx.issuer) throw new TanuError('CONFIG_INVALID', { detail: { kk: 'бұл процесс тек жоспарлайды (ledger.jobs)', ru: 'этот процесс только планирует (ledger.jobs)' } });
  return ctx.issuer;
}

export type Stage = 'validate' | 'plan' | 'render_wait' | 'sign' | 'write' | 'ledger' | 'complete';

export async function timed<T>(ctx: EngineContext, stage: Stage, work: () => Promise<T> | T): Promise<T> {
  if (!ctx.onStage) return work();
  const start = process.hrtime.bigint();
  try {
    return await work();
  } finally {
    ctx.onStage(stage, Number(process.hrtime.bigint() - start) / 1e9);
  }
}

export type EngineEvent =
  /** A new batch: its plan is being made while its first documents are issued. */
  | { type: 'started'; batch: string }
  /** The plan is complete: the batch issues `documents` in all. */
  | { type: 'planned'; batch: string; documents: number }
  /** An interrupted batch taken up again: `remaining` of its documents are still to be issued. */
  | { type: 'resumed'; batch: string; remaining: number }
  /** `total` grows while the file is still being planned. */
  | { type: 'published-chunk'; batch: string; done: number; total: number }
  | { type: 'published'; batch: string; dir: string };

export type FileOutcome =
  | { file: string; outcome: 'published'; batch: string; dir: string; documents: number; failed: number; report: FileReport; resumed: boolean }
  | { file: string; outcome: 'already-published'; batch: string; dir: string; report: FileReport }
  /** Another live process (a second `tanu watch`) is issuing this batch right now. */
  | { file: string; outcome: 'in-progress'; batch: string; dir: string; report: FileReport }
  /** Planned, with its documents on the job queue for \`tanu worker\` processes to issue (\`ledger.jobs\`). */
  | { file: string; outcome: 'queued'; batch: string; dir: string; documents: number; report: FileReport }
  /** Stopped by shutdown at a chunk boundary; the next start resumes it. */
  | { file: string; outcome: 'stopped'; batch: string; dir: string; report: FileReport }
  /** `reportPath` is null for a path that was not a readable file: nothing was taken or set aside. */
  | { file: string; outcome: 'rejected'; report: FileReport; reportPath: string | null };

/** A report for a batch whose plan is not complete yet: what is known before the file is read. */
export const pendingReport = (file: string, batch: { kind: string; centre: string }): FileReport => ({
  file,
  kind: isKind(batch.kind) ? batch.kind : null,
  centre: batch.centre,
  rows: 0,
  valid: 0,
  errors: [],
  warnings: [],
});
