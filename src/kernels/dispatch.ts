/**
 * `runKernel(name, inputs, attrs)`: TF.js's `engine.runKernel` without its per-call bookkeeping when
 * nothing needs it. The tape-free training step and the inference path dispatch a few hundred small
 * kernels per call; the engine spends about 3 µs on each (two registry lookups that build a string
 * key, environment-flag reads, closures for scopes and profiling), a fifth of a RealNVP training step.
 *
 * The direct path calls the registered kernel function and wraps its outputs as tensors of the
 * current scope, exactly what the engine does on its plain path. It is taken only while no gradient
 * can be recorded (`gradientDepth` 0), no `tf.profile` runs and `DEBUG` is off; otherwise, the
 * engine's own `runKernel` runs, so tapes, profiles and debug logs see every kernel as before.
 * The engine internals it reads (`state`, `backendName`, `makeTensorFromTensorInfo`) are pinned
 * with the TF.js version and checked by test/kernels/dispatch.test.ts.
 */
import { tf } from '../backend.js';
import { registerAllKernels } from './register-all.js';

interface EngineInternals {
  state: { gradientDepth: number; profiling: boolean };
  backendName: string | null;
  backend: tf.KernelBackend;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
  runKernel(name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap): tf.Tensor | tf.Tensor[];
}

interface EnvInternals {
  flags: Record<string, unknown>;
}

/** Kernel functions by backend name, then kernel name (lookups without building a key string). */
const cache = new Map<string, Map<string, tf.KernelFunc | null>>();

function kernelFunc(backendName: string, name: string): tf.KernelFunc | null {
  let byName = cache.get(backendName);
  if (!byName) cache.set(backendName, (byName = new Map()));
  let f = byName.get(name);
  if (f === undefined) {
    f = tf.getKernel(name, backendName)?.kernelFunc ?? null;
    byName.set(name, f);
  }
  return f;
}

let direct = true;

/** Turn the direct path off or on (for benchmarks and tests that compare it with the engine's). */
export function setDirectDispatch(on: boolean): void {
  direct = on;
}

/** Forget the cached kernel functions (after kernels are registered or unregistered at run time). */
export function clearKernelCache(): void {
  cache.clear();
}

/**
 * Run the kernel `name` of the active backend on `inputs` with `attrs`: a tensor, or an array of
 * tensors for kernels with several outputs (as `tf.engine().runKernel`). The library's own kernels are
 * registered on the first call (register-all.ts). See the file comment.
 */
export function runKernel<T extends tf.Tensor | tf.Tensor[] = tf.Tensor | tf.Tensor[]>(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): T {
  registerAllKernels();
  const engine = tf.engine() as unknown as EngineInternals;
  const backendName = engine.backendName;
  const f = direct && backendName !== null && engine.state.gradientDepth === 0 && !engine.state.profiling && (tf.env() as unknown as EnvInternals).flags.DEBUG !== true
    ? kernelFunc(backendName, name)
    : null;
  if (!f) return engine.runKernel(name, inputs, attrs) as T;
  const out = f({ inputs, attrs, backend: engine.backend });
  if (Array.isArray(out)) return out.map((info) => engine.makeTensorFromTensorInfo(info)) as T;
  return engine.makeTensorFromTensorInfo(out) as T;
}
