import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeIin } from './iin.js';

/**
 * An isolated project for a test: its own config whose inbox, outbox, ledger, received and
 * rejected areas and dev key live in a temporary folder, with the repository's standards
 * and templates. Real SQLite file, real keys: nothing shared with other tests.
 */
export function makeProject(dir: string): { config: string; dir: string; inbox: string; outbox: string; ledger: string } {
  const repo = resolve('.');
  const text = readFileSync(join(repo, 'pipeline.config.yaml'), 'utf8')
    .replace('standards: standards', `standards: ${join(repo, 'standards')}`)
    .replace('templates: templates', `templates: ${join(repo, 'templates')}`);
  const config = join(dir, 'pipeline.config.yaml');
  writeFileSync(config, text);
  for (const sub of ['inbox', 'outbox']) mkdirSync(join(dir, sub), { recursive: true });
  return { config, dir, inbox: join(dir, 'inbox'), outbox: join(dir, 'outbox'), ledger: join(dir, 'var', 'ledger.sqlite') };
}

const HEADER = 'ИИН,Фамилия,Имя,Код профессии,Уровень ОРК,Язык,Дата и время первого экзамена,Балл первого экзамена,Дата и время второго экзамена,Балл второго экзамена,Статус,№ протокола,Дата протокола';

/** An exam-results CSV of `count` recognized people (distinct IINs), protocols of 50 rows each. */
export function examResultsCsv(count: number, options: { firstSerial?: number; protocolPrefix?: string } = {}): string {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    const iin = makeIin(`1990-03-${day}`, i % 2 ? 'female' : 'male', (options.firstSerial ?? 1) + Math.floor(i / 28) * 7);
    rows.push(`${iin},Әбдіғұлова,Гүлшаһар,5320-9-006,3,${i % 3 ? 'kk' : 'ru'},10.11.2026 10:00,${70 + (i % 30)},11.11.2026 10:00,80,Танылды,${options.protocolPrefix ?? 'П'}-${Math.floor(i / 50) + 1},12.11.2026`);
  }
  return `${HEADER}\n${rows.join('\n')}\n`;
}
