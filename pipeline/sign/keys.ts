import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { TanuError } from '../core/tanu-error.js';
import type { LoadedConfig } from '../config/load.js';
import { createDevPki } from '../dev/pki.js';
import { Pkcs12Signer, type Signer } from './signer.js';
import { Pkcs11Signer } from './pkcs11.js';
import { loadTrust } from './verify.js';

/**
 * Opening the configured key. The password comes from the environment variable the config
 * names, never from the config itself, and never appears in a message. A development key
 * (signing.dev_key) that does not exist yet is created, with its TEST CA beside it, so a
 * newcomer's first run needs no set-up.
 */

/** Used only for a development key when the password variable is unset; said so when used. */
export const DEV_KEY_PASSWORD = 'tanu-dev-key';

export const devCaPath = (config: LoadedConfig) => join(dirname(config.signing.key), 'dev-ca.pem');
/** The TEST timestamp authority's key and certificate, made with the development key. */
export const devTsaPath = (config: LoadedConfig) => join(dirname(config.signing.key), 'dev-tsa.p12');

const exists = (path: string) => access(path).then(() => true, () => false);

export function keyPassword(config: LoadedConfig, env: NodeJS.ProcessEnv): string {
  const password = env[config.signing.password_env];
  if (password !== undefined && password !== '') return password;
  if (config.signing.dev_key) return DEV_KEY_PASSWORD;
  throw new TanuError('SIGNING_KEY', {
    detail: { kk: `${config.signing.password_env} айнымалысында құпиясөз жоқ`, ru: `пароль не задан в переменной ${config.signing.password_env}` },
  });
}

export async function createDevKey(config: LoadedConfig, env: NodeJS.ProcessEnv, clock: Clock, replace = false) {
  if (!config.signing.dev_key)
    throw new TanuError('SIGNING_KEY', { detail: { kk: 'signing.dev_key: true емес, нақты кілт қайта жазылмайды', ru: 'signing.dev_key не true: настоящий ключ не перезаписывается' } });
  return createDevPki({ keyPath: config.signing.key, caPath: devCaPath(config), tsaPath: devTsaPath(config), password: keyPassword(config, env), centre: config.default_centre, now: clock.now(), replace });
}

export async function openSigner(config: LoadedConfig, env: NodeJS.ProcessEnv, clock: Clock, notice: (text: string) => void): Promise<Signer> {
  switch (config.signing.kind) {
    case 'pkcs12':
      return openPkcs12(config, env, clock, notice);
    case 'pkcs11':
      return openPkcs11(config, env);
  }
}

/** The token's user PIN, from the environment only, like the PKCS#12 password. */
export function tokenPin(config: LoadedConfig, env: NodeJS.ProcessEnv): string {
  const pin = env[config.signing.pin_env];
  if (pin === undefined || pin === '') throw new TanuError('TOKEN_PIN_MISSING', { code: config.signing.pin_env });
  return pin;
}

// One signer per key and process: a second opening (an export after a run, in one process)
// reuses the login and the sessions instead of logging in again.
const tokenSigners = new Map<string, Promise<Pkcs11Signer>>();

function openPkcs11(config: LoadedConfig, env: NodeJS.ProcessEnv): Promise<Pkcs11Signer> {
  const pin = tokenPin(config, env);
  const key = JSON.stringify(config.signing.pkcs11);
  const known = tokenSigners.get(key);
  if (known) return known;
  const opening = Pkcs11Signer.open(config.signing.pkcs11, pin);
  tokenSigners.set(key, opening);
  // A refusal is not kept: the operator mends the setting and the next opening tries again.
  opening.catch(() => tokenSigners.delete(key));
  return opening;
}

async function openPkcs12(config: LoadedConfig, env: NodeJS.ProcessEnv, clock: Clock, notice: (text: string) => void): Promise<Pkcs12Signer> {
  if (!(await exists(config.signing.key))) {
    if (!config.signing.dev_key)
      throw new TanuError('SIGNING_KEY', { detail: { kk: `${config.signing.key} жоқ`, ru: `нет файла ${config.signing.key}` } });
    if ((await createDevKey(config, env, clock)).created)
      notice(`TEST signing key created: ${config.signing.key} (CA ${devCaPath(config)}). Documents it signs are marked ҮЛГІ / ОБРАЗЕЦ.`);
  }
  return Pkcs12Signer.load(config.signing.key, keyPassword(config, env));
}

/**
 * The trust anchors of `signing.trust` that exist on this machine: the development CA is
 * listed in the shipped config but appears only with the first development key.
 */
export async function configuredTrust(config: LoadedConfig) {
  const found: string[] = [];
  for (const p of config.signing.trust) if (await access(p).then(() => true, () => false)) found.push(p);
  return loadTrust(found);
}
