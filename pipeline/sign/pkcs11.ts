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

/**
 * How the token signs, whichever it offers for the key: CKM_RSA_PKCS over the DigestInfo
 * Tanu makes, or CKM_SHA256_RSA_PKCS over the signed attributes, which the token hashes
 * itself. Both are PKCS#1 v1.5 with SHA-256: the same bytes.
 */
export type Mechanism = 'CKM_RSA_PKCS' | 'CKM_SHA256_RSA_PKCS';
const MECHANISMS: Record<Mechanism, number> = { CKM_RSA_PKCS: pkcs11js.CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS: pkcs11js.CKM_SHA256_RSA_PKCS };

/** A CK_ULONG array (CKA_ALLOWED_MECHANISMS), in the platform's width: empty or absent means every mechanism. */
const ulongs = (value: Buffer | null) => {
  if (value === null || value.length === 0) return null;
  const width = value.length % 8 === 0 ? 8 : 4;
  return Array.from({ length: value.length / width }, (_, i) => ulong(value.subarray(i * width, (i + 1) * width)) ?? 0);
};

/**
 * The mechanisms the token offers for signing (listed with CKF_SIGN) that the key allows
 * (CKA_ALLOWED_MECHANISMS), in the order they are preferred: a DigestInfo is less to send.
 * `prefer` puts one first where both are offered (how a test signs each way on one token).
 */
export function signingMechanisms(lib: InstanceType<typeof PKCS11>, session: Handle, slot: Handle, key: Handle, prefer?: Mechanism): Mechanism[] {
  const offered = lib.C_GetMechanismList(slot);
  const allowed = ulongs(attribute(lib, session, key, pkcs11js.CKA_ALLOWED_MECHANISMS));
  const usable = (Object.keys(MECHANISMS) as Mechanism[]).filter((m) => {
    const id = MECHANISMS[m];
    return offered.includes(id) && (allowed === null || allowed.includes(id)) && signs(lib, slot, id);
  });
  return prefer && usable.includes(prefer) ? [prefer, ...usable.filter((m) => m !== prefer)] : usable;
}

/** Whether the token lists the mechanism with CKF_SIGN: a mechanism offered for verifying or encrypting only signs nothing. */
const signs = (lib: InstanceType<typeof PKCS11>, slot: Handle, id: number) => (lib.C_GetMechanismInfo(slot, id).flags & pkcs11js.CKF_SIGN) !== 0;

/**
 * The mechanism the key signs with, or null where Tanu cannot sign with it (not an RSA key,
 * or neither mechanism offered for it): what a signer opens with, and what `tanu keys token`
 * says it will use.
 */
function keyMechanism(lib: InstanceType<typeof PKCS11>, session: Handle, slot: Handle, key: Handle, prefer?: Mechanism): Mechanism | null {
  if (ulong(attribute(lib, session, key, pkcs11js.CKA_KEY_TYPE)) !== pkcs11js.CKK_RSA) return null;
  return signingMechanisms(lib, session, slot, key, prefer)[0] ?? null;
}

/** Errors by which a token says it, or the key found on it, is no longer there: the signer opens it again once it is back. */
const GONE = [
  pkcs11js.CKR_DEVICE_REMOVED,
  pkcs11js.CKR_TOKEN_NOT_PRESENT,
  pkcs11js.CKR_TOKEN_NOT_RECOGNIZED,
  pkcs11js.CKR_DEVICE_ERROR,
  pkcs11js.CKR_SESSION_HANDLE_INVALID,
  pkcs11js.CKR_SESSION_CLOSED,
  // The key's handle names nothing any more: SoftHSM2 says this when its token's folder is taken away.
  pkcs11js.CKR_KEY_HANDLE_INVALID,
  pkcs11js.CKR_OBJECT_HANDLE_INVALID,
  pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED,
];

/** The token as a signer holds it: its slot, sessions and key, until the token is taken out. */
type Opened = { slot: Handle; sessions: Handle[]; idle: Handle[]; key: Handle; alwaysAuthenticate: boolean; mechanism: Mechanism };

