/**
 * One-pass inference kernel of an affine coupling (cpu, wasm; no gradient: `logProb` and `sample`):
 * from the data `x` `[B, D]` and the conditioner's raw output `raw` `[B, 2m]` (per transformed column
 * `(t, s)`), writes every column of the output, transformed or passed through, and the row's log-det:
 *
 *   forward (latent → data)  y_c = x_c · exp(ls) + t,   logDet = Σ ls
 *   inverse (data → latent)  z_c = (x_c − t) · exp(−ls), logDet = −Σ ls
 *
 * with `ls = log scale(s)` as {@link AffineTransformer} (soft clamp `clamp · tanh(s / clamp)`, plain
 * exp, or softplus). Replaces about twelve op dispatches per layer on the whole `[B, m]` block (take
 * the columns, split the pairs, tanh, exp, mul, add, put the columns back, sum the log-det): at
 * realnvp-d32's 16 columns these cost more than the layer's element work itself. Arithmetic in float64
 * over float32 storage.
 */
import { tf } from '../backend.js';
import { SOFTPLUS_EPS } from '../ops/positive.js';
import { type AffineAttrs, tanh64 } from './affine.js';
import { runKernel } from './dispatch.js';
import { hasKernelForActiveBackend } from './js-kernel.js';
import type { KernelRegistration } from './register-all.js';

export const AFFINE_COUPLING_APPLY = 'TfjsFlowsAffineCouplingApply';

interface Attrs extends AffineAttrs {
  /** The transformed columns of `x`, in the order of `raw`'s pairs. */
  moved: number[];
  /** 1: forward (latent → data), −1: inverse. */
  sign: number;
}

const LOG_SOFTPLUS_0 = Math.log(Math.log(2) + SOFTPLUS_EPS);

/** The kernel (cpu and wasm). */
export const affineCouplingKernels: KernelRegistration[] = [
  {
    kind: 'js',
    kernelName: AFFINE_COUPLING_APPLY,
    inputNames: ['x', 'raw'],
    outputShapes: ([x]) => [x, [x[0]]],
    compute([x, raw], [y, logDet], attrs) {
      const a = attrs as unknown as Attrs;
      const moved = a.moved;
      const m = moved.length;
      const rows = logDet.length;
      const d = rows === 0 ? 0 : x.length / rows;
      const clamp = a.clamp;
      const softplus = a.scale === 'softplus';
      const sign = a.sign;
      y.set(x);
      for (let i = 0; i < rows; i++) {
        const xo = i * d;
        const po = i * 2 * m;
        let sum = 0;
        for (let j = 0; j < m; j++) {
          const s = raw[po + 2 * j + 1];
          let ls: number;
          if (softplus) ls = Math.log((s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) + SOFTPLUS_EPS) - LOG_SOFTPLUS_0;
          else ls = clamp > 0 ? clamp * tanh64(s / clamp) : s;
          const c = xo + moved[j];
          const t = raw[po + 2 * j];
          y[c] = sign > 0 ? x[c] * Math.exp(ls) + t : (x[c] - t) * Math.exp(-ls);
          sum += ls;
        }
        logDet[i] = sign * sum;
      }
    },
  },
];

/**
 * `{ output, logDet }` of an affine coupling's transform of `x` `[B, D]` in one pass, given the
 * conditioner's output `raw` `[B, 2·moved.length]`; `null` on backends without JavaScript kernels
 * (the caller then composes ops). Inference only: the kernel has no gradient.
 */
export function affineCouplingApply(attrs: AffineAttrs, x: tf.Tensor2D, raw: tf.Tensor2D, moved: readonly number[], direction: 'forward' | 'inverse'): { output: tf.Tensor2D; logDet: tf.Tensor1D } | null {
  if (!hasKernelForActiveBackend(AFFINE_COUPLING_APPLY) || x.dtype !== 'float32' || raw.dtype !== 'float32') return null;
  const a: Attrs = { ...attrs, moved: [...moved], sign: direction === 'forward' ? 1 : -1 };
  const [output, logDet] = runKernel(AFFINE_COUPLING_APPLY, { x, raw }, a as unknown as tf.NamedAttrMap) as [tf.Tensor2D, tf.Tensor1D];
  return { output, logDet };
}
