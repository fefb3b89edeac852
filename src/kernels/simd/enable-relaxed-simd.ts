/**
 * Node 20's V8 (11.3) has WebAssembly relaxed SIMD behind a flag; Node 22 and later have it on by
 * default. `enableRelaxedSimd()` turns the flag on in a Node 20 process so that the SIMD kernels'
 * fused multiply-add module can load (see simd-kernels.ts): an explicit opt-in, because the library
 * never changes a process's V8 flags by itself.
 */
import { engineHasRelaxedSimd, retryRelaxedSimd } from './simd-kernels.js';

/**
 * Make WebAssembly relaxed SIMD available in this Node process if the engine has it behind a flag
 * (Node 20); `true` when it is available afterwards. Call it before the first training step or
 * evaluation: modules compiled before keep the baseline kernels. A no-op where relaxed SIMD is on
 * already (Node ≥ 22) and outside Node.
 *
 * @example
 * ```ts
 * import { enableRelaxedSimd } from 'tfjs-flows/node';
 * enableRelaxedSimd(); // GEMMs with fused multiply-adds on Node 20 too (about 1.3× faster)
 * ```
 */
export function enableRelaxedSimd(): boolean {
  if (engineHasRelaxedSimd()) return true;
  const get = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  const v8 = typeof get === 'function' ? (get('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined) : undefined;
  if (!v8?.setFlagsFromString) return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  retryRelaxedSimd();
  return engineHasRelaxedSimd();
}
