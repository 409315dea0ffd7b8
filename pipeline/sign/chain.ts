import { X509Certificate, createHash } from 'node:crypto';
import { certIssuerSerial } from './cms.js';

/**
 * Certificate paths for verification: from a signer's certificate (a centre's, a timestamp
 * authority's) to a trust anchor of `signing.trust`, through the certificates its CMS
 * carried. Parsed and found once per certificate set: the same few sign thousands of files.
 */

/** A certificate as verification uses it, parsed once. */
export type Known = { cert: X509Certificate; subject: string; sha256: Buffer; validFrom: Date; validTo: Date; issuer: Uint8Array; serial: Uint8Array };
/**
 * Certificates by their DER. The same few (a centre's key, its CA) sign thousands of
 * documents, and parsing one into an X509Certificate cost more than checking the RSA
 * signature it verifies; the DER is the key, so a different certificate is never mistaken
 * for a known one. Bounded: emptied when it holds more than a few hundred.
 */
const known = new Map<string, Known>();
export function knownCertificate(der: Uint8Array): Known {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let entry = known.get(key);
  if (!entry) {
    if (known.size >= 256) known.clear();
    const cert = new X509Certificate(der);
    const sha256 = createHash('sha256').update(der).digest();
    entry = { cert, subject: cert.subject.replaceAll('\n', ', '), sha256, validFrom: new Date(cert.validFrom), validTo: new Date(cert.validTo), ...certIssuerSerial(der) };
    known.set(key, entry);
  }
  return entry;
}

/** Chains found, per set of trust anchors and per signer with the certificates it carried: the same for every document a key signs. */
const chains = new WeakMap<readonly X509Certificate[], Map<string, Chain>>();

export type Chain = { trusted: true; anchor: string; certs: Known[] } | { trusted: false; certs: Known[] };

/** The chain from the signer to a trust anchor through the certificates it carried, worked out once per signer, carried set and anchors. */
export function chainOf(leaf: Known, carried: readonly Known[], trust: readonly X509Certificate[]): Chain {
  let byTrust = chains.get(trust);
  if (!byTrust) chains.set(trust, (byTrust = new Map()));
  const key = [leaf, ...carried].map((c) => c.sha256.toString('hex')).join(' ');
  let chain = byTrust.get(key);
  if (!chain) {
    if (byTrust.size >= 256) byTrust.clear();
    chain = findChain(leaf, carried, trust);
    byTrust.set(key, chain);
  }
  return chain;
}

function findChain(leaf: Known, carried: readonly Known[], trust: readonly X509Certificate[]): Chain {
  const certs = [leaf];
  let current = leaf.cert;
  for (let depth = 0; depth < 8; depth++) {
    const anchor = trust.find((a) => a.fingerprint256 === current.fingerprint256 || (current.checkIssued(a) && current.verify(a.publicKey)));
    if (anchor) {
      if (anchor.fingerprint256 !== current.fingerprint256) certs.push(knownCertificate(anchor.raw));
      return { trusted: true, anchor: anchor.subject.replaceAll('\n', ', '), certs };
    }
    const issuer = carried.find((c) => c.cert.fingerprint256 !== current.fingerprint256 && current.checkIssued(c.cert) && current.verify(c.cert.publicKey));
    if (!issuer) break;
    certs.push(issuer);
    current = issuer.cert;
  }
  return { trusted: false, certs };
}

