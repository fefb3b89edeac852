/**
 * The whole tape-free maximum-likelihood step of a 2-D flow made of fused couplings over a standard
 * normal base, as one wasm kernel: every coupling's density pass, the loss `−mean log p`, and every
 * backward pass, with the intermediates in heap scratch.
 *
 * Why: through the per-layer fused kernels, each coupling still cost two dispatches and a dozen
 * tensors with their bookkeeping, and the loss another dozen small ops: about a sixth of a RealNVP-8
 * step. This kernel runs the very same coupling bodies (coupling-pass.ts) and the float32 arithmetic
 * of the loss ops in their order, so the loss and every gradient are bit-identical to the per-layer
 * path (tested). Which flows take it is decided in engine/fused-chain.ts.
 */
import { tf } from '../backend.js';
import { HALF_LOG_2PI } from '../distributions/distribution.js';
import { type CouplingAttrs, type PassOffsets, couplingDensityBackward, couplingDensityPass } from './coupling-pass.js';
import { runKernel } from './dispatch.js';
import type { KernelRegistration } from './register-all.js';
import { releaseScratch, scratchMark, takeScratch } from './simd/heap-scratch.js';
import { type HeapKernel, type WasmBackendInternals, heapOffset } from './simd/simd-kernels.js';

export const COUPLING_CHAIN_LOSS = 'TfjsFlowsCouplingChainLoss';

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

const f32 = Math.fround;

/**
 * The loss head on the heap, in the per-layer path's op order (engine/tape-free-step.ts and
 * rules/standard-normal.ts): for each row,
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

// Inputs x [B, 2] (data units), v0, v1, … (each coupling's dense kernels and biases in order):
// outputs the loss [] and the gradient of each v.
const couplingChainLossKernel: HeapKernel = ({ inputs, attrs }, b) => {
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
};

/** The whole-chain kernel (wasm). */
export const couplingChainLossKernels: KernelRegistration[] = [
  { kind: 'heap', kernelName: COUPLING_CHAIN_LOSS, kernel: couplingChainLossKernel },
];

/**
 * `[loss, grads]` of a batch `x` `[B, 2]` (data units) by the kernel: the couplings' `plans` in density
 * order, `vars` their dense kernels and biases in order (each variable once), `grads[i]` the gradient
 * of `vars[i]`.
 */
export function couplingChainLoss(plans: CouplingAttrs[], x: tf.Tensor2D, vars: readonly tf.Tensor[], standardization: ChainStandardization | null): [tf.Scalar, tf.Tensor[]] {
  const inputs: tf.NamedTensorMap = { x };
  vars.forEach((v, i) => (inputs[`v${i}`] = v));
  const attrs: ChainAttrs = { plans, standardization };
  const [value, ...grads] = runKernel<tf.Tensor[]>(COUPLING_CHAIN_LOSS, inputs, attrs as unknown as tf.NamedAttrMap);
  return [value as tf.Scalar, grads];
}
