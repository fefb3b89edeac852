/**
 * Backend selection: the one module with side effects on TF.js's global state.
 *
 * `ready()` tries, in order: the backends the caller names (`ready({ backend })`); else those named by
 * `TFJS_FLOWS_BACKEND` (one name or a comma-separated list); else `tensorflow` when
 * `@tensorflow/tfjs-node` loads, then `wasm`, then `cpu`. GPUs (`webgpu`, and `webgl` in a browser) are
 * opt-in: see docs/backends.md.
 */
import { tf } from './tf.js';
import { BackendError, NotReadyError } from './errors.js';

/** The TF.js namespace this library computes with. Import `tf` from here so you share one tfjs-core. */
export { tf };

/** Names `ready()` understands. `webgl` exists in browsers only. */
export const BACKENDS = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Options of {@link ready}. */
export interface ReadyOptions {
  /**
   * The backend to use, or a list tried in order until one initialises (e.g. `['webgpu', 'wasm']`).
   * Overrides `TFJS_FLOWS_BACKEND`. Default: that variable, else `tensorflow` if `@tensorflow/tfjs-node`
   * loads, else `wasm`, else `cpu`.
   */
  backend?: BackendName | readonly BackendName[];
}

/** The default order when neither the caller nor `TFJS_FLOWS_BACKEND` names a backend. */
const DEFAULT_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Versions of the optional packages, as the error messages name them (same as tfjs-core's). */
const TFJS_VERSION = '4.22.0';
const WEBGPU_NODE_VERSION = '0.6.2';

type Loaded = { ok: true } | { ok: false; reason: string };

let selection: Promise<BackendName> | null = null;
let selected: BackendName | null = null;
/** What the pending selection was asked for (a key of its order), to tell a repeat call from a new request. */
let selectionKey = '';

const firstLine = (e: unknown): string => (e as Error)?.message?.split('\n')[0] ?? String(e);
const inNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Import an optional package by a variable specifier, which keeps bundlers and TypeScript from requiring it. */
async function importOptional(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

async function loadNodeBackend(): Promise<Loaded> {
  try {
    await importOptional('@tensorflow/tfjs-node');
    return tf.findBackendFactory('tensorflow') ? { ok: true } : { ok: false, reason: 'it loaded but registered no backend' };
  } catch (e) {
    // Absent (MODULE_NOT_FOUND) or present without its native binary (an error with no code): both mean "not here".
    return { ok: false, reason: firstLine(e) };
  }
}

async function loadWasmBackend(): Promise<Loaded> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: firstLine(e) };
  }
}

/**
 * WebGPU: in a browser `navigator.gpu` is there already; in Node the `webgpu` package (Dawn's bindings)
 * provides it and the `GPU…` constants the backend uses. Then `@tensorflow/tfjs-backend-webgpu` registers.
 */
async function loadWebGpuBackend(): Promise<Loaded> {
  const g = globalThis as { navigator?: { gpu?: unknown } } & Record<string, unknown>;
  if (!g.navigator?.gpu && inNode()) {
    let dawn: { create(flags: string[]): unknown; globals: Record<string, unknown> };
    try {
      dawn = (await importOptional('webgpu')) as typeof dawn;
    } catch (e) {
      return { ok: false, reason: `the package 'webgpu' (Dawn's WebGPU for Node) is not installed: npm install webgpu@${WEBGPU_NODE_VERSION} (${firstLine(e)})` };
    }
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in g)) g[k] = v;
    const gpu = dawn.create([]);
    // Node 20 has no `navigator`; Node 21+ has one without `gpu`.
    if (g.navigator === undefined) g.navigator = { gpu };
    else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  if (!g.navigator?.gpu) return { ok: false, reason: 'this environment has no WebGPU (navigator.gpu is undefined)' };
  // A page bundle imports the backend itself (a bundler cannot follow the variable specifier below).
  if (tf.findBackendFactory('webgpu')) return { ok: true };
  try {
    await importOptional('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    return { ok: false, reason: `the package '@tensorflow/tfjs-backend-webgpu' is not installed: npm install @tensorflow/tfjs-backend-webgpu@${TFJS_VERSION} (${firstLine(e)})` };
  }
  return tf.findBackendFactory('webgpu') ? { ok: true } : { ok: false, reason: '@tensorflow/tfjs-backend-webgpu loaded but registered no backend' };
}

