import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import QRCode from 'qrcode';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { displayDate } from '../core/dates.js';
import { withEnding } from '../core/kazakh.js';
import type { Language } from '../standards/schema.js';
import { bundledFonts } from './fonts.js';

/**
 * Handlebars templates under templates/: a layout, shared partials and base CSS, and per
 * document a template, its CSS and its wording (labels.yaml, kk and ru). Every value goes
 * through {{ }} and is HTML-escaped; the only unescaped insertions are our own CSS and the
 * already-escaped document bodies. Compiled once, in an environment of their own.
 */

const Labels = z.record(z.string(), z.strictObject({ kk: z.string(), ru: z.string() }));
export type Labels = z.infer<typeof Labels>;

/**
 * A document as render sees it: the template folder that lays it out, its languages, its
 * title for the PDF's metadata, whether it fills exactly one page, and the values its
 * template prints. Render knows no document kinds; each kind (pipeline/kinds/) makes these
 * from its model.
 */
export type Printable = {
  template: string;
  languages: readonly Language[];
  title: string;
  onePage: boolean;
  values: object;
};

export type TemplateSet = {
  /** A document template's wording (its labels.yaml). */
  labels(template: string): Labels;
  /** One HTML page holding the given documents (all of one template), one after another. */
  page(documents: readonly Printable[], options: { sample: boolean }): string;
};

const fill = (pattern: string, values: Record<string, unknown>, escape: (v: unknown) => string) =>
  pattern.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? escape(values[key]) : whole));

/** The wording of a label with its {placeholders} filled: used by the HTML helper and the DOCX. */
export function label(labels: Labels, key: string, lang: Language, values: Record<string, unknown> = {}, escape: (v: unknown) => string = String): string {
  const entry = labels[key];
  if (!entry) throw new Error(`no label "${key}"`);
  return fill(entry[lang], values, escape);
}

