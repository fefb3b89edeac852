/**
 * A normalizing flow: a base distribution on the latent side and a bijector whose `forward` maps
 * latent → data. The density path, on one screen:
 *
 *     z, ldj  = bijector.inverse(x)          data → latent, ldj = log |det ∂z/∂x|
 *     logProb = base.logProb(z) + ldj
 *
 * and sampling is `x = bijector.forward(z)` with `z ~ base`.
 */
import { assertReady, tf } from './backend.js';
import type { Bijector, ScoreResult } from './bijectors/bijector.js';
import { Chain } from './bijectors/chain.js';
import { Scale } from './bijectors/scale.js';
import { checkTril, ScaleMatvecTriL } from './bijectors/scale-matvec-tril.js';
import { Shift } from './bijectors/shift.js';
import type { Distribution } from './distributions/distribution.js';
import { ValidationError, describe } from './errors.js';
import type { NamedWeight, Serialized } from './module.js';
import { checkHeadroom, withMemoryErrors } from './memory/out-of-memory.js';
import { type EvaluationPlan, inRowChunks, planRows } from './memory/row-chunks.js';
import { type Seed, toRng } from './random.js';
import { checkInt, checkOptions, checkVector, type MatrixLike, matrix } from './validate.js';

export interface SampleOptions {
  /** Seed for reproducible draws (number, string or an `Rng`). */
  seed?: Seed;
  /** Context for a conditional flow: `[n, contextDim]`, or `[1, contextDim]` to use one context for all n. */
  context?: MatrixLike;
}

/** Architecture of a flow as plain JSON (save/load adds weights and a format version). */
export interface SerializedFlow {
  base: Serialized;
  bijector: Serialized;
  standardization: Standardization | null;
}

/**
 * Frozen data statistics: the flow models `u = C⁻¹ ((x − mean) / std)`, where `C` is
 * `correlationTril` when given (the whitening standardisation) and the identity otherwise (per-column
 * scaling). With `C` the lower Cholesky factor of the training rows' correlation matrix, a flow whose
 * layers are the identity is exactly the full-covariance Gaussian `N(mean, diag(std) C Cᵀ diag(std))`.
 */
export interface Standardization {
  mean: number[];
  std: number[];
  /** Lower Cholesky factor of the correlation matrix of the standardised columns (d × d, positive diagonal), or absent. */
  correlationTril?: number[][];
}

/**
 * How the rows of one chunk are computed: on this thread (`ONE_THREAD`, what `Flow`'s own methods
 * use), or split with an evaluation worker by the Node entry (`evaluateLogProb` in `tfjs-flows/node`).
 * Not public API: the seam that keeps threads out of the core.
 * @internal
 */
export interface RowEvaluator {
  /** Rows per chunk, given the chunk size one thread takes under the memory budget. */
  chunkRows(oneThread: number): number;
  /** `log p(x)` `[rows]` of checked rows `x` `[rows, dim]` (data units). */
  logProb(flow: Flow, x: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor1D;
  /** The latent → data pass of checked rows `z` (see {@link Flow.forwardUnchecked}). */
  forward(flow: Flow, z: tf.Tensor2D, context: tf.Tensor2D | null): { output: tf.Tensor2D; logDet: tf.Tensor1D };
}

/** Every chunk on this thread. @internal */
export const ONE_THREAD: RowEvaluator = {
  chunkRows: (rows) => rows,
  logProb: (flow, x, context) => flow.logProbUnchecked(x, context),
  forward: (flow, z, context) => flow.forwardUnchecked(z, context),
};

/** Rows of a matrix-like argument, for messages before it is checked. */
function rowsOf(x: unknown): number {
  const shape = (x as { shape?: unknown })?.shape;
  if (Array.isArray(shape)) return Number(shape[0]);
  return Array.isArray(x) ? x.length : NaN;
}

/**
 * `Flow(base, bijector)`: exact log-density, sampling and both at once.
 *
 * Memory: `logProb`, `sample`, `sampleAndLogProb`, `toLatent` and `fromLatent` evaluate their rows in
 * chunks sized from the layer widths (see `setMemoryBudget`), so any number of rows runs in bounded
 * memory; a call that cannot fit throws an `OutOfMemoryError` saying what to reduce.
 *
 * @example
 * ```ts
 * import { ready, tf, Flow, StandardNormal, Chain, Shift, Scale } from 'tfjs-flows';
 * await ready();
 * const flow = new Flow(new StandardNormal(2), new Chain([new Shift([1, 2]), new Scale([3, 0.5])]));
 * const lp = flow.logProb([[1, 2], [0, 0]]);      // Tensor1D [2]: log N(x; (1,2), diag(9, 0.25))
 * const x = flow.sample(1000, { seed: 7 });        // Tensor2D [1000, 2]
 * tf.dispose([lp, x]);
 * ```
 */
export class Flow {
  readonly base: Distribution;
  readonly bijector: Bijector;
  readonly dim: number;
  readonly contextDim: number;
  private standardization_: Standardization | null = null;
  /** The bijector applied from the data side: `bijector`, preceded by the frozen standardisation if any. */
  private pipeline: Bijector;
  private standardizer: Bijector[] = [];

