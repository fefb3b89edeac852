/**
 * Fully connected layer `y = x · (W ⊙ M) + b` with a hand-written gradient, optionally masked (MADE).
 *
 * Why a custom gradient: TF.js's built-in matMul gradient uses `transposeA`/`transposeB` matMuls,
 * about 6× slower than plain ones on wasm (see the notes); here the backward pass transposes
 * explicitly and multiplies plainly, which was 1.4–1.7× faster per training step with identical values.
 */
import { tf } from '../backend.js';
import { runKernel } from '../kernels/dispatch.js';
import { ValidationError, describe } from '../errors.js';
import type { JsonObject } from '../module.js';
import { Module } from '../module.js';
import { Rng } from '../random.js';
import type { GradientSink, SavedForward } from './backward.js';
import { checkInt } from '../validate.js';
import { activate } from './activation.js';
import { denseGradIn1Simd, denseGradNarrowSimd, gemmNNSimd, gemmNTSimd, gemmTNSimd, transpose2d } from '../kernels/simd/simd-ops.js';
import { reshapeView } from '../kernels/views.js';
import { simdKernels } from '../kernels/simd/simd-kernels.js';
import { type BackwardActivation, SAVES_PRE_ACTIVATION, columnSums, denseActivationGrad } from '../kernels/dense.js';

/** Added to a column's squared norm under weight normalisation (keeps the gradient finite at 0). */
const WEIGHT_NORM_EPS = 1e-12;

/** How a layer's initial weights are drawn (see {@link DenseOptions.init}). */
export type DenseInit = 'uniform' | 'he' | 'glorot' | 'zeros';

export interface DenseOptions {
  /**
   * Initial weights. `uniform` (default): kernel **and bias** uniform on ±1/√fanIn (PyTorch's
   * `nn.Linear` default); `he`: kernel normal with sd √(2/fanIn), bias 0; `glorot`: kernel uniform on
   * ±√(6/(fanIn+fanOut)), bias 0; `zeros`: kernel and bias 0 (the layer outputs exactly 0).
   *
   * Why random biases by default: a coupling in 2 dimensions feeds its conditioner a single input, and
   * with zero biases every first-layer ReLU has its kink at 0, so the network starts as a function with
   * one kink. On two moons (RealNVP, 8 couplings of MLP 64-64, 3000 steps, wasm) zero biases gave test
   * NLLs of 1.23, 1.32 and 1.60 in three runs; `uniform` gave 1.18–1.22 over four seeds.
   */
  init?: DenseInit;
  /** 0/1 connectivity `[inputs, outputs]` (row-major, length inputs·outputs); the kernel is multiplied by it. */
  mask?: Float32Array;
  /**
   * Weight normalisation (Salimans & Kingma 2016): the kernel is `W = g · V / ‖V‖` per output column
   * (`V` masked first), with a trainable `gain` g initialised to the columns' initial norms, so the
   * layer starts as the unnormalised one. Not for `init: 'zeros'` (a zero column has no direction).
   */
  weightNorm?: boolean;
}

/**
 * A dense layer's input adjoint `dPre · Wᵀ` (`dPre` `[B, outputs]`, `w` `[inputs, outputs]`): on Wᵀ's
 * panels packed from W (wasm SIMD); else a fresh transpose, never a reshape of W (wasm's matMul caches
 * W's packing by tensor id, and a reshape shares that id), nor matMul's transpose flag (5–10× slower on
 * wasm at `[256, 64]`). Not differentiable on the SIMD path: for backward passes and untaped products.
 */
export function inputAdjoint(dPre: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const nt = gemmNTSimd(dPre, w);
  if (nt) return nt;
  const wT = transpose2d(w);
  return gemmNNSimd(dPre, wT, null, false) ?? matMul2d(dPre, wT);
}

