/**
 * The package as a user gets it (`npm run test:package`, run by .ci/run): `npm pack`, then the
 * tarball installed into fresh projects outside the repository, where
 *
 * 1. a plain project (npm installs the TF.js peers itself) runs the README's tour, extracted from
 *    README.md, as an ES module and as CommonJS; checks gradients of the ops the flows use against
 *    central differences, through both `import` and `require`, on the wasm and cpu backends; checks
 *    that PNG export without the optional peer playwright-core names it; and type-checks an ES module
 *    and a CommonJS consumer against the shipped declarations;
 * 2. an application with its own `@tensorflow/tfjs` installs the package beside it: one tfjs-core in
 *    node_modules, and at run time one engine shared by the application and the library.
 *
 * Installs resolve from the npm registry (`--prefer-offline`: the local cache first). Prints sizes
 * (tarball, installed node_modules, browser bundle) as JSON at the end. Exits non-zero on any failure.
 *
 *     node scripts/test-package.mjs [--keep]   # --keep leaves the temporary projects for inspection
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'tfjs-flows-package-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const started = performance.now();

function log(line) {
  console.log(`test:package: ${line}`);
}

function run(cmd, args, cwd, env = {}) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 15 * 60_000 });
  const seconds = ((performance.now() - t) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${r.status ?? r.signal}, ${seconds} s)`);
  }
  log(`ok  ${cmd} ${args.join(' ')}  (${seconds} s)`);
  return r.stdout;
}

function duBytes(dir) {
  let total = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  }
  return total;
}

const MB = (n) => Number((n / 1e6).toFixed(2));

/** The README's tour: the first ```ts block after the "A tour of the API" heading. */
export function readmeTour(readme = readFileSync(join(root, 'README.md'), 'utf8')) {
  const at = readme.indexOf('## A tour of the API');
  if (at < 0) throw new Error('README.md has no "## A tour of the API" section');
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error('README.md: no ```ts block in the tour');
  return block[1];
}

/** The same program as CommonJS: imports become requires, the body runs in an async function. */
export function toCommonJs(esm) {
  const imports = [];
  const body = esm.replace(/^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)';\s*$/gm, (_, names, from) => {
    const values = names.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type '));
    imports.push(`const { ${values.join(', ')} } = require(${JSON.stringify(from)});`);
    return '';
  });
  if (/^import\s/m.test(body)) throw new Error('toCommonJs: an import form it does not know');
  return `${imports.join('\n')}\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1); });\n`;
}

// ---- Checks run inside the fresh projects (plain JavaScript, no TypeScript there). ----

/** Gradients of the ops the flows use, against central differences; `lib` is the tfjs-flows module. */
const GRADIENT_CHECK = `
async function gradientCheck(lib, label) {
  const { tf } = lib;
  const backend = await lib.ready();
  const x0 = [[0.3, -0.8, 1.1], [-0.5, 0.2, 0.7]];
  const W = tf.tensor2d([[0.5, -1.2], [0.8, 0.3], [-0.4, 0.9]]);
  const cases = {
    matMul: (x) => tf.sum(tf.square(tf.matMul(x, W))),
    'exp, log1p, softplus': (x) => tf.sum(tf.add(tf.exp(tf.mul(x, 0.5)), tf.add(tf.log1p(tf.square(x)), tf.softplus(x)))),
    'tanh, sigmoid, relu': (x) => tf.sum(tf.mul(tf.tanh(x), tf.add(tf.sigmoid(x), tf.relu(tf.sub(x, 0.1))))),
    'slice, concat, sqrt, div': (x) => tf.sum(tf.div(tf.concat([tf.slice(x, [0, 0], [2, 1]), tf.sqrt(tf.add(tf.square(x), 1))], 1), 1.7)),
    'logSumExp, mean, max': (x) => tf.add(tf.sum(tf.logSumExp(x, 1)), tf.mul(tf.mean(tf.max(x, 1)), 2)),
    'oneHot pick (no gather)': (x) => tf.sum(tf.mul(tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3), tf.exp(x))),
  };
  for (const [name, f] of Object.entries(cases)) {
    const g = tf.grad(f)(tf.tensor2d(x0)).arraySync();
    const h = 1e-2;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) {
      const plus = x0.map((r) => r.slice()); plus[i][j] += h;
      const minus = x0.map((r) => r.slice()); minus[i][j] -= h;
      const fd = (f(tf.tensor2d(plus)).arraySync() - f(tf.tensor2d(minus)).arraySync()) / (2 * h);
      if (!(Math.abs(g[i][j] - fd) <= 2e-2 * (1 + Math.abs(fd)))) throw new Error(label + ' ' + backend + ': d/dx[' + i + '][' + j + '] of ' + name + ' = ' + g[i][j] + ', central difference ' + fd);
    }
  }
  // The chained ops users of tf expect (tfjs-core alone has none under Node).
  const chained = tf.tensor1d([1, -2, 3]).square().sum().arraySync();
  if (chained !== 14) throw new Error(label + ': chained ops give ' + chained);
  // Through a whole flow: every weight gets a finite, non-zero gradient of the mean NLL.
  const flow = lib.neuralSplineFlow({ dim: 2, layers: 2, bins: 4, hidden: [8], seed: 0 });
  const data = lib.datasets.moons(64, { seed: 1 });
  const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(flow.logProb(data))));
  const norms = Object.values(grads).map((t) => tf.norm(t).arraySync());
  if (norms.length === 0 || !norms.every((n) => Number.isFinite(n)) || norms.every((n) => n === 0)) throw new Error(label + ': flow gradients ' + norms);
  tf.dispose([value, data, W, ...Object.values(grads)]);
  console.log(label + ': gradients on ' + backend + ' match central differences; ' + norms.length + ' flow weights have finite gradients');
}

async function playwrightAbsent(node, label) {
  try {
    await node.renderPng({ data: [{ type: 'scatter', x: [0, 1], y: [0, 1] }], layout: {} }, 'x.png');
  } catch (e) {
    if (e.name === 'RenderError' && e.message.includes('playwright-core')) { console.log(label + ': PNG export without playwright-core says: ' + e.message.split(':')[0]); return; }
    throw e;
  }
  throw new Error(label + ': renderPng without playwright-core did not fail');
}
`;

