/**
 * Build the browser page: bundle main.ts (and the library, as the package `tfjs-flows`) with esbuild into
 * `examples/browser/dist/main.js`, and copy next to it the page, plotly and TF.js's wasm binaries.
 * `npm run build:browser`, then serve `examples/browser/dist/` with any static server and put a
 * saved model there as `model.json` (or open the page with `?model=URL`).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The TF.js wasm binaries `setWasmPaths` points at (the plain, SIMD and threaded-SIMD builds). */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Bundle and copy into `outDir` (default `examples/browser/dist`); resolves to the files written. */
export async function buildBrowserPage(outDir = join(here, 'dist')): Promise<{ outDir: string; files: string[] }> {
  const out = resolve(outDir);
  await mkdir(out, { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'main.ts')],
    outfile: join(out, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    // Error classes take their `name` from the class (FileFormatError…): minified names would hide them.
    keepNames: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    // tfjs-node is loaded through a variable specifier in the library, so it is never bundled;
    // this only keeps esbuild quiet about Node built-ins that browser builds of dependencies skip.
    external: ['@tensorflow/tfjs-node'],
  });
  const bundled = Object.keys(result.metafile!.inputs);
  const node = bundled.filter((f) => f.includes('tfjs-node') || f.startsWith('node:'));
  if (node.length > 0) throw new Error(`build:browser: the bundle pulled in Node-only modules: ${node.join(', ')}`);
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const copies: [string, string][] = [
    [join(here, 'index.html'), 'index.html'],
    [require.resolve('plotly.js-dist-min'), 'plotly.min.js'],
    ...WASM_FILES.map((f): [string, string] => [join(wasmDir, f), f]),
  ];
  for (const [from, to] of copies) await copyFile(from, join(out, to));
  return { outDir: out, files: ['main.js', 'main.js.map', ...copies.map(([, to]) => to)] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { outDir, files } = await buildBrowserPage(process.argv[2]);
  console.log(`build:browser: wrote ${files.join(', ')} to ${outDir}`);
}
