/**
 * npm run bench -- --signers [--n N] [--signatures M] [--json] [--out DIR]
 *
 * The signer kinds against each other, in one run on one key: the same RSA key as a
 * PKCS#12 file and imported (non-extractable) on a SoftHSM2 token made in a temporary
 * folder. For each kind, the whole flow on the same generated file of N exam results
 * (startEngine and takeFile, as bench/run.ts measures it, a fresh outbox and ledger each),
 * then M signatures over digests alone. Prints a table and, with --json, one last line:
 * {"n", "pkcs12_docs_per_s", "pkcs11_docs_per_s", "flow_ratio", "pkcs12_signatures_per_s", "pkcs11_signatures_per_s", "signing_ratio"}.
 * Results go to var/bench/signers-n<N>.json (ignored; --out bench/results to commit them
 * on purpose) with the machine's description. Nothing is asserted.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../pipeline/core/clock.js';
import { type LoadedConfig, loadConfig } from '../pipeline/config/load.js';
import { issueCertificate, pkcs12 } from '../pipeline/dev/pki.js';
import { openSigner } from '../pipeline/sign/keys.js';
import { loadLibrary } from '../pipeline/standards/library.js';
import { flowRate, reportFigures } from './flow.js';
import { benchCsv } from './records.js';
import { SOFTHSM_MODULE, makeSoftHsm } from './softhsm.js';
import { writeWorkspaceConfig } from './workspace.js';

const { values } = parseArgs({
  options: {
    signers: { type: 'boolean', default: true },
    n: { type: 'string', default: '1000' },
    signatures: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
    out: { type: 'string', default: 'var/bench' },
  },
});
const n = Number(values.n);
const signatureCount = Number(values.signatures);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(signatureCount) || signatureCount < 1) throw new Error('--n and --signatures take whole numbers');

const work = mkdtempSync(join(tmpdir(), 'tanu-bench-signers-'));
const DAY = 86_400_000;
const now = Date.now();
const caName = { commonName: 'Bench CA', organization: 'Tanu bench' };
const ca = issueCertificate({ subject: caName, notBefore: new Date(now - DAY), notAfter: new Date(now + 3650 * DAY), ca: true });
const leaf = issueCertificate({ subject: { commonName: 'Bench centre key', organization: 'Tanu bench' }, issuer: { cert: ca, name: caName }, notBefore: new Date(now - DAY), notAfter: new Date(now + 365 * DAY), ca: false });
const PASSWORD = 'bench-password';
const PIN = 'bench-pin';
const keyFile = join(work, 'centre.p12');
writeFileSync(keyFile, pkcs12(leaf, [ca], PASSWORD));
makeSoftHsm(join(work, 'softhsm'), [{ label: 'bench', pin: PIN, key: { label: 'signkey', id: '01', leaf, chain: [ca], certificate: true } }]);
const env = { ...process.env, TANU_KEY_PASSWORD: PASSWORD, TANU_PKCS11_PIN: PIN };

async function configFor(kind: 'pkcs12' | 'pkcs11'): Promise<LoadedConfig> {
  const dir = join(work, kind);
  mkdirSync(dir);
  const config = await loadConfig(writeWorkspaceConfig(dir), { env: {} });
  return { ...config, signing: { ...config.signing, kind, level: 'B-B', dev_key: false, key: keyFile, pkcs11: { module: SOFTHSM_MODULE, token: 'bench', key: 'signkey', certificate: null } } };
}

const first = await configFor('pkcs12');
const { library } = await loadLibrary(first.paths.standards);
const csv = join(work, 'exam-results-bench.csv');
writeFileSync(csv, benchCsv(n, library));

/** Signatures per second over digests alone, two at a time (the sessions a token signer keeps). */
async function signing(config: LoadedConfig): Promise<number> {
  const signer = await openSigner(config, env, systemClock, () => {});
  // Signed attributes stand-in: the digest is of them, as CMS gives both (Signer.signDigest).
  const attributes = Buffer.alloc(200, 1);
  const digest = createHash('sha256').update(attributes).digest();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < signatureCount; i += 2) await Promise.all([signer.signDigest(digest, attributes), signer.signDigest(digest, attributes)]);
  return signatureCount / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const configs = { pkcs12: first, pkcs11: await configFor('pkcs11') };
const flow = (config: LoadedConfig) => flowRate(config, library, csv, n, env);
const rates = { pkcs12: await flow(configs.pkcs12), pkcs11: await flow(configs.pkcs11) };
const signs = { pkcs12: await signing(configs.pkcs12), pkcs11: await signing(configs.pkcs11) };
rmSync(work, { recursive: true, force: true });

const round = (x: number, d = 1) => Number(x.toFixed(d));
const line = {
  n,
  pkcs12_docs_per_s: round(rates.pkcs12),
  pkcs11_docs_per_s: round(rates.pkcs11),
  flow_ratio: round(rates.pkcs11 / rates.pkcs12, 2),
  pkcs12_signatures_per_s: round(signs.pkcs12),
  pkcs11_signatures_per_s: round(signs.pkcs11),
  signing_ratio: round(signs.pkcs11 / signs.pkcs12, 2),
};
const rows: [string, string][] = [
  ['rows (all valid)', String(n)],
  ['whole flow, PKCS#12 file, certificates/s', String(line.pkcs12_docs_per_s)],
  ['whole flow, SoftHSM2 token, certificates/s', String(line.pkcs11_docs_per_s)],
  ['flow ratio (token / file)', `${line.flow_ratio}`],
  [`signatures alone (${signatureCount}), PKCS#12 file, per second`, String(line.pkcs12_signatures_per_s)],
  [`signatures alone (${signatureCount}), SoftHSM2 token, per second`, String(line.pkcs11_signatures_per_s)],
  ['signing ratio (token / file)', `${line.signing_ratio}`],
];
reportFigures(values.out, `signers-n${n}`, line, rows, values.json, { signatures: signatureCount });
