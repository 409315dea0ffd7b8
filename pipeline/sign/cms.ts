import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { DIGESTS, type SignatureAlgorithm } from './signer.js';

/**
 * CMS SignedData (RFC 5652), detached, as PAdES baseline B-B and the national platforms
 * expect it: the signer's digest and signature algorithm (SHA-256 and RSA for a PKCS#12 key), signed attributes content-type, message-digest and
 * signing-certificate-v2 (RFC 5035), and, for a detached .p7s only, signing-time (PAdES
 * keeps the time in the signature dictionary's /M instead). The structure is built with
 * node-forge's ASN.1 and read back by the small DER reader below; the RSA is the signer's,
 * which sees nothing but a digest.
 */

const { asn1 } = forge;
const { Class, Type } = asn1;

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  /** RFC 3161 appendix A: the unsigned attribute holding a TimeStampToken over the signature value (B-T). */
  signatureTimeStamp: '1.2.840.113549.1.9.16.2.14',
} as const;

type Node = forge.asn1.Asn1;

const bin = (bytes: Uint8Array) => forge.util.binary.raw.encode(bytes);
const bytesOf = (node: Node) => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
// Trailing bytes are allowed: a PDF's /Contents is the CMS followed by zero padding. Bit
// strings stay opaque so that a certificate re-encodes to exactly its original bytes.
const fromDer = asn1.fromDer as unknown as (bytes: string, options: object) => Node;
const parseDer = (bytes: Uint8Array): Node => fromDer(bin(bytes), { parseAllBytes: false, strict: true, decodeBitStrings: false });

const oid = (id: string) => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
const seq = (...items: Node[]) => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
const set = (...items: Node[]) => asn1.create(Class.UNIVERSAL, Type.SET, true, items);
const octets = (bytes: Uint8Array) => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bin(bytes));
const int = (n: number) => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(n).getBytes());
const nul = () => asn1.create(Class.UNIVERSAL, Type.NULL, false, '');
const explicit = (tag: number, inner: Node) => asn1.create(Class.CONTEXT_SPECIFIC, tag, true, [inner]);
const attribute = (id: string, value: Node) => seq(oid(id), set(value));
const utcTime = (date: Date) => asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date));

/** What CMS needs from a certificate: its DER, and its issuer and serial as they are encoded in it. */
export type CertParts = { der: Uint8Array; issuer: Node; serial: Node };

export function certParts(der: Uint8Array): CertParts {
  const tbs = (parseDer(der).value as Node[])[0];
  const fields = (tbs?.value ?? []) as Node[];
  // A v3 certificate starts with an explicit [0] version; serial and issuer follow it.
  const offset = fields[0]?.tagClass === Class.CONTEXT_SPECIFIC ? 1 : 0;
  const serial = fields[offset];
  const issuer = fields[offset + 2];
  if (!serial || !issuer) throw new Error('not an X.509 certificate');
  return { der, issuer, serial };
}

export type SignedDataInput = {
  /** How the signer signs: the content digest was made with `algorithm.digest`. */
  algorithm: SignatureAlgorithm;
  /** Digest of the content signed (the PDF's byte ranges, or the whole file for a .p7s). */
  contentDigest: Uint8Array;
  signer: CertParts;
  /** Every certificate to carry: the signer's first, then its chain. */
  certificates: readonly Uint8Array[];
  signingTime?: Date;
  /** The signer's signature over the digest of the signed attributes, given too (`Signer.signDigest`). */
  sign: (digest: Uint8Array, signedAttributes: Uint8Array) => Promise<Uint8Array>;
  /**
   * B-T: a TimeStampToken (DER) over the signature value, carried as the unsigned attribute
   * signature-time-stamp; null for B-B. Required, so that no caller forgets it silently.
   */
  timestamp: ((signature: Uint8Array) => Promise<Uint8Array>) | null;
};

