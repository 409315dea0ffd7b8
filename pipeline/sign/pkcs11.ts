import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pkcs11js from 'pkcs11js';
import { TanuError } from '../core/tanu-error.js';
import { RSA_PKCS1, SHA256_DIGEST_INFO, isTestCertificate, type Signer } from './signer.js';

/**
 * A key on a hardware token, used through its vendor's PKCS#11 library: the private key
 * never leaves the device, the token signs a DigestInfo (CKM_RSA_PKCS), which is exactly
 * what node:crypto signs for a PKCS#12 key, so both kinds make the same bytes.
 *
 * One library per process, initialised once; the user logs in once (a PKCS#11 login
 * holds for every session of the process); signatures go through a few sessions kept
 * open for the process's life, each holding one operation at a time.
 */

const { PKCS11 } = pkcs11js;
type Handle = Buffer;

export type Pkcs11Settings = { module: string; token: string; key: string; certificate: string | null };

/** Sessions kept for signing: the engine signs one chunk at a time, so two keep a token busy while the next digest is made. */
const SESSIONS = 2;

const modules = new Map<string, InstanceType<typeof PKCS11>>();

/** The library at `path`, loaded and initialised on first use. */
export function pkcs11Module(path: string): InstanceType<typeof PKCS11> {
  const known = modules.get(path);
  if (known) return known;
  const lib = new PKCS11();
  try {
    lib.load(path);
    // Signatures run on libuv's threads, two sessions at once: the library must lock for
    // itself (without this flag SoftHSM2 assumes one thread and crashes the process).
    lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new TanuError('TOKEN_MODULE', { value: path, detail: { kk: why, ru: why } }, { cause: e });
  }
  modules.set(path, lib);
  return lib;
}

const label = (text: string) => text.replace(/\0/g, '').trim();
const code = (e: unknown) => (e as { code?: unknown })?.code;

/** The present tokens, by label: slot ids change between starts, labels do not. */
export function tokenSlots(lib: InstanceType<typeof PKCS11>) {
  return lib.C_GetSlotList(true).map((slot) => ({ slot, info: lib.C_GetTokenInfo(slot) }));
}

/** How many PIN tries the token says are left, in the words PKCS#11 gives it (no token reports a number). */
export function pinTries(flags: number): 'locked' | 'final' | 'low' | 'unknown' {
  if (flags & pkcs11js.CKF_USER_PIN_LOCKED) return 'locked';
  if (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) return 'final';
  if (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) return 'low';
  return 'unknown';
}

/**
 * The user's login, tried exactly once: a token locks itself after a few wrong PINs, so a
 * refused PIN is an error for the operator, never a retry.
 */
