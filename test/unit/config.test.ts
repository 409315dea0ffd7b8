import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envLayer, loadConfig } from '../../pipeline/config/load.js';
import { TanuError } from '../../pipeline/core/tanu-error.js';
import { useTmpDir } from '../support/tmp.js';

const tmp = useTmpDir();

const MINIMAL = `default_centre: ALM01
centres:
  - id: ALM01
    name: { kk: Алматы орталығы, ru: Центр Алматы }
    head: { kk: Басшы, ru: Руководитель }
    city: { kk: Алматы, ru: Алматы }
    serial_prefix: ALM01
`;

function write(text: string): string {
  const file = join(tmp(), 'pipeline.config.yaml');
  writeFileSync(file, text);
  return file;
}

async function problem(text: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    await loadConfig(write(text), { env });
  } catch (e) {
    expect(e).toBeInstanceOf(TanuError);
    return (e as TanuError).text.ru;
  }
  throw new Error('config was accepted');
}

describe('config', () => {
  it('fills defaults and resolves paths against the config file', async () => {
    const file = write(MINIMAL);
    const config = await loadConfig(file, { env: {} });
    expect(config.defaults).toEqual({ pass_threshold: 70, validity_years: 5, serial_format: '{centre}-{yyyy}-{seq:6}' });
    expect(config.paths.ledger).toBe(join(tmp(), 'var/ledger.sqlite'));
    expect(config.signing.password_env).toBe('TANU_KEY_PASSWORD');
  });

  it('layers: defaults < file < TANU_* environment < flags', async () => {
    const file = write(`${MINIMAL}concurrency: 3\ndefaults: { pass_threshold: 75 }\n`);
    const env = { TANU_CONCURRENCY: '4', TANU_DEFAULTS__VALIDITY_YEARS: '3', TANU_KEY_PASSWORD: 'secret', TANU_UNRELATED_THING: 'x' };
    const config = await loadConfig(file, { env, flags: { concurrency: 8 } });
    expect(config.concurrency).toBe(8);
    expect(config.defaults).toMatchObject({ pass_threshold: 75, validity_years: 3 });
    expect(JSON.stringify(config)).not.toContain('secret');
    expect((await loadConfig(file, { env })).concurrency).toBe(4);
    expect((await loadConfig(file, { env: {} })).concurrency).toBe(3);
  });

  it('reads only schema keys from the environment, never the key password', () => {
    const { layer } = envLayer({ TANU_KEY_PASSWORD: 'x', TANU_PATHS__OUTBOX: '/srv/out', PATH: '/bin' });
    expect(layer).toEqual({ paths: { outbox: '/srv/out' } });
  });

  it('names the key path, the line and what was expected', async () => {
    const text = await problem(MINIMAL.replace('serial_prefix: ALM01', 'serial_prefix: "ALM 01 !"'));
    expect(text).toMatch(/pipeline\.config\.yaml:7 centres\[0\]\.serial_prefix: буквы, цифры или "-"/);
    expect(await problem(`${MINIMAL}concurrency: many\n`)).toMatch(/:8 concurrency: ожидается число/);
    expect(await problem(MINIMAL, { TANU_CONCURRENCY: 'many' })).toMatch(/TANU_CONCURRENCY concurrency/);
    expect(await problem(MINIMAL.replace('default_centre: ALM01', 'default_centre: AST02'))).toMatch(/default_centre AST02 нет среди centres/);
    expect(await problem(`${MINIMAL}concurency: 2\n`)).toMatch(/concurency/);
  });

  it('refuses a password written into the file', async () => {
    expect(await problem(`${MINIMAL}signing: { key: k.p12, password: hunter2 }\n`)).toMatch(/signing.*password/);
  });

  it('reports YAML syntax with its line', async () => {
    expect(await problem(`${MINIMAL}defaults: [\n`)).toMatch(/pipeline\.config\.yaml:\d+/);
  });
});