export async function signedData(input: SignedDataInput): Promise<Uint8Array> {
  const { algorithm } = input;
  const digestAlgorithm = () => seq(oid(DIGESTS[algorithm.digest]));
  // ESSCertIDv2 without hashAlgorithm means SHA-256 (RFC 5035), whatever the signer's digest.
  const essCertId = seq(
    octets(createHash('sha256').update(input.signer.der).digest()),
    // issuerSerial: GeneralNames { directoryName [4] Name } and the serial.
    seq(seq(explicit(4, input.signer.issuer)), input.signer.serial),
  );
  const attributes = [
    attribute(OID.contentType, oid(OID.data)),
    ...(input.signingTime ? [attribute(OID.signingTime, utcTime(input.signingTime))] : []),
    attribute(OID.messageDigest, octets(input.contentDigest)),
    attribute(OID.signingCertificateV2, seq(seq(essCertId))),
  ];
  // DER orders a SET OF by its encodings; the signature is over the attributes as a SET.
  const sorted = attributes.map(bytesOf).sort(Buffer.compare).map((b) => parseDer(b));
  const signedAttrs = bytesOf(set(...sorted));
  const signature = await input.sign(createHash(algorithm.digest).update(signedAttrs).digest(), signedAttrs);
  // The token is asked for over the signature's OCTET STRING value, the bytes just made.
  const token = input.timestamp ? await input.timestamp(signature) : null;

  const signerInfo = seq(
    int(1),
    seq(input.signer.issuer, input.signer.serial),
    digestAlgorithm(),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, sorted),
    algorithm.nullParameters ? seq(oid(algorithm.signature), nul()) : seq(oid(algorithm.signature)),
    octets(signature),
    ...(token ? [asn1.create(Class.CONTEXT_SPECIFIC, 1, true, [attribute(OID.signatureTimeStamp, parseDer(token))])] : []),
  );
  const content = seq(
    int(1),
    set(digestAlgorithm()),
    seq(oid(OID.data)),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, input.certificates.map((c) => parseDer(c))),
    set(signerInfo),
  );
  return bytesOf(seq(oid(OID.signedData), explicit(0, content)));
}

/** What verification reads back out of a SignedData. */
export type ParsedSignedData = {
  certificates: Uint8Array[];
  signer: { issuer: Uint8Array; serial: Uint8Array };
  digestAlgorithm: string;
  signatureAlgorithm: string;
  /** The signed attributes as the SET that was signed. */
  signedAttributes: Uint8Array;
  messageDigest: Uint8Array | null;
  signingTime: Date | null;
  essCertHash: Uint8Array | null;
  signature: Uint8Array;
  /** The encapsulated content's type, and the content when it is carried (a timestamp token's TSTInfo); null when detached. */
  contentType: string;
  content: Uint8Array | null;
  /** The signature-time-stamp attribute's TimeStampToken (DER), when the signature has one. */
  timestampToken: Uint8Array | null;
};

/**
 * A DER element inside `bytes`: its tag, where its contents start and where it ends. Read
 * in place (no copies, no node-forge): verification reads thousands of signatures, and
 * forge's parse of one cost more than checking its RSA signature.
 */
type Der = { bytes: Uint8Array; tag: number; at: number; start: number; end: number };

function readDer(bytes: Uint8Array, at: number, limit = bytes.length): Der {
  const tag = bytes[at];
  const first = bytes[at + 1];
  if (tag === undefined || first === undefined || at + 2 > limit) throw new Error('DER: truncated');
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not used in CMS');
  let start = at + 2;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: indefinite or oversized length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new Error('DER: element longer than its container');
  return { bytes, tag, at, start, end };
}

const kids = (node: Der | undefined): Der[] => {
  const found: Der[] = [];
  if (!node || !(node.tag & 0x20)) return found;
  for (let at = node.start; at < node.end; ) {
    const child = readDer(node.bytes, at, node.end);
    found.push(child);
    at = child.end;
  }
  return found;
};
/** The whole element, tag and length included. */
const encoded = (node: Der) => node.bytes.subarray(node.at, node.end);
const contents = (node: Der | undefined) => (node ? node.bytes.subarray(node.start, node.end) : Buffer.alloc(0));
const isContext0 = (node: Der) => (node.tag & 0xc0) === 0x80 && (node.tag & 0x1f) === 0;

function oidOf(node: Der | undefined): string {
  if (!node || node.tag !== 0x06) return '';
  const parts: number[] = [];
  let value = 0;
  for (let i = node.start; i < node.end; i++) {
    const byte = node.bytes[i] ?? 0;
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else parts.push(value);
    value = 0;
  }
  return parts.join('.');
}