/** The templates in `dir`: the layout and partials, and one folder per document template named in `documents`. */
export function loadTemplates(dir: string, documents: readonly string[]): TemplateSet {
  const hb = Handlebars.create();
  const read = (...parts: string[]) => readFileSync(join(dir, ...parts), 'utf8');
  for (const file of readdirSync(join(dir, 'partials')).filter((f) => f.endsWith('.hbs')))
    hb.registerPartial(basename(file, '.hbs'), read('partials', file));

  const labels = new Map(documents.map((t) => [t, Labels.parse(parseYaml(read(t, 'labels.yaml')))]));
  const helperLabels = (options: Handlebars.HelperOptions) => (options.data as { root: { labels: Labels } }).root.labels;

  /**
   * A wording that agrees with a person's sex (`sex=` in the call): `<key>_female` where the
   * labels have it («признана», «аттестована»), else the key's own wording.
   */
  const agreeing = (options: Handlebars.HelperOptions, key: string) => {
    const sex = (options.hash as { sex?: unknown }).sex;
    return sex === 'female' && `${key}_female` in helperLabels(options) ? `${key}_female` : key;
  };
  hb.registerHelper('label', (key: string, lang: Language, options: Handlebars.HelperOptions) => label(helperLabels(options), agreeing(options, key), lang));
  // A value that is already markup (a name from the `name` helper) goes in as it is; anything else is escaped.
  const escape = (v: unknown) => (v instanceof hb.SafeString ? v.toString() : hb.escapeExpression(String(v)));
  hb.registerHelper('fmt', (key: string, lang: Language, options: Handlebars.HelperOptions) =>
    new hb.SafeString(keepNumbersWithWords(label(helperLabels(options), agreeing(options, key), lang, options.hash as Record<string, unknown>, escape))),
  );
  // A name breaks only between its words, never at the hyphen of "Айгерім-Гүлнұр".
  hb.registerHelper('name', (fullName: string) => new hb.SafeString(fullName.split(' ').map((w) => nowrap(hb.escapeExpression(w))).join(' ')));
  /**
   * The address breaks anywhere in its host if it must, its path only after a slash: a path
   * part (the serial, the code) is never cut («DEMO01-2026-000» / «004» was printed).
   */
  hb.registerHelper('url', (url: string) => {
    const hostEnd = url.indexOf('/', url.indexOf('//') + 2);
    const [host, path] = hostEnd < 0 ? [url, ''] : [url.slice(0, hostEnd + 1), url.slice(hostEnd + 1)];
    const parts = path === '' ? [] : path.split('/').map((part, i, all) => nowrap(hb.escapeExpression(i < all.length - 1 ? `${part}/` : part)));
    return new hb.SafeString([`<span class="url">${hb.escapeExpression(host)}</span>`, ...parts].join('<wbr>'));
  });
  hb.registerHelper('pick', (text: Record<Language, string> | undefined, lang: Language) => text?.[lang] ?? '');
  hb.registerHelper('date', (iso: string) => displayDate(iso));
  hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  hb.registerHelper('gt', (a: number, b: number) => a > b);
  hb.registerHelper('cssString', (text: string) => new hb.SafeString(cssString(text)));
  hb.registerHelper('isNumber', (v: unknown) => typeof v === 'number');
  // Kazakh and Russian write a decimal with a comma: «90,5».
  hb.registerHelper('decimal', (n: number) => String(n).replace('.', ','));
  // A date or number in digits with its Kazakh ablative ending: «01.01.2027-ден».
  hb.registerHelper('ablative', (text: string) => withEnding(text, 'ablative'));

  const compile = (source: string) => hb.compile(source, { strict: true, noEscape: false });
  const layout = compile(read('layout.hbs'));
  const baseCss = read('base.css');
  const compiled = new Map(documents.map((t) => [t, { template: compile(read(t, 'template.hbs')), css: read(t, 'style.css') }]));
  const fonts = bundledFonts();
  const labelsOf = (template: string): Labels => {
    const found = labels.get(template);
    if (!found) throw new Error(`no document template "${template}" in ${dir}`);
    return found;
  };

  return {
    labels: labelsOf,
    page(printables, { sample }) {
      const first = printables[0];
      if (!first) throw new Error('no documents to lay out');
      const doc = compiled.get(first.template);
      if (!doc) throw new Error(`no document template "${first.template}" in ${dir}`);
      const bodies = printables.map((p) => {
        if (p.template !== first.template) throw new Error(`one page holds one document template, got ${first.template} and ${p.template}`);
        return doc.template({ ...p.values, labels: labelsOf(p.template), sample });
      });
      return layout({ lang: first.languages[0] ?? 'kk', fontCss: fonts.css, baseCss, documentCss: doc.css, body: bodies.join('\n') });
    },
  };
}

const nowrap = (html: string) => `<span class="nowrap">${html}</span>`;

/**
 * A number and the word it counts stay on one line ("5 уровень", "4-деңгейдегі"): applied
 * to escaped label text, where the only markup is our own nowrap spans.
 */
export const NUMBER_WITH_WORD = /\d+[ \u00a0-]\p{L}+/gu;
const keepNumbersWithWords = (html: string) => html.replace(NUMBER_WITH_WORD, (m) => nowrap(m));


/**
 * A CSS string literal for a value: every character but letters, digits and a few safe
 * marks as a CSS escape, so a value can neither end the string nor the <style> element.
 */
export const cssString = (text: string) =>
  `"${[...text].map((ch) => (/[\p{L}\p{N} .,№/]/u.test(ch) ? ch : `\\${(ch.codePointAt(0) ?? 0).toString(16)} `)).join('')}"`;


/**
 * A QR code as inline SVG markup, for a template to put in the page as it is (`{{{qr_svg}}}`):
 * an SVG behind an <img> is a document of its own to Chromium, and fifty of them made a
 * certificate print about 30 % slower (bench/README.md, issue 12, round 5). The markup is
 * the QR library's own: the text is encoded in the drawing, never written into it.
 */
export async function qrSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 0, errorCorrectionLevel: 'M' });
  return svg.trim().replace(/^<svg /, '<svg role="img" aria-label="QR" ');
}