  constructor(base: Distribution, bijector: Bijector) {
    if (typeof (base as Distribution)?.logProb !== 'function' || typeof (base as Distribution)?.dim !== 'number') {
      throw new ValidationError('Flow', 'base', 'a Distribution (e.g. new StandardNormal(dim))', describe(base));
    }
    if (typeof (bijector as Bijector)?.inverse !== 'function') {
      throw new ValidationError('Flow', 'bijector', 'a Bijector', describe(bijector));
    }
    if (bijector.dim !== null && bijector.dim !== base.dim) {
      throw new ValidationError('Flow', 'bijector', `a bijector of dimension ${base.dim} (the base's)`, `dimension ${bijector.dim}`);
    }
    const baseContext = base.contextDim ?? 0;
    if (baseContext > 0 && bijector.contextDim > 0 && baseContext !== bijector.contextDim) {
      throw new ValidationError('Flow', 'base', `a base with the bijector's context dimension ${bijector.contextDim} (or none)`, `contextDim ${baseContext}`);
    }
    this.base = base;
    this.bijector = bijector;
    this.dim = base.dim;
    this.contextDim = Math.max(bijector.contextDim, baseContext);
    this.pipeline = bijector;
  }

  /** The frozen data standardisation, or `null` (see {@link Flow.standardize}). */
  get standardization(): Standardization | null {
    const s = this.standardization_;
    if (!s) return null;
    return { mean: [...s.mean], std: [...s.std], ...(s.correlationTril ? { correlationTril: s.correlationTril.map((r) => [...r]) } : {}) };
  }

  /**
   * Make the flow model standardised data `u = C⁻¹ ((x − mean) / std)` while every method keeps
   * answering in data units: a frozen affine map `x = mean + std · (C u)` is applied on the data side
   * (`C` = `correlationTril`, or the identity), and its log-det (`−Σ log std − Σ log Cᵢᵢ` in the density
   * direction) is included in `logProb`. `fit` calls this with the training data's statistics; `null`
   * removes it. `flow.bijector` alone excludes it; {@link Flow.toLatent} and {@link Flow.fromLatent}
   * include it.
   *
   * @example
   * ```ts
   * flow.standardize({ mean: [0.5, 0.25], std: [0.87, 0.5] });
   * flow.standardize({ mean: [0, 0], std: [1, 2], correlationTril: [[1, 0], [0.6, 0.8]] }); // whitening
   * ```
   */
  standardize(stats: Standardization | null): void {
    const fn = 'Flow.standardize';
    for (const b of this.standardizer) b.dispose();
    this.standardizer = [];
    this.standardization_ = null;
    this.pipeline = this.bijector;
    if (stats === null) return;
    const mean = checkVector(fn, 'stats.mean', stats?.mean, this.dim);
    const std = checkVector(fn, 'stats.std', stats?.std, this.dim, { min: 0, open: true });
    const tril = stats.correlationTril === undefined || stats.correlationTril === null ? null : checkTril(fn, 'stats.correlationTril', stats.correlationTril);
    if (tril && tril.length !== this.dim) throw new ValidationError(fn, 'stats.correlationTril', `a ${this.dim} × ${this.dim} matrix`, `${tril.length} rows`);
    this.standardizer = [new Shift(mean), new Scale(std), ...(tril ? [new ScaleMatvecTriL(tril)] : [])];
    this.standardization_ = { mean, std, ...(tril ? { correlationTril: tril } : {}) };
    const inner = this.bijector instanceof Chain ? [...this.bijector.bijectors] : [this.bijector];
    this.pipeline = new Chain([...this.standardizer, ...inner]);
  }

