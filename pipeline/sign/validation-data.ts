/**
 * Validation data, as a PDF's DSS dictionary holds it (ETSI EN 319 142-1, 5.4) and as a
 * batch's `validation/` folder holds it beside the detached signatures: certificates,
 * OCSP responses and CRLs, each DER. Revocation fetching fills it; the DSS writer, the
 * batch folder and verification read it.
 */
export type ValidationData = { certs: Uint8Array[]; ocsps: Uint8Array[]; crls: Uint8Array[] };
