/**
 * Kernel conditioners (English, Kirchler & Lippert 2024, "Kernelised Normalising Flows", ICLR): a
 * bijector's parameters as a kernel expansion over learnable auxiliary points instead of a network.
 */
import { tf } from '../backend.js';
import { type JsonObject, Module } from '../module.js';
import { type Rng, type Seed, toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';
import { checkOrdering } from './made.js';

export interface KernelConditionerOptions {
  /** Number M of auxiliary points (default 32). */
  points?: number;
  /** Context features appended to the input (default 0). */
  contextDim?: number;
  /** Seed of the choice of first-batch rows that become the auxiliary points. */
  seed?: Seed;
}

/**
 * `rows` `[n, width]` (row-major) → `M` of them as the initial auxiliary points: a seeded choice
 * without replacement when `n ≥ M`, else every row in turn (repeats).
 */
function pickRows(values: Float32Array, n: number, width: number, m: number, rng: Rng): Float32Array {
  const order = n >= m ? Array.from(rng.permutation(n)).slice(0, m) : Array.from({ length: m }, (_, i) => i % n);
  const out = new Float32Array(m * width);
  order.forEach((r, i) => out.set(values.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/** Median over pairs of points of `√(Σ_{k ∈ cols} (p_ik − p_jk)²)`; 1 when that is 0 (no columns, equal points). */
function medianDistance(points: Float32Array, m: number, width: number, cols: number[]): number {
  const d: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      let s = 0;
      for (const k of cols) s += (points[i * width + k] - points[j * width + k]) ** 2;
      d.push(Math.sqrt(s));
    }
  }
  d.sort((a, b) => a - b);
  const med = d.length ? d[Math.floor(d.length / 2)] : 0;
  return med > 1e-3 ? med : 1;
}

/** Shared weights and the data-dependent initialisation of both kernel conditioners. */
abstract class KernelBase extends Module {
  readonly points: number;
  readonly contextDim: number;
  /** Auxiliary points ũ `[M, inputs + contextDim]`. */
  readonly centres: tf.Variable;
  /** Log RBF length-scales (one, or one per output dimension when masked). */
  readonly logLengthScale: tf.Variable;
  /** Expansion coefficients A, zero at first. */
  readonly coefficients: tf.Variable;
  /** 0 until the first batch has set the auxiliary points, then 1 (non-trainable, so it is saved). */
  readonly initialized: tf.Variable;
  private readonly rng: Rng;
  /** The `initialized` weight's `dataId` when it was last read as 1 (`assign`, also a parent's `setWeights`, gives it a new one). */
  private knownInitialized: object | null = null;

  protected constructor(fn: string, width: number, scales: number, outputs: number, options: KernelConditionerOptions) {
    super();
    this.points = checkInt(fn, 'options.points', options.points ?? 32);
    this.contextDim = checkInt(fn, 'options.contextDim', options.contextDim ?? 0, 0);
    this.rng = toRng(options.seed, fn, 'options.seed');
    this.centres = this.addWeight('centres', () => tf.zeros([this.points, width + this.contextDim]));
    this.logLengthScale = this.addWeight('logLengthScale', () => tf.zeros(scales === 0 ? [] : [scales]));
    this.coefficients = this.addWeight('coefficients', () => tf.zeros([this.points, outputs]));
    this.initialized = this.addWeight('initialized', () => tf.scalar(0), false);
  }

  /** Whether the auxiliary points have been set from data. */
  get isInitialized(): boolean {
    if (this.knownInitialized === this.initialized.dataId) return true;
    const yes = this.initialized.dataSync()[0] === 1;
    if (yes) this.knownInitialized = this.initialized.dataId;
    return yes;
  }

  /** Initial log length-scales for these points (see the subclasses). */
  protected abstract initialLengthScales(points: Float32Array, width: number): number[];

  /** `u` `[batch, width]`: inputs and context side by side. Sets the points and scales on the first call. */
  protected ensureInitialized(u: tf.Tensor2D): void {
    if (this.isInitialized) return;
    const [n, width] = u.shape;
    const points = pickRows(u.dataSync() as Float32Array, n, width, this.points, this.rng);
    const scales = this.initialLengthScales(points, width).map(Math.log);
    tf.tidy(() => {
      this.centres.assign(tf.tensor2d(points, [this.points, width]));
      this.logLengthScale.assign(this.logLengthScale.rank === 0 ? tf.scalar(scales[0]) : tf.tensor1d(scales));
      this.initialized.assign(tf.scalar(1));
    });
    this.knownInitialized = this.initialized.dataId;
  }

  /** Squared differences `(u_bk − ũ_jk)²` `[batch, M, width]`. */
  protected squaredDifferences(u: tf.Tensor2D): tf.Tensor3D {
    return tf.square(tf.sub(tf.expandDims(u, 1), tf.expandDims(this.centres, 0))) as tf.Tensor3D;
  }

  protected join(x: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D {
    return this.contextDim > 0 && context ? (tf.concat([x, context], 1) as tf.Tensor2D) : x;
  }
}

/**
 * Kernel conditioner `u ↦ Σᵢ k(ũᵢ, u) Aᵢ` with the RBF kernel `k(ũ, u) = exp(−‖u − ũ‖² / 2ℓ²)`
 * (English et al. 2024): `M` auxiliary points ũᵢ `[M, inputs + contextDim]`, coefficients A
 * `[M, outputs]` and a trainable log length-scale log ℓ, all learnt. A starts at zero, so the output is
 * exactly 0 and the coupling it drives starts as the identity.
 *
 * Data-dependent initialisation (as ActNorm's): the first batch it sees, in either direction and
 * mode, sets the points to `M` of its rows (a seeded choice; every row in turn when the batch has
 * fewer) and ℓ to their median pairwise distance. A non-trainable `initialized` weight records it, so
 * a saved and reloaded conditioner is not initialised again. Input `[batch, inputs]` (plus context),
 * output `[batch, outputs]`; `M·(inputs + contextDim + outputs) + 1` parameters.
 *
 * @example
 * ```ts
 * const k = new KernelConditioner(1, 2, { points: 16, seed: 0 });
 * k.apply(tf.randomNormal([64, 1]), null); // [64, 2], zeros before training; the points are now 16 of these rows
 * ```
 */
export class KernelConditioner extends KernelBase {
  readonly className = 'KernelConditioner';
  readonly inputs: number;
  readonly outputs: number;

  constructor(inputs: number, outputs: number, options: KernelConditionerOptions = {}) {
    const fn = 'KernelConditioner';
    checkOptions(fn, options, ['points', 'contextDim', 'seed']);
    super(fn, checkInt(fn, 'inputs', inputs), 0, checkInt(fn, 'outputs', outputs), options ?? {});
    this.inputs = inputs;
    this.outputs = outputs;
  }

  getConfig(): JsonObject {
    return { inputs: this.inputs, outputs: this.outputs, points: this.points, contextDim: this.contextDim };
  }

  protected initialLengthScales(points: Float32Array, width: number): number[] {
    return [medianDistance(points, this.points, width, Array.from({ length: width }, (_, k) => k))];
  }

  /** `x` `[batch, inputs]`, `context` `[batch, contextDim]` or null → `[batch, outputs]`. Call inside `tf.tidy`. */
  apply(x: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D {
    const u = this.join(x, context);
    this.ensureInitialized(u);
    const d2 = tf.sum(this.squaredDifferences(u), 2);
    const k = tf.exp(tf.mul(d2, tf.mul(-0.5, tf.exp(tf.mul(-2, this.logLengthScale)))));
    return tf.matMul(k as tf.Tensor2D, this.coefficients as tf.Tensor2D);
  }
}

export interface MaskedKernelConditionerOptions extends KernelConditionerOptions {
  /** The dimensions in autoregressive order (default `[0, 1, …, dim − 1]`). */
  ordering?: number[];
}

/**
 * The autoregressive kernel conditioner: output `(i, p)` is `Σⱼ kᵢ(ũⱼ, u) A_{j,i,p}` with the RBF
 * kernel over the dimensions before `i` in `ordering` (and the context) only,
 * `kᵢ(ũ, u) = exp(−Σ_{k <ᵢ} (u_k − ũ_k)² / 2ℓᵢ²)`, one length-scale per dimension. So `θᵢ` depends on
 * `u_{<i}` as a MADE's does; the first dimension's kernel is constant 1 without a context (its
 * parameters are then learnt constants). Initialisation as {@link KernelConditioner}'s (each ℓᵢ from
 * the median distance over dimension i's predecessors). Input `[batch, dim]`, output
 * `[batch, dim, paramsPerDim]`, all zeros at first.
 *
 * @example
 * ```ts
 * const k = new MaskedKernelConditioner(3, 2, { points: 16, ordering: [2, 0, 1], seed: 1 });
 * k.apply(tf.randomNormal([64, 3]), null); // [64, 3, 2]
 * ```
 */
export class MaskedKernelConditioner extends KernelBase {
  readonly className = 'MaskedKernelConditioner';
  readonly dim: number;
  readonly paramsPerDim: number;
  readonly ordering: readonly number[];
  /** `T[k, i] = 1` when dimension k comes before dimension i in the ordering. */
  private readonly before: tf.Tensor2D;

  constructor(dim: number, paramsPerDim: number, options: MaskedKernelConditionerOptions = {}) {
    const fn = 'MaskedKernelConditioner';
    checkOptions(fn, options, ['points', 'contextDim', 'ordering', 'seed']);
    checkInt(fn, 'dim', dim);
    checkInt(fn, 'paramsPerDim', paramsPerDim);
    const ordering = checkOrdering(fn, 'options.ordering', options?.ordering, dim);
    super(fn, dim, dim, dim * paramsPerDim, options ?? {});
    this.dim = dim;
    this.paramsPerDim = paramsPerDim;
    this.ordering = ordering;
    const position = new Array<number>(dim);
    ordering.forEach((d, k) => (position[d] = k));
    const t = new Float32Array(dim * dim);
    for (let k = 0; k < dim; k++) for (let i = 0; i < dim; i++) t[k * dim + i] = position[k] < position[i] ? 1 : 0;
    this.before = tf.keep(tf.tensor2d(t, [dim, dim]));
  }

  getConfig(): JsonObject {
    return { dim: this.dim, paramsPerDim: this.paramsPerDim, points: this.points, contextDim: this.contextDim, ordering: [...this.ordering] };
  }

  protected initialLengthScales(points: Float32Array, width: number): number[] {
    const context = Array.from({ length: this.contextDim }, (_, c) => this.dim + c);
    return Array.from({ length: this.dim }, (_, i) => {
      const pos = this.ordering.indexOf(i);
      return medianDistance(points, this.points, width, [...this.ordering.slice(0, pos), ...context]);
    });
  }

  /** `x` `[batch, dim]`, `context` or null → `[batch, dim, paramsPerDim]`. Call inside `tf.tidy`. */
  apply(x: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor3D {
    const u = this.join(x, context);
    this.ensureInitialized(u);
    const [batch, m, d, p] = [x.shape[0], this.points, this.dim, this.paramsPerDim];
    const sq = this.squaredDifferences(u);
    const own = this.contextDim > 0 ? tf.slice(sq, [0, 0, 0], [batch, m, d]) : sq;
    // Σ over the predecessors of each output dimension, as one product with the 0/1 order matrix.
    let s = tf.reshape(tf.matMul(tf.reshape(own, [batch * m, d]) as tf.Tensor2D, this.before), [batch, m, d]);
    if (this.contextDim > 0) s = tf.add(s, tf.sum(tf.slice(sq, [0, 0, d], [batch, m, this.contextDim]), 2, true));
    const k = tf.exp(tf.mul(s, tf.mul(-0.5, tf.exp(tf.mul(-2, this.logLengthScale)))));
    const a = tf.reshape(this.coefficients, [1, m, d, p]);
    return tf.sum(tf.mul(tf.expandDims(k, 3), a), 1) as tf.Tensor3D;
  }

  override dispose(): void {
    this.before.dispose();
    super.dispose();
  }
}
