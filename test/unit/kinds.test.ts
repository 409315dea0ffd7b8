import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleModel } from '../../pipeline/dev/sample.js';
import { CertificateModel } from '../../pipeline/kinds/certificate/model.js';
import { KINDS, KIND_LIST, kindOf, loadKindTemplates, parseModel, printable } from '../../pipeline/kinds/registry.js';
import { DocumentType } from '../../pipeline/ledger/rows.js';
import type { ValidationEnv } from '../../pipeline/validate/validate-file.js';
import { shippedEnv } from '../support/env.js';

/** The registry of document kinds: one entry per document type, each complete, and the models the ledger hands back checked by their kind. */
let env: ValidationEnv;
beforeAll(async () => {
  env = await shippedEnv();
});

const sample = (type: DocumentType) => sampleModel(type, 'both', env.config, env.library, '2026-11-23');

describe('document kinds', () => {
  it('has exactly one kind per document type, filed under its own type, with its template folder shipped', () => {
    expect(Object.keys(KINDS).sort()).toEqual([...DocumentType.options].sort());
    for (const type of DocumentType.options) {
      expect(KINDS[type].type).toBe(type);
      for (const file of ['template.hbs', 'style.css', 'labels.yaml']) expect(existsSync(join('templates', KINDS[type].template, file)), `${type}: ${file}`).toBe(true);
    }
    expect(new Set(KIND_LIST.map((k) => k.folder)).size).toBe(KIND_LIST.length);
  });

  it('parses a stored model by its kind, and refuses one that is not what that kind prints', () => {
    for (const type of DocumentType.options) {
      const model = sample(type);
      // What the ledger stores is JSON: the round trip must give the same model back.
      expect(parseModel(type, JSON.parse(JSON.stringify(model)))).toEqual(model);
      expect(kindOf(model).type).toBe(type);
    }
    const certificate = CertificateModel.parse(sample('certificate'));
    expect(() => parseModel('protocol', certificate)).toThrow();
    const { valid_until: _dropped, ...withoutExpiry } = certificate;
    expect(() => parseModel('certificate', withoutExpiry)).toThrow(/valid_until/);
    expect(() => parseModel('certificate', { ...certificate, holder: { ...certificate.holder, extra: 'x' } })).toThrow();
  });

  it('an act of violation is numbered <sitting>-<row>; one stored under the old <sitting>-<IIN> number is still read and printed under it', async () => {
    const act = sample('violation-act');
    expect(act.type === 'violation-act' && act.number).toBe('АК-3-4');
    const old = { ...act, number: 'АК-3-850315400015' };
    const parsed = parseModel('violation-act', JSON.parse(JSON.stringify(old)));
    expect((await printable(parsed, loadKindTemplates('templates'))).title).toBe('Бұзушылық туралы акт № АК-3-850315400015');
  });

  it('prints each kind under its own title and number, one page only for the certificate', async () => {
    const templates = loadKindTemplates('templates');
    const model = CertificateModel.parse(sample('certificate'));
    const certificate = await printable(model, templates);
    expect(certificate.title).toBe(`Кәсіптік біліктілікті тану туралы құжат № ${model.serial}`);
    expect(certificate.onePage).toBe(true);
    // Inline SVG for the page, nothing for Chromium to load.
    expect(certificate.values).toHaveProperty('qr_svg', expect.stringMatching(/^<svg role="img" aria-label="QR" xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+"[^>]*>.*<\/svg>$/s));
    const protocol = await printable(sample('protocol'), templates);
    expect(protocol.onePage).toBe(false);
    expect(protocol.values).toHaveProperty('counts.total', 5);
    expect((await printable(sample('contract'), templates)).title).toMatch(/^Қызметтер көрсету шарты № Ө-2026-0001$/);
  });

  it('puts only certificates in the register of recognized persons', () => {
    const centre = env.config.default_centre;
    const certificate = CertificateModel.parse(sample('certificate'));
    expect(kindOf(certificate).registerRow?.(certificate, { centre, revision: 1 })).toMatchObject({ certificate_serial: certificate.serial, iin: certificate.holder.iin, centre });
    for (const type of ['protocol', 'contract', 'attestation-protocol', 'violation-act', 'services-act'] as const) expect(KINDS[type].registerRow).toBeUndefined();
  });

  it('an attestation protocol marks the register with each decision on a register certificate, never with a rescheduling', () => {
    const model = sample('attestation-protocol');
    expect(model.type).toBe('attestation-protocol');
    if (model.type !== 'attestation-protocol') return;
    expect(KINDS['attestation-protocol'].registerMarks?.(model)).toEqual([
      { certificate_serial: 'DEMO01-2026-000001', result: 'attested', category: 'higher', date: '2026-11-20' },
      { certificate_serial: 'DEMO01-2026-000003', result: 'removed', category: null, date: '2026-11-20' },
      { certificate_serial: 'DEMO01-2026-000004', result: 'not_attested', category: null, date: '2026-11-20' },
    ]);
    // The rescheduled worker's due date: one month after the return to work.
    expect(model.rows[1]).toMatchObject({ result: 'no_show', absence_reason: 'vacation', due_date: '2027-01-01' });
  });
});