const CHECK_ESM = `import * as lib from 'tfjs-flows';
import * as node from 'tfjs-flows/node';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${GRADIENT_CHECK}
await gradientCheck(lib, 'import');
await playwrightAbsent(node, 'import');
// The CommonJS build beside it loads too, and computes on the same tfjs-core (one engine, one backend).
const cjs = require('tfjs-flows');
if (cjs.tf.engine() !== lib.tf.engine()) throw new Error('require and import see different TF.js engines');
`;

const CHECK_CJS = `const lib = require('tfjs-flows');
const node = require('tfjs-flows/node');
${GRADIENT_CHECK}
(async () => {
  await gradientCheck(lib, 'require');
  await playwrightAbsent(node, 'require');
  if (!(lib.FlowError.prototype instanceof Error) || typeof node.saveFlow !== 'function') throw new Error('require: exports missing');
})().catch((e) => { console.error(e); process.exit(1); });
`;

const TYPES_ESM = `import { ready, realNVP, type Flow, tf } from 'tfjs-flows';
import { saveFlow } from 'tfjs-flows/node';
import { setWasmPaths, loadFlow } from 'tfjs-flows/browser';
export const forTheBrowser: [typeof setWasmPaths, typeof loadFlow] = [setWasmPaths, loadFlow];
export async function main(): Promise<Flow> {
  await ready();
  const flow: Flow = realNVP({ dim: 2, seed: 0 });
  const lp: tf.Tensor1D = flow.logProb([[0, 0]]);
  lp.dispose();
  await saveFlow(flow, 'x.json');
  return flow;
}
`;

const TYPES_CJS = `import flows = require('tfjs-flows');
import node = require('tfjs-flows/node');
export async function main(): Promise<flows.Flow> {
  await flows.ready();
  const flow = flows.realNVP({ dim: 2, seed: 0 });
  await node.saveFlow(flow, 'x.json');
  return flow;
}
`;

const SHARED_ESM = `import * as tfApp from '@tensorflow/tfjs';
import { tf, ready, realNVP, fit, datasets } from 'tfjs-flows';
const backend = await ready();
if (tfApp.engine() !== tf.engine()) throw new Error('the app and tfjs-flows use different TF.js engines');
if (tfApp.getBackend() !== backend) throw new Error('the app sees backend ' + tfApp.getBackend() + ', tfjs-flows ' + backend);
const flow = realNVP({ dim: 2, seed: 0 });
const x = tfApp.tensor2d([[0, 0], [1, -0.5]]);
const lp = flow.logProb(x);
if (!(lp instanceof tfApp.Tensor)) throw new Error('a tensor of tfjs-flows is not a tensor of the app');
const h = await fit(flow, datasets.moons(256, { seed: 1 }), { steps: 20, batchSize: 64, seed: 0 });
const g = tfApp.grad((t) => tfApp.sum(flow.logProb(t)))(x);
if (!g.arraySync().flat().every(Number.isFinite)) throw new Error('gradients through the app namespace');
console.log('app with @tensorflow/tfjs ' + tfApp.version.tfjs + ': one engine, backend ' + backend + ', loss after 20 steps ' + h.loss.at(-1).toFixed(3));
`;

const SHARED_CJS = `const tfApp = require('@tensorflow/tfjs');
const { tf, ready } = require('tfjs-flows');
ready().then((backend) => {
  if (tfApp.engine() !== tf.engine() || tfApp.getBackend() !== backend) throw new Error('require: the app and tfjs-flows do not share TF.js');
  console.log('app (require): one engine, backend ' + backend);
}).catch((e) => { console.error(e); process.exit(1); });
`;

