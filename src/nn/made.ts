import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { type JsonObject, Module } from '../module.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';
import { type Activation, checkActivation } from './activation.js';
import { HiddenStages, checkDropout, checkNorm } from './hidden-stage.js';
import type { ConditionerNorm } from './normalization.js';
import { Dense } from './dense.js';
import { checkHidden, denseStackWithBackward } from './mlp.js';
import type { SavedForward } from './backward.js';
import { gradientsRecorded } from '../ops/tape.js';
import { type MadePlan, disposeMadePlan, madeBackward, madeForward, madeHiddenActivation, madeKernelsApply, madePlan } from '../kernels/made.js';

export interface MADEOptions {
  /** Hidden layer sizes (default `[64, 64]`); each should be at least `dim − 1` (`dim` with a context) for full connectivity. */
  hidden?: number[];
  /** Hidden activation (default `relu`). */
  activation?: Activation;
  /** Context features every hidden unit may see (default 0). */
  contextDim?: number;
  /** The dimensions in autoregressive order (default `[0, 1, …, dim − 1]`): `ordering[0]` depends on nothing. */
  ordering?: number[];
  /** Dropout rate after every hidden activation, in training mode only (default 0). */
  dropout?: number;
  /** Normalisation of the hidden layers: `none` (default), `batch` or `weight` (`layer` would mix degrees). */
  norm?: ConditionerNorm;
  /** Seed of the initial weights (and of the dropout masks). */
  seed?: Seed;
}

/**
 * MADE degrees: input `ordering[k]` has degree k + 1, context features degree 0, and a hidden layer
 * of `size` units cycles through 1 … dim − 1 (0 … dim − 1 with a context, so that every output, the
 * first included, can depend on it). Output `(i, p)` gets input i's degree, at column `i·P + p`.
 */
export function madeDegrees(dim: number, contextDim: number, ordering: readonly number[]): { input: number[]; hidden: (size: number) => number[]; output: (paramsPerDim: number) => number[] } {
  const inDeg = new Array<number>(dim);
  ordering.forEach((d, k) => (inDeg[d] = k + 1));
  const base = contextDim > 0 || dim === 1 ? 0 : 1;
  const span = Math.max(1, dim - base);
  return {
    input: [...inDeg, ...new Array<number>(contextDim).fill(0)],
    hidden: (size) => Array.from({ length: size }, (_, u) => (u % span) + base),
    output: (p) => inDeg.flatMap((d) => new Array<number>(p).fill(d)),
  };
}

/** 0/1 mask `[inputs, outputs]`, row-major: `connect(inDegree, outDegree)` decides each entry. */
export function maskFrom(inDeg: number[], outDeg: number[], connect: (a: number, b: number) => boolean): Float32Array {
  const m = new Float32Array(inDeg.length * outDeg.length);
  inDeg.forEach((a, i) => outDeg.forEach((b, j) => (m[i * outDeg.length + j] = connect(a, b) ? 1 : 0)));
  return m;
}

/**
 * MADE (Germain et al. 2015, "Masked Autoencoder for Distribution Estimation"): an MLP whose weight
 * masks make output `i` a function of the inputs before `i` in `ordering` only (and of the context):
 * `params[:, i, :] = f_i(x_{<i}, context)`. Input `[batch, dim]`, output `[batch, dim, paramsPerDim]`.
 *
 * Degrees: input `ordering[k]` has degree k + 1, context features degree 0, hidden units cycle through
 * 1 … dim − 1 (0 … dim − 1 with a context, so that every output, the first included, can depend on
 * it); a hidden unit sees inputs of degree ≤ its own, an output of degree k sees hidden units of degree < k. The last layer starts at zero, so a fresh MADE outputs all-zero parameters.
 *
 * @example
 * ```ts
 * const made = new MADE(3, 2, { hidden: [16, 16], ordering: [2, 0, 1], seed: 1 });
 * made.apply(tf.ones([5, 3]), null); // [5, 3, 2]
 * ```
 */
