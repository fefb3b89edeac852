/**
 * The main entry (and so flowToJSON, flowFromJSON, loadFlowFromUrl) must bundle for browsers: no
 * Node built-in module anywhere in its import graph. File I/O lives behind 'tfjs-flows/node'.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const builtins = new Set(builtinModules);

/** Every source file reachable from `entry` through static imports/exports, and the external specifiers they use. */
function importGraph(entry: string): { files: string[]; external: string[] } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    // `import type` and `typeof import('x')` are types (erased); a runtime `import('x')` with a literal is followed.
    for (const m of text.matchAll(/(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^']+)'|(?<!typeof\s)import\('([^']+)'\)/g)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else external.add(spec);
    }
  };
  visit(resolve(root, entry));
  return { files: [...files], external: [...external] };
}

const isNodeBuiltin = (spec: string) => spec.startsWith('node:') || builtins.has(spec.split('/')[0]);

describe('browser safety', () => {
  it('the main entry imports no Node built-in module, and its io code uses no Buffer', () => {
    const { files, external } = importGraph('index.ts');
    expect(files.some((f) => f.endsWith('io/format.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('io/fetch-flow.ts'))).toBe(true);
    expect(external.filter(isNodeBuiltin)).toEqual([]);
    const code = (f: string) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const f of files.filter((f) => f.includes('/io/'))) expect(code(f)).not.toMatch(/\bBuffer\b|\brequire\(/);
  });

  it('the node entry does reach the file functions (so the check above can see a Node import)', () => {
    const { external } = importGraph('node.ts');
    expect(external.filter(isNodeBuiltin)).toContain('node:fs/promises');
  });
});