describe('config errors, in the operator language and at the right line', () => {
  const shipped = () => readFileSync('pipeline.config.yaml', 'utf8');
  async function text(config: string): Promise<{ kk: string; ru: string }> {
    try {
      await loadConfig(write(config), { env: {} });
    } catch (e) {
      return (e as TanuError).text;
    }
    throw new Error('config was accepted');
  }

  it('an unknown key is reported at its own line, in Kazakh and Russian, never in English', async () => {
    const lines = shipped().split('\n');
    const at = lines.findIndex((l) => l.startsWith('concurrency:'));
    lines[at] = lines[at]?.replace('concurrency', 'concurency') ?? '';
    const t = await text(lines.join('\n'));
    expect(t.ru).toContain(`pipeline.config.yaml:${at + 1} concurency: неизвестный ключ`);
    expect(t.kk).toContain(`pipeline.config.yaml:${at + 1} concurency: белгісіз кілт`);
    expect(`${t.kk} ${t.ru}`).not.toMatch(/Unrecognized|expected/);
  });

  it('a password under signing points at its line and at the environment variable', async () => {
    const lines = shipped().split('\n');
    const at = lines.findIndex((l) => l.includes('password_env:'));
    lines.splice(at + 1, 0, '  password: hunter2');
    const t = await text(lines.join('\n'));
    expect(t.ru).toContain(`pipeline.config.yaml:${at + 2} signing.password: пароль не пишется в файл настроек: задайте его в переменной окружения, названной в signing.password_env`);
    expect(t.kk).toContain('signing.password_env атаған орта айнымалысына');
    expect(t.ru).not.toContain('hunter2');
  });

  it('a number out of its range, from the environment, names the key and the bound (a regeneration batch of 0 or 10,001)', async () => {
    expect(await problem(MINIMAL, { TANU_DOCUMENTS__REGENERATION_BATCH: '0' })).toMatch(/TANU_DOCUMENTS__REGENERATION_BATCH documents\.regeneration_batch: не меньше 1$/);
    expect(await problem(MINIMAL, { TANU_DOCUMENTS__REGENERATION_BATCH: '10001' })).toMatch(/TANU_DOCUMENTS__REGENERATION_BATCH documents\.regeneration_batch: не больше 10000$/);
    expect((await loadConfig(write(MINIMAL), { env: { TANU_DOCUMENTS__REGENERATION_BATCH: '10000' } })).documents.regeneration_batch).toBe(10_000);
  });

  it('a wrong type says what was expected in words', async () => {
    const t = await text(shipped().replace('concurrency: 2', 'concurrency: two'));
    expect(t.ru).toMatch(/concurrency: ожидается число/);
    expect(t.kk).toMatch(/concurrency: сан болуы тиіс/);
  });
});

describe('ledger.url', () => {
  it('is unset by default: the SQLite file at paths.ledger', async () => {
    expect((await loadConfig(write(MINIMAL), { env: {} })).ledger).toEqual({ password_env: 'TANU_LEDGER_PASSWORD', jobs: false });
  });

  it('batches as jobs need the PostgreSQL ledger, and a machine signs only for configured centres', async () => {
    expect(await problem(`${MINIMAL}ledger: { jobs: true }\n`)).toMatch(/ledger\.jobs: очередь заданий есть только в журнале PostgreSQL: укажите ledger\.url/);
    const jobs = await loadConfig(write(MINIMAL), { env: { TANU_LEDGER__URL: 'postgres://tanu@db/tanu', TANU_LEDGER__JOBS: 'true', TANU_SIGNING__CENTRES: '[ALM01]' } });
    expect(jobs.ledger.jobs).toBe(true);
    expect(jobs.signing.centres).toEqual(['ALM01']);
    expect(await problem(`${MINIMAL}signing: { centres: [NOWHERE] }\n`)).toMatch(/signing\.centres\[0\]: центра NOWHERE нет среди centres/);
  });

  it('takes a PostgreSQL URL from the file or TANU_LEDGER__URL, never the password the variable holds', async () => {
    const fromFile = await loadConfig(write(`${MINIMAL}ledger: { url: "postgres://tanu@db.example.kz:5432/tanu" }\n`), { env: {} });
    expect(fromFile.ledger.url).toBe('postgres://tanu@db.example.kz:5432/tanu');
    const fromEnv = await loadConfig(write(MINIMAL), { env: { TANU_LEDGER__URL: 'postgresql://tanu@/tanu?host=/run/postgresql', TANU_LEDGER_PASSWORD: 'hunter2' } });
    expect(fromEnv.ledger.url).toBe('postgresql://tanu@/tanu?host=/run/postgresql');
    expect(JSON.stringify(fromEnv)).not.toContain('hunter2');
  });

  it('refuses a password in the URL or under ledger, and a URL of another database', async () => {
    expect(await problem(`${MINIMAL}ledger: { url: "postgres://tanu:hunter2@db/tanu" }\n`)).toMatch(/ledger\.url: пароль не пишется в URL.*ledger\.password_env/);
    expect(await problem(`${MINIMAL}ledger: { url: "postgres://tanu@db/tanu?sslmode=require&password=hunter2" }\n`)).toMatch(/ledger\.url: пароль не пишется в URL/);
    expect(await problem(`${MINIMAL}ledger: { url: "postgres://tanu@db/tanu", password: hunter2 }\n`)).toMatch(/ledger\.password: .*ledger\.password_env/);
    expect(await problem(`${MINIMAL}ledger: { url: "mysql://tanu@db/tanu" }\n`)).toMatch(/ledger\.url: postgres:\/\/пользователь@хост\/база/);
  });
});
