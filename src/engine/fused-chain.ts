/**
 * The whole tape-free maximum-likelihood step of a 2-D flow made of fused couplings (a `Chain` of
 * them, or one) over a standard normal base, as one wasm kernel: every coupling's density pass, the
 * loss `−mean log p`, and every backward pass, with the intermediates in heap scratch.
 *
 * Why: through the per-layer fused kernels, each coupling still cost two dispatches and a dozen
 * tensors with their bookkeeping, and the loss another dozen small ops: about a sixth of a RealNVP-8
 * step. This kernel runs the very same coupling bodies (`couplingDensityPass`/`Backward`) and the
 * float32 arithmetic of the loss ops in their order, so the loss and every gradient are bit-identical
 * to the per-layer path (tested), which stays the path for every other flow.
 */
import { tf } from '../backend.js';
import type { Bijector } from '../bijectors/bijector.js';
import { Chain } from '../bijectors/chain.js';
import { Coupling } from '../bijectors/coupling.js';
import { HALF_LOG_2PI } from '../distributions/distribution.js';
import { runKernel } from '../kernels/dispatch.js';
import { releaseScratch, scratchMark, takeScratch } from '../kernels/simd/heap-scratch.js';
import { type WasmBackendInternals, heapOffset, registerHeapKernel } from '../kernels/simd/simd-kernels.js';
import { type CouplingAttrs, type CouplingPlan, type PassOffsets, couplingDensityBackward, couplingDensityPass } from './fused-coupling.js';
import { couplingRule } from './rules/coupling.js';

const KERNEL = 'TfjsFlowsCouplingChainLoss';

/** The frozen standardisation `u = (x − mean) / std` (float32 values) and its log-det. */
export interface ChainStandardization {
  mean: Float32Array;
  std: Float32Array;
  logDet: number;
}

/** Kernel attributes: each coupling's plan (density order), and the frozen standardisation. */
interface ChainAttrs {
  plans: CouplingAttrs[];
  standardization: ChainStandardization | null;
}

let enabled = true;

/** Turn the whole-chain kernel off or on (for tests and benchmarks that compare it with the per-layer kernels). */
export function setFusedChainEnabled(on: boolean): void {
  enabled = on;
}

const f32 = Math.fround;

/**
 * The loss head on the heap, in the per-layer path's op order (training-step.ts): for each row,
 * `log p = (−0.5 · (z₀² + z₁²) − 2·½log 2π) + Σ logDet (+ standardLogDet)`, the loss `−mean log p`,
 * and the adjoints `dz = z · (1/B)` and `dLogDet = −1/B` for the backward passes. Returns the loss.
 */
function lossHead(b: WasmBackendInternals, B: number, z: number, logDets: number[], standardLogDet: number, dz: number, dLogDet: number): number {
  const heap = b.wasm.HEAPF32;
  const halfLog2Pi2 = f32(2 * HALF_LOG_2PI);
  const standard = f32(standardLogDet);
  const adjoint = f32(-1 / B);
  const [z0, dz0, dl0] = [z >> 2, dz >> 2, dLogDet >> 2];
  const lds = logDets.map((o) => o >> 2);
  let sum = 0;
  for (let r = 0; r < B; r++) {
    const [a, c] = [heap[z0 + 2 * r], heap[z0 + 2 * r + 1]];
    let lp = f32(f32(-0.5 * f32(f32(a * a) + f32(c * c))) - halfLog2Pi2);
    // The chain's AddN: a sum from 0 in layer order (one layer: its log-det as it is).
    let ld = 0;
    if (lds.length === 1) ld = heap[lds[0] + r];
    else for (const o of lds) ld = f32(ld + heap[o + r]);
    lp = f32(lp + ld);
    if (standardLogDet !== 0) lp = f32(lp + standard);
    sum = f32(sum + lp);
    heap[dz0 + 2 * r] = f32(a * -adjoint);
    heap[dz0 + 2 * r + 1] = f32(c * -adjoint);
    heap[dl0 + r] = adjoint;
  }
  return -f32(sum / B);
}

/** `u = (x − mean) / std` of `B` rows into scratch, as the `Sub` and `RealDiv` kernels round it; returns u's offset. */
function standardize(b: WasmBackendInternals, x: number, B: number, s: ChainStandardization): number {
  const u = takeScratch(b, 2 * B);
  const heap = b.wasm.HEAPF32;
  const [x0, u0] = [x >> 2, u >> 2];
  for (let i = 0; i < 2 * B; i++) heap[u0 + i] = f32(f32(heap[x0 + i] - s.mean[i & 1]) / s.std[i & 1]);
  return u;
}