async function loadWebGlBackend(): Promise<Loaded> {
  if (typeof (globalThis as { document?: unknown }).document === 'undefined') return { ok: false, reason: "webgl needs a browser; in Node use 'webgpu' or 'tensorflow'" };
  if (tf.findBackendFactory('webgl')) return { ok: true };
  try {
    await importOptional('@tensorflow/tfjs-backend-webgl');
    return tf.findBackendFactory('webgl') ? { ok: true } : { ok: false, reason: '@tensorflow/tfjs-backend-webgl loaded but registered no backend' };
  } catch (e) {
    return { ok: false, reason: `install @tensorflow/tfjs-backend-webgl@${TFJS_VERSION} (${firstLine(e)})` };
  }
}

async function loadCpuBackend(): Promise<Loaded> {
  if (tf.findBackendFactory('cpu')) return { ok: true };
  try {
    await importOptional('@tensorflow/tfjs-backend-cpu');
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: firstLine(e) };
  }
}

const LOADERS: Record<BackendName, () => Promise<Loaded>> = {
  tensorflow: loadNodeBackend,
  webgpu: loadWebGpuBackend,
  webgl: loadWebGlBackend,
  wasm: loadWasmBackend,
  cpu: loadCpuBackend,
};

/** What to do when a backend that loaded fails to initialise (no adapter, no context). */
const INIT_HINTS: Partial<Record<BackendName, string>> = {
  webgpu: inNode()
    ? 'no WebGPU adapter was found: Dawn needs a Vulkan driver (a GPU driver, or SwiftShader via VK_ICD_FILENAMES; see docs/backends.md)'
    : 'the browser offered no WebGPU adapter',
  webgl: 'the browser could not create a WebGL context',
};

async function activate(name: BackendName): Promise<Loaded> {
  const loaded = await LOADERS[name]();
  if (!loaded.ok) return loaded;
  // TF.js logs a failed initialisation to the console itself; the error below says what to do.
  try {
    if ((await tf.setBackend(name)) && tf.getBackend() === name) return { ok: true };
  } catch (e) {
    return { ok: false, reason: `${INIT_HINTS[name] ?? 'it failed to initialise'} (${firstLine(e)})` };
  }
  return { ok: false, reason: INIT_HINTS[name] ?? 'it failed to initialise' };
}

/** Check a name or a list of names; `source` names where they came from, for the message. */
function checkNames(source: string, value: unknown): BackendName[] {
  const list = Array.isArray(value) ? value : [value];
  const ok = list.length > 0 && list.every((v) => typeof v === 'string' && (BACKENDS as readonly string[]).includes(v));
  if (!ok) throw new BackendError(`ready: ${source} must be one of ${BACKENDS.join(', ')}, or a list of them; got ${JSON.stringify(value)}`);
  return list as BackendName[];
}

/** The order to try: the caller's, else `TFJS_FLOWS_BACKEND`'s, else the default. `explicit`: named by someone. */
function requestedOrder(options: ReadyOptions): { order: BackendName[]; source: string | null } {
  if (options.backend !== undefined) return { order: checkNames('options.backend', options.backend), source: 'options.backend' };
  // `process?.` alone still throws a ReferenceError in a browser, where `process` is not declared at all.
  const env = typeof process === 'undefined' ? undefined : process.env?.TFJS_FLOWS_BACKEND?.trim();
  if (env) {
    const names = env.split(',').map((s) => s.trim());
    return { order: checkNames('environment variable TFJS_FLOWS_BACKEND', names.length === 1 ? names[0] : names), source: 'TFJS_FLOWS_BACKEND' };
  }
  return { order: [...DEFAULT_ORDER], source: null };
}

