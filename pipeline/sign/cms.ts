import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { DIGESTS, type SignatureAlgorithm } from './signer.js';

/**
 * CMS SignedData (RFC 5652), detached, as PAdES baseline B-B and the national platforms
 * expect it: the signer's digest and signature algorithm (SHA-256 and RSA for a PKCS#12 key), signed attributes content-type, message-digest and
 * signing-certificate-v2 (RFC 5035), and, for a detached .p7s only, signing-time (PAdES
 * keeps the time in the signature dictionary's /M instead). The structure is built with
 * node-forge's ASN.1; the RSA is the signer's, which sees nothing but a digest.
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
} as const;

type Node = forge.asn1.Asn1;

const bin = (bytes: Uint8Array) => forge.util.binary.raw.encode(bytes);
const bytesOf = (node: Node) => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
// Trailing bytes are allowed: a PDF's /Contents is the CMS followed by zero padding. Bit
// strings stay opaque so that a certificate re-encodes to exactly its original bytes.
const fromDer = asn1.fromDer as unknown as (bytes: string, options: object) => Node;
export const parseDer = (bytes: Uint8Array): Node => fromDer(bin(bytes), { parseAllBytes: false, strict: true, decodeBitStrings: false });

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
  /** The signer's signature over the digest of the signed attributes. */
  sign: (digest: Uint8Array) => Promise<Uint8Array>;
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
  const signedAttrsDigest = createHash(algorithm.digest).update(bytesOf(set(...sorted))).digest();
  const signature = await input.sign(signedAttrsDigest);

  const signerInfo = seq(
    int(1),
    seq(input.signer.issuer, input.signer.serial),
    digestAlgorithm(),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, sorted),
    algorithm.nullParameters ? seq(oid(algorithm.signature), nul()) : seq(oid(algorithm.signature)),
    octets(signature),
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
  /** The signed attributes re-encoded as the SET that was signed. */
  signedAttributes: Uint8Array;
  messageDigest: Uint8Array | null;
  signingTime: Date | null;
  essCertHash: Uint8Array | null;
  signature: Uint8Array;
};

const raw = (node: Node | undefined) => (node ? Buffer.from(node.value as string, 'binary') : Buffer.alloc(0));
const children = (node: Node | undefined): Node[] => (Array.isArray(node?.value) ? (node.value as Node[]) : []);
const oidOf = (node: Node | undefined) => (node ? asn1.derToOid(node.value as string) : '');

export function parseSignedData(der: Uint8Array): ParsedSignedData {
  const top = children(parseDer(der));
  if (oidOf(top[0]) !== OID.signedData) throw new Error('not CMS SignedData');
  const sd = children(children(top[1])[0]);
  const certSet = sd.find((n) => n.tagClass === Class.CONTEXT_SPECIFIC && n.type === 0);
  const signerInfos = children(sd.at(-1));
  if (signerInfos.length !== 1) throw new Error(`expected one signer, found ${signerInfos.length}`);
  const si = children(signerInfos[0]);
  const sid = children(si[1]);
  const attrsNode = si.find((n) => n.tagClass === Class.CONTEXT_SPECIFIC && n.type === 0);
  const attrs = children(attrsNode);
  const attr = (id: string) => children(children(attrs.find((a) => oidOf(children(a)[0]) === id))[1])[0];
  const ess = attr(OID.signingCertificateV2);
  const afterAttrs = si.slice(si.indexOf(attrsNode as Node) + 1);
  const time = attr(OID.signingTime);
  return {
    certificates: children(certSet).map(bytesOf),
    signer: { issuer: bytesOf(sid[0] as Node), serial: bytesOf(sid[1] as Node) },
    digestAlgorithm: oidOf(children(si[2])[0]),
    signatureAlgorithm: oidOf(children(afterAttrs[0])[0]),
    signedAttributes: bytesOf(set(...attrs)),
    messageDigest: attr(OID.messageDigest) ? raw(attr(OID.messageDigest)) : null,
    signingTime: time ? asn1.utcTimeToDate(time.value as string) : null,
    essCertHash: ess ? raw(children(children(children(ess)[0])[0])[0]) : null,
    signature: raw(afterAttrs[1]),
  };
}

export { bytesOf as derOf };