function registerKernel(): void {
  // Inputs x [B, 2] (data units), v0, v1, … (each coupling's dense kernels and biases in order):
  // outputs the loss [] and the gradient of each v.
  registerHeapKernel(KERNEL, ({ inputs, attrs }, b) => {
    const { plans, standardization } = attrs as unknown as ChainAttrs;
    const u = inputs.x as tf.TensorInfo;
    const count = plans.reduce((n, a) => n + 2 * (a.widths.length - 1), 0);
    const vars = Array.from({ length: count }, (_, i) => inputs[`v${i}`] as tf.TensorInfo);
    for (const t of [u, ...vars]) heapOffset(b, t);
    const B = u.shape[0];
    const value = b.makeOutput([], 'float32');
    const grads = vars.map((v) => b.makeOutput([...v.shape], 'float32'));
    const at = (t: tf.TensorInfo) => heapOffset(b, t);
    const mark = scratchMark(b);
    try {
      // The density passes, data → latent, each layer's output the next one's input.
      const passes: PassOffsets[] = [];
      const gradOffsets: number[][] = [];
      let y = at(u);
      if (standardization) y = standardize(b, y, B, standardization);
      let v = 0;
      for (const a of plans) {
        const layers = a.widths.length - 1;
        const [weights, biases, g]: number[][] = [[], [], []];
        for (let i = 0; i < layers; i++, v += 2) {
          weights.push(at(vars[v]));
          biases.push(at(vars[v + 1]));
          g.push(at(grads[v]), at(grads[v + 1]));
        }
        const o: PassOffsets = {
          y,
          weights,
          biases,
          z: takeScratch(b, 2 * B),
          logDet: takeScratch(b, B),
          hidden: a.widths.slice(1, -1).map((n) => takeScratch(b, B * n)),
          params: takeScratch(b, B * a.widths[layers]),
        };
        couplingDensityPass(b, a, B, o);
        passes.push(o);
        gradOffsets.push(g);
        y = o.z;
      }
      const [dz, dLogDet] = [takeScratch(b, 2 * B), takeScratch(b, B)];
      const loss = lossHead(b, B, y, passes.map((o) => o.logDet), standardization?.logDet ?? 0, dz, dLogDet);
      b.wasm.HEAPF32[at(value) >> 2] = loss;
      // The backward passes, last layer first; the first layer's input is data (no adjoint).
      let d = dz;
      for (let l = plans.length - 1; l >= 0; l--) {
        const o = passes[l];
        const dy = l > 0 ? takeScratch(b, 2 * B) : 0;
        couplingDensityBackward(b, plans[l], B, { dz: d, dLogDet, y: o.y, params: o.params, hidden: o.hidden, weights: o.weights, grads: gradOffsets[l], dy });
        d = dy;
      }
    } finally {
      releaseScratch(b, mark);
    }
    return [value, ...grads];
  });
}

/**
 * Each coupling's fused plan when the whole-chain kernel takes `bijector` at a batch of `batch` rows
 * (2-D, every member a coupling the fused kernels take, each variable once), else `null`. The plans
 * carry one pass's state: make them per call.
 */
export function fusedChainPlans(bijector: Bijector, batch: number): CouplingPlan[] | null {
  if (!enabled || bijector.dim !== 2) return null;
  const couplings = bijector instanceof Chain ? bijector.bijectors : [bijector];
  if (couplings.length === 0 || !couplings.every((c) => c instanceof Coupling)) return null;
  const plans: CouplingPlan[] = [];
  for (const c of couplings as Coupling[]) {
    const plan = couplingRule.fusedPlan(c, batch);
    if (!plan) return null;
    plans.push(plan);
  }
  // Each variable once: one used twice would need its gradients summed (the per-layer path does that).
  const vars = plans.flatMap((p) => p.layers.flatMap((l) => [l.kernel, l.bias]));
  return new Set(vars.map((v) => v.name)).size === vars.length ? plans : null;
}

/**
 * The loss `−mean log p(x)` of a batch `x` `[B, 2]` (data units) and its gradients by variable name,
 * for a flow whose bijector is a chain of (or one) coupling(s) that the fused 2-D kernels take, over
 * a standard normal base, after the flow's frozen `standardization` if it has one. `null` where the
 * kernel does not apply (any other bijector, a coupling the fused kernels do not take, a batch not a
 * multiple of 4, a variable used twice). Call inside `tf.tidy`, no tape active.
 */
export function fusedChainLoss(bijector: Bijector, x: tf.Tensor2D, standardization: ChainStandardization | null): { value: tf.Scalar; grads: tf.NamedTensorMap } | null {
  const plans = fusedChainPlans(bijector, x.shape[0]);
  if (!plans) return null;
  const vars = plans.flatMap((p) => p.layers.flatMap((l) => [l.kernel, l.bias]));
  registerKernel();
  const inputs: tf.NamedTensorMap = { x };
  vars.forEach((v, i) => (inputs[`v${i}`] = v));
  const attrs: ChainAttrs = { plans: plans.map((p) => p.attrs), standardization };
  const [value, ...grads] = runKernel<tf.Tensor[]>(KERNEL, inputs, attrs as unknown as tf.NamedAttrMap);
  const named: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    if (v.trainable) named[v.name] = grads[i];
    else grads[i].dispose();
  });
  return { value: value as tf.Scalar, grads: named };
}
