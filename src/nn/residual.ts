/**
 * Residual conditioner networks (Durkan et al. 2019, the NSF paper's tabular-data network, after He et
 * al. 2016's pre-activation blocks), plain and masked (MADE degrees).
 */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { type JsonObject, Module } from '../module.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';
import { type Activation, checkActivation } from './activation.js';
import { Dense } from './dense.js';
import { HiddenStages, checkDropout, checkNorm } from './hidden-stage.js';
import { checkOrdering, madeDegrees, maskFrom } from './made.js';
import { checkHidden } from './mlp.js';
import type { ConditionerNorm } from './normalization.js';

export interface ResidualNetOptions {
  /** Block widths, all equal: `[H, H, …]` gives one residual block of width H per entry (default `[64, 64]`). */
  hidden?: number[];
  /** Activation inside the blocks (default `relu`). */
  activation?: Activation;
  /** Context features appended to the input (default 0). */
  contextDim?: number;
  /** Dropout rate before each block's second layer, in training mode only (default 0). */
  dropout?: number;
  /** Normalisation before each activation (`batch`, `layer`), or of the non-zero-initialised layers (`weight`); default `none`. */
  norm?: ConditionerNorm;
  /** Seed of the initial weights (and of the dropout masks). */
  seed?: Seed;
}

/** Connectivity masks of a masked residual network (first layer, every block layer, last layer). */
interface ResidualMasks {
  first: Float32Array;
  block: Float32Array;
  last: Float32Array;
}

/** Equal block widths from user input. */
function checkWidths(fn: string, value: unknown): number[] {
  const hidden = checkHidden(fn, 'options.hidden', value);
  if (hidden.some((h) => h !== hidden[0])) throw new ValidationError(fn, 'options.hidden', 'equal widths (one entry per residual block)', describe(value));
  return hidden;
}

/**
 * Residual network `u → h₀ = W₀u → h_{k} = h_{k−1} + B_k(h_{k−1}) → out = W_L h_K` with pre-activation
 * blocks `B(h) = W₂ · dropout(act(norm(W₁ · act(norm(h)))))`. Each block's `W₂` and the output layer
 * start at zero, so every block starts as the identity and the output as exactly 0 (the coupling or
 * autoregressive layer it drives starts as the identity). Input `[batch, inputs]` (plus context),
 * output `[batch, outputs]`.
 *
 * @example
 * ```ts
 * const net = new ResidualNet(2, 6, { hidden: [32, 32], norm: 'batch', seed: 0 });
 * net.apply(tf.ones([4, 2]), null); // [4, 6], zeros before training
 * ```
 */
export class ResidualNet extends Module {
  readonly className = 'ResidualNet';
  readonly inputs: number;
  readonly outputs: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly contextDim: number;
  readonly dropout: number;
  readonly norm: ConditionerNorm;
  private readonly first: Dense;
  private readonly blocks: [Dense, Dense][];
  private readonly last: Dense;
  private readonly before: HiddenStages;
  private readonly middle: HiddenStages;

  /** `masks` is internal: {@link MaskedResidualNet} passes its MADE masks. */
  constructor(inputs: number, outputs: number, options: ResidualNetOptions = {}, masks: ResidualMasks | null = null) {
    super();
    const fn = masks ? 'MaskedResidualNet' : 'ResidualNet';
    checkOptions(fn, options, ['hidden', 'activation', 'contextDim', 'dropout', 'norm', 'seed']);
    this.inputs = checkInt(fn, 'inputs', inputs);
    this.outputs = checkInt(fn, 'outputs', outputs);
    this.hidden = checkWidths(fn, options.hidden);
    this.activation = checkActivation(fn, 'options.activation', options.activation);
    this.contextDim = checkInt(fn, 'options.contextDim', options.contextDim ?? 0, 0);
    this.dropout = checkDropout(fn, 'options.dropout', options.dropout);
    this.norm = checkNorm(fn, 'options.norm', options.norm);
    if (masks && this.norm === 'layer') throw new ValidationError(fn, 'options.norm', "'none', 'batch' or 'weight' (layer normalisation mixes hidden units of different degrees)", "'layer'");
    const rng = toRng(options.seed, fn, 'options.seed');
    const width = this.hidden[0];
    const weightNorm = this.norm === 'weight';
    this.first = new Dense(this.inputs + this.contextDim, width, rng, { init: 'uniform', weightNorm, ...(masks ? { mask: masks.first } : {}) });
    this.blocks = this.hidden.map(() => [
      new Dense(width, width, rng, { init: 'uniform', weightNorm, ...(masks ? { mask: masks.block } : {}) }),
      new Dense(width, width, rng, { init: 'zeros', ...(masks ? { mask: masks.block } : {}) }),
    ]);
    this.last = new Dense(width, outputs, rng, { init: 'zeros', ...(masks ? { mask: masks.last } : {}) });
    this.before = new HiddenStages(this.hidden, this.norm, 0, rng);
    this.middle = new HiddenStages(this.hidden, this.norm, this.dropout, rng);
  }