  /**
   * Log-density of each row of `x` (`[batch, dim]`, data units) → `[batch]`. Conditional flows need
   * `context` `[batch, contextDim]`. The caller owns (and disposes) the result. Rows are evaluated
   * in chunks (see {@link Flow}); on one thread (the Node entry's `evaluateLogProb` can use two).
   */
  logProb(x: MatrixLike, context?: MatrixLike): tf.Tensor1D {
    return this.logProbWith('Flow.logProb', x, context, ONE_THREAD);
  }

  /**
   * `logProb` with the chunks computed by `evaluator` (for the Node entry's two-thread evaluation).
   * @internal
   */
  logProbWith(fn: string, x: MatrixLike, context: MatrixLike | undefined, evaluator: RowEvaluator): tf.Tensor1D {
    assertReady(fn);
    let plan: EvaluationPlan | null = null;
    return withMemoryErrors(fn, () => plan ?? this.plan(rowsOf(x), evaluator), () =>
      tf.tidy(() => {
        const xt = matrix(x, { fn, arg: 'x', cols: this.dim });
        const ctx = this.contextTensor(fn, context, xt.shape[0], false);
        const p = (plan = this.plan(xt.shape[0], evaluator));
        checkHeadroom(fn, p, 2 * 4 * p.rows);
        return inRowChunks(p.rows, p.chunk, [xt, ctx], ([x, c]) => [evaluator.logProb(this, x as tf.Tensor2D, c)])[0] as tf.Tensor1D;
      }),
    );
  }

  /** How `rows` rows are cut into chunks (see `planRows`): the layers seen from the data side, the base included. */
  private plan(rows: number, evaluator: RowEvaluator): EvaluationPlan {
    return planRows([this.base, this.pipeline], this.dim, rows, evaluator.chunkRows);
  }

  /**
   * `logProb` on tensors already known to be valid (no value checks, no read-back): for training loops
   * and gradients. Shapes are still checked by the bijectors. Outside a gradient tape the layers take
   * their inference path (fused matMul + bias + activation, one-pass column kernels); under a tape,
   * the differentiable one. Both compute the same values within float32 rounding.
   * @internal
   */
  logProbUnchecked(x: tf.Tensor2D, context: tf.Tensor2D | null = null): tf.Tensor1D {
    return tf.tidy(() => {
      const { output: z, logDet } = this.pipeline.inverse(x, context);
      return tf.add(this.base.logProb(z, this.baseContext(context)), logDet) as tf.Tensor1D;
    });
  }

  /**
   * The latent point of each row of `x` (`[batch, dim]`, data units) → `[batch, dim]`: the whole
   * density-direction map, the standardisation included (`flow.bijector.inverse` alone excludes it).
   * After `fit` on data the flow models well, the rows of `toLatent(x)` look like draws of the base
   * (mean ≈ 0, variance ≈ 1 per dimension for a standard normal base).
   *
   * @example
   * ```ts
   * const z = flow.toLatent(x);      // [n, dim]
   * const back = flow.fromLatent(z); // ≈ x
   * ```
   */
  toLatent(x: MatrixLike, context?: MatrixLike): tf.Tensor2D {
    const fn = 'Flow.toLatent';
    assertReady(fn);
    return this.mapRows(fn, x, 'x', context, false, (xt, c) => this.pipeline.inverse(xt, c).output);
  }

  /**
   * The data point of each latent row `z` (`[batch, dim]`) → `[batch, dim]` in data units: the whole
   * sampling-direction map, the standardisation included; the inverse of {@link Flow.toLatent}. A
   * `[1, contextDim]` context is used for every row.
   */
  fromLatent(z: MatrixLike, context?: MatrixLike): tf.Tensor2D {
    const fn = 'Flow.fromLatent';
    assertReady(fn);
    return this.mapRows(fn, z, 'z', context, true, (zt, c) => this.pipeline.forward(zt, c).output);
  }

