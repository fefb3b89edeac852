import { gradientsRecorded } from '../ops/tape.js';
import type { FusedActivation } from './dense.js';
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { type JsonObject, Module } from '../module.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';
import { type Activation, activate, checkActivation } from './activation.js';
import { Dense, inputAdjoint } from './dense.js';
import { HiddenStages, checkDropout, checkNorm } from './hidden-stage.js';
import type { ConditionerNorm } from './normalization.js';
import type { GradientSink, SavedForward } from './backward.js';

export interface MLPOptions {
  /** Hidden layer sizes (default `[64, 64]`). */
  hidden?: number[];
  /** Hidden activation (default `relu`). */
  activation?: Activation;
  /** Context features appended to the input (default 0). */
  contextDim?: number;
  /** Dropout rate after every hidden activation, in training mode only (default 0). */
  dropout?: number;
  /** Normalisation of the hidden layers (default `none`; see {@link ConditionerNorm}). */
  norm?: ConditionerNorm;
  /** Seed of the initial weights (and of the dropout masks). */
  seed?: Seed;
}

/** The hidden activations the fused matMul kernels can apply themselves. */
const FUSABLE: Partial<Record<Activation, FusedActivation>> = { relu: 'relu', elu: 'elu', leakyRelu: 'leakyrelu' };

/** Check a list of hidden-layer sizes from user input; `undefined` gives the default. */
export function checkHidden(fn: string, arg: string, value: unknown, fallback: number[] = [64, 64]): number[] {
  if (value === undefined) return [...fallback];
  if (typeof value === 'number') return [checkInt(fn, arg, value)];
  if (!Array.isArray(value) || value.length === 0) throw new ValidationError(fn, arg, 'a non-empty array of layer sizes', describe(value));
  return value.map((v, i) => checkInt(fn, `${arg}[${i}]`, v));
}

/**
 * Multilayer perceptron conditioner `[x, context] → h₁ → … → out`: dense layers with an activation
 * between them and a linear last layer **initialised at zero**, so its output is exactly 0 at first and
 * the coupling layer it drives starts as the identity. Input `[batch, inputs]` (plus context
 * `[batch, contextDim]`), output `[batch, outputs]`.
 *
 * `dropout` and `norm` add, after each hidden layer, a normalisation (before the activation; `weight`
 * normalises the layer's kernel instead) and dropout (after it, training mode only); see
 * docs/conditioners.md. Only the plain network (neither) has the tape-free and fused paths.
 *
 * @example
 * ```ts
 * const net = new MLP(2, 6, { hidden: [32, 32], contextDim: 1, seed: 0 });
 * net.apply(tf.ones([4, 2]), tf.zeros([4, 1])); // [4, 6], all zeros before training
 * ```
 */
export class MLP extends Module {
  readonly className = 'MLP';
  readonly inputs: number;
  readonly outputs: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly contextDim: number;
  readonly dropout: number;
  readonly norm: ConditionerNorm;
  private readonly layers: Dense[];
  private readonly stages: HiddenStages;

  constructor(inputs: number, outputs: number, options: MLPOptions = {}) {
    super();
    const fn = 'MLP';
    checkOptions(fn, options, ['hidden', 'activation', 'contextDim', 'dropout', 'norm', 'seed']);
    this.inputs = checkInt(fn, 'inputs', inputs, 0);
    this.outputs = checkInt(fn, 'outputs', outputs);
    this.hidden = checkHidden(fn, 'options.hidden', options.hidden);
    this.activation = checkActivation(fn, 'options.activation', options.activation);
    this.contextDim = checkInt(fn, 'options.contextDim', options.contextDim ?? 0, 0);
    this.dropout = checkDropout(fn, 'options.dropout', options.dropout);
    this.norm = checkNorm(fn, 'options.norm', options.norm);
    if (this.inputs + this.contextDim === 0) throw new ValidationError(fn, 'inputs', 'at least one input or context feature', '0 of each');
    const rng = toRng(options.seed, fn, 'options.seed');
    const sizes = [this.inputs + this.contextDim, ...this.hidden, outputs];
    this.layers = sizes.slice(1).map((n, i) => {
      const last = i === sizes.length - 2;
      return new Dense(sizes[i], n, rng, last ? { init: 'zeros' } : { init: 'uniform', weightNorm: this.norm === 'weight' });
    });
    this.stages = new HiddenStages(this.hidden, this.norm, this.dropout, rng);
  }

  getConfig(): JsonObject {
    const extras: JsonObject = this.plain ? {} : { dropout: this.dropout, norm: this.norm };
    return { inputs: this.inputs, outputs: this.outputs, hidden: [...this.hidden], activation: this.activation, contextDim: this.contextDim, ...extras };
  }

  /** No dropout and no normalisation: the network the tape-free and fused kernels implement. */
  get plain(): boolean {
    return this.dropout === 0 && this.norm === 'none';
  }

  /** The dense layers first (their weight names `0/…`, `1/…` predate the extras), then norms and dropouts. */
  protected override children(): readonly Module[] {
    return [...this.layers, ...this.stages.modules()];
  }