async function select(order: BackendName[], source: string | null): Promise<BackendName> {
  // Keep the cpu backend's "install tfjs-node" banner out of users' logs: we already fall back on purpose.
  // PROD only silences warnings; IS_TEST would also turn on the engine's per-kernel leak check, which
  // rejects tf.customGrad's saved tensors on wasm (they are copies) and costs time on every op.
  tf.env().set('PROD', true);
  const failures: string[] = [];
  for (const name of order) {
    const r = await activate(name);
    if (r.ok) return name;
    failures.push(`${name}: ${r.reason}`);
  }
  if (source === null) throw new BackendError(`ready: no TF.js backend could be initialised (${failures.join('; ')})`);
  const what = order.length === 1 ? `${source}=${order[0]} was requested but could not be used` : `none of ${source}=${order.join(',')} could be used`;
  const hint = order.includes('tensorflow') ? ' (tensorflow needs @tensorflow/tfjs-node@4.22.0, which downloads libtensorflow when it installs)' : '';
  throw new BackendError(`ready: ${what}${hint}: ${failures.join('; ')}`);
}

/**
 * Select and initialise the backend; resolves to its name. Call once before computing; calling again
 * without options is cheap and keeps the backend. Naming a backend switches to it (or to the first of a
 * list that initialises); a name that cannot be used rejects with a `BackendError` saying what to install.
 *
 * @param options.backend `'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu'`, or a list in order of preference.
 * @example
 * ```ts
 * import { ready, tf } from 'tfjs-flows';
 * const backend = await ready();                          // 'tensorflow' | 'wasm' | 'cpu'
 * await ready({ backend: ['webgpu', 'wasm'] });           // a GPU if there is one, else wasm
 * ```
 */
export function ready(options: ReadyOptions = {}): Promise<BackendName> {
  let request: { order: BackendName[]; source: string | null };
  try {
    if (options === null || typeof options !== 'object') throw new BackendError(`ready: options must be an object like { backend: 'wasm' }; got ${JSON.stringify(options)}`);
    request = requestedOrder(options);
  } catch (e) {
    return Promise.reject(e);
  }
  const named = options.backend !== undefined;
  const { order, source } = request;
  const key = order.join(',');
  // A repeat call (no options, or the same request) shares the pending or finished selection.
  if (selection && (!named || key === selectionKey)) {
    // …unless the backend was switched behind our back and the request names one: then switch back.
    if (!named || selected === null || tf.getBackend() === selected) return selection;
  }
  const previous = selection ?? Promise.resolve(null);
  selectionKey = key;
  const mine: Promise<BackendName> = previous
    .catch(() => null)
    .then(() => select(order, source))
    .then(
      (name) => (selected = name),
      (err) => {
        if (selection === mine) selection = null; // let a corrected environment try again
        throw err;
      },
    );
  selection = mine;
  return mine;
}

/**
 * The name of the backend computing now (`tf.getBackend()`), or `null` before `ready()` has resolved.
 * It follows `tf.setBackend` calls made after `ready()` too.
 */
export function backendName(): string | null {
  return selected === null ? null : tf.getBackend();
}

/**
 * Whether synchronous reads (`dataSync`) are cheap here: on `tensorflow`, `wasm` and `cpu` the values
 * live in host memory, while on GPU backends a synchronous read stalls (browser) or throws (WebGPU in
 * Node). Code that only validates (reads that a GPU run may skip) asks this; hot paths never read synchronously.
 */
export function syncReadsAreCheap(): boolean {
  const name = tf.getBackend();
  return name === 'wasm' || name === 'cpu' || name === 'tensorflow';
}

/** Throw a `NotReadyError` naming `fn` unless `ready()` has resolved. */
export function assertReady(fn: string): void {
  if (selected === null) throw new NotReadyError(fn);
}
