/**
 * Every kernel of the library, registered from one list (as tfjs-backend-wasm's
 * `register_all_kernels.ts`): each kernel module exports its registrations as data, and
 * `registerAllKernels()` registers them all once. `runKernel` (dispatch.ts) and
 * `hasKernelForActiveBackend` call it, so no caller has to register anything first.
 *
 * The kernel modules import dispatch.ts, which imports this file: the list is therefore read inside
 * the functions, never at module evaluation, when some of those modules may not have run yet.
 */
import type { tf } from '../backend.js';
import { adamKernels } from './adam.js';
import { affineKernels } from './affine.js';
import { affineCouplingKernels } from './affine-coupling.js';
import { columnBlockKernels, columnKernels } from './columns.js';
import { couplingChainLossKernels } from './coupling-chain-loss.js';
import { couplingPassKernels } from './coupling-pass.js';
import { denseKernels } from './dense.js';
import { type JsKernelSpec, registerJsGradient, registerJsKernel } from './js-kernel.js';
import { madeKernels } from './made.js';
import { splineKernels } from './rq-spline.js';
import { type HeapKernel, registerHeapKernel } from './simd/simd-kernels.js';
import { simdOpKernels } from './simd/simd-ops.js';

/**
 * One registration: a JavaScript kernel (for `cpu` and `wasm`), a heap kernel (`wasm`; it runs only
 * where `simdKernels()` is not null, which its caller checks), or a gradient.
 */
export type KernelRegistration =
  | ({ kind: 'js' } & JsKernelSpec)
  | { kind: 'heap'; kernelName: string; kernel: HeapKernel }
  | ({ kind: 'gradient' } & tf.GradConfig);

/** Every kernel module's registrations, in one list. */
export function allKernelRegistrations(): KernelRegistration[] {
  return [
    columnKernels,
    columnBlockKernels,
    denseKernels,
    simdOpKernels,
    madeKernels,
    affineKernels,
    affineCouplingKernels,
    splineKernels,
    adamKernels,
    couplingPassKernels,
    couplingChainLossKernels,
  ].flat();
}

let registered = false;

/** Register every kernel and gradient of the library (idempotent; a boolean check after the first call). */
export function registerAllKernels(): void {
  if (registered) return;
  for (const r of allKernelRegistrations()) {
    if (r.kind === 'js') registerJsKernel(r);
    else if (r.kind === 'heap') registerHeapKernel(r.kernelName, r.kernel);
    else registerJsGradient(r);
  }
  registered = true;
}
