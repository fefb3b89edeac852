import { tf } from '../backend.js';
import type { Bijector } from '../bijectors/bijector.js';
import { Chain } from '../bijectors/chain.js';
import { Logit } from '../bijectors/logit.js';
import { Scale } from '../bijectors/scale.js';
import { Shift } from '../bijectors/shift.js';
import { Sigmoid } from '../bijectors/sigmoid.js';
import { ValidationError } from '../errors.js';
import type { JsonObject } from '../module.js';
import type { Rng } from '../random.js';
import { checkOptions, checkVector } from '../validate.js';
import { Distribution } from './distribution.js';

export interface UniformOptions {
  /** Lower corner of the box (number or per dimension); default 0. */
  low?: number | number[];
  /** Upper corner, above `low` (number or per dimension); default 1. */
  high?: number | number[];
}

/** Check a box `low < high` and return both corners, expanded to `dim`. */
function checkBox(fn: string, dim: number, low: unknown, high: unknown): { low: number[]; high: number[] } {
  const lo = checkVector(fn, 'options.low', low ?? 0, dim);
  const hi = checkVector(fn, 'options.high', high ?? 1, dim);
  const bad = lo.findIndex((l, i) => !(hi[i] > l));
  if (bad >= 0) throw new ValidationError(fn, `options.high[${bad}]`, `a number above low[${bad}] = ${lo[bad]}`, `${hi[bad]}`);
  return { low: lo, high: hi };
}

/**
 * Uniform on the box `[low, high]`: `log p(z) = −Σᵢ log(highᵢ − lowᵢ)` inside, `−∞` outside. No
 * weights (the box is part of the architecture). Pair it with {@link boxToReal} as the first layer on
 * the latent side so the layers above see all of ℝᵈ.
 *
 * @example
 * ```ts
 * const base = new Uniform(2, { low: -1, high: [1, 3] });
 * const flow = new Flow(base, new Chain([new Shift([0.5, 0]), boxToReal(2, { low: -1, high: [1, 3] })]));
 * ```
 */
export class Uniform extends Distribution {
  readonly className = 'Uniform';
  readonly low: readonly number[];
  readonly high: readonly number[];

  constructor(dim: number, options: UniformOptions = {}) {
    super(dim);
    checkOptions('Uniform', options, ['low', 'high']);
    const box = checkBox('Uniform', dim, options.low, options.high);
    this.low = box.low;
    this.high = box.high;
  }

  getConfig(): JsonObject {
    return { dim: this.dim, low: [...this.low], high: [...this.high] };
  }

  protected _logProb(z: tf.Tensor2D): tf.Tensor1D {
    const low = tf.tensor1d([...this.low]);
    const high = tf.tensor1d([...this.high]);
    const logVolume = this.low.reduce((s, l, i) => s + Math.log(this.high[i] - l), 0);
    const inside = tf.all(tf.logicalAnd(tf.greaterEqual(z, low), tf.lessEqual(z, high)), 1);
    return tf.where(inside, tf.fill([z.shape[0]], -logVolume), tf.fill([z.shape[0]], -Infinity)) as tf.Tensor1D;
  }

  protected _sample(n: number, rng: Rng): tf.Tensor2D {
    const out = new Float32Array(n * this.dim);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < this.dim; j++) out[i * this.dim + j] = this.low[j] + (this.high[j] - this.low[j]) * rng.uniform();
    }
    return tf.tensor2d(out, [n, this.dim]);
  }
}

/**
 * The bridge from a box to ℝᵈ, forward `y = logit((x − low) / (high − low))`, forward log-det
 * `Σᵢ [−log(highᵢ − lowᵢ) − log uᵢ(1 − uᵢ)]` with `u = (x − low)/(high − low)`. Its inverse,
 * {@link realToBox}'s forward, is the scaled sigmoid. Use it on the latent side of a `Uniform` base.
 *
 * @example
 * ```ts
 * const bridge = boxToReal(2, { low: 0, high: 10 });
 * ```
 */
export function boxToReal(dim: number, box: UniformOptions = {}): Bijector {
  checkOptions('boxToReal', box, ['low', 'high']);
  const { low, high } = checkBox('boxToReal', dim, box.low, box.high);
  return new Chain([new Logit(), new Scale(high.map((h, i) => 1 / (h - low[i]))), new Shift(low.map((l) => -l))]);
}

/**
 * The bridge from ℝᵈ to a box, forward `y = low + (high − low) · σ(x)`: the data-side last layer of a
 * flow for data bounded in `[low, high]` (its inverse, the logit, is applied to the data first).
 *
 * @example
 * ```ts
 * const flow = new Flow(new StandardNormal(2), new Chain([realToBox(2, { low: 0, high: 1 }), new Shift([0.1, 0])]));
 * ```
 */
export function realToBox(dim: number, box: UniformOptions = {}): Bijector {
  checkOptions('realToBox', box, ['low', 'high']);
  const { low, high } = checkBox('realToBox', dim, box.low, box.high);
  return new Chain([new Shift(low), new Scale(high.map((h, i) => h - low[i])), new Sigmoid()]);
}
