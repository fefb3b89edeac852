/**
 * The committed notebooks, checked without running them (CI executes them: scripts/run-notebooks.sh):
 * valid nbformat-4 JSON on the committed tslab kernel, run to the end, saved with PNG figures and
 * without errors, importing only names the library exports.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../helpers/png.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NOTEBOOKS = join(ROOT, 'notebooks');
const KERNEL = 'tslab-repo';
const KERNEL_DIR = join(NOTEBOOKS, 'jupyter', 'kernels', KERNEL);

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}
interface Notebook {
  nbformat: number;
  metadata: { kernelspec?: { name?: string; language?: string } };
  cells: Cell[];
}

const joined = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : s ?? '');

/** Names exported by an entry file's `export { … }` / `export type { … }` lists (the `as` name when renamed). */
function exportedNames(file: string): Set<string> {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!.trim();
      if (name) names.add(name);
    }
  }
  return names;
}

const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort();

describe('notebooks', () => {
  it('include a quick start, a layer-by-layer view and variational inference on U1–U4', () => {
    expect(files).toEqual(expect.arrayContaining(['01-quick-start.ipynb', '02-layer-by-layer.ipynb', '03-variational-inference.ipynb']));
  });

  it('have a kernelspec whose launcher starts tslab from the repository root', () => {
    const spec = JSON.parse(readFileSync(join(KERNEL_DIR, 'kernel.json'), 'utf8'));
    expect(spec.argv).toEqual(['node', '{resource_dir}/launch.cjs', '{connection_file}']);
    expect(spec.language).toBe('typescript');
    expect(existsSync(join(KERNEL_DIR, 'launch.cjs'))).toBe(true);
    expect(existsSync(join(ROOT, 'node_modules', 'tslab', 'dist', 'main.js'))).toBe(true);
    // Without a connection file it must stop at once with a message, not start a kernel.
    const run = spawnSync(process.execPath, [join(KERNEL_DIR, 'launch.cjs')], { encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/connection file/);
  });

  const index = exportedNames('src/index.ts');
  const node = exportedNames('src/node.ts');

  describe.each(files)('%s', (file) => {
    const nb = JSON.parse(readFileSync(join(NOTEBOOKS, file), 'utf8')) as Notebook;
    const code = nb.cells.filter((c) => c.cell_type === 'code');
    const outputs = code.flatMap((c) => c.outputs ?? []);

    it('is nbformat 4 on the tslab-repo kernel', () => {
      expect(nb.nbformat).toBe(4);
      expect(nb.metadata.kernelspec?.name).toBe(KERNEL);
      expect(code.length).toBeGreaterThan(3);
    });

    it('ran to its last cell, which found no tensor left allocated', () => {
      // tslab leaves execution_count empty, so the last cell's saved output is the evidence of a full run.
      const last = (code.at(-1)?.outputs ?? []).filter((o) => o.output_type === 'stream').map((o) => joined(o.text)).join('');
      expect(last).toMatch(/tensors still allocated: 0\n/);
    });

    it('has no error outputs and nothing on stderr', () => {
      // tslab reports type errors and exceptions as stderr text, not as `error` outputs.
      const bad = outputs.filter((o) => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'));
      expect(bad.map((o) => o.ename ?? joined(o.text).slice(0, 300))).toEqual([]);
    });

    it('has saved PNG figures that are real, non-blank images', () => {
      const pngs = outputs.filter((o) => o.data?.['image/png'] !== undefined).map((o) => Buffer.from(joined(o.data!['image/png']), 'base64'));
      expect(pngs.length).toBeGreaterThanOrEqual(3);
      for (const png of pngs) {
        const { width, height, channels, pixels } = decodePng(png);
        expect(width).toBeGreaterThanOrEqual(300);
        expect(height).toBeGreaterThanOrEqual(300);
        // A drawn figure has axes, text and data: well over 2% of its pixels are not the white background.
        let inked = 0;
        for (let p = 0; p < width * height; p++) if (pixels[p * channels] < 200) inked++;
        expect(inked / (width * height)).toBeGreaterThan(0.02);
      }
    });

    it('imports only ./dist entry points, tslab, and names those entries export', () => {
      const source = code.map((c) => joined(c.source)).join('\n');
      const imports = [...source.matchAll(/import\s+(?:type\s+)?(?:\*\s+as\s+\w+|\{([^}]*)\})\s+from\s+'([^']+)'/g)];
      expect(imports.length).toBeGreaterThan(0);
      for (const [, names, from] of imports) {
        expect(['tslab', './dist/index.js', './dist/node.js']).toContain(from);
        if (from === 'tslab') continue;
        const exported = from === './dist/index.js' ? index : node;
        for (const part of (names ?? '').split(',')) {
          const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0].trim();
          if (name) expect(exported.has(name), `${name} from ${from}`).toBe(true);
        }
      }
    });
  });
});
