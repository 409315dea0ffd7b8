import { X509Certificate, createPrivateKey, privateEncrypt, constants, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import forge from 'node-forge';
import { TanuError } from '../core/tanu-error.js';
import { TEST_MARK } from '../dev/pki.js';

/**
 * The Signer seam. A signer holds a certificate chain and turns the digest of a CMS's
 * signed attributes into a signature: it never sees the document. That is the shape of keys that never leave a device or a
 * service (the national certifying centre's GOST keys are used through such services), so
 * one can be added without touching the rest: it says which digest and signature
 * algorithm it uses, and CMS, PAdES and verification follow what it says.
 */
export interface Signer {
  /** The signer's certificate first, then the chain, DER. */
  readonly certificates: readonly Uint8Array[];
  readonly algorithm: SignatureAlgorithm;
  /** The longest signature it can make, in bytes: the room a PDF reserves for it. */
  readonly maxSignatureBytes: number;
  /** True for the development PKI: such documents carry the sample mark. */
  readonly isTest: boolean;
  /**
   * Signs the digest, made with `algorithm.digest`, of the CMS signed attributes, which
   * are given too (a few hundred bytes, the document's digest among them, never the
   * document): for a device that hashes what it signs itself (PKCS#11's CKM_SHA256_RSA_PKCS).
   */
  signDigest(digest: Uint8Array, signedAttributes: Uint8Array): Promise<Uint8Array>;
}

/** How a signer signs: the digest (a node:crypto hash name) and the signature algorithm's identifier as CMS carries it. */
export type SignatureAlgorithm = {
  digest: DigestName;
  /** The OID of signerInfo's signatureAlgorithm. */
  signature: string;
  /** RSA's AlgorithmIdentifier carries explicit NULL parameters; ECDSA's carry none. */
  nullParameters: boolean;
};

/** Digests CMS may name, with their OIDs (RFC 5754). */
export const DIGESTS = { sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3' } as const;
export type DigestName = keyof typeof DIGESTS;
export const digestNamed = (oid: string): DigestName | undefined => (Object.keys(DIGESTS) as DigestName[]).find((name) => DIGESTS[name] === oid);

export const RSA_PKCS1 = { digest: 'sha256', signature: '1.2.840.113549.1.1.1', nullParameters: true } as const satisfies SignatureAlgorithm;

/** DigestInfo prefix for SHA-256 (RFC 8017, 9.2): PKCS#1 v1.5 signs DigestInfo || digest. */
export const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

const OIDS = { shroudedKey: '1.2.840.113549.1.12.10.1.2', key: '1.2.840.113549.1.12.10.1.1', cert: '1.2.840.113549.1.12.10.1.3' };

export const isTestCertificate = (der: Uint8Array) => {
  const cert = new X509Certificate(der);
  return cert.subject.includes(TEST_MARK) || cert.issuer.includes(TEST_MARK);
};

/** A PKCS#12 key (the form the national certifying centre issues RSA keys in). */
export class Pkcs12Signer implements Signer {
  readonly algorithm = RSA_PKCS1;
  readonly maxSignatureBytes: number;
  readonly isTest: boolean;

  private constructor(
    private readonly key: KeyObject,
    readonly certificates: readonly Uint8Array[],
  ) {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    this.maxSignatureBytes = Math.ceil(bits / 8);
    this.isTest = certificates.some(isTestCertificate);
  }

  static async load(path: string, password: string): Promise<Pkcs12Signer> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new TanuError('SIGNING_KEY', { detail: { kk: `${path} оқылмады`, ru: `не удалось прочитать ${path}` } }, { cause: e });
    }
    return Pkcs12Signer.fromBytes(bytes, password);
  }

  static fromBytes(bytes: Uint8Array, password: string): Pkcs12Signer {
    let p12: forge.pkcs12.Pkcs12Pfx;
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.binary.raw.encode(bytes)), password);
    } catch (e) {
      // The password is never part of the message: only that the key could not be opened.
      throw new TanuError('SIGNING_KEY', { detail: { kk: 'PKCS#12 ашылмады (құпиясөз қате немесе файл бұзылған)', ru: 'не удалось открыть PKCS#12 (неверный пароль или файл повреждён)' } }, { cause: e });
    }
    const bags = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
    const keyBags = [...bags(OIDS.shroudedKey), ...bags(OIDS.key)];
    const forgeKey = keyBags[0]?.key;
    if (!forgeKey) throw new TanuError('SIGNING_KEY', { detail: { kk: 'PKCS#12 ішінде кілт жоқ', ru: 'в PKCS#12 нет ключа' } });
    const key = createPrivateKey(forge.pki.privateKeyToPem(forgeKey));
    if (key.asymmetricKeyType !== 'rsa') throw new TanuError('SIGNING_KEY', { detail: { kk: 'тек RSA кілті қолдау көрсетіледі', ru: 'поддерживаются только ключи RSA' } });
    const certs: Uint8Array[] = bags(OIDS.cert).flatMap((bag) =>
      bag.cert ? [Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes(), 'binary')] : [],
    );
    // The signer's certificate is the one whose public key is this key's; the rest are its chain.
    const leaf = certs.find((der) => new X509Certificate(der).checkPrivateKey(key));
    if (!leaf) throw new TanuError('SIGNING_KEY', { detail: { kk: 'кілттің сертификаты жоқ', ru: 'нет сертификата ключа' } });
    return new Pkcs12Signer(key, [leaf, ...certs.filter((c) => c !== leaf)]);
  }

  async signDigest(digest: Uint8Array): Promise<Uint8Array> {
    // RSA in node:crypto (OpenSSL): forge's own RSA is about a hundred times slower.
    return privateEncrypt({ key: this.key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest]));
  }
}
