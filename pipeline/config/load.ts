import { access, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYamlScalar } from 'yaml';
import type { Bilingual } from '../core/catalogue.js';
import { TanuError } from '../core/tanu-error.js';
import { formatPath, issueLocations, parseYamlSource, zodIssueText } from '../core/yaml-source.js';
import { Config } from './schema.js';

/**
 * Layered config: defaults (in the schema) < pipeline.config.yaml < TANU_* environment <
 * command-line flags. Environment keys nest with a double underscore
 * (TANU_PATHS__LEDGER=…); only keys of the schema are read, so TANU_KEY_PASSWORD and
 * other secrets never enter the config object.
 */

export type ConfigOverrides = { [key: string]: unknown };
export type LoadedConfig = Config & { readonly configFile: string; readonly root: string };

const TOP_KEYS = new Set(Object.keys(Config.shape));

export function envLayer(env: NodeJS.ProcessEnv): { layer: ConfigOverrides; names: Map<string, string> } {
  const layer: ConfigOverrides = {};
  const names = new Map<string, string>();
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('TANU_') || raw === undefined) continue;
    const path = name.slice('TANU_'.length).toLowerCase().split('__');
    if (!TOP_KEYS.has(path[0] ?? '')) continue;
    let node = layer;
    path.slice(0, -1).forEach((key) => {
      node[key] = typeof node[key] === 'object' && node[key] !== null ? node[key] : {};
      node = node[key] as ConfigOverrides;
    });
    node[path.at(-1) ?? ''] = parseYamlScalar(raw) as unknown;
    names.set(formatPath(path), name);
  }
  return { layer, names };
}

export function mergeLayers(base: unknown, over: unknown): unknown {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return over === undefined ? base : over;
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = mergeLayers(out[k], v);
  return out;
}

export async function loadConfig(
  configFile = 'pipeline.config.yaml',
  options: { env?: NodeJS.ProcessEnv; flags?: ConfigOverrides } = {},
): Promise<LoadedConfig> {
  const file = resolve(configFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TanuError('CONFIG_INVALID', { detail: { kk: `${file} оқылмады`, ru: `не удалось прочитать ${file}` } }, { cause: e });
  }
  const read = parseYamlSource(file, text);
  if (!read.ok) throw configError(read.problems.map((p) => ({ kk: `${p.file}:${p.line} ${p.message.kk}`, ru: `${p.file}:${p.line} ${p.message.ru}` })));
  const env = envLayer(options.env ?? process.env);
  const merged = mergeLayers(mergeLayers(read.source.data, env.layer), options.flags ?? {});
  const parsed = Config.safeParse(merged);
  if (!parsed.success)
    throw configError(
      parsed.error.issues.flatMap((issue) =>
        issueLocations(issue).map((at) => {
          const path = formatPath(at);
          const where = env.names.get(path) ?? `${file}:${read.source.lineOf(at)}`;
          const text = zodIssueText(issue, at);
          return { kk: `${where} ${path}: ${text.kk}`, ru: `${where} ${path}: ${text.ru}` };
        }),
      ),
    );
  signingLevelSupported(parsed.data.signing);
  const root = dirname(file);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  const config = parsed.data;
  return {
    ...config,
    paths: {
      inbox: at(config.paths.inbox),
      outbox: at(config.paths.outbox),
      ledger: at(config.paths.ledger),
      standards: at(config.paths.standards),
      templates: at(config.paths.templates),
      received: at(config.paths.received),
      rejected: at(config.paths.rejected),
    },
    signing: {
      ...config.signing,
      key: at(config.signing.key),
      trust: config.signing.trust.map(at),
      pkcs11: { ...config.signing.pkcs11, certificate: config.signing.pkcs11.certificate === null ? null : at(config.signing.pkcs11.certificate) },
    },
    configFile: file,
    root,
  };
}

/**
 * The folders a command reads must exist: a config moved elsewhere (paths are relative to
 * its own folder) is told by the key to fix, not by a stack trace from deep inside.
 */
export async function requirePaths(config: LoadedConfig, keys: readonly ('standards' | 'templates' | 'inbox')[]): Promise<void> {
  for (const key of keys) {
    const path = config.paths[key];
    if (!(await access(path).then(() => true, () => false))) throw new TanuError('PATH_MISSING', { code: `paths.${key}`, value: path });
  }
}

/**
 * The level the configuration asks for can be made: B-LT and B-LTA are refused until they
 * are built, and a timestamped level without a TSA (nor the development one) is an error,
 * never a silent B-B.
 */
export function signingLevelSupported(signing: Pick<Config['signing'], 'level' | 'tsa' | 'dev_key'>): void {
  if (signing.level === 'B-LT' || signing.level === 'B-LTA') throw new TanuError('SIGNING_LEVEL_UNAVAILABLE', { value: signing.level });
  if (signing.level !== 'B-B' && signing.tsa.url === null && !signing.dev_key) throw new TanuError('TSA_URL_MISSING', { value: signing.level });
}

function configError(lines: Bilingual[]): TanuError {
  return new TanuError('CONFIG_INVALID', { detail: { kk: lines.map((l) => l.kk).join('; '), ru: lines.map((l) => l.ru).join('; ') } });
}

