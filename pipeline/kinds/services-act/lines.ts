import { displayDate } from '../../core/dates.js';
import { type Labels, label } from '../../render/templates.js';
import type { Language } from '../../standards/schema.js';
import { paymentLine } from '../contract/docx.js';
import { headInParties } from '../views.js';
import type { ServicesActModel } from './model.js';

/**
 * The act's text in one language, line by line (title first): the PDF and the DOCX print
 * the same lines, so the two never disagree.
 */
export function actLines(m: ServicesActModel, labels: Labels, lang: Language): string[] {
  const l = (key: string, values: Record<string, unknown> = {}) => label(labels, key, lang, values);
  return [
    l('title'),
    l('number_date', { number: m.number, date: displayDate(m.date), city: m.centre.city[lang] }),
    l('contract', { number: m.contract.number, date: displayDate(m.contract.date) }),
    l('parties', { centre: m.centre.name[lang], head: headInParties(m.centre.head, lang), customer: m.customer.full_name, iin: m.customer.iin }),
    l('service', { profession: m.profession.name[lang], code: m.profession.code, level: m.profession.level, standard: m.profession.standard_code }),
    l('rendered', { protocol: m.protocol.number, date: displayDate(m.protocol.date) }),
    paymentLine(m.payment, labels, lang),
    l('no_claims'),
    `${l('executor')}: ${m.centre.name[lang]}, ${m.centre.head[lang]} ____________`,
    `${l('customer')}: ${m.customer.full_name} ____________`,
  ];
}