export class MADE extends Module {
  readonly className = 'MADE';
  readonly dim: number;
  readonly paramsPerDim: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly contextDim: number;
  readonly ordering: readonly number[];
  readonly dropout: number;
  readonly norm: ConditionerNorm;
  private readonly layers: Dense[];
  private readonly stages: HiddenStages;
  /** The masks `[inputs, outputs]` and hidden degrees, for the SIMD kernels' plan (made on first use). */
  private readonly masks: Float32Array[] = [];
  private readonly hiddenDegrees: number[][] = [];
  private readonly outputDegrees: number[] = [];
  private plan: MadePlan | null = null;

  constructor(dim: number, paramsPerDim: number, options: MADEOptions = {}) {
    super();
    const fn = 'MADE';
    checkOptions(fn, options, ['hidden', 'activation', 'contextDim', 'ordering', 'dropout', 'norm', 'seed']);
    this.dim = checkInt(fn, 'dim', dim);
    this.paramsPerDim = checkInt(fn, 'paramsPerDim', paramsPerDim);
    this.hidden = checkHidden(fn, 'options.hidden', options.hidden);
    this.activation = checkActivation(fn, 'options.activation', options.activation);
    this.contextDim = checkInt(fn, 'options.contextDim', options.contextDim ?? 0, 0);
    this.ordering = checkOrdering(fn, 'options.ordering', options.ordering, dim);
    this.dropout = checkDropout(fn, 'options.dropout', options.dropout);
    this.norm = checkNorm(fn, 'options.norm', options.norm);
    if (this.norm === 'layer') throw new ValidationError(fn, 'options.norm', "'none', 'batch' or 'weight' (layer normalisation mixes hidden units of different degrees)", "'layer'");
    const rng = toRng(options.seed, fn, 'options.seed');

    const degrees = madeDegrees(dim, this.contextDim, this.ordering);
    let prev = degrees.input;
    this.layers = [];
    for (const size of this.hidden) {
      const deg = degrees.hidden(size);
      const mask = maskFrom(prev, deg, (a, b) => b >= a);
      this.masks.push(mask);
      this.hiddenDegrees.push(deg);
      this.layers.push(new Dense(prev.length, size, rng, { init: 'uniform', mask, weightNorm: this.norm === 'weight' }));
      prev = deg;
    }
    const outDeg = degrees.output(paramsPerDim);
    const outMask = maskFrom(prev, outDeg, (a, b) => b > a);
    this.outputDegrees = outDeg;
    this.masks.push(outMask);
    this.layers.push(new Dense(prev.length, outDeg.length, rng, { init: 'zeros', mask: outMask }));
    this.stages = new HiddenStages(this.hidden, this.norm, this.dropout, rng);
  }

  getConfig(): JsonObject {
    return {
      dim: this.dim,
      paramsPerDim: this.paramsPerDim,
      hidden: [...this.hidden],
      activation: this.activation,
      contextDim: this.contextDim,
      ordering: [...this.ordering],
      ...(this.dropout === 0 && this.norm === 'none' ? {} : { dropout: this.dropout, norm: this.norm }),
    };
  }

  /** The dense layers first (their weight names predate the extras), then norms and dropouts. */
  protected override children(): readonly Module[] {
    return [...this.layers, ...this.stages.modules()];
  }

  /** No dropout and no normalisation: the network the tape-free pass implements. */
  get plain(): boolean {
    return this.dropout === 0 && this.norm === 'none';
  }

  /** The masked dense layers, input first. */
  denseLayers(): readonly Dense[] {
    return this.layers;
  }

  /**
   * Tape-free pass (see `src/engine`): {@link MADE.apply} flattened, `[batch, dim]` (and the context
   * `[batch, contextDim]`) → `[batch, dim · paramsPerDim]` (column `i·P + p`), with its backward; the
   * input adjoint covers `x` only (the context is data). Only for plain networks. On wasm the
   * degree-sorted SIMD kernels run (see kernels/made.ts), elsewhere the dense layers' passes.
   */
  applyWithBackward(x: tf.Tensor2D, context: tf.Tensor2D | null = null): SavedForward {
    if (!this.plain) throw new Error('MADE.applyWithBackward: internal: normalised or dropout networks take the tape path');
    const withContext = this.contextDim > 0 && context !== null;
    const input = withContext ? (tf.concat([x, context], 1) as tf.Tensor2D) : x;
    const inputAdjoint = (d: tf.Tensor2D | null) => (d && withContext ? (tf.slice(d, [0, 0], [d.shape[0], this.dim]) as tf.Tensor2D) : d);
    if (!this.kernelsApply(x.shape[0])) {
      const pass = denseStackWithBackward(this.layers, this.activation, input);
      return { output: pass.output, backward: (dOutput, sink, needInput) => inputAdjoint(pass.backward(dOutput, sink, needInput)) };
    }
    const plan = this.kernelPlan();
    const f = madeForward(plan, input, this.layers, true);
    return {
      output: f.output,
      backward: (dOutput, sink, needInput) => {
        const { grads, dx } = madeBackward(plan, f, dOutput, needInput);
        this.layers.forEach((layer, i) => {
          sink.add(layer.kernel, grads[2 * i]);
          sink.add(layer.bias, grads[2 * i + 1]);
        });
        return inputAdjoint(dx);
      },
    };
  }