export class Pkcs11Signer implements Signer {
  readonly algorithm = RSA_PKCS1;
  readonly isTest: boolean;
  /** Null once the token is gone: the next signature opens it again. */
  private opened: Opened | null;
  /** The sessions of a token that went away, closed before it is opened again. */
  private stale: Opened | null = null;
  private reopening: Promise<Opened> | null = null;
  /** Woken when a session is given back or the sessions change. */
  private readonly waiting: (() => void)[] = [];
  /** Signatures under way, and who waits for none to be (the library is not finalised under a signature). */
  private signing = 0;
  private readonly quiet: (() => void)[] = [];
  /** A PIN refused when the token came back: never tried again in this process. */
  private refused: TanuError | null = null;

  private constructor(
    private readonly lib: InstanceType<typeof PKCS11>,
    private readonly settings: Pkcs11Settings & { mechanism?: Mechanism },
    private readonly pin: string,
    opened: Opened,
    /** The key's RSA numbers: a token put back must hold the same key. */
    private readonly numbers: string,
    readonly certificates: readonly Uint8Array[],
    readonly maxSignatureBytes: number,
  ) {
    this.opened = opened;
    this.isTest = certificates.some(isTestCertificate);
  }

  /** How this signer's token signs (the first mechanism it offers for the key). */
  get mechanism(): Mechanism | null {
    return this.opened?.mechanism ?? null;
  }

  /**
   * Opens the configured key; every refusal is a TanuError naming what to set, raised
   * before anything is planned. `settings.mechanism` prefers one mechanism where the token
   * offers both.
   */
  static async open(settings: Pkcs11Settings & { mechanism?: Mechanism }, pin: string): Promise<Pkcs11Signer> {
    const lib = pkcs11Module(settings.module);
    const tokens = tokenSlots(lib);
    const found = tokens.find((t) => label(t.info.label) === settings.token);
    if (!found) throw new TanuError('TOKEN_NOT_FOUND', { code: settings.token, value: tokens.map((t) => label(t.info.label)).join(', ') });
    const { opened, modulus, exponent } = onToken(lib, found.slot, settings, pin);
    try {
      const chain = await certificateChain(lib, opened.idle[0] as Handle, opened.key, settings);
      const numbers = rsaNumbers(modulus, exponent);
      if (certificateNumbers(chain[0] as X509Certificate) !== numbers)
        throw new TanuError('TOKEN_CERTIFICATE_MISMATCH', { code: settings.key, value: settings.certificate ?? settings.token });
      const bytes = modulus.toString('hex').replace(/^(00)+/, '').length / 2;
      return new Pkcs11Signer(lib, settings, pin, opened, numbers, chain.map((c) => new Uint8Array(c.raw)), bytes);
    } catch (e) {
      closeSessions(lib, opened);
      throw e;
    }
  }