  /** `map` over the rows of `input` `[batch, dim]` → `[batch, dim]`, in chunks. */
  private mapRows(fn: string, input: MatrixLike, arg: string, context: MatrixLike | undefined, broadcast: boolean, map: (x: tf.Tensor2D, c: tf.Tensor2D | null) => tf.Tensor2D): tf.Tensor2D {
    let plan: EvaluationPlan | null = null;
    return withMemoryErrors(fn, () => plan ?? this.plan(rowsOf(input), ONE_THREAD), () =>
      tf.tidy(() => {
        const xt = matrix(input, { fn, arg, cols: this.dim });
        const ctx = this.contextTensor(fn, context, xt.shape[0], broadcast);
        const p = (plan = this.plan(xt.shape[0], ONE_THREAD));
        checkHeadroom(fn, p, 2 * 4 * p.rows * this.dim);
        return inRowChunks(p.rows, p.chunk, [xt, ctx], ([x, c]) => [map(x as tf.Tensor2D, c)])[0] as tf.Tensor2D;
      }),
    );
  }

  /**
   * The latent → data pass on tensors already known to be valid: `z` `[batch, dim]` → `{ output
   * [batch, dim], logDet [batch] }`, `logDet = log |det ∂x/∂z|` (standardisation included). For the
   * evaluation worker and other internal callers.
   * @internal
   */
  forwardUnchecked(z: tf.Tensor2D, context: tf.Tensor2D | null = null): { output: tf.Tensor2D; logDet: tf.Tensor1D } {
    return this.pipeline.forward(z, context);
  }

  /**
   * `forwardUnchecked` carrying the score (see `Bijector.forwardWithScore`): `scoreZ = ∂log q_z/∂z` in,
   * `score = ∂log q/∂x` out (standardisation included). For path-gradient training.
   * @internal
   */
  forwardWithScoreUnchecked(z: tf.Tensor2D, scoreZ: tf.Tensor2D, context: tf.Tensor2D | null = null): ScoreResult {
    return this.pipeline.forwardWithScore(z, scoreZ, context);
  }

  /** The density direction carrying a data-side score back to the latent side (see `Bijector.inverseWithScore`). @internal */
  inverseWithScoreUnchecked(x: tf.Tensor2D, scoreX: tf.Tensor2D, context: tf.Tensor2D | null = null): ScoreResult {
    return this.pipeline.inverseWithScore(x, scoreX, context);
  }

  /**
   * `n` samples `[n, dim]` in data units; the same seed gives the same samples. The latent draws are
   * made at once (so seeds keep their samples), the latent → data pass in chunks.
   */
  sample(n: number, options: SampleOptions = {}): tf.Tensor2D {
    return this.sampleWith('Flow.sample', n, options, ONE_THREAD).samples;
  }

  /**
   * Samples and their log-density in one forward pass (no inverse needed):
   * `logProb = base.logProb(z) − forward(z).logDet`. Differentiable in the flow's weights, which
   * reverse-KL training uses.
   */
  sampleAndLogProb(n: number, options: SampleOptions = {}): { samples: tf.Tensor2D; logProb: tf.Tensor1D } {
    return this.sampleWith('Flow.sampleAndLogProb', n, options, ONE_THREAD, true) as { samples: tf.Tensor2D; logProb: tf.Tensor1D };
  }