  /** Whether the SIMD kernels of `kernels/made.ts` run this network for `batch` rows (plain, ReLU or ELU, wasm). */
  private kernelsApply(batch: number): boolean {
    return this.plain && madeHiddenActivation(this.activation) !== null && madeKernelsApply(batch);
  }

  private kernelPlan(): MadePlan {
    return (this.plan ??= madePlan(this.masks, this.layers.map((l) => [l.inputs, l.outputs] as [number, number]), this.hiddenDegrees, this.outputDegrees, madeHiddenActivation(this.activation)!));
  }

  override dispose(): void {
    disposeMadePlan(this.plan);
    super.dispose();
  }

  /**
   * {@link MADE.apply} for sampling pass `k` of an autoregressive layer (0 … dim − 1): the parameters
   * of the dimensions of degree ≤ k + 1 (`ordering[0 … k]`) equal `apply`'s; the others are not
   * needed in that pass and may hold anything. Pass `dim − 1` is the whole network. Inference only;
   * on wasm a pass computes only the hidden units of degree ≤ k (a prefix in the degree-sorted basis)
   * and, for the identity ordering, only the outputs it needs, about a third of the work over `dim` passes.
   */
  applyPass(x: tf.Tensor2D, context: tf.Tensor2D | null, k: number): tf.Tensor3D {
    if (k >= this.dim - 1 || gradientsRecorded() || !this.kernelsApply(x.shape[0])) return this.apply(x, context);
    return tf.tidy(() => {
      const h = this.contextDim > 0 && context ? tf.concat([x, context], 1) : x;
      const f = madeForward(this.kernelPlan(), h, this.layers, false, k);
      const n = this.dim * this.paramsPerDim;
      const out = f.output.shape[1] === n ? f.output : tf.pad(f.output, [[0, 0], [0, n - f.output.shape[1]]]);
      return tf.reshape(out, [x.shape[0], this.dim, this.paramsPerDim]) as tf.Tensor3D;
    });
  }

  /** `x` `[batch, dim]`, `context` `[batch, contextDim]` or null → `[batch, dim, paramsPerDim]`. Call inside `tf.tidy`. */
  apply(x: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor3D {
    let h = this.contextDim > 0 && context ? tf.concat([x, context], 1) : x;
    if (!gradientsRecorded() && this.kernelsApply(x.shape[0])) {
      // Inference (logProb, each sampling pass): the SIMD kernels, no weights' transposes kept.
      const f = madeForward(this.kernelPlan(), h, this.layers, false);
      tf.dispose(f.pad ? [...f.hidden, f.input] : f.hidden);
      return tf.reshape(f.output, [x.shape[0], this.dim, this.paramsPerDim]);
    }
    this.layers.forEach((layer, i) => {
      h = layer.apply(h);
      if (i < this.layers.length - 1) h = this.stages.apply(i, h, this.activation);
    });
    return tf.reshape(h, [x.shape[0], this.dim, this.paramsPerDim]);
  }
}

/** A permutation of 0 … dim − 1 from user input; `undefined` gives the identity. */
export function checkOrdering(fn: string, arg: string, value: unknown, dim: number): number[] {
  if (value === undefined) return Array.from({ length: dim }, (_, i) => i);
  const ok = Array.isArray(value) && value.length === dim && new Set(value).size === dim && value.every((v) => Number.isInteger(v) && v >= 0 && v < dim);
  if (!ok) throw new ValidationError(fn, arg, `a permutation of 0 … ${dim - 1}`, describe(value));
  return [...(value as number[])];
}
