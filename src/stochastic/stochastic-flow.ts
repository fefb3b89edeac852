/**
 * A flow whose layers may be stochastic (Stochastic Normalizing Flows, Wu, Köhler & Noé 2020). The
 * sampling path and its importance weight, on one screen:
 *
 *     z ~ base,  log w = −log p_base(z)
 *     for each layer in the sampling order:  x, ΔS = layer(x);  log w += ΔS
 *     log w += log p̃(x)
 *
 * where ΔS is a bijector's forward log-det or a stochastic block's log path ratio. `E[w] = Z` exactly,
 * so the weights reweight samples to the target (self-normalised) and estimate log Z. The density
 * path (maximum likelihood) runs the layers the other way and scores `log p_base(z) + Σ ΔS`, which is
 * `logProb(x)` when every layer is a bijector and a stochastic lower bound of it otherwise.
 *
 * Layers are listed as in `Chain`: from the data side, so the last is applied first when sampling.
 */
import { assertReady, tf } from '../backend.js';
import { Bijector } from '../bijectors/bijector.js';
import { Chain } from '../bijectors/chain.js';
import type { Distribution } from '../distributions/distribution.js';
import { ValidationError, describe } from '../errors.js';
import { Flow } from '../flow.js';
import { callLogTarget, checkLogTarget, type LogTarget } from '../inference/log-target.js';
import type { ImportanceSampleResult } from '../inference/importance-sample.js';
import { samplesWithSummary } from '../inference/weights.js';
import { checkHeadroom, withMemoryErrors } from '../memory/out-of-memory.js';
import { type EvaluationPlan, inRowChunks, planRows } from '../memory/row-chunks.js';
import type { NamedWeight, Serialized } from '../module.js';
import { type Rng, type Seed, toRng } from '../random.js';
import { checkInt, checkOptions, matrix, type MatrixLike } from '../validate.js';
import { StochasticBlock } from './block.js';
import { applyLayer, type FlowLayer, type LayerContext } from './layer.js';

/** Architecture of a stochastic flow as plain JSON. */
export interface SerializedStochasticFlow {
  base: Serialized;
  /** Data side first; `kind` says which registry rebuilds each. */
  layers: (Serialized & { kind: 'bijector' | 'block' })[];
}

/** Options of `sampleWithWeights`. */
export interface SampleWithWeightsOptions {
  seed?: Seed;
  /** Samples per pass (default 4096); bounds memory, not the result. */
  batchSize?: number;
}

/**
 * `StochasticFlow(base, layers, logTarget)`: sampling with exact importance weights.
 *
 * @example
 * ```ts
 * import { ready, energies, realNVP, interleaveBlocks, MetropolisBlock } from 'tfjs-flows';
 * await ready();
 * const snf = interleaveBlocks(realNVP({ dim: 2, layers: 6, hidden: [64, 64], seed: 0 }), energies.doubleWell.logDensity,
 *   { groups: 3, block: (lambda) => new MetropolisBlock({ lambda, steps: 20, stepSize: 0.25 }) });
 * const r = snf.sampleWithWeights(10000, { seed: 1 });   // r.logZ, r.ess, r.weights …
 * r.samples.dispose();
 * ```
 */
export class StochasticFlow {
  readonly base: Distribution;
  /** From the data side (as `Chain`): the last layer is applied first when sampling. */
  readonly layers: readonly FlowLayer[];
  readonly dim: number;
  /** log p̃, the target the blocks' energies interpolate to and the weights are taken against. */
  logTarget: LogTarget;

  constructor(base: Distribution, layers: readonly FlowLayer[], logTarget: LogTarget) {
    const fn = 'StochasticFlow';
    if (typeof (base as Distribution)?.logProb !== 'function' || typeof (base as Distribution)?.dim !== 'number') {
      throw new ValidationError(fn, 'base', 'a Distribution (e.g. new StandardNormal(dim))', describe(base));
    }
    if (!Array.isArray(layers)) throw new ValidationError(fn, 'layers', 'an array of bijectors and stochastic blocks', describe(layers));
    layers.forEach((l, i) => {
      if (!(l instanceof Bijector) && !(l instanceof StochasticBlock)) throw new ValidationError(fn, `layers[${i}]`, 'a Bijector or a StochasticBlock', describe(l));
      if (l instanceof Bijector && l.dim !== null && l.dim !== base.dim) throw new ValidationError(fn, `layers[${i}]`, `a bijector of dimension ${base.dim}`, `dimension ${l.dim}`);
      if (l instanceof Bijector && l.contextDim > 0) throw new ValidationError(fn, `layers[${i}]`, 'an unconditional bijector', `context dimension ${l.contextDim}`);
    });
    checkLogTarget(fn, logTarget);
    this.base = base;
    this.layers = [...layers];
    this.dim = base.dim;
    this.logTarget = logTarget;
  }

