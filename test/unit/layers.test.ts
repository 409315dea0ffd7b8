import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers stay layers: no module of pipeline/ imports itself back through others, and
 * no stage folder depends on a folder that depends back on it (docs/architecture.md lists
 * the order). Type-only imports count too: a cycle of types is still a cycle to read.
 */

const ROOT = 'pipeline';

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return modules(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each module's relative imports and re-exports, resolved to module paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of modules(ROOT)) {
    const source = readFileSync(file, 'utf8');
    const targets = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/g)].map((m) =>
      normalize(join(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts'))),
    );
    graph.set(file, targets);
  }
  return graph;
}

/** The first cycle found, as the path that closes it, or null. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) if (!state.has(node)) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

const folderOf = (module: string) => relative(ROOT, module).split('/')[0] ?? '';

describe('layers', () => {
  const graph = importGraph();

  it('finds a cycle when there is one (the check itself works)', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toBeNull();
  });

  it('reads the real imports', () => {
    expect(graph.get(join(ROOT, 'batch/take.ts'))).toContain(join(ROOT, 'ledger/ledger.ts'));
  });

  it('no module imports itself back', () => {
    expect(findCycle(graph)).toBeNull();
  });

  it('no folder of pipeline/ depends on a folder that depends back on it', () => {
    const folders = new Map<string, Set<string>>();
    for (const [module, targets] of graph) {
      const from = folderOf(module);
      const edges = folders.get(from) ?? new Set<string>();
      for (const t of targets) if (folderOf(t) !== from) edges.add(folderOf(t));
      folders.set(from, edges);
    }
    expect(findCycle(new Map([...folders].map(([k, v]) => [k, [...v]])))).toBeNull();
  });
});
