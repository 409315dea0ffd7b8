/**
 * npm run bench:render -- [--n N] [--json] [--out DIR]
 * Rendering throughput per document type on this machine, with the peak memory of the
 * Chromium processes, and the two print strategies side by side: one print per document
 * on a reused page, and many one-page documents in one print split afterwards. Figures are
 * printed and kept in bench/results/ with a description of the machine. Nothing is asserted.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixedClock } from '../pipeline/core/clock.js';
import { loadConfig } from '../pipeline/config/load.js';
import { ChromiumRenderer, findChromium } from '../pipeline/render/chromium.js';
import { certificateModel } from '../pipeline/kinds/certificate/model.js';
import { contractModel } from '../pipeline/kinds/contract/model.js';
import { protocolModels } from '../pipeline/kinds/protocol/model.js';
import { type DocumentModel, loadKindTemplates, renderDocuments } from '../pipeline/kinds/registry.js';
import { newVerifyCode } from '../pipeline/plan/plan.js';
import { sampleApplication, sampleExamResult } from '../pipeline/dev/sample.js';
import { loadLibrary } from '../pipeline/standards/library.js';
import { treeMemoryMb } from './memory.js';
import { signaturePreparer, signatureSpace } from '../pipeline/sign/pades.js';
import { issueCertificate, pkcs12 } from '../pipeline/dev/pki.js';
import { signDocument } from '../pipeline/sign/sign.js';
import { Pkcs12Signer } from '../pipeline/sign/signer.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '500' }, json: { type: 'boolean', default: false }, out: { type: 'string', default: 'var/bench' } } });
const n = Number(values.n);
if (!Number.isInteger(n) || n < 1) throw new Error('--n takes a whole number');

const config = await loadConfig('pipeline.config.yaml');
const { library } = await loadLibrary(config.paths.standards);
const centre = config.centres[0];
if (!centre) throw new Error('no centre');
const templates = loadKindTemplates('templates');
const now = fixedClock('2026-11-23T12:00:00+05:00').now();

const certificates = (count: number): DocumentModel[] =>
  Array.from({ length: count }, (_, i) =>
    certificateModel({
      record: sampleExamResult(i, i % 2 ? 'ru' : 'kk'),
      serial: `DEMO01-2026-${String(i + 1).padStart(6, '0')}`,
      issueDate: '2026-11-23',
      validityYears: 5,
      centre,
      library,
      verifyBaseUrl: config.documents.verify_base_url,
      verifyCode: newVerifyCode(),
    }),
  );
const protocols = (count: number): DocumentModel[] =>
  Array.from({ length: count }, (_, p) =>
    protocolModels({
      records: Array.from({ length: 20 }, (_, i) => ({ ...sampleExamResult(i, 'kk'), protocol_number: `П-${p + 1}` })),
      centre,
      library,
    }),
  ).flat();
const contracts = (count: number): DocumentModel[] =>
  Array.from({ length: count }, (_, i) => contractModel({ record: { ...sampleApplication(i % 2 ? 'ru' : 'kk'), application_number: `Ө-${i + 1}` }, centre, library }));

type Row = { case: string; documents: number; seconds: number; docs_per_s: number; browser_peak_pss_mb: number; browser_peak_rss_sum_mb: number };

async function measure(name: string, models: DocumentModel[], printBatch: number): Promise<Row> {
  const renderer = new ChromiumRenderer(templates, { executablePath: findChromium(config.documents.chromium), concurrency: config.concurrency, printBatch });
  await renderDocuments(renderer, templates, models.slice(0, 1), { sample: false, now }); // warm: launch and first layout are not throughput
  const pid = await renderer.pid();
  const peak = { rss: 0, pss: 0 };
  const sample = () => {
    if (!pid) return;
    const now = treeMemoryMb(pid);
    peak.rss = Math.max(peak.rss, now.rss);
    peak.pss = Math.max(peak.pss, now.pss);
  };
  const sampler = setInterval(sample, 50);
  const start = process.hrtime.bigint();
  const results = await renderDocuments(renderer, templates, models, { sample: false, now });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(sampler);
  sample();
  await renderer.close();
  const failed = results.filter((r) => 'error' in r).length;
  if (failed > 0) throw new Error(`${name}: ${failed} documents failed`);
  return { case: name, documents: models.length, seconds: Number(seconds.toFixed(3)), docs_per_s: Number((models.length / seconds).toFixed(1)), browser_peak_pss_mb: Math.round(peak.pss), browser_peak_rss_sum_mb: Math.round(peak.rss) };
}

const rows: Row[] = [];
rows.push(await measure('certificate, batched print + split', certificates(n), config.documents.print_batch));
rows.push(await measure('certificate, one print per document', certificates(Math.max(1, Math.ceil(n / 5))), 1));
rows.push(await measure('protocol (20 candidates)', protocols(Math.max(1, Math.ceil(n / 20))), config.documents.print_batch));
rows.push(await measure('contract (PDF + DOCX)', contracts(Math.max(1, Math.ceil(n / 5))), config.documents.print_batch));

/** Signing on one core: PAdES inside a prepared certificate and a .p7s beside it, per key size. */
async function measureSigning(bits: number, count: number): Promise<Row> {
  const now = new Date();
  const year = 365 * 24 * 3600 * 1000;
  const caName = { commonName: 'bench CA' };
  const ca = issueCertificate({ subject: caName, notBefore: now, notAfter: new Date(now.getTime() + year), ca: true, bits });
  const leaf = issueCertificate({ subject: { commonName: 'bench signer' }, issuer: { cert: ca, name: caName }, notBefore: now, notAfter: new Date(now.getTime() + year), ca: false, bits });
  const signer = Pkcs12Signer.fromBytes(pkcs12(leaf, [ca], 'bench'), 'bench');
  const renderer = new ChromiumRenderer(templates, { executablePath: findChromium(config.documents.chromium), concurrency: 1, printBatch: 1 });
  const [prepared] = await renderDocuments(renderer, templates, certificates(1), { sample: false, now, prepare: signaturePreparer(await signatureSpace(signer, null)) });
  await renderer.close();
  if (!prepared || 'error' in prepared) throw new Error('could not prepare a certificate');
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await signDocument({ pdf: prepared.pdf }, signer, null, now);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { case: `sign PAdES + .p7s, RSA ${bits}, one core`, documents: count, seconds: Number(seconds.toFixed(3)), docs_per_s: Number((count / seconds).toFixed(1)), browser_peak_pss_mb: 0, browser_peak_rss_sum_mb: 0 };
}

rows.push(await measureSigning(2048, n));
rows.push(await measureSigning(4096, Math.max(1, Math.ceil(n / 5))));

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, chromium: findChromium(config.documents.chromium) };
const result = { kind: 'render', n, machine, at: new Date().toISOString(), rows };
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, `render-n${n}.json`), `${JSON.stringify(result, null, 2)}\n`);

const widths = [38, 10, 9, 8, 18, 18];
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' ');
console.error(line(['case', 'documents', 'seconds', 'docs/s', 'browser PSS MB', '(RSS summed MB)']));
for (const r of rows) console.error(line([r.case, String(r.documents), r.seconds.toFixed(2), r.docs_per_s.toFixed(1), String(r.browser_peak_pss_mb), String(r.browser_peak_rss_sum_mb)]));
console.error(`machine: ${machine.cpus} × ${machine.cpu}, ${machine.memory_gb} GB, node ${machine.node}`);
if (values.json) console.log(JSON.stringify(result));
