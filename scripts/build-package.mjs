/**
 * The second half of `npm run build` (after `tsc -p tsconfig.build.json` wrote the ES modules and
 * their types to `dist/`):
 *
 * - `dist/tf-gradients.node.js`: tfjs-core's gradient and chained-op registrations bundled for Node
 *   (tfjs-core ships them only as extension-less ES modules, which Node cannot load; the
 *   `@tensorflow/tfjs` umbrella bundles them the same way). Only the root `@tensorflow/tfjs-core`
 *   stays external, so the copies register into the application's one engine. `dist/cjs/` holds the
 *   same as CommonJS.
 * - `dist/cjs/`: every module again as CommonJS, one file per module (so `require('tfjs-flows')` and
 *   `require('tfjs-flows/node')` share one copy of each module), with `import.meta.url` mapped to the
 *   ES module beside it (worker scripts and plotly are found from there), and the type declarations
 *   copied under a `{"type": "commonjs"}` package.json so that TypeScript reads them as CommonJS.
 * - `dist/browser/`: the prebuilt ES-module bundle for browsers (`tfjs-flows/browser`: library and
 *   TF.js in one file, minified) and TF.js's wasm binaries next to it.
 *
 * Prints the browser bundle's size (raw and gzip).
 */
import { build, transform } from 'esbuild';
import { createRequire } from 'node:module';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const cjs = join(dist, 'cjs');
const browser = join(dist, 'browser');
const require = createRequire(import.meta.url);

/** Files that cannot be CommonJS (top-level await) and that no CommonJS entry reaches. */
const ESM_ONLY = new Set(['cli/main.ts']);
/** TF.js's wasm binaries (plain, SIMD, threaded SIMD) that the browser bundle loads next to itself. */
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

async function walk(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

/** Keep the root `@tensorflow/tfjs-core` external and bundle its internal modules. */
const coreRootExternal = {
  name: 'core-root-external',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, (args) => ({ path: args.path, external: true }));
  },
};

async function gradients() {
  for (const [format, outfile] of [
    ['esm', join(dist, 'tf-gradients.node.js')],
    ['cjs', join(cjs, 'tf-gradients.node.js')],
  ]) {
    await build({
      // The root import first: tfjs-core's engine and Tensor class exist before the copies run.
      stdin: { contents: `import '@tensorflow/tfjs-core';\nimport './tf-gradients.js';\n`, resolveDir: src, sourcefile: 'tf-gradients.node.ts', loader: 'ts' },
      bundle: true,
      format,
      platform: 'node',
      target: 'node20',
      outfile,
      plugins: [coreRootExternal],
      legalComments: 'eof',
      logLevel: 'warning',
    });
    // Declarations, so that a TypeScript consumer resolves `import '#tf-gradients'` in dist/tf.d.ts.
    await writeFile(outfile.replace(/\.js$/, '.d.ts'), 'export {};\n');
  }
}

async function commonjs() {
  const files = (await walk(src)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  for (const file of files) {
    const rel = relative(src, file).split(sep).join('/');
    if (ESM_ONLY.has(rel) || rel === 'browser.ts') continue;
    const out = join(cjs, rel.replace(/\.ts$/, '.js'));
    // The ES module this file mirrors, relative to the CommonJS file: `import.meta.url` names it.
    const esm = relative(dirname(out), join(dist, rel.replace(/\.ts$/, '.js'))).split(sep).join('/');
    const code = await readFile(file, 'utf8');
    const result = await transform(code, {
      loader: 'ts',
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcefile: rel,
      define: { 'import.meta.url': '__tfjs_flows_esm_url' },
      banner: code.includes('import.meta.url')
        ? `const __tfjs_flows_esm_url = require('node:url').pathToFileURL(require('node:path').join(__dirname, ${JSON.stringify(esm)})).href;`
        : '',
    });
    // The package's `imports` map is out of reach from dist/cjs/ (its own package.json is the scope there).
    const gradients = relative(dirname(out), join(cjs, 'tf-gradients.node.js')).split(sep).join('/');
    const body = result.code.replaceAll('require("#tf-gradients")', `require(${JSON.stringify(gradients.startsWith('.') ? gradients : `./${gradients}`)})`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, body);
  }
  await writeFile(join(cjs, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
  // The declarations again under dist/cjs/, where the package.json above makes TypeScript read them as CommonJS.
  for (const file of await walk(dist)) {
    if (!file.endsWith('.d.ts') || file.startsWith(cjs + sep) || file.startsWith(browser + sep)) continue;
    const out = join(cjs, relative(dist, file));
    await mkdir(dirname(out), { recursive: true });
    const text = await readFile(file, 'utf8');
    await writeFile(out, text.replaceAll("'#tf-gradients'", `'./${relative(dirname(out), join(cjs, 'tf-gradients.node.js')).split(sep).join('/')}'`));
  }
}

async function browserBundle() {
  const outfile = join(browser, 'tfjs-flows.js');
  const result = await build({
    entryPoints: [join(src, 'browser.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    // Error classes name themselves with literals, but keep the classes' names for stack traces and users' checks.
    keepNames: true,
    metafile: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // Loaded through a variable specifier in src/backend.ts, and Node-only: never in a browser bundle.
    external: ['@tensorflow/tfjs-node'],
  });
  const node = Object.keys(result.metafile.inputs).filter((f) => f.includes('tfjs-node') || f.startsWith('node:'));
  if (node.length > 0) throw new Error(`build: the browser bundle pulled in Node-only modules: ${node.join(', ')}`);
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  for (const f of WASM_FILES) await copyFile(join(wasmDir, f), join(browser, f));
  const bytes = await readFile(outfile);
  const wasm = (await stat(join(browser, 'tfjs-backend-wasm-simd.wasm'))).size;
  const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
  console.log(`build: dist/browser/tfjs-flows.js ${mb(bytes.length)} (${mb(gzipSync(bytes).length)} gzip), plus the SIMD wasm binary ${mb(wasm)}`);
}

/**
 * Every module of ours imported only for its side effects (`import './x.js'`) must be listed in
 * package.json `sideEffects`, or bundlers (esbuild, webpack, Rollup) drop it: check both its `dist/`
 * and its `src/` path, so that a new registration module cannot be silently tree-shaken away.
 */
async function checkSideEffects() {
  const { sideEffects } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const patterns = sideEffects.map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(.*/)?').replace(/\*\*/g, '.*').replace(/\*/g, '[^/]*')}$`));
  const listed = (path) => patterns.some((re) => re.test(path));
  const missing = [];
  for (const file of (await walk(src)).filter((f) => f.endsWith('.ts'))) {
    for (const [, spec] of (await readFile(file, 'utf8')).matchAll(/^import '(\.[^']+)';/gm)) {
      const target = relative(src, resolve(dirname(file), spec)).split(sep).join('/');
      for (const path of [`./dist/${target}`, `./src/${target.replace(/\.js$/, '.ts')}`]) if (!listed(path)) missing.push(`${path} (imported by src/${relative(src, file)})`);
    }
  }
  if (missing.length) throw new Error(`build: modules imported for their side effects are missing from package.json sideEffects: ${missing.join(', ')}`);
}

await checkSideEffects();
await rm(cjs, { recursive: true, force: true });
await rm(browser, { recursive: true, force: true });
await mkdir(cjs, { recursive: true });
await mkdir(browser, { recursive: true });
await gradients();
await commonjs();
await browserBundle();
