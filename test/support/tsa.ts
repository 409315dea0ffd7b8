import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Issued, issueCertificate } from '../../pipeline/dev/pki.js';

const run = promisify(execFile);
const DAY = 24 * 3600 * 1000;

/**
 * OpenSSL as the timestamp authority, for tests: a TSA certificate with the critical
 * timeStamping purpose under a CA of its own, and `openssl ts -reply` behind a small HTTP
 * handler on 127.0.0.1. How it answers is the test's choice, request by request: properly,
 * over other data (a wrong imprint), with garbage, too slowly, or not at all.
 */
export type TsaBehaviour = 'ok' | 'wrong-imprint' | 'garbage' | 'slow' | 'down';

export type OpensslTsa = {
  url: string;
  /** The TSA's CA, to put in signing.trust. */
  caPem: string;
  /** The TSA's certificate, for openssl ts -verify -untrusted. */
  certPem: string;
  /** Requests answered so far (by any behaviour). */
  requests: () => number;
  /** How the next requests are answered: by their number, from 1. */
  behave: (how: (request: number) => TsaBehaviour) => void;
  close: () => Promise<void>;
};

/** A TSA certificate (or, with `purpose: false`, one without the timeStamping purpose) under a new CA, written into `dir`. */
export function tsaCertificates(dir: string, now: Date, options: { purpose?: boolean } = {}): { ca: Issued; tsa: Issued; caPem: string; certPem: string; keyPem: string } {
  mkdirSync(dir, { recursive: true });
  const caName = { commonName: 'Tanu tests TSA root', organization: 'Tanu tests' };
  const ca = issueCertificate({ subject: caName, notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(now.getTime() + 3650 * DAY), ca: true });
  const tsa = issueCertificate({
    subject: { commonName: 'Tanu tests TSA', organization: 'Tanu tests' },
    issuer: { cert: ca, name: caName },
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 365 * DAY),
    ca: false,
    timeStamping: options.purpose ?? true,
  });
  const caPem = join(dir, 'tsa-ca.pem');
  const certPem = join(dir, 'tsa.pem');
  const keyPem = join(dir, 'tsa.key');
  writeFileSync(caPem, ca.pem);
  writeFileSync(certPem, tsa.pem);
  writeFileSync(keyPem, tsa.key.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
  return { ca, tsa, caPem, certPem, keyPem };
}

export async function startOpensslTsa(dir: string, now: Date, options: { slowMs?: number; purpose?: boolean } = {}): Promise<OpensslTsa> {
  const { caPem, certPem, keyPem } = tsaCertificates(dir, now, options);
  const config = join(dir, 'tsa.cnf');
  writeFileSync(
    config,
    [
      '[ tsa ]',
      'default_tsa = tanu_tests',
      '[ tanu_tests ]',
      `serial = ${join(dir, 'tsaserial')}`,
      'crypto_device = builtin',
      `signer_cert = ${certPem}`,
      `certs = ${caPem}`,
      `signer_key = ${keyPem}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tsaserial'), '01\n');
  // Another request over other data, for the wrong-imprint answer.
  const other = join(dir, 'other.tsq');
  writeFileSync(join(dir, 'other.bin'), 'not the signature');
  await run('openssl', ['ts', '-query', '-data', join(dir, 'other.bin'), '-sha256', '-cert', '-out', other]);

  let count = 0;
  let how: (request: number) => TsaBehaviour = () => 'ok';
  // openssl ts -reply keeps its serial in a file: one reply at a time.
  let replying: Promise<unknown> = Promise.resolve();
  const reply = (query: string) => {
    const out = `${query}.tsr`;
    const made = replying.then(() => run('openssl', ['ts', '-reply', '-config', config, '-queryfile', query, '-out', out]));
    replying = made.catch(() => undefined);
    return made.then(() => readFileSync(out));
  };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const n = ++count;
      const behaviour = how(n);
      if (behaviour === 'down') return void req.socket.destroy();
      const query = join(dir, `q${n}.tsq`);
      writeFileSync(query, Buffer.concat(parts));
      const answer = behaviour === 'garbage' ? Promise.resolve(Buffer.from('<html>proxy error</html>')) : reply(behaviour === 'wrong-imprint' ? other : query);
      answer.then(
        (bytes) => {
          const send = () => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(bytes);
          if (behaviour === 'slow') setTimeout(send, options.slowMs ?? 3000).unref();
          else send();
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`,
    caPem,
    certPem,
    requests: () => count,
    behave: (next) => {
      how = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `openssl ts -verify` of a token (DER) over `data`: OpenSSL's verdict, independent of Tanu's. */
export async function opensslVerifiesToken(dir: string, token: Uint8Array, data: Uint8Array, tsa: Pick<OpensslTsa, 'caPem' | 'certPem'>): Promise<boolean> {
  const tokenPath = join(dir, `token-${Date.now()}-${Math.random()}.der`);
  const dataPath = `${tokenPath}.data`;
  writeFileSync(tokenPath, token);
  writeFileSync(dataPath, data);
  try {
    await run('openssl', ['ts', '-verify', '-token_in', '-in', tokenPath, '-data', dataPath, '-CAfile', tsa.caPem, '-untrusted', tsa.certPem]);
    return true;
  } catch {
    return false;
  }
}
