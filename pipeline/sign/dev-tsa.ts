import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Clock } from '../core/clock.js';
import { OID } from './cms.js';
import { DIGESTS, type Signer } from './signer.js';
import { TSP } from './timestamp.js';

/**
 * The TEST timestamp authority of the development PKI: an RFC 3161 responder that Tanu
 * serves itself on 127.0.0.1 when `dev_key: true` names no `signing.tsa.url`, so the demo
 * makes B-T documents offline. The structures are pkijs's; the signature is the TEST TSA
 * key's, through the Signer seam like a centre's.
 */

/** The TEST TSA's policy (a UUID-based OID, arc 2.25, which needs no registration). */
export const DEV_TSA_POLICY = '2.25.206304826543208318406219271659620541723';

const positiveSerial = () => {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) % 0x7f) + 1;
  return serial;
};

const attribute = (type: string, value: asn1js.AsnType) => new pkijs.Attribute({ type, values: [value] });

/** The TEST TSA: its signer, and its certificates as pkijs holds them, parsed once. */
export type DevTsa = { signer: Signer; certificates: pkijs.Certificate[] };
export const devTsa = (signer: Signer): DevTsa => ({ signer, certificates: signer.certificates.map((c) => pkijs.Certificate.fromBER(c)) });

/** A TimeStampResp granting `request` at `now`, signed by the TSA (its certificate and chain carried, as certReq asks). */
export async function timestampReply(request: Uint8Array, { signer: tsa, certificates }: DevTsa, now: Date): Promise<Uint8Array> {
  const asked = pkijs.TimeStampReq.fromBER(request);
  const info = new pkijs.TSTInfo({
    version: 1,
    policy: asked.reqPolicy ?? DEV_TSA_POLICY,
    messageImprint: asked.messageImprint,
    serialNumber: new asn1js.Integer({ valueHex: positiveSerial() }),
    genTime: now,
    ...(asked.nonce ? { nonce: asked.nonce } : {}),
  });
  const content = new Uint8Array(info.toSchema().toBER());
  const [leaf = Buffer.alloc(0)] = tsa.certificates;
  const [certificate] = certificates;
  if (!certificate) throw new Error('TEST TSA without its certificate');
  const essCertId = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: createHash('sha256').update(leaf).digest() })] })] })] });
  // DER orders a SET OF by the encodings; the signature is over the attributes as a SET.
  const attributes = [
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: TSP.tstInfo })),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: createHash(tsa.algorithm.digest).update(content).digest() })),
    attribute(OID.signingCertificateV2, essCertId),
  ]
    .map((a) => ({ a, der: Buffer.from(a.toSchema().toBER()) }))
    .sort((x, y) => Buffer.compare(x.der, y.der));
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attributes.map((x) => x.a) });
  const asSet = Buffer.from(signedAttrs.toSchema().toBER());
  asSet[0] = 0x31;
  const signature = await tsa.signDigest(createHash(tsa.algorithm.digest).update(asSet).digest(), asSet);
  // Set after construction: pkijs's constructor would split the content into a constructed (BER) OCTET STRING.
  const encapContentInfo = new pkijs.EncapsulatedContentInfo({ eContentType: TSP.tstInfo });
  encapContentInfo.eContent = new asn1js.OctetString({ valueHex: content });
  const digestAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: DIGESTS[tsa.algorithm.digest], algorithmParams: new asn1js.Null() });
  const signed = new pkijs.SignedData({
    version: 3,
    digestAlgorithms: [digestAlgorithm],
    encapContentInfo,
    certificates,
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        digestAlgorithm,
        signedAttrs,
        signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: tsa.algorithm.signature, ...(tsa.algorithm.nullParameters ? { algorithmParams: new asn1js.Null() } : {}) }),
        signature: new asn1js.OctetString({ valueHex: signature }),
      }),
    ],
  });
  const response = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) }),
  });
  return new Uint8Array(response.toSchema().toBER());
}

/**
 * Serves the TEST TSA on 127.0.0.1 (a free port) for the life of the process: the server
 * does not keep the process alive. Returns its URL.
 */
export async function serveDevTsa(signer: Signer, clock: Clock): Promise<string> {
  const tsa = devTsa(signer);
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      timestampReply(Buffer.concat(parts), tsa, clock.now()).then(
        (reply) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(reply),
        () => res.writeHead(400).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}
