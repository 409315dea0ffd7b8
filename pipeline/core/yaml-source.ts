import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';

/**
 * YAML that people edit (the config, the standards) is checked against its zod schema and
 * every problem is pointed at a file, a line and a key path, so a methodologist can fix
 * the YAML without reading code.
 */
export type LocatedProblem = { file: string; line: number; path: string; message: string };

export type YamlSource = { data: unknown; lineOf: (path: readonly PropertyKey[]) => number };

export const formatPath = (path: readonly PropertyKey[]) =>
  path.length === 0 ? '(top level)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replaceAll('.[', '[');

/** Parses YAML keeping positions; `lineOf` finds the deepest existing node on a path. */
export function parseYamlSource(file: string, text: string): { ok: true; source: YamlSource } | { ok: false; problems: LocatedProblem[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0)
    return {
      ok: false,
      problems: doc.errors.map((e) => ({ file, line: counter.linePos(e.pos[0]).line, path: '(syntax)', message: e.message.split('\n')[0] ?? e.code })),
    };
  let data: unknown;
  try {
    // A small alias budget: a hostile "billion laughs" file is refused, not expanded.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, problems: [{ file, line: 1, path: '(syntax)', message: (e as Error).message }] };
  }
  const lineOf = (path: readonly PropertyKey[]) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
    }
    return 1;
  };
  return { ok: true, source: { data, lineOf } };
}

export function locateIssues<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): { ok: true; value: z.infer<S> } | { ok: false; problems: LocatedProblem[] } {
  const read = parseYamlSource(file, text);
  if (!read.ok) return read;
  const parsed = schema.safeParse(read.source.data);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      file,
      line: read.source.lineOf(issue.path),
      path: formatPath(issue.path),
      message: issue.message,
    })),
  };
}
