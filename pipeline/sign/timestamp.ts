import { type X509Certificate, createHash, randomBytes, verify as verifySignature } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { TanuError } from '../core/tanu-error.js';
import { type Known, chainOf, knownCertificate } from './chain.js';
import { derElements, parseSignedData } from './cms.js';
import { DIGESTS, digestNamed } from './signer.js';

/**
 * RFC 3161 timestamps (PAdES/CAdES B-T), the pure part: the request, and the checks a
 * response passes before its token is embedded, which are also the checks `tanu verify`
 * makes of an embedded token. The TSP structures are pkijs's; the token's CMS envelope is
 * read by cms.ts like any other, and its RSA or ECDSA is node:crypto's. pkijs's own
 * TimeStampResp.verify is not used: it accepts an expired TSA certificate (its issue #462).
 */

export const TSP = {
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  extKeyUsage: '2.5.29.37',
} as const;

/** Where a signature's timestamp comes from: a token over `data` (a signature value), checked before it is returned. */
export interface Timestamper {
  stamp(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * Bytes a PDF's /Contents reserves for the token beside the CMS: the token is not known
 * before it is asked for, and a TSA's (its certificate included, `certReq`) is 2–4 KB; this
 * leaves room for a TSA that sends a chain of several RSA-4096 certificates.
 */
export const TOKEN_ROOM = 12 * 1024;

export type TimestampRequest = { der: Uint8Array; imprint: Buffer; nonce: Buffer };

/** A positive, non-zero-led random nonce: its INTEGER encoding is these bytes as they are. */
function randomNonce(): Buffer {
  const nonce = randomBytes(12);
  nonce[0] = ((nonce[0] ?? 0) % 0x7f) + 1;
  return nonce;
}

/** The request for a token over `data`: its SHA-256, a random nonce, the TSA's certificate asked for, the policy when one is set. */
export function timestampRequest(data: Uint8Array, policy: string | null): TimestampRequest {
  const imprint = createHash('sha256').update(data).digest();
  const nonce = randomNonce();
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: DIGESTS.sha256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: imprint }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    certReq: true,
    ...(policy ? { reqPolicy: policy } : {}),
  });
  return { der: new Uint8Array(request.toSchema().toBER()), imprint, nonce };
}

const invalid = (kk: string, ru: string) => new TanuError('TSA_RESPONSE_INVALID', { detail: { kk, ru } });

/** An INTEGER's value as unsigned big-endian bytes without leading zeros, for comparing nonces and serials. */
const integerBytes = (bytes: Uint8Array) => {
  let at = 0;
  while (at < bytes.length - 1 && bytes[at] === 0) at++;
  return Buffer.from(bytes.subarray(at));
};

/**
 * A TSA's answer checked against its request: granted, and a token that passes
 * `checkToken` with the request's imprint and nonce. Returns the token's bytes as the TSA
 * sent them (they are embedded as they are).
 */
export function checkResponse(der: Uint8Array, request: TimestampRequest, trust: readonly X509Certificate[]): { token: Uint8Array; genTime: Date } {
  // Split by cms.ts's DER reader: asn1js's parse of the whole answer (certificates and all)
  // cost more than every check below together.
  let parts: Uint8Array[];
  let statusInfo: pkijs.PKIStatusInfo;
  try {
    parts = derElements(der);
    statusInfo = pkijs.PKIStatusInfo.fromBER(parts[0] ?? Buffer.alloc(0));
  } catch (e) {
    throw invalid(`жауап RFC 3161 TimeStampResp емес: ${(e as Error).message}`, `ответ не RFC 3161 TimeStampResp: ${(e as Error).message}`);
  }
  const { status, statusStrings } = statusInfo;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    const said = (statusStrings ?? []).map((s) => s.valueBlock.value).join('; ');
    throw new TanuError('TSA_REFUSED', { value: String(status), ...(said ? { detail: { kk: said, ru: said } } : {}) });
  }
  const token = parts[1];
  if (!token) throw invalid('жауапта белгі жоқ', 'в ответе нет метки');
  const facts = checkToken(token, request.imprint, trust);
  if (!facts.nonce || Buffer.compare(facts.nonce, integerBytes(request.nonce)) !== 0) throw new TanuError('TSA_NONCE_MISMATCH');
  return { token, genTime: facts.genTime };
}

