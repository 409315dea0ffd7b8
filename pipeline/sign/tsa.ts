import type { X509Certificate } from 'node:crypto';
import { access } from 'node:fs/promises';
import type { Clock } from '../core/clock.js';
import { TanuError } from '../core/tanu-error.js';
import type { LoadedConfig } from '../config/load.js';
import { serveDevTsa } from './dev-tsa.js';
import { devTsaPath, keyPassword } from './keys.js';
import { Pkcs12Signer } from './signer.js';
import { type Timestamper, checkResponse, timestampRequest } from './timestamp.js';

/**
 * The timestamp authority, the I/O part: a request POSTed as application/timestamp-query
 * within `signing.tsa.timeout_ms`, its answer checked (timestamp.ts) before the token is
 * used. Any failure throws its code and nothing is embedded: the chunk is not published.
 */
export class HttpTimestamper implements Timestamper {
  constructor(
    private readonly url: string,
    private readonly options: { policy: string | null; timeoutMs: number; trust: readonly X509Certificate[] },
  ) {}

  async stamp(data: Uint8Array): Promise<Uint8Array> {
    const request = timestampRequest(data, this.options.policy);
    const reply = await post(this.url, request.der, this.options.timeoutMs);
    return checkResponse(reply, request, this.options.trust).token;
  }
}

/** A TSA's answer is a few kilobytes: a larger one is not read whole. */
const MAX_REPLY_BYTES = 1024 * 1024;

async function post(url: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(timeoutMs);
  const unreachable = (kk: string, ru: string, cause?: unknown) => new TanuError('TSA_UNREACHABLE', { value: url, detail: { kk, ru } }, { cause });
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body, signal });
    if (!response.ok) {
      await response.body?.cancel();
      throw unreachable(`HTTP ${response.status}`, `HTTP ${response.status}`);
    }
    // Read in parts and given up past the limit: arrayBuffer() would hold a runaway answer whole first.
    const parts: Uint8Array[] = [];
    let length = 0;
    for await (const part of response.body ?? []) {
      length += part.length;
      // Leaving the loop by the throw cancels the stream.
      if (length > MAX_REPLY_BYTES)
        throw new TanuError('TSA_RESPONSE_INVALID', { detail: { kk: `${MAX_REPLY_BYTES} байттан артық`, ru: `больше ${MAX_REPLY_BYTES} байт` } });
      parts.push(part);
    }
    return Buffer.concat(parts);
  } catch (e) {
    if (e instanceof TanuError) throw e;
    if (signal.aborted) throw new TanuError('TSA_TIMEOUT', { value: url, max: timeoutMs }, { cause: e });
    const reason = String((e as { cause?: { code?: unknown } }).cause?.code ?? (e as Error).message);
    throw unreachable(reason, reason, e);
  }
}

// One TEST TSA per key file and process, started at the first need and served until the process ends.
const devTsas = new Map<string, Promise<string>>();

/**
 * The configured level's timestamper: none for B-B; `signing.tsa.url`; or, with a
 * development key and no URL, the TEST TSA of the development PKI served on loopback. TSA
 * certificates are trusted through `signing.trust`, the same anchors as the signer's.
 */
export async function openTimestamper(config: LoadedConfig, env: NodeJS.ProcessEnv, clock: Clock, trust: readonly X509Certificate[]): Promise<Timestamper | null> {
  if (config.signing.level === 'B-B') return null;
  const { url, policy, timeout_ms: timeoutMs } = config.signing.tsa;
  if (url !== null) return new HttpTimestamper(url, { policy, timeoutMs, trust });
  if (!config.signing.dev_key) throw new TanuError('TSA_URL_MISSING', { value: config.signing.level });
  const path = devTsaPath(config);
  let serving = devTsas.get(path);
  if (!serving) {
    serving = access(path).then(
      () => Pkcs12Signer.load(path, keyPassword(config, env)).then((tsa) => serveDevTsa(tsa, clock)),
      () => {
        // A development key made before the TEST TSA existed: its CA's key is not kept, so a new set is made on request only.
        throw new TanuError('SIGNING_KEY', { detail: { kk: `тест TSA кілті ${path} жоқ: tanu keys dev --force жаңа жинақ жасайды`, ru: `нет ключа тестовой TSA ${path}: tanu keys dev --force создаст новый набор` } });
      },
    );
    devTsas.set(path, serving);
    serving.catch(() => devTsas.delete(path));
  }
  return new HttpTimestamper(await serving, { policy, timeoutMs, trust });
}