  async signDigest(digest: Uint8Array, signedAttributes: Uint8Array): Promise<Uint8Array> {
    const { opened, session } = await this.acquire();
    this.signing++;
    try {
      const mechanism = MECHANISMS[opened.mechanism];
      this.lib.C_SignInit(session, { mechanism }, opened.key);
      // A key marked CKA_ALWAYS_AUTHENTICATE asks for the PIN again before each signature.
      if (opened.alwaysAuthenticate) this.lib.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, this.pin);
      const input = opened.mechanism === 'CKM_RSA_PKCS' ? Buffer.concat([SHA256_DIGEST_INFO, digest]) : Buffer.from(signedAttributes);
      return new Uint8Array(await this.lib.C_SignAsync(session, input, Buffer.alloc(this.maxSignatureBytes)));
    } catch (e) {
      if (GONE.includes(code(e) as number)) {
        this.lose(opened);
        throw new TanuError('TOKEN_REMOVED', { code: this.settings.token }, { cause: e });
      }
      const why = e instanceof Error ? e.message : String(e);
      throw new TanuError('TOKEN_FAILED', { detail: { kk: why, ru: why } }, { cause: e });
    } finally {
      this.signing--;
      if (this.signing === 0) for (const wake of this.quiet.splice(0)) wake();
      this.release(opened, session);
    }
  }

  /** A free session of the open token, opening the token again first if it was taken out. */
  private async acquire(): Promise<{ opened: Opened; session: Handle }> {
    for (;;) {
      if (this.refused) throw this.refused;
      const opened = this.opened ?? (await (this.reopening ??= this.reopen().finally(() => (this.reopening = null))));
      const session = opened.idle.pop();
      if (session) return { opened, session };
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(opened: Opened, session: Handle) {
    if (opened === this.opened) opened.idle.push(session);
    this.waiting.shift()?.();
  }

  /** The token is gone: its sessions are let go, and whoever waits for one tries the token again. */
  private lose(opened: Opened) {
    if (this.opened !== opened) return;
    this.opened = null;
    this.stale = opened;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /**
   * The token again, once it is back: found by its label (it may sit in another slot),
   * logged in with the same PIN, the same key found. A library that lost track of it
   * (SoftHSM2 sees a token folder only at its start; many modules see a token put back
   * only after it) is finalised and initialised again, once no signature is under way.
   * Still away: TOKEN_REMOVED, and the batch is tried again later.
   */
  private async reopen(): Promise<Opened> {
    while (this.signing > 0) await new Promise<void>((resolve) => this.quiet.push(resolve));
    if (this.stale) closeSessions(this.lib, this.stale);
    this.stale = null;
    const { settings } = this;
    const present = () => {
      try {
        return tokenSlots(this.lib).find((t) => label(t.info.label) === settings.token);
      } catch {
        return undefined;
      }
    };
    let found = present();
    if (!found) {
      try {
        reinitialise(this.lib);
      } catch (e) {
        throw new TanuError('TOKEN_REMOVED', { code: settings.token }, { cause: e });
      }
      found = present();
    }
    if (!found) throw new TanuError('TOKEN_REMOVED', { code: settings.token });
    let token: ReturnType<typeof onToken>;
    try {
      token = onToken(this.lib, found.slot, settings, this.pin);
    } catch (e) {
      // A refused PIN is the operator's to mend: tried again, it would spend the token's tries.
      if (e instanceof TanuError && e.code === 'TOKEN_PIN') this.refused = e;
      if (e instanceof TanuError) throw e;
      throw new TanuError('TOKEN_REMOVED', { code: settings.token }, { cause: e });
    }
    if (rsaNumbers(token.modulus, token.exponent) !== this.numbers) {
      closeSessions(this.lib, token.opened);
      throw new TanuError('TOKEN_CERTIFICATE_MISMATCH', { code: settings.key, value: settings.certificate ?? settings.token });
    }
    this.opened = token.opened;
    return token.opened;
  }
}

/** The library finalised and initialised again: every session of the process closes, and its slots are read afresh. */
function reinitialise(lib: InstanceType<typeof PKCS11>) {
  try {
    lib.C_Finalize();
  } catch (e) {
    if (code(e) !== pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED) throw e;
  }
  lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
}

function closeSessions(lib: InstanceType<typeof PKCS11>, opened: Opened) {
  for (const s of opened.sessions)
    try {
      lib.C_CloseSession(s);
    } catch {
      // Already gone with its token.
    }
}

/**
 * On the token in `slot`: its sessions opened, the user logged in, the key found, its
 * mechanism chosen. What the first opening and every reopening share.
 */
function onToken(lib: InstanceType<typeof PKCS11>, slot: Handle, settings: Pkcs11Settings & { mechanism?: Mechanism }, pin: string) {
  const sessions = Array.from({ length: SESSIONS }, () => lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION));
  try {
    const [session] = sessions as [Handle];
    login(lib, session, slot, settings.token, pin);
    const [key] = findObjects(lib, session, keyTemplate(settings.key));
    if (!key) throw new TanuError('TOKEN_KEY', { code: settings.token, value: settings.key });
    const modulus = attribute(lib, session, key, pkcs11js.CKA_MODULUS);
    const exponent = attribute(lib, session, key, pkcs11js.CKA_PUBLIC_EXPONENT);
    const mechanism = keyMechanism(lib, session, slot, key, settings.mechanism);
    if (!modulus || !exponent || !mechanism) throw new TanuError('TOKEN_MECHANISM', { code: settings.token });
    const alwaysAuthenticate = flag(attribute(lib, session, key, pkcs11js.CKA_ALWAYS_AUTHENTICATE));
    return { opened: { slot, sessions, idle: [...sessions], key, alwaysAuthenticate, mechanism }, modulus, exponent };
  } catch (e) {
    for (const s of sessions) lib.C_CloseSession(s);
    throw e;
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
  /** Whether the token's mechanism list names Tanu's two (with CKF_SIGN or not): `signing_mechanisms` says more. */
  mechanisms: Record<Mechanism, boolean>;
  /** The mechanisms of LISTED that the token offers, in that order, each with whether it lists it with CKF_SIGN. */
  signing_mechanisms: { name: ListedMechanism; sign: boolean }[];
  /** How Tanu signs with the configured key on this token; null on other tokens, or where the key is not seen or cannot sign. */
  uses: Mechanism | null;
  /** Private objects are listed only on the configured token, after its login. */
  logged_in: boolean;
  /** `configured`: the key signing.pkcs11.key names. */
  keys: { label: string; id: string; type: string; bits: number | null; extractable: boolean; sensitive: boolean; always_authenticate: boolean; configured: boolean }[];
  certificates: { label: string; id: string; subject: string; issuer: string; not_after: string }[];
};

/**
 * The signing mechanisms `tanu keys token` lists where a token offers them: Tanu's two
 * first, then those an operator compares tokens by (other hashes, PSS, ECDSA), which Tanu
 * does not sign with.
 */
const LISTED = [
  'CKM_RSA_PKCS',
  'CKM_SHA256_RSA_PKCS',
  'CKM_SHA384_RSA_PKCS',
  'CKM_SHA512_RSA_PKCS',
  'CKM_RSA_PKCS_PSS',
  'CKM_SHA256_RSA_PKCS_PSS',
  'CKM_SHA384_RSA_PKCS_PSS',
  'CKM_SHA512_RSA_PKCS_PSS',
  'CKM_ECDSA',
  'CKM_ECDSA_SHA256',
  'CKM_ECDSA_SHA384',
  'CKM_ECDSA_SHA512',
] as const satisfies readonly (keyof typeof pkcs11js)[];
export type ListedMechanism = (typeof LISTED)[number];

/** CK_SLOT_INFO's flag for a token in the slot (PKCS#11 2.40, 3.2): pkcs11js names no constant for it. */
const CKF_TOKEN_PRESENT = 0x1;

const KEY_TYPES: Record<number, string> = { [pkcs11js.CKK_RSA]: 'rsa', [pkcs11js.CKK_EC]: 'ec' };

/**
 * Every slot of the module, its token, keys and certificates. The PIN is tried on the
 * configured token only, once: trying it on every token would spend other tokens' tries.
 */
export function describeSlots(modulePath: string, configured: { token: string; key: string; pin: string | undefined }): SlotView[] {
  const lib = pkcs11Module(modulePath);
  return lib.C_GetSlotList(false).map((slot) => {
    const slotInfo = lib.C_GetSlotInfo(slot);
    const present = (slotInfo.flags & CKF_TOKEN_PRESENT) !== 0;
    const view: SlotView = {
      slot: slot.toString('hex'),
      description: label(slotInfo.slotDescription),
      token: null,
      mechanisms: { CKM_RSA_PKCS: false, CKM_SHA256_RSA_PKCS: false },
      signing_mechanisms: [],
      uses: null,
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
    const offered = lib.C_GetMechanismList(slot);
    view.signing_mechanisms = LISTED.filter((name) => offered.includes(pkcs11js[name])).map((name) => ({ name, sign: signs(lib, slot, pkcs11js[name]) }));
    view.mechanisms = { CKM_RSA_PKCS: offered.includes(pkcs11js.CKM_RSA_PKCS), CKM_SHA256_RSA_PKCS: offered.includes(pkcs11js.CKM_SHA256_RSA_PKCS) };
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      const isConfigured = view.token.label === configured.token;
      if (isConfigured && configured.pin !== undefined) {
        login(lib, session, slot, view.token.label, configured.pin);
        view.logged_in = true;
      }
      // Found as a signer finds it (the first match), and seen without a login where the token shows it.
      const [configuredKey] = isConfigured ? findObjects(lib, session, keyTemplate(configured.key)) : [];
      if (configuredKey) view.uses = keyMechanism(lib, session, slot, configuredKey);
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
          configured: configuredKey?.equals(key) ?? false,
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