  /** Number of stochastic blocks. */
  get stochasticBlocks(): StochasticBlock[] {
    return this.layers.filter((l): l is StochasticBlock => l instanceof StochasticBlock);
  }

  /** The context every block is applied with. */
  context(rng: Rng): LayerContext {
    return { logBase: (x) => this.base.logProb(x), logTarget: this.logTarget, rng };
  }

  /**
   * The sampling pass on `n` base draws, unchecked and differentiable: `{ samples [n, dim], logWeights [n] }`
   * with log wᵢ = log p̃(xᵢ) − log p_base(zᵢ) + Σ ΔS. For training and internal callers.
   */
  forwardWithWeights(n: number, rng: Rng): { samples: tf.Tensor2D; logWeights: tf.Tensor1D } {
    return tf.tidy(() => {
      const z = this.base.sample(n, rng);
      const ctx = this.context(rng);
      let x = z;
      let logW = tf.neg(this.base.logProb(z));
      for (let i = this.layers.length - 1; i >= 0; i--) {
        const { output, logWeight } = applyLayer(this.layers[i], x, 'forward', ctx);
        x = output;
        logW = tf.add(logW, logWeight);
      }
      return { samples: x, logWeights: tf.add(logW, this.logTarget(x)) as tf.Tensor1D };
    }) as unknown as { samples: tf.Tensor2D; logWeights: tf.Tensor1D };
  }

  /**
   * The density pass on data `x` `[n, dim]`, unchecked and differentiable: `log p_base(z) + Σ ΔS`
   * over the layers run from the data side. Equals `logProb(x)` without stochastic blocks; with them
   * its expectation over the blocks' randomness is a lower bound of the marginal log-density, and its
   * negative mean is the maximum-likelihood loss of Wu, Köhler & Noé (2020).
   */
  inverseWithWeights(x: tf.Tensor2D, rng: Rng): tf.Tensor1D {
    return tf.tidy(() => {
      const ctx = this.context(rng);
      let z = x;
      let logW = tf.zeros([x.shape[0]]) as tf.Tensor1D;
      for (const layer of this.layers) {
        const { output, logWeight } = applyLayer(layer, z, 'inverse', ctx);
        z = output;
        logW = tf.add(logW, logWeight) as tf.Tensor1D;
      }
      return tf.add(this.base.logProb(z), logW) as tf.Tensor1D;
    });
  }

  /**
   * `n` samples and their importance weights against the target: the same fields as
   * `importanceSample` (samples, logWeights, normalised weights, ESS, log Ẑ and its standard error).
   * The caller disposes `samples`.
   */
  sampleWithWeights(n: number, options: SampleWithWeightsOptions = {}): ImportanceSampleResult {
    const fn = 'StochasticFlow.sampleWithWeights';
    assertReady(fn);
    checkInt(fn, 'n', n, 2);
    checkOptions(fn, options, ['seed', 'batchSize']);
    const batchSize = checkInt(fn, 'options.batchSize', options.batchSize ?? 4096);
    const rng = toRng(options.seed, fn, 'options.seed');
    const parts: tf.Tensor2D[] = [];
    const logWeights = new Float64Array(n);
    try {
      for (let start = 0; start < n; start += batchSize) {
        const m = Math.min(batchSize, n - start);
        const { samples, logWeights: lw } = this.forwardWithWeights(m, rng);
        parts.push(samples);
        const values = lw.dataSync();
        lw.dispose();
        for (let i = 0; i < m; i++) {
          if (Number.isNaN(values[i]) || values[i] === Infinity) {
            throw new ValidationError(fn, 'logTarget', 'a log-density finite (or −∞) at the flow\'s samples', `${describe(values[i])} as log weight of sample ${start + i}`);
          }
          logWeights[start + i] = values[i];
        }
      }
    } catch (e) {
      tf.dispose(parts);
      throw e;
    }
    return samplesWithSummary(parts, logWeights, fn);
  }

  /**
   * Exact log-density: only for a stochastic flow without stochastic blocks (a stochastic block has
   * no pointwise density; use {@link StochasticFlow.sampleWithWeights}).
   */
  logProb(x: MatrixLike): tf.Tensor1D {
    const fn = 'StochasticFlow.logProb';
    assertReady(fn);
    const k = this.stochasticBlocks.length;
    if (k > 0) {
      throw new ValidationError(fn, 'this', 'a flow without stochastic blocks (a stochastic block has no pointwise density: use sampleWithWeights for importance weights)', `a flow with ${k} stochastic block${k > 1 ? 's' : ''}`);
    }
    let plan: EvaluationPlan | null = null;
    const planFor = (rows: number): EvaluationPlan => planRows([this.base, ...this.layers], this.dim, rows);
    // In chunks sized from the layer widths (see Flow.logProb): bounded memory for any number of rows.
    return withMemoryErrors(fn, () => plan ?? planFor(NaN), () =>
      tf.tidy(() => {
        const xt = matrix(x, { fn, arg: 'x', cols: this.dim });
        const p = (plan = planFor(xt.shape[0]));
        checkHeadroom(fn, p, 2 * 4 * p.rows);
        return inRowChunks(p.rows, p.chunk, [xt], ([c]) => [this.inverseWithWeights(c as tf.Tensor2D, toRng(0))])[0] as tf.Tensor1D;
      }),
    );
  }

