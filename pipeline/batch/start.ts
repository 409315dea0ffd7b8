import type { Clock } from '../core/clock.js';
import type { LoadedConfig } from '../config/load.js';
import { modeBits } from '../config/schema.js';
import { openLedger } from '../ledger/open.js';
import { ChromiumRenderer, findChromium } from '../render/chromium.js';
import { loadKindTemplates } from '../kinds/registry.js';
import type { TemplateSet } from '../render/templates.js';
import { configuredTrust, openSigner } from '../sign/keys.js';
import { openTimestamper } from '../sign/tsa.js';
import { signaturePreparer, signatureSpace } from '../sign/pades.js';
import type { Library } from '../standards/library.js';
import type { EngineContext, Issuer } from './context.js';

/**
 * Everything the engine needs, opened once: the ledger, the templates, the signer and one
 * browser. `tanu run`, `tanu watch` and the benchmark start it the same way.
 */
export type Engine = { ctx: EngineContext; close: () => Promise<void> };

/** The one browser, as the config sets it; it inherits no secret: not the key password or the token's PIN, not the ledger's, not any TANU_* setting. */
function startRenderer(config: LoadedConfig, templates: TemplateSet, env: NodeJS.ProcessEnv): ChromiumRenderer {
  const secrets = new Set([config.signing.password_env, config.signing.pin_env, config.ledger.password_env, 'PGPASSWORD']);
  const browserEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('TANU_') && !secrets.has(name)));
  return new ChromiumRenderer(templates, {
    executablePath: findChromium(config.documents.chromium),
    concurrency: config.concurrency,
    printBatch: config.documents.print_batch,
    timeoutMs: config.documents.render_timeout_ms,
    env: browserEnv,
  });
}

export async function startEngine(
  config: LoadedConfig,
  library: Library,
  options: {
    clock: Clock;
    env: NodeJS.ProcessEnv;
    notice: (text: string) => void;
    /** Only plans (`tanu watch` and `tanu run` with `ledger.jobs`): no browser is started and no key opened. */
    planOnly?: boolean;
  } & Pick<EngineContext, 'onEvent' | 'onStage' | 'signal'>,
): Promise<Engine> {
  const issuer = options.planOnly ? null : await openIssuer(config, options);
  const ledger = await openLedger(config, options.env);
  return {
    ctx: {
      config,
      library,
      ledger,
      clock: options.clock,
      issuer,
      outbox: config.paths.outbox,
      modes: { file: modeBits(config.publish.file_mode), dir: modeBits(config.publish.dir_mode) },
      received: config.paths.received,
      rejected: config.paths.rejected,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.onStage ? { onStage: options.onStage } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    close: async () => {
      await issuer?.renderer.close();
      await ledger.close();
    },
  };
}

async function openIssuer(config: LoadedConfig, options: { clock: Clock; env: NodeJS.ProcessEnv; notice: (text: string) => void }): Promise<Issuer & { renderer: ChromiumRenderer }> {
  const templates = loadKindTemplates(config.paths.templates);
  const signer = await openSigner(config, options.env, options.clock, options.notice);
  // After the signer: a development key's CA, which also issues the TEST TSA, exists from then on.
  const timestamper = await openTimestamper(config, options.env, options.clock, await configuredTrust(config));
  return { renderer: startRenderer(config, templates, options.env), templates, signer, timestamper, prepare: signaturePreparer(await signatureSpace(signer, timestamper)) };
}