export function login(lib: InstanceType<typeof PKCS11>, session: Handle, slot: Handle, token: string, pin: string) {
  try {
    lib.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (e) {
    if (code(e) === pkcs11js.CKR_USER_ALREADY_LOGGED_IN) return;
    if (code(e) === pkcs11js.CKR_PIN_INCORRECT || code(e) === pkcs11js.CKR_PIN_LOCKED || code(e) === pkcs11js.CKR_PIN_LEN_RANGE)
      throw new TanuError('TOKEN_PIN', { code: token, value: code(e) === pkcs11js.CKR_PIN_LOCKED ? 'locked' : pinTries(lib.C_GetTokenInfo(slot).flags) }, { cause: e });
    throw e;
  }
}

/** Every object of the session matching the template. */
export function findObjects(lib: InstanceType<typeof PKCS11>, session: Handle, template: pkcs11js.Template): Handle[] {
  lib.C_FindObjectsInit(session, template);
  try {
    return lib.C_FindObjects(session, 1000);
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

/** One attribute's value, or null where the object has none or keeps it secret. */
export function attribute(lib: InstanceType<typeof PKCS11>, session: Handle, object: Handle, type: number): Buffer | null {
  try {
    return lib.C_GetAttributeValue(session, object, [{ type }])[0]?.value ?? null;
  } catch (e) {
    if (code(e) === pkcs11js.CKR_ATTRIBUTE_TYPE_INVALID || code(e) === pkcs11js.CKR_ATTRIBUTE_SENSITIVE) return null;
    throw e;
  }
}

/** A CK_ULONG attribute, in the platform's width and byte order (8 bytes little-endian on x86-64 Linux). */
const ulong = (value: Buffer | null) => (value === null ? null : value.length === 8 ? Number(value.readBigUInt64LE()) : value.readUInt32LE());

export const flag = (value: Buffer | null) => value !== null && value.length > 0 && value[0] !== 0;

/** `signing.pkcs11.key`: `id:<hex>` names a CKA_ID, anything else a CKA_LABEL. */
const keyTemplate = (key: string): pkcs11js.Template => [
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
  key.startsWith('id:') ? { type: pkcs11js.CKA_ID, value: Buffer.from(key.slice(3), 'hex') } : { type: pkcs11js.CKA_LABEL, value: key },
];

/** An RSA public key as its modulus and exponent without leading zeros: how a certificate and a token key are compared. */
const rsaNumbers = (n: Buffer, e: Buffer) => `${n.toString('hex').replace(/^(00)+/, '')}:${e.toString('hex').replace(/^(00)+/, '')}`;
const certificateNumbers = (cert: X509Certificate) => {
  const jwk = cert.publicKey.export({ format: 'jwk' });
  return jwk.n && jwk.e ? rsaNumbers(Buffer.from(jwk.n, 'base64url'), Buffer.from(jwk.e, 'base64url')) : '';
};

/** The signer's certificate, then its issuers as far as the given certificates go: the order a PKCS#12 file keeps them in. */
export function chainFrom(leaf: X509Certificate, others: readonly X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  for (let at = leaf; ; ) {
    const issuer = others.find((c) => !chain.includes(c) && at.checkIssued(c) && at.verify(c.publicKey));
    if (!issuer) return chain;
    chain.push(issuer);
    at = issuer;
  }
}

const pemCertificates = (text: string) => (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));

export class Pkcs11Signer implements Signer {
  readonly algorithm = RSA_PKCS1;
  readonly isTest: boolean;
  private readonly idle: Handle[];
  private readonly waiting: ((session: Handle) => void)[] = [];

  private constructor(
    private readonly lib: InstanceType<typeof PKCS11>,
    private readonly token: string,
    private readonly key: Handle,
    private readonly alwaysAuthenticate: boolean,
    private readonly pin: string,
    sessions: Handle[],
    readonly certificates: readonly Uint8Array[],
    readonly maxSignatureBytes: number,
  ) {
    this.idle = sessions;
    this.isTest = certificates.some(isTestCertificate);
  }

  /** Opens the configured key; every refusal is a TanuError naming what to set, raised before anything is planned. */
  static async open(settings: Pkcs11Settings, pin: string): Promise<Pkcs11Signer> {
    const lib = pkcs11Module(settings.module);
    const tokens = tokenSlots(lib);
    const found = tokens.find((t) => label(t.info.label) === settings.token);
    if (!found) throw new TanuError('TOKEN_NOT_FOUND', { code: settings.token, value: tokens.map((t) => label(t.info.label)).join(', ') });
    const sessions = Array.from({ length: SESSIONS }, () => lib.C_OpenSession(found.slot, pkcs11js.CKF_SERIAL_SESSION));
    try {
      const [session] = sessions as [Handle];
      login(lib, session, found.slot, settings.token, pin);
      const [key] = findObjects(lib, session, keyTemplate(settings.key));
      if (!key) throw new TanuError('TOKEN_KEY', { code: settings.token, value: settings.key });
      const keyType = ulong(attribute(lib, session, key, pkcs11js.CKA_KEY_TYPE));
      const modulus = attribute(lib, session, key, pkcs11js.CKA_MODULUS);
      const exponent = attribute(lib, session, key, pkcs11js.CKA_PUBLIC_EXPONENT);
      if (keyType !== pkcs11js.CKK_RSA || !modulus || !exponent || !lib.C_GetMechanismList(found.slot).includes(pkcs11js.CKM_RSA_PKCS))
        throw new TanuError('TOKEN_MECHANISM', { code: settings.token });
      const chain = await certificateChain(lib, session, key, settings);
      if (certificateNumbers(chain[0] as X509Certificate) !== rsaNumbers(modulus, exponent))
        throw new TanuError('TOKEN_CERTIFICATE_MISMATCH', { code: settings.key, value: settings.certificate ?? settings.token });
      return new Pkcs11Signer(
        lib,
        settings.token,
        key,
        flag(attribute(lib, session, key, pkcs11js.CKA_ALWAYS_AUTHENTICATE)),
        pin,
        sessions,
        chain.map((c) => new Uint8Array(c.raw)),
        modulus.toString('hex').replace(/^(00)+/, '').length / 2,
      );
    } catch (e) {
      for (const s of sessions) lib.C_CloseSession(s);
      throw e;
    }
  }

  async signDigest(digest: Uint8Array): Promise<Uint8Array> {
    const session = await this.acquire();
    try {
      this.lib.C_SignInit(session, { mechanism: pkcs11js.CKM_RSA_PKCS }, this.key);
      // A key marked CKA_ALWAYS_AUTHENTICATE asks for the PIN again before each signature.
      if (this.alwaysAuthenticate) this.lib.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, this.pin);
      return new Uint8Array(await this.lib.C_SignAsync(session, Buffer.concat([SHA256_DIGEST_INFO, digest]), Buffer.alloc(this.maxSignatureBytes)));
    } catch (e) {
      const removed = [pkcs11js.CKR_DEVICE_REMOVED, pkcs11js.CKR_TOKEN_NOT_PRESENT, pkcs11js.CKR_SESSION_HANDLE_INVALID, pkcs11js.CKR_SESSION_CLOSED, pkcs11js.CKR_DEVICE_ERROR];
      if (removed.includes(code(e) as number)) throw new TanuError('TOKEN_REMOVED', { code: this.token }, { cause: e });
      const why = e instanceof Error ? e.message : String(e);
      throw new TanuError('TOKEN_FAILED', { detail: { kk: why, ru: why } }, { cause: e });
    } finally {
      this.release(session);
    }
  }

  private acquire(): Promise<Handle> {
    const session = this.idle.pop();
    return session ? Promise.resolve(session) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(session: Handle) {
    const next = this.waiting.shift();
    if (next) next(session);
    else this.idle.push(session);
  }
}

/** The certificate file's chain when one is set; else the token's certificate with the key's CKA_ID, and its issuers on the token. */
async function certificateChain(lib: InstanceType<typeof PKCS11>, session: Handle, key: Handle, settings: Pkcs11Settings): Promise<X509Certificate[]> {
  if (settings.certificate !== null) {
    let certs: X509Certificate[];
    try {
      certs = pemCertificates(await readFile(settings.certificate, 'utf8'));
    } catch (e) {
      throw new TanuError('TOKEN_CERTIFICATE_MISSING', { value: settings.certificate }, { cause: e });
    }
    const [first] = certs;
    if (!first) throw new TanuError('TOKEN_CERTIFICATE_MISSING', { value: settings.certificate });
    return chainFrom(first, certs.slice(1));
  }
  const id = attribute(lib, session, key, pkcs11js.CKA_ID) ?? Buffer.alloc(0);
  const all = findObjects(lib, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]).flatMap((object) => {
    const der = attribute(lib, session, object, pkcs11js.CKA_VALUE);
    return der ? [{ id: attribute(lib, session, object, pkcs11js.CKA_ID), cert: new X509Certificate(der) }] : [];
  });
  const leaf = all.find((c) => c.id?.equals(id));
  if (!leaf) throw new TanuError('TOKEN_CERTIFICATE_MISSING', { value: settings.key });
  return chainFrom(leaf.cert, all.filter((c) => c !== leaf).map((c) => c.cert));
}

const hex = (value: Buffer | null) => value?.toString('hex') ?? '';
const text = (value: Buffer | null) => value?.toString('utf8') ?? '';

/** What `tanu keys token` shows of one slot: enough to set signing.pkcs11's labels, without signing anything. */
export type SlotView = {
  slot: string;
  description: string;
  token: { label: string; manufacturer: string; model: string; serial: string; login_required: boolean; pin_tries: ReturnType<typeof pinTries> } | null;
  mechanisms: { CKM_RSA_PKCS: boolean; CKM_SHA256_RSA_PKCS: boolean };
  /** Private objects are listed only on the configured token, after its login. */
  logged_in: boolean;
  keys: { label: string; id: string; type: string; bits: number | null; extractable: boolean; sensitive: boolean; always_authenticate: boolean }[];
  certificates: { label: string; id: string; subject: string; issuer: string; not_after: string }[];
};

/** CK_SLOT_INFO's flag for a token in the slot (PKCS#11 2.40, 3.2): pkcs11js names no constant for it. */
const CKF_TOKEN_PRESENT = 0x1;

const KEY_TYPES: Record<number, string> = { [pkcs11js.CKK_RSA]: 'rsa', [pkcs11js.CKK_EC]: 'ec' };

/**
 * Every slot of the module, its token, keys and certificates. The PIN is tried on the
 * configured token only, once: trying it on every token would spend other tokens' tries.
 */
export function describeSlots(modulePath: string, configured: { token: string; pin: string | undefined }): SlotView[] {
  const lib = pkcs11Module(modulePath);
  return lib.C_GetSlotList(false).map((slot) => {
    const slotInfo = lib.C_GetSlotInfo(slot);
    const present = (slotInfo.flags & CKF_TOKEN_PRESENT) !== 0;
    const view: SlotView = {
      slot: slot.toString('hex'),
      description: label(slotInfo.slotDescription),
      token: null,
      mechanisms: { CKM_RSA_PKCS: false, CKM_SHA256_RSA_PKCS: false },
      logged_in: false,
      keys: [],
      certificates: [],
    };
    if (!present) return view;
    const info = lib.C_GetTokenInfo(slot);
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) return view;
    view.token = {
      label: label(info.label),
      manufacturer: label(info.manufacturerID),
      model: label(info.model),
      serial: label(info.serialNumber),
      login_required: (info.flags & pkcs11js.CKF_LOGIN_REQUIRED) !== 0,
      pin_tries: pinTries(info.flags),
    };
    const mechanisms = lib.C_GetMechanismList(slot);
    view.mechanisms = { CKM_RSA_PKCS: mechanisms.includes(pkcs11js.CKM_RSA_PKCS), CKM_SHA256_RSA_PKCS: mechanisms.includes(pkcs11js.CKM_SHA256_RSA_PKCS) };
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      if (view.token.label === configured.token && configured.pin !== undefined) {
        login(lib, session, slot, view.token.label, configured.pin);
        view.logged_in = true;
      }
      view.keys = findObjects(lib, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]).map((key) => {
        const type = ulong(attribute(lib, session, key, pkcs11js.CKA_KEY_TYPE));
        const modulus = attribute(lib, session, key, pkcs11js.CKA_MODULUS);
        return {
          label: text(attribute(lib, session, key, pkcs11js.CKA_LABEL)),
          id: hex(attribute(lib, session, key, pkcs11js.CKA_ID)),
          type: (type !== null && KEY_TYPES[type]) || 'other',
          bits: modulus ? modulus.toString('hex').replace(/^(00)+/, '').length * 4 : null,
          extractable: flag(attribute(lib, session, key, pkcs11js.CKA_EXTRACTABLE)),
          sensitive: flag(attribute(lib, session, key, pkcs11js.CKA_SENSITIVE)),
          always_authenticate: flag(attribute(lib, session, key, pkcs11js.CKA_ALWAYS_AUTHENTICATE)),
        };
      });
      view.certificates = findObjects(lib, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]).flatMap((object) => {
        const der = attribute(lib, session, object, pkcs11js.CKA_VALUE);
        if (!der) return [];
        const cert = new X509Certificate(der);
        return [{ label: text(attribute(lib, session, object, pkcs11js.CKA_LABEL)), id: hex(attribute(lib, session, object, pkcs11js.CKA_ID)), subject: cert.subject.replace(/\n/g, ', '), issuer: cert.issuer.replace(/\n/g, ', '), not_after: new Date(cert.validTo).toISOString() }];
      });
    } finally {
      lib.C_CloseSession(session);
    }
    return view;
  });
}