  getConfig(): JsonObject {
    return {
      inputs: this.inputs, outputs: this.outputs, hidden: [...this.hidden], activation: this.activation,
      contextDim: this.contextDim, dropout: this.dropout, norm: this.norm,
    };
  }

  protected override children(): readonly Module[] {
    return [this.first, ...this.blocks.flat(), this.last, ...this.before.modules(), ...this.middle.modules()];
  }

  /** `x` `[batch, inputs]`, `context` `[batch, contextDim]` or null → `[batch, outputs]`. Call inside `tf.tidy`. */
  apply(x: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D {
    let h = this.first.apply(this.contextDim > 0 && context ? (tf.concat([x, context], 1) as tf.Tensor2D) : x);
    this.blocks.forEach(([w1, w2], k) => {
      const t = this.middle.apply(k, w1.apply(this.before.apply(k, h, this.activation)), this.activation);
      h = tf.add(h, w2.apply(t)) as tf.Tensor2D;
    });
    return this.last.apply(h);
  }
}

export interface MaskedResidualNetOptions extends ResidualNetOptions {
  /** The dimensions in autoregressive order (default `[0, 1, …, dim − 1]`). */
  ordering?: number[];
}

/**
 * The masked (MADE) {@link ResidualNet} of the NSF paper's autoregressive layers: output `(i, p)` is a
 * function of the inputs before `i` in `ordering` (and of the context) only. Every hidden layer has
 * the same MADE degrees, the first layer and the blocks connect degree ≤, the last layer degree <, so
 * the residual additions keep the autoregressive structure. Input `[batch, dim]`, output
 * `[batch, dim, paramsPerDim]`, all zeros at first. `norm: 'layer'` is refused (it mixes degrees).
 *
 * @example
 * ```ts
 * const net = new MaskedResidualNet(3, 2, { hidden: [32, 32], ordering: [2, 0, 1], seed: 1 });
 * net.apply(tf.ones([5, 3]), null); // [5, 3, 2]
 * ```
 */
export class MaskedResidualNet extends Module {
  readonly className = 'MaskedResidualNet';
  readonly dim: number;
  readonly paramsPerDim: number;
  readonly ordering: readonly number[];
  readonly net: ResidualNet;

  constructor(dim: number, paramsPerDim: number, options: MaskedResidualNetOptions = {}) {
    super();
    const fn = 'MaskedResidualNet';
    checkOptions(fn, options, ['hidden', 'activation', 'contextDim', 'dropout', 'norm', 'ordering', 'seed']);
    this.dim = checkInt(fn, 'dim', dim);
    this.paramsPerDim = checkInt(fn, 'paramsPerDim', paramsPerDim);
    const contextDim = checkInt(fn, 'options.contextDim', options.contextDim ?? 0, 0);
    this.ordering = checkOrdering(fn, 'options.ordering', options.ordering, dim);
    const width = checkWidths(fn, options.hidden)[0];
    const degrees = madeDegrees(dim, contextDim, this.ordering);
    const hiddenDeg = degrees.hidden(width);
    const masks = {
      first: maskFrom(degrees.input, hiddenDeg, (a, b) => b >= a),
      block: maskFrom(hiddenDeg, hiddenDeg, (a, b) => b >= a),
      last: maskFrom(hiddenDeg, degrees.output(paramsPerDim), (a, b) => b > a),
    };
    const { ordering: _ordering, ...rest } = options;
    this.net = new ResidualNet(dim, dim * paramsPerDim, rest, masks);
  }

  get contextDim(): number {
    return this.net.contextDim;
  }

  getConfig(): JsonObject {
    return { ...this.net.getConfig(), dim: this.dim, paramsPerDim: this.paramsPerDim, ordering: [...this.ordering] };
  }

  protected override children(): readonly Module[] {
    return [this.net];
  }

  /** `x` `[batch, dim]`, `context` or null → `[batch, dim, paramsPerDim]`. Call inside `tf.tidy`. */
  apply(x: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor3D {
    return tf.reshape(this.net.apply(x, context), [x.shape[0], this.dim, this.paramsPerDim]);
  }
}