function project(name, pkg) {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version: '0.0.0', private: true, ...pkg }, null, 2)}\n`);
  return dir;
}

function install(dir, specs) {
  run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs], dir);
}

try {
  // 1. Build, pack (its `prepare` would print into the JSON: the build runs first, on its own) and look at what is in the tarball.
  run(npm, ['run', 'build'], root);
  const [packed] = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root));
  const tarball = join(work, packed.filename);
  const files = packed.files.map((f) => f.path);
  for (const must of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/node.js', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/node.js', 'dist/cjs/package.json', 'dist/tf-gradients.node.js', 'dist/browser/tfjs-flows.js', 'dist/browser/tfjs-backend-wasm-simd.wasm', 'dist/cli/main.js']) {
    if (!files.includes(must)) throw new Error(`the tarball lacks ${must}`);
  }
  const unwanted = files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/'));
  if (unwanted.length) throw new Error(`the tarball ships ${unwanted.slice(0, 5).join(', ')}${unwanted.length > 5 ? '…' : ''}`);
  log(`packed ${packed.filename}: ${files.length} files, ${MB(packed.size)} MB (${MB(packed.unpackedSize)} MB unpacked)`);

  // 2. A plain project: npm installs the peers (tfjs-core, the cpu and wasm backends).
  const plain = project('plain-consumer', {});
  install(plain, [tarball]);
  const tour = readmeTour();
  writeFileSync(join(plain, 'tour.mjs'), tour);
  writeFileSync(join(plain, 'tour.cjs'), toCommonJs(tour));
  run(process.execPath, ['tour.mjs'], plain);
  for (const f of ['moons.html', 'moons.flow.json']) if (!existsSync(join(plain, f))) throw new Error(`the tour (ESM) wrote no ${f}`);
  rmSync(join(plain, 'moons.flow.json'));
  run(process.execPath, ['tour.cjs'], plain);
  if (!existsSync(join(plain, 'moons.flow.json'))) throw new Error('the tour (CommonJS) wrote no moons.flow.json');
  writeFileSync(join(plain, 'check.mjs'), CHECK_ESM);
  writeFileSync(join(plain, 'check.cjs'), CHECK_CJS);
  console.log(run(process.execPath, ['check.mjs'], plain).trim());
  console.log(run(process.execPath, ['check.cjs'], plain, { TFJS_FLOWS_BACKEND: 'cpu' }).trim());
  // The declarations, read as a TypeScript user with "module": "nodenext" reads them (ESM and CommonJS).
  writeFileSync(join(plain, 'consumer.mts'), TYPES_ESM);
  writeFileSync(join(plain, 'consumer.cts'), TYPES_CJS);
  writeFileSync(
    join(plain, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, noUncheckedSideEffectImports: true, types: [] }, files: ['consumer.mts', 'consumer.cts'] }),
  );
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], plain);
  // The shipped declarations themselves must compile (stripInternal must not leave dangling names).
  // TF.js's own declaration files have errors of their own, so only errors inside tfjs-flows count,
  // and of those not the ones a consumer without @types/node or the optional playwright-core sees
  // (the Node entry's types name Node's and playwright's; skipLibCheck, the usual setting, hides them).
  const strict = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--skipLibCheck', 'false'], { cwd: plain, encoding: 'utf8' });
  const optionalTypes = /error TS2688: Cannot find type definition file for 'node'|error TS25(80|91): Cannot find name '(Buffer|process|NodeJS)'|error TS2307: Cannot find module 'playwright-core'/;
  const ours = strict.stdout.split('\n').filter((l) => l.includes('node_modules/tfjs-flows/') && !optionalTypes.test(l));
  if (ours.length) throw new Error(`the shipped declarations do not compile:\n${ours.join('\n')}`);
  log('ok  the shipped declarations compile without skipLibCheck');
  const plainModules = duBytes(join(plain, 'node_modules'));

  // 3. An application with its own @tensorflow/tfjs: one tfjs-core on disk and at run time.
  const app = project('app-with-tfjs', { dependencies: { '@tensorflow/tfjs': '4.22.0' } });
  install(app, ['@tensorflow/tfjs@4.22.0', tarball]);
  const cores = new Set(
    run(npm, ['ls', '@tensorflow/tfjs-core', '--all', '--parseable'], app)
      .split('\n')
      .filter((l) => l.includes('tfjs-core')),
  );
  if (cores.size !== 1) throw new Error(`the app has ${cores.size} copies of @tensorflow/tfjs-core: ${[...cores].join(', ')}`);
  writeFileSync(join(app, 'shared.mjs'), SHARED_ESM);
  writeFileSync(join(app, 'shared.cjs'), SHARED_CJS);
  console.log(run(process.execPath, ['shared.mjs'], app).trim());
  console.log(run(process.execPath, ['shared.cjs'], app).trim());
  const appModules = duBytes(join(app, 'node_modules'));

  const bundle = readFileSync(join(root, 'dist/browser/tfjs-flows.js'));
  const sizes = {
    tarballMB: MB(packed.size),
    unpackedMB: MB(packed.unpackedSize),
    installedNodeModulesMB: MB(plainModules),
    appWithTfjsNodeModulesMB: MB(appModules),
    browserBundleMB: MB(bundle.length),
    browserBundleGzipMB: MB(gzipSync(bundle).length),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  log(`package sizes ${JSON.stringify(sizes)}`);
  log('passed');
} finally {
  if (keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