  /** The dense layers, input first (for fused kernels that run the whole network in one pass). */
  denseLayers(): readonly Dense[] {
    return this.layers;
  }

  /**
   * Tape-free pass (see `src/engine`): {@link MLP.apply} without context, with a backward that
   * runs the layers' backward passes in reverse. Only for unconditional networks (`contextDim` 0).
   */
  applyWithBackward(x: tf.Tensor2D): SavedForward {
    if (this.contextDim > 0 || !this.plain) throw new Error('MLP.applyWithBackward: internal: conditional, normalised or dropout networks take the tape path');
    return denseStackWithBackward(this.layers, this.activation, x);
  }

  /**
   * {@link MLP.apply} on the tape, with the input's vector–Jacobian product written by hand:
   * `inputVjp(d)` = `dᵀ ∂output/∂x` `[batch, inputs]`, backward through the activations and `Wᵀ` only
   * (no weight gradients, which a tape backward would compute too). For the score rule of
   * path-gradient training (`Coupling`); call `inputVjp` untaped (`ops/score-ops.ts`).
   */
  applyWithInputVjp(x: tf.Tensor2D, context: tf.Tensor2D | null): { output: tf.Tensor2D; inputVjp: (d: tf.Tensor2D) => tf.Tensor2D } {
    let h = this.contextDim > 0 && context ? (this.inputs > 0 ? tf.concat([x, context], 1) : context) : x;
    const last = this.layers.length - 1;
    const saved: tf.Tensor2D[] = [];
    this.layers.forEach((layer, i) => {
      const pre = layer.apply(h);
      h = i < last ? activate(this.activation, pre) : pre;
      if (i < last) saved.push(this.activation === 'silu' ? pre : h);
    });
    return {
      output: h,
      inputVjp: (dOutput) => {
        let d = dOutput;
        for (let i = last; i >= 0; i--) {
          if (i < last) d = tf.mul(d, activationSlope(this.activation, saved[i])) as tf.Tensor2D;
          d = inputAdjoint(d, this.layers[i].kernel as tf.Tensor2D);
        }
        return d.shape[1] === this.inputs ? d : (tf.slice(d, [0, 0], [d.shape[0], this.inputs]) as tf.Tensor2D);
      },
    };
  }

  /** `x` `[batch, inputs]`, `context` `[batch, contextDim]` or null → `[batch, outputs]`. Call inside `tf.tidy`. */
  apply(x: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor2D {
    let h = this.contextDim > 0 && context ? (this.inputs > 0 ? tf.concat([x, context], 1) : context) : x;
    // Inference (logProb, sample): one fused matMul + bias + activation kernel per layer. Under a
    // tape the custom-gradient layers below run instead (TF.js would not fuse there anyway).
    if (!this.plain) {
      this.layers.forEach((layer, i) => {
        h = layer.apply(h);
        if (i < this.layers.length - 1) h = this.stages.apply(i, h, this.activation);
      });
      return h;
    }
    if (!gradientsRecorded()) {
      const last = this.layers.length - 1;
      const fused = FUSABLE[this.activation];
      this.layers.forEach((layer, i) => {
        if (i === last) h = layer.applyFused(h, 'linear');
        else h = fused ? layer.applyFused(h, fused) : activate(this.activation, layer.applyFused(h, 'linear'));
      });
      return h;
    }
    this.layers.forEach((layer, i) => {
      h = layer.apply(h);
      if (i < this.layers.length - 1) h = activate(this.activation, h);
    });
    return h;
  }
}

/**
 * Tape-free pass of a stack of dense layers (`activation` between them, the last linear): the
 * layers' forward passes in order, and a backward that runs their backward passes in reverse (the
 * shared body of {@link MLP.applyWithBackward} and `MADE.applyWithBackward`). Call inside `tf.tidy`.
 */
export function denseStackWithBackward(layers: readonly Dense[], activation: Activation, x: tf.Tensor2D): SavedForward {
  const passes: SavedForward[] = [];
  let h = x;
  layers.forEach((layer, i) => {
    const pass = layer.applyWithBackward(h, i < layers.length - 1 ? activation : 'linear');
    passes.push(pass);
    h = pass.output;
  });
  return {
    output: h,
    backward: (dOutput, sink, needInput) => {
      let d: tf.Tensor2D | null = dOutput;
      for (let i = passes.length - 1; i >= 0; i--) d = passes[i].backward(d!, sink, i > 0 || needInput);
      return d;
    },
  };
}

/** d act / d pre-activation from the activation's output (its input for silu), as in `kernels/dense.ts`. */
function activationSlope(name: Activation, s: tf.Tensor2D): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.step(s);
    case 'leakyRelu':
      return tf.add(0.01, tf.mul(0.99, tf.step(s)));
    case 'tanh':
      return tf.sub(1, tf.square(s));
    case 'elu':
      return tf.where(tf.greater(s, 0), tf.onesLike(s), tf.add(s, 1));
    case 'silu': {
      const sig = tf.sigmoid(s);
      return tf.mul(sig, tf.add(1, tf.mul(s, tf.sub(1, sig))));
    }
  }
}
