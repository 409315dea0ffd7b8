import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { locateIssues, type LocatedProblem } from '../core/yaml-source.js';
import { type Abbreviation, type Card, Standard, type Thresholds } from './schema.js';

export type StandardProblem = LocatedProblem;

export type Library = {
  readonly standards: readonly Standard[];
  /** Every standard holding a card with this code (a code may outlive its standard). */
  cardsByCode(code: string): readonly { standard: Standard; card: Card }[];
  byCode(code: string): Standard | undefined;
};

/** Pure core: one YAML text in, a standard or located problems out. */
export function parseStandard(file: string, text: string): { standard?: Standard; problems: StandardProblem[] } {
  const located = locateIssues(file, text, Standard);
  if (!located.ok) return { problems: located.problems };
  const standard = located.value;
  const expected = `${standard.code}.yaml`;
  if (basename(file) !== expected)
    return { standard, problems: [{ file, line: 1, path: 'code', message: { kk: `файл өз кодымен ${expected} деп аталуы тиіс`, ru: `файл должен называться по своему коду: ${expected}` } }] };
  return { standard, problems: [] };
}

export function buildLibrary(standards: readonly Standard[]): Library {
  const cards = new Map<string, { standard: Standard; card: Card }[]>();
  const codes = new Map<string, Standard>();
  for (const standard of standards) {
    codes.set(standard.code, standard);
    for (const card of standard.cards) {
      const list = cards.get(card.code) ?? [];
      list.push({ standard, card });
      cards.set(card.code, list);
    }
  }
  return {
    standards,
    cardsByCode: (code) => cards.get(code) ?? [],
    byCode: (code) => codes.get(code),
  };
}

/** Shell: every `*.yaml` in the folder, each checked; problems carry file and line. */
export async function loadLibrary(dir: string): Promise<{ library: Library; problems: StandardProblem[]; files: string[] }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const standards: Standard[] = [];
  const problems: StandardProblem[] = [];
  for (const name of files) {
    const file = join(dir, name);
    const result = parseStandard(file, await readFile(file, 'utf8'));
    problems.push(...result.problems);
    if (result.standard) {
      if (standards.some((s) => s.code === result.standard?.code))
        problems.push({ file, line: 1, path: 'code', message: { kk: `${result.standard.code} стандарты екі рет анықталған`, ru: `стандарт ${result.standard.code} определён дважды` } });
      else standards.push(result.standard);
    }
  }
  return { library: buildLibrary(standards), problems, files: files.map((f) => join(dir, f)) };
}

/** In force on a date: on or after `in_force_from`, and before `repealed_from` if any. */
export const inForceOn = (standard: Standard, date: string) =>
  standard.in_force_from <= date && (standard.repealed_from === null || date < standard.repealed_from);

/** The version of the standard that applies on a date (the latest that had taken effect). */
export function versionOn(standard: Standard, date: string) {
  return standard.versions.filter((v) => v.effective_from <= date).at(-1);
}

/**
 * A card's wording as of a version: the top-level card with the `cards:` entries of every
 * version up to it applied in order, each field replacing the one before it whole
 * (docs/formats.md, "Standards: versions"). Undefined when the standard has no such card.
 */
export function cardOn(standard: Standard, code: string, version: number): Card | undefined {
  const card = standard.cards.find((c) => c.code === code);
  if (!card) return undefined;
  return standard.versions
    .filter((v) => v.version <= version)
    .flatMap((v) => v.cards?.filter((c) => c.code === code) ?? [])
    .reduce<Card>((worded, rewording) => ({ ...worded, ...rewording }), card);
}

/** The abbreviations as of a version: each version's entries replace or add theirs by number. */
export function abbreviationsOn(standard: Standard, version: number): Abbreviation[] {
  const byNumber = new Map((standard.abbreviations ?? []).map((a) => [a.number, a]));
  for (const v of standard.versions.filter((x) => x.version <= version)) for (const a of v.abbreviations ?? []) byNumber.set(a.number, a);
  return [...byNumber.values()].sort((a, b) => a.number - b.number);
}

/**
 * Defaults < the standard's YAML < the centre's override < the centre's override for this
 * standard. Without a standard (the card is unknown) the centre's general override applies.
 */
export function effectiveThresholds(
  defaults: Required<Thresholds>,
  standard: Standard | undefined,
  centre: { overrides?: Thresholds & { standards?: Record<string, Thresholds> } } | undefined,
): Required<Thresholds> {
  const layers = [standard?.settings, centre?.overrides, standard && centre?.overrides?.standards?.[standard.code]];
  return layers.reduce<Required<Thresholds>>(
    (acc, layer) => ({
      pass_threshold: layer?.pass_threshold ?? acc.pass_threshold,
      validity_years: layer?.validity_years ?? acc.validity_years,
    }),
    defaults,
  );
}