  /**
   * The flow without its stochastic blocks: `Flow(base, Chain(bijectors))`, sharing this flow's
   * weights (not copies: dispose only one of the two). For `logProb`, `flowHMC` or `flowIndependenceMH`
   * with the trained bijectors.
   */
  deterministicFlow(): Flow {
    const bijectors = this.layers.filter((l): l is Bijector => l instanceof Bijector);
    if (bijectors.length === 0) throw new ValidationError('StochasticFlow.deterministicFlow', 'this', 'a stochastic flow with at least one bijector', 'none');
    return new Flow(this.base, bijectors.length === 1 ? bijectors[0] : new Chain(bijectors));
  }

  /** All weights: `base/…`, then `layers/<i>/…` (i from the data side). */
  get weights(): NamedWeight[] {
    return [
      ...this.base.weights.map((w) => ({ ...w, name: `base/${w.name}` })),
      ...this.layers.flatMap((l, i) => l.weights.map((w) => ({ ...w, name: `layers/${i}/${w.name}` }))),
    ];
  }

  get trainableVariables(): tf.Variable[] {
    return this.weights.filter((w) => w.trainable).map((w) => w.variable);
  }

  /** Architecture without weights (the target is a function and is not saved: give it again on load). */
  serialize(): SerializedStochasticFlow {
    return {
      base: this.base.serialize(),
      layers: this.layers.map((l) => ({ kind: l instanceof Bijector ? ('bijector' as const) : ('block' as const), ...l.serialize() })),
    };
  }

  dispose(): void {
    this.base.dispose();
    for (const l of this.layers) l.dispose();
  }
}

export interface InterleaveOptions {
  /** Number of groups the flow's layers are split into (a block follows each group); default 1. */
  groups?: number;
  /** The block after group k of `groups` (sampling order), given λ = k / groups; `null` for none. */
  block: (lambda: number, k: number) => StochasticBlock | null;
}

/**
 * The SNF layout: split the flow's bijector chain (in sampling order) into `groups` equal groups and
 * put `block(k / groups, k)` after group k, so blocks walk on energies interpolated from the base
 * (λ = 0) to the target (λ = 1, after the last group). The stochastic flow takes over the flow's base
 * and bijectors (the same weights: training one trains the other; dispose only one of them).
 *
 * @example
 * ```ts
 * const snf = interleaveBlocks(realNVP({ dim: 2, layers: 6, seed: 0 }), energies.doubleWell.logDensity,
 *   { groups: 3, block: (lambda) => new MetropolisBlock({ lambda, steps: 20, stepSize: 0.25 }) });
 * ```
 */
export function interleaveBlocks(flow: Flow, logTarget: LogTarget, options: InterleaveOptions): StochasticFlow {
  const fn = 'interleaveBlocks';
  if (!(flow instanceof Flow)) throw new ValidationError(fn, 'flow', 'a Flow', describe(flow));
  if (flow.standardization !== null) throw new ValidationError(fn, 'flow', 'a flow without standardisation', 'a standardised flow');
  checkOptions(fn, options, ['groups', 'block']);
  const groups = checkInt(fn, 'options.groups', options.groups ?? 1);
  if (typeof options.block !== 'function') throw new ValidationError(fn, 'options.block', 'a function (lambda, k) → StochasticBlock | null', describe(options.block));
  const sampling = (flow.bijector instanceof Chain ? [...flow.bijector.bijectors] : [flow.bijector]).reverse();
  if (groups > sampling.length) throw new ValidationError(fn, 'options.groups', `at most ${sampling.length} (the flow's layers)`, `${groups}`);
  const order: FlowLayer[] = [];
  for (let k = 1; k <= groups; k++) {
    const from = Math.round(((k - 1) * sampling.length) / groups);
    const to = Math.round((k * sampling.length) / groups);
    order.push(...sampling.slice(from, to));
    const b = options.block(k / groups, k);
    if (b !== null) {
      if (!(b instanceof StochasticBlock)) throw new ValidationError(fn, 'options.block', 'a function returning a StochasticBlock or null', describe(b));
      order.push(b);
    }
  }
  return new StochasticFlow(flow.base, order.reverse(), logTarget);
}

/** `logTarget(x)` checked once (type, shape, finite values): for the start of training or sampling. */
export function checkTargetOnce(fn: string, logTarget: LogTarget, x: tf.Tensor2D): void {
  tf.tidy(() => {
    callLogTarget(fn, logTarget, x, { allowNegativeInfinity: true });
  });
}