/** `x · W + b` whose gradient uses explicit transposes (see the file comment). `mask` (optional) is constant. */
export function denseOp(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, mask: tf.Tensor2D | null): tf.Tensor2D {
  const f = tf.customGrad(((xi: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    // x and W must be saved: inputs made inside a caller's tf.tidy are freed before backprop runs.
    save([xi, w]);
    const masked = (k: tf.Tensor) => (mask ? tf.mul(k, mask) : k) as tf.Tensor2D;
    return {
      value: tf.add(tf.matMul(xi as tf.Tensor2D, masked(w)), b),
      gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => {
        const dx = tf.matMul(dy as tf.Tensor2D, tf.transpose(masked(ws)) as tf.Tensor2D);
        const dwFull = tf.matMul(tf.transpose(xs) as tf.Tensor2D, dy as tf.Tensor2D);
        return [dx, mask ? tf.mul(dwFull, mask) : dwFull, tf.sum(dy, 0)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, kernel, bias) as tf.Tensor2D;
}

/** Activations the fused matMul kernels apply in the same pass (TF.js's names). */
export type FusedActivation = 'linear' | 'relu' | 'elu' | 'leakyrelu';

/**
 * `act(x · (W ⊙ M) + b)` in one fused kernel (`tf.fused.matMul`), for inference only: call it when no
 * gradient is recorded (see `gradientsRecorded`). On wasm it is one XNNPACK pass instead of matMul,
 * add and activation over the whole `[batch, outputs]` array (about 1.6× faster at 100,000 × 64).
 * `leakyrelu` uses slope 0.01, as `activate` does.
 */
export function denseFused(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, mask: tf.Tensor2D | null, activation: FusedActivation): tf.Tensor2D {
  return tf.tidy(() => {
    const w = mask ? (tf.mul(kernel, mask) as tf.Tensor2D) : kernel;
    return tf.fused.matMul({ a: x, b: w, bias, activation, leakyreluAlpha: 0.01 }) as tf.Tensor2D;
  });
}

/**
 * Plain `a · b` of 2D tensors as one `BatchMatMul` kernel call: the cpu and wasm kernels accept 2D
 * operands, where `tf.matMul` adds three `Reshape` calls around them (tape-free path only).
 */
function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }) as tf.Tensor2D;
}

/**
 * `act(a · b + bias)` of 2D tensors as one `_FusedMatMul` kernel call on rank-3 views, without
 * `tf.fused.matMul`'s reshape dispatches and gradient wrapper (tape-free path only: nothing is
 * recorded).
 */
function fusedMatMul2d(a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor1D, activation: 'linear' | 'relu'): tf.Tensor2D {
  const inputs = { a: reshapeView(a, [1, ...a.shape]), b: reshapeView(b, [1, ...b.shape]), bias };
  const out = runKernel('_FusedMatMul', inputs, { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 }) as tf.Tensor3D;
  return reshapeView(out, [a.shape[0], b.shape[1]]);
}

/**
 * Dense layer `y = x · (W ⊙ M) + b`: `x` `[batch, inputs]` → `[batch, outputs]`; weights `kernel`
 * `[inputs, outputs]` and `bias` `[outputs]`. A building block of {@link MLP} and {@link MADE}.
 *
 * @example
 * ```ts
 * const layer = new Dense(3, 8, new Rng(1), { init: 'uniform' });
 * const h = layer.apply(tf.ones([5, 3])); // [5, 8]
 * ```
 */
export class Dense extends Module {
  readonly className = 'Dense';
  readonly inputs: number;
  readonly outputs: number;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  /** Per-column gain of weight normalisation, or `null` (see {@link DenseOptions.weightNorm}). */
  readonly gain: tf.Variable | null;
  private readonly mask: tf.Tensor2D | null;

  constructor(inputs: number, outputs: number, rng: Rng, options: DenseOptions = {}) {
    super();
    this.inputs = checkInt('Dense', 'inputs', inputs);
    this.outputs = checkInt('Dense', 'outputs', outputs);
    if (!(rng instanceof Rng)) throw new ValidationError('Dense', 'rng', 'an Rng (e.g. new Rng(0))', describe(rng));
    const init = options.init ?? 'uniform';
    const n = inputs * outputs;
    if (options.mask && options.mask.length !== n) throw new ValidationError('Dense', 'options.mask', `${n} values`, `${options.mask.length}`);
    let values: Float32Array;
    let bias: Float32Array = new Float32Array(outputs);
    if (init === 'zeros') values = new Float32Array(n);
    else if (init === 'uniform') {
      const a = 1 / Math.sqrt(inputs);
      values = rng.uniforms(n, -a, a);
      bias = rng.uniforms(outputs, -a, a);
    } else if (init === 'glorot') {
      const a = Math.sqrt(6 / (inputs + outputs));
      values = rng.uniforms(n, -a, a);
    } else {
      values = rng.normals(n);
      const sd = Math.sqrt(2 / inputs);
      for (let i = 0; i < n; i++) values[i] *= sd;
    }
    if (options.mask) for (let i = 0; i < n; i++) values[i] *= options.mask[i];
    if (options.weightNorm && init === 'zeros') throw new ValidationError('Dense', 'options.weightNorm', "false with init 'zeros' (a zero column has no direction)", 'true');
    this.kernel = this.addWeight('kernel', () => tf.tensor2d(values, [inputs, outputs]));
    this.bias = this.addWeight('bias', () => tf.tensor1d(bias));
    if (options.weightNorm) {
      const norms = new Float32Array(outputs);
      for (let j = 0; j < outputs; j++) {
        let ss = 0;
        for (let i = 0; i < inputs; i++) ss += values[i * outputs + j] ** 2;
        norms[j] = Math.sqrt(ss + WEIGHT_NORM_EPS);
      }
      this.gain = this.addWeight('gain', () => tf.tensor1d(norms));
    } else this.gain = null;
    this.mask = options.mask ? tf.keep(tf.tensor2d(options.mask, [inputs, outputs])) : null;
  }

  getConfig(): JsonObject {
    return this.gain ? { inputs: this.inputs, outputs: this.outputs, weightNorm: true } : { inputs: this.inputs, outputs: this.outputs };
  }

  /** `g · (V ⊙ M) / ‖V ⊙ M‖` per column (weight normalisation), differentiable in V and g. */
  private normalizedKernel(): tf.Tensor2D {
    const v = this.mask ? tf.mul(this.kernel, this.mask) : this.kernel;
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(v), 0), WEIGHT_NORM_EPS));
    return tf.mul(v, tf.div(this.gain!, norm)) as tf.Tensor2D;
  }

  /** Whether a connectivity mask multiplies the kernel (MADE). */
  get masked(): boolean {
    return this.mask !== null;
  }

  /**
   * `act(x · W + b)` in one fused kernel; inference only (no gradient recorded), see `denseFused`.
   * On wasm, ReLU and linear layers without a mask take the SIMD GEMM (with fused multiply-adds where
   * the engine has relaxed SIMD: about 2× XNNPACK's throughput at 100,000 × 64 × 64 here).
   */
  applyFused(x: tf.Tensor2D, activation: FusedActivation): tf.Tensor2D {
    if (this.gain) return tf.tidy(() => denseFused(x, this.normalizedKernel(), this.bias as tf.Tensor1D, null, activation));
    const simd = !this.mask && (activation === 'relu' || activation === 'linear') ? gemmNNSimd(x, this.kernel as tf.Tensor2D, this.bias as tf.Tensor1D, activation === 'relu') : null;
    return simd ?? denseFused(x, this.kernel as tf.Tensor2D, this.bias as tf.Tensor1D, this.mask, activation);
  }

  /** `[batch, inputs]` → `[batch, outputs]`. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (this.gain) return denseOp(x, this.normalizedKernel(), this.bias as tf.Tensor1D, null);
    return denseOp(x, this.kernel as tf.Tensor2D, this.bias as tf.Tensor1D, this.mask);
  }

  /**
   * Tape-free pass (see `src/engine`): `h = act(x · (W ⊙ M) + b)` with its backward,
   * `dPre = dh ⊙ act'`, `dW = xᵀ · dPre = (dPreᵀ · x)ᵀ` (masked), `db = Σ_batch dPre`, `dx = dPre · (W ⊙ M)ᵀ`.
   * Transposes are explicit (matMul's transpose flags are slow on wasm); ReLU is fused into the
   * matMul, which TF.js only does outside a gradient tape. On wasm the WebAssembly SIMD kernels of
   * `kernels/simd` take every product and pass whose sizes they support (see `simd-ops.ts`), the
   * plain kernels the rest. Call inside `tf.tidy`, with no tape active.
   */
  applyWithBackward(x: tf.Tensor2D, activation: BackwardActivation): SavedForward {
    if (this.gain) throw new Error('Dense.applyWithBackward: internal: weight-normalised layers take the tape path');
    const w = (this.mask ? tf.mul(this.kernel, this.mask) : this.kernel) as tf.Tensor2D;
    const fuse = activation === 'linear' || activation === 'relu';
    // The SIMD GEMM fuses ReLU; any other activation runs as its own pass over its linear output,
    // which still beats the fused XNNPACK matMul (about half the SIMD GEMM's throughput).
    const pre = gemmNNSimd(x, w, this.bias as tf.Tensor1D, activation === 'relu') ?? fusedMatMul2d(x, w, this.bias as tf.Tensor1D, fuse ? activation : 'linear');
    const output = fuse ? pre : activate(activation, pre);
    const saved = SAVES_PRE_ACTIVATION[activation] ? pre : output;
    return {
      output,
      backward: (dOutput: tf.Tensor2D, sink: GradientSink, needInput: boolean) => {
        // One input (a 2D coupling's first layer): the whole backward in one SIMD pass, on wasm.
        const in1 = this.inputs === 1 && !this.mask ? denseGradIn1Simd(activation, dOutput, saved, x, w, needInput) : null;
        if (in1) {
          sink.add(this.kernel, in1[1]);
          sink.add(this.bias, in1[0]);
          return needInput ? in1[2] : null;
        }
        // A linear layer with a few outputs (a 2D coupling's last): likewise.
        const narrow = activation === 'linear' && !this.mask ? denseGradNarrowSimd(dOutput, x, w, needInput) : null;
        if (narrow) {
          sink.add(this.kernel, narrow[0]);
          sink.add(this.bias, narrow[1]);
          return needInput ? narrow[2] : null;
        }
        // A narrowing linear layer (a conditioner's last) needs neither a copy of dOutput nor its transpose.
        const narrowLinear = activation === 'linear' && this.outputs < this.inputs;
        // The SIMD weight-gradient GEMM reads dPre itself: dPreᵀ is then not wanted.
        const wantT = !(this.inputs % 4 === 0 && simdKernels() !== null);
        const [dPre, dPreT, dBias] = narrowLinear ? [dOutput, null, columnSums(dOutput)] : denseActivationGrad(activation, dOutput, saved, wantT);
        const dw = this.weightGrad(x, dPre, dPreT);
        sink.add(this.kernel, this.mask ? tf.mul(dw, this.mask) : dw);
        sink.add(this.bias, dBias);
        if (!needInput) return null;
        return inputAdjoint(dPre, w);
      },
    };
  }

  /**
   * `dW = xᵀ · dPre` `[inputs, outputs]`: on wasm by the SIMD GEMM where the sizes allow (no packing
   * at all). Else wasm's matMul, which packs its second operand afresh for every new tensor (about
   * 50 µs for `[256, 64]`), so the product is arranged for the smaller batch-sized second operand:
   * `xᵀ · dPre` when the layer narrows (a conditioner's last layer, `dPre` `[B, 2]`), else
   * `(dPreᵀ · x)ᵀ` from the `dPreᵀ` the activation kernel hands over.
   */
  private weightGrad(x: tf.Tensor2D, dPre: tf.Tensor2D, dPreT: tf.Tensor2D | null): tf.Tensor2D {
    const simd = gemmTNSimd(x, dPre);
    if (simd) return simd;
    if (this.outputs < this.inputs || !dPreT) return matMul2d(transpose2d(x), dPre);
    const dwT = matMul2d(dPreT, x);
    return this.inputs === 1 || this.outputs === 1 ? (tf.reshape(dwT, [this.inputs, this.outputs]) as tf.Tensor2D) : transpose2d(dwT);
  }

  override dispose(): void {
    this.mask?.dispose();
    super.dispose();
  }
}
