/**
 * Backend selection: the one module with side effects on TF.js's global state.
 *
 * `ready()` picks, in order: the backend named by `TFJS_FLOWS_BACKEND` (`tensorflow`, `wasm`, `cpu`);
 * otherwise `tensorflow` when `@tensorflow/tfjs-node` loads; otherwise `wasm`; otherwise `cpu`.
 */
import { tf } from './tf.js';
import { BackendError, NotReadyError } from './errors.js';

/** The TF.js namespace this library computes with. Import `tf` from here so you share one tfjs-core. */
export { tf };

/** Names `ready()` understands. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

let selection: Promise<BackendName> | null = null;
let selected: BackendName | null = null;

/** Whether `@tensorflow/tfjs-node` could be loaded; its load errors are kept for messages. */
async function loadNodeBackend(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    // A variable specifier keeps bundlers and TypeScript from requiring the optional peer.
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
    return tf.findBackend('tensorflow') ? { ok: true } : { ok: false, reason: 'it loaded but registered no backend' };
  } catch (e) {
    // Absent (MODULE_NOT_FOUND) or present without its native binary (an error with no code): both mean "not here".
    return { ok: false, reason: (e as Error)?.message?.split('\n')[0] ?? String(e) };
  }
}

async function loadWasmBackend(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error)?.message?.split('\n')[0] ?? String(e) };
  }
}

async function activate(name: BackendName): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

async function select(): Promise<BackendName> {
  // Keep the cpu backend's "install tfjs-node" banner out of users' logs: we already fall back on purpose.
  // PROD only silences warnings; IS_TEST would also turn on the engine's per-kernel leak check, which
  // rejects tf.customGrad's saved tensors on wasm (they are copies) and costs time on every op.
  tf.env().set('PROD', true);
  // `process?.` alone still throws a ReferenceError in a browser, where `process` is not declared at all.
  const requested = typeof process === 'undefined' ? undefined : process.env?.TFJS_FLOWS_BACKEND?.trim();
  if (requested) {
    if (!(BACKENDS as readonly string[]).includes(requested)) {
      throw new BackendError(
        `ready: environment variable TFJS_FLOWS_BACKEND must be one of ${BACKENDS.join(', ')}; got ${JSON.stringify(requested)}`,
      );
    }
    const name = requested as BackendName;
    const loaded = name === 'tensorflow' ? await loadNodeBackend() : name === 'wasm' ? await loadWasmBackend() : { ok: true as const };
    if (!loaded.ok) {
      const hint = name === 'tensorflow' ? ' (install @tensorflow/tfjs-node@4.22.0, which needs internet access to download libtensorflow)' : '';
      throw new BackendError(`ready: TFJS_FLOWS_BACKEND=${name} was requested but could not be loaded${hint}: ${loaded.reason}`);
    }
    if (!(await activate(name))) throw new BackendError(`ready: TFJS_FLOWS_BACKEND=${name} was requested but failed to initialise`);
    return name;
  }
  if ((await loadNodeBackend()).ok && (await activate('tensorflow'))) return 'tensorflow';
  if ((await loadWasmBackend()).ok && (await activate('wasm'))) return 'wasm';
  if (await activate('cpu')) return 'cpu';
  throw new BackendError('ready: no TF.js backend could be initialised (tried tensorflow, wasm, cpu)');
}

/**
 * Select and initialise the backend; resolves to its name. Call once before computing; calling again is cheap.
 *
 * @example
 * ```ts
 * import { ready, tf } from 'tfjs-flows';
 * const backend = await ready(); // 'tensorflow' | 'wasm' | 'cpu'
 * ```
 */
export function ready(): Promise<BackendName> {
  if (!selection) {
    selection = select().then(
      (name) => (selected = name),
      (err) => {
        selection = null; // let a corrected environment try again
        throw err;
      },
    );
  }
  return selection;
}

/** The selected backend's name, or `null` before `ready()` has resolved. */
export function backendName(): BackendName | null {
  return selected;
}

/** Throw a `NotReadyError` naming `fn` unless `ready()` has resolved. */
export function assertReady(fn: string): void {
  if (selected === null) throw new NotReadyError(fn);
}