  /**
   * `sample` (`withLogProb` false) or `sampleAndLogProb` with the chunks' forward passes computed by
   * `evaluator` (for the Node entry's two-thread evaluation).
   * @internal
   */
  sampleWith(fn: string, n: number, options: SampleOptions, evaluator: RowEvaluator, withLogProb = false): { samples: tf.Tensor2D; logProb?: tf.Tensor1D } {
    assertReady(fn);
    checkInt(fn, 'n', n);
    checkOptions(fn, options, ['seed', 'context']);
    const plan = this.plan(n, evaluator);
    return withMemoryErrors(fn, () => plan, () =>
      tf.tidy(() => {
        const ctx = this.contextTensor(fn, options.context, n, true);
        // The latent draws, the samples and their concatenation.
        checkHeadroom(fn, plan, 3 * 4 * n * (this.dim + (ctx ? this.contextDim : 0)));
        const z = this.base.sample(n, toRng(options.seed, fn, 'options.seed'), this.baseContext(ctx));
        const [samples, logProb] = inRowChunks(n, plan.chunk, [z, ctx], ([zc, c]) => {
          const { output, logDet } = evaluator.forward(this, zc as tf.Tensor2D, c);
          return withLogProb ? [output, tf.sub(this.base.logProb(zc as tf.Tensor2D, this.baseContext(c)), logDet)] : [output];
        });
        return withLogProb ? { samples: samples as tf.Tensor2D, logProb: logProb as tf.Tensor1D } : { samples: samples as tf.Tensor2D };
      }),
    );
  }

  /**
   * Push latent points through the layers, keeping every intermediate state (for plots of how the
   * flow warps space): `states[0]` is `z`, the last is the data-side output. `names[k]` is the class of
   * the bijector that produced `states[k]` (`names[0]` is `'base'`).
   */
  forwardStates(z: MatrixLike, context?: MatrixLike): { states: tf.Tensor2D[]; names: string[] } {
    const fn = 'Flow.forwardStates';
    assertReady(fn);
    return tf.tidy(() => {
      const zt = matrix(z, { fn, arg: 'z', cols: this.dim });
      const ctx = this.contextTensor(fn, context, zt.shape[0], true);
      if (this.pipeline instanceof Chain) {
        const names = ['base', ...[...this.pipeline.bijectors].reverse().map((b) => b.className)];
        return { states: this.pipeline.forwardStates(zt, ctx).states, names };
      }
      return { states: [zt, this.pipeline.forward(zt, ctx).output], names: ['base', this.pipeline.className] };
    });
  }

  /**
   * All weights (base first, then bijector), with stable names `base/…` and `bijector/…`. The
   * standardisation is not a weight: it is part of the architecture (`serialize`).
   */
  get weights(): NamedWeight[] {
    return [
      ...this.base.weights.map((w) => ({ ...w, name: `base/${w.name}` })),
      ...this.bijector.weights.map((w) => ({ ...w, name: `bijector/${w.name}` })),
    ];
  }

  /** The variables an optimiser should update. */
  get trainableVariables(): tf.Variable[] {
    return this.weights.filter((w) => w.trainable).map((w) => w.variable);
  }

  /** Architecture without weights. */
  serialize(): SerializedFlow {
    return { base: this.base.serialize(), bijector: this.bijector.serialize(), standardization: this.standardization };
  }

  /** Free all weights. */
  dispose(): void {
    this.base.dispose();
    this.bijector.dispose();
    for (const b of this.standardizer) b.dispose();
  }

  /** The context the base sees: `null` for an unconditional base (the bijector may still be conditional). */
  private baseContext(context: tf.Tensor2D | null): tf.Tensor2D | null {
    return this.base.contextDim > 0 ? context : null;
  }

  /** Check and convert a context argument; `[1, c]` is tiled to `rows` when `broadcast` is allowed. */
  private contextTensor(fn: string, context: MatrixLike | undefined, rows: number, broadcast: boolean): tf.Tensor2D | null {
    if (this.contextDim === 0) {
      if (context !== undefined && context !== null) {
        throw new ValidationError(fn, 'context', 'absent (this flow is unconditional)', describe(context));
      }
      return null;
    }
    if (context === undefined || context === null) {
      throw new ValidationError(fn, 'context', `a matrix [${rows}, ${this.contextDim}] (this flow is conditional)`, 'none');
    }
    const c = matrix(context, { fn, arg: 'context', cols: this.contextDim });
    if (c.shape[0] === rows) return c;
    if (broadcast && c.shape[0] === 1) return tf.tile(c, [rows, 1]);
    const allowed = broadcast ? `${rows} or 1 rows` : `${rows} rows (one per row of x)`;
    throw new ValidationError(fn, 'context', `a matrix [${rows}, ${this.contextDim}] with ${allowed}`, `shape [${c.shape.join(', ')}]`);
  }
}