/** Whether a certificate has the critical extendedKeyUsage timeStamping, by its SHA-256: the same TSA stamps every signature. */
const timeStampingCertificates = new Map<string, boolean>();
function isTimeStamping(tsa: Known): boolean {
  const key = tsa.sha256.toString('hex');
  let found = timeStampingCertificates.get(key);
  if (found === undefined) {
    if (timeStampingCertificates.size >= 256) timeStampingCertificates.clear();
    const extension = pkijs.Certificate.fromBER(tsa.cert.raw).extensions?.find((x) => x.extnID === TSP.extKeyUsage);
    const purposes = (extension?.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
    found = extension?.critical === true && purposes.includes(TSP.timeStamping);
    timeStampingCertificates.set(key, found);
  }
  return found;
}

export type TokenFacts = { genTime: Date; tsa: string; nonce: Buffer | null; path: Known[] };

/**
 * A TimeStampToken over `imprint` (a SHA-256): a SignedData of a TSTInfo whose message
 * imprint is that SHA-256, signed (signed attributes, content digest) by a certificate it
 * carries that has the critical extendedKeyUsage timeStamping, that chains to a trust
 * anchor, and that (with its chain) was valid at the token's genTime. Each failure throws
 * its own code.
 */
export function checkToken(token: Uint8Array, imprint: Uint8Array, trust: readonly X509Certificate[]): TokenFacts {
  let cms: ReturnType<typeof parseSignedData>;
  let info: pkijs.TSTInfo;
  try {
    cms = parseSignedData(token);
    if (cms.contentType !== TSP.tstInfo || !cms.content) throw new Error(`content ${cms.contentType}, not TSTInfo`);
    info = pkijs.TSTInfo.fromBER(cms.content);
  } catch (e) {
    throw invalid(`белгі оқылмады: ${(e as Error).message}`, `метка не читается: ${(e as Error).message}`);
  }
  const hashed = Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (info.messageImprint.hashAlgorithm.algorithmId !== DIGESTS.sha256 || Buffer.compare(hashed, imprint) !== 0) throw new TanuError('TSA_IMPRINT_MISMATCH');

  const carried = cms.certificates.map(knownCertificate);
  const tsa = carried.find((c) => Buffer.compare(c.issuer, cms.signer.issuer) === 0 && Buffer.compare(c.serial, cms.signer.serial) === 0);
  if (!tsa) throw new TanuError('TSA_CERTIFICATE', { detail: { kk: 'белгіде TSA сертификаты жоқ', ru: 'в метке нет сертификата TSA' } });

  const digest = digestNamed(cms.digestAlgorithm);
  const contentDigest = digest ? createHash(digest).update(cms.content ?? Buffer.alloc(0)).digest() : null;
  const signed = (() => {
    if (!digest || !contentDigest || !cms.messageDigest || Buffer.compare(cms.messageDigest, contentDigest) !== 0) return false;
    try {
      return verifySignature(digest, cms.signedAttributes, tsa.cert.publicKey, cms.signature);
    } catch {
      return false;
    }
  })();
  if (!signed) throw new TanuError('TSA_SIGNATURE');

  if (!isTimeStamping(tsa))
    throw new TanuError('TSA_CERTIFICATE', {
      detail: { kk: `${tsa.subject}: критикалық extendedKeyUsage timeStamping жоқ`, ru: `${tsa.subject}: нет критического extendedKeyUsage timeStamping` },
    });

  const chain = chainOf(tsa, carried, trust);
  if (!chain.trusted) throw new TanuError('TSA_UNTRUSTED', { detail: { kk: tsa.subject, ru: tsa.subject } });
  const genTime = info.genTime;
  const expired = chain.certs.find((c) => c.validFrom > genTime || c.validTo < genTime);
  if (expired)
    throw new TanuError('TSA_CERTIFICATE', {
      detail: {
        kk: `${expired.subject} белгі уақытында ${genTime.toISOString()} жарамсыз болған (${expired.cert.validFrom} – ${expired.cert.validTo})`,
        ru: `${expired.subject} не действовал на время метки ${genTime.toISOString()} (${expired.cert.validFrom} – ${expired.cert.validTo})`,
      },
    });
  return { genTime, tsa: tsa.subject, nonce: info.nonce ? integerBytes(info.nonce.valueBlock.valueHexView) : null, path: chain.certs };
}