/** UTCTime (YYMMDDhhmm[ss]Z or ±hhmm; years 50–99 are 19xx) or GeneralizedTime (YYYYMMDDhhmmss[.f]Z). */
function timeOf(node: Der): Date | null {
  const text = Buffer.from(contents(node)).toString('latin1');
  const m =
    node.tag === 0x18
      ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,]\d+)?(Z|[+-]\d{4})$/.exec(text)
      : /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/.exec(text);
  if (!m) return null;
  const year = node.tag === 0x18 ? Number(m[1]) : Number(m[1]) + (Number(m[1]) >= 50 ? 1900 : 2000);
  const zone = m[7] ?? 'Z';
  const offset = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)) - offset);
}

/** A SET OF the given encodings: the tag and a minimal length put before them. */
function asSet(body: Uint8Array): Buffer {
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([0x31, ...length]), body]);
}

/** The elements of the DER SEQUENCE or SET at the start of `bytes`, each whole (tag and length included). */
/**
 * Length of the DER element at the start of `bytes` (tag, length, content), read from its
 * length octets alone: a PDF's /Contents is a CMS or a token followed by zero padding.
 */
export function derLength(bytes: Uint8Array): number {
  const first = bytes[1] ?? 0;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[2 + i] ?? 0);
  return 2 + count + length;
}

export const derElements = (bytes: Uint8Array): Uint8Array[] => kids(readDer(bytes, 0)).map(encoded);

/** A certificate's issuer and serial number, as encoded in it: how a CMS names its signer. */
export function certIssuerSerial(der: Uint8Array): { issuer: Uint8Array; serial: Uint8Array } {
  const fields = kids(kids(readDer(der, 0))[0]);
  // A v3 certificate starts with an explicit [0] version; serial and issuer follow it.
  const offset = fields[0] && isContext0(fields[0]) ? 1 : 0;
  const serial = fields[offset];
  const issuer = fields[offset + 2];
  if (!serial || !issuer) throw new Error('not an X.509 certificate');
  return { issuer: encoded(issuer), serial: encoded(serial) };
}

/** Reads a SignedData; trailing bytes are allowed (a PDF's /Contents is the CMS and then zero padding). */
export function parseSignedData(der: Uint8Array): ParsedSignedData {
  const top = kids(readDer(der, 0));
  if (oidOf(top[0]) !== OID.signedData) throw new Error('not CMS SignedData');
  const sd = kids(kids(top[1])[0]);
  const certSet = sd.find(isContext0);
  const signerInfos = kids(sd.at(-1));
  if (signerInfos.length !== 1) throw new Error(`expected one signer, found ${signerInfos.length}`);
  const si = kids(signerInfos[0]);
  const sid = kids(si[1]);
  const attrsNode = si.find(isContext0);
  const attrs = kids(attrsNode);
  const attr = (id: string) => kids(kids(attrs.find((a) => oidOf(kids(a)[0]) === id))[1])[0];
  const ess = attr(OID.signingCertificateV2);
  const afterAttrs = attrsNode ? si.slice(si.indexOf(attrsNode) + 1) : [];
  const time = attr(OID.signingTime);
  const messageDigest = attr(OID.messageDigest);
  const essCertHash = kids(kids(kids(ess)[0])[0])[0];
  if (!sid[0] || !sid[1]) throw new Error('signer without issuer and serial');
  const unsigned = afterAttrs.find((node) => node.tag === 0xa1);
  const stamp = kids(unsigned).find((a) => oidOf(kids(a)[0]) === OID.signatureTimeStamp);
  const token = kids(kids(stamp)[1])[0];
  const encapsulated = kids(sd.find((node) => node.tag === 0x30));
  const carried = kids(encapsulated[1])[0];
  return {
    certificates: kids(certSet).map(encoded),
    signer: { issuer: encoded(sid[0]), serial: encoded(sid[1]) },
    digestAlgorithm: oidOf(kids(si[2])[0]),
    signatureAlgorithm: oidOf(kids(afterAttrs[0])[0]),
    // The signature is over the attributes as a SET: the [0] element's contents with a SET's tag.
    signedAttributes: asSet(contents(attrsNode)),
    messageDigest: messageDigest ? contents(messageDigest) : null,
    signingTime: time ? timeOf(time) : null,
    essCertHash: essCertHash?.tag === 0x04 ? contents(essCertHash) : null,
    signature: contents(afterAttrs[1]),
    contentType: oidOf(encapsulated[0]),
    // A constructed OCTET STRING (BER, as some TSAs send their TSTInfo) is its pieces joined.
    content: carried?.tag === 0x04 ? contents(carried) : carried?.tag === 0x24 ? Buffer.concat(kids(carried).map(contents)) : null,
    timestampToken: token ? encoded(token) : null,
  };
}

