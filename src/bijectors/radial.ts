import { tf } from '../backend.js';
import { ValidationError } from '../errors.js';
import type { JsonObject } from '../module.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkNumber, checkOptions, checkVector } from '../validate.js';
import { untaped } from '../ops/score-ops.js';
import { Bijector, type BijectorResult, type ScoreResult } from './bijector.js';

export interface RadialOptions {
  /** Initial centre z₀ (`dim` values). Default: a standard normal draw (where a standard normal base puts its mass). */
  z0?: number[];
  /** Initial α > 0 (default 1). */
  alpha?: number;
  /** Initial β > −α (default: initScale · N(0, 1), kept above −α/2). */
  beta?: number;
  /** Seed for the default initialisation (omitted: not reproducible). */
  seed?: Seed;
  /** Spread of the default initial β (default 0.1; β = 0 is the identity). */
  initScale?: number;
}

/** softplus⁻¹(y) = y + log(−expm1(−y)), stable for large y. */
function softplusInverse(y: number): number {
  return y + Math.log(-Math.expm1(-y));
}

/**
 * Radial flow layer (Rezende & Mohamed 2015): forward (latent → data)
 * `f(z) = z + β h(α, r)(z − z₀)`, `h = 1/(α + r)`, `r = ‖z − z₀‖`, with forward log-det
 * `(d − 1) log(1 + βh) + log(1 + βh + βh'r)` = `(d − 1) log((s + r)/(α + r)) + log((αs + 2αr + r²)/(α + r)²)`,
 * where `α = softplus(α̃) > 0`, `β = −α + softplus(β̃)`, so `s = α + β = softplus(β̃) > 0`, which keeps
 * the map invertible. The second form has no cancellation, so log-dets stay accurate near β = −α.
 *
 * Inverse (data → latent), along the radius: the map keeps the direction of z − z₀ and sends r to
 * `ρ = r (s + r)/(α + r)`, increasing in r; so r is the positive root of `r² + (s − ρ) r − αρ = 0`,
 * taken in closed form (the stable branch of the quadratic formula for each sign of s − ρ), and
 * `z = z₀ + (x − z₀)(α + r)/(s + r)`. Exact and differentiable, hence `inverseKind = 'analytic'`.
 *
 * Weights: `z0` `[dim]`, `rawAlpha` (α̃) `[1]`, `rawBeta` (β̃) `[1]`.
 *
 * @example
 * ```ts
 * const layer = new Radial(2, { z0: [0, 0], alpha: 1, beta: 0.5 });
 * layer.forward(tf.tensor2d([[1, 0]])).output; // [[1.25, 0]]: r = 1 grows to 1 + 0.5/2
 * ```
 */
export class Radial extends Bijector {
  readonly className = 'Radial';
  readonly z0: tf.Variable;
  readonly rawAlpha: tf.Variable;
  readonly rawBeta: tf.Variable;

  constructor(dim: number, options: RadialOptions = {}) {
    const fn = 'Radial';
    checkInt(fn, 'dim', dim);
    checkOptions(fn, options, ['z0', 'alpha', 'beta', 'seed', 'initScale']);
    const alpha = checkNumber(fn, 'options.alpha', options.alpha ?? 1, { min: 0, open: true });
    const initScale = checkNumber(fn, 'options.initScale', options.initScale ?? 0.1, { min: 0 });
    const z0Given = options.z0 === undefined ? null : checkVector(fn, 'options.z0', options.z0, dim);
    if (options.beta !== undefined) {
      checkNumber(fn, 'options.beta', options.beta);
      if (!(options.beta > -alpha)) throw new ValidationError(fn, 'options.beta', `a number > −alpha = ${-alpha} (invertibility)`, String(options.beta));
    }
    super({ dim });
    const rng = toRng(options.seed, fn, 'options.seed');
    const z0 = z0Given ?? Array.from({ length: dim }, () => rng.normal());
    const beta = options.beta ?? Math.max(initScale * rng.normal(), -alpha / 2);
    this.z0 = this.addWeight('z0', () => tf.tensor1d(z0));
    this.rawAlpha = this.addWeight('rawAlpha', () => tf.tensor1d([softplusInverse(alpha)]));
    this.rawBeta = this.addWeight('rawBeta', () => tf.tensor1d([softplusInverse(alpha + beta)]));
  }

  getConfig(): JsonObject {
    return { dim: this.dim };
  }

  /** log |det| of the forward map at radius r: (d − 1) log((s + r)/(α + r)) + log((αs + 2αr + r²)/(α + r)²). */
  private logDetAt(r: tf.Tensor1D, alpha: tf.Tensor, s: tf.Tensor): tf.Tensor1D {
    const logAr = tf.log(tf.add(alpha, r));
    const radial = tf.mul((this.dim as number) - 1, tf.sub(tf.log(tf.add(s, r)), logAr));
    const inner = tf.add(tf.add(tf.mul(alpha, s), tf.mul(tf.mul(2, alpha), r)), tf.square(r));
    return tf.add(radial, tf.sub(tf.log(inner), tf.mul(2, logAr))) as tf.Tensor1D;
  }

  protected _forward(z: tf.Tensor2D): BijectorResult {
    const alpha = tf.softplus(this.rawAlpha);
    const s = tf.softplus(this.rawBeta);
    const diff = tf.sub(z, this.z0);
    const r = tf.sqrt(tf.sum(tf.square(diff), 1)) as tf.Tensor1D;
    // 1 + βh = (s + r)/(α + r)
    const scale = tf.div(tf.add(s, r), tf.add(alpha, r));
    const output = tf.add(this.z0, tf.mul(diff, tf.expandDims(scale, 1))) as tf.Tensor2D;
    return { output, logDet: this.logDetAt(r, alpha, s) };
  }

  /**
   * Score rule: J = a I + a' r e eᵀ with a = (s + r)/(α + r), a' = (α − s)/(α + r)², e = (z − z₀)/r
   * (symmetric), so J⁻ᵀv = v/a − a' (z − z₀)((z − z₀)ᵀv) / (r a (a + a'r)), with v = ∂log q/∂z − L'(r) e
   * and L' = (d − 1)(1/(s + r) − 1/(α + r)) + 2(α + r)/(αs + 2αr + r²) − 2/(α + r).
   */
  protected override _forwardWithScore(z: tf.Tensor2D, score: tf.Tensor2D): ScoreResult {
    return { ...this._forward(z), score: untaped(() => this.score(z, score)) };
  }

  private score(z: tf.Tensor2D, score: tf.Tensor2D): tf.Tensor2D {
    const alpha = tf.softplus(this.rawAlpha);
    const s = tf.softplus(this.rawBeta);
    const diff = tf.sub(z, this.z0);
    // r ≥ tiny: at r = 0 the log-det has a cone point and e is undefined; 0 · (anything finite) there.
    const r = tf.maximum(tf.sqrt(tf.sum(tf.square(diff), 1)), 1e-30) as tf.Tensor1D;
    const ar = tf.add(alpha, r);
    const a = tf.div(tf.add(s, r), ar);
    const da = tf.div(tf.sub(alpha, s), tf.square(ar));
    const inner = tf.add(tf.add(tf.mul(alpha, s), tf.mul(tf.mul(2, alpha), r)), tf.square(r));
    const dL = tf.add(
      tf.mul((this.dim as number) - 1, tf.sub(tf.reciprocal(tf.add(s, r)), tf.reciprocal(ar))),
      tf.sub(tf.div(tf.mul(2, ar), inner), tf.div(2, ar)),
    );
    const col = (t: tf.Tensor) => tf.expandDims(t, 1);
    const v = tf.sub(score, tf.mul(diff, col(tf.div(dL, r))));
    const dv = tf.sum(tf.mul(diff, v), 1);
    const coef = tf.div(tf.mul(da, dv), tf.mul(tf.mul(r, a), tf.add(a, tf.mul(da, r))));
    return tf.sub(tf.div(v, col(a)), tf.mul(diff, col(coef))) as tf.Tensor2D;
  }

  protected _inverse(x: tf.Tensor2D): BijectorResult {
    const alpha = tf.softplus(this.rawAlpha);
    const s = tf.softplus(this.rawBeta);
    const diff = tf.sub(x, this.z0);
    const rho = tf.sqrt(tf.sum(tf.square(diff), 1)) as tf.Tensor1D;
    // r² + B r − αρ = 0 with B = s − ρ; q = √(B² + 4αρ) ≥ |B|, and B + q > 0 always (B ≤ 0 forces ρ > 0).
    const B = tf.sub(s, rho);
    const q = tf.sqrt(tf.add(tf.square(B), tf.mul(tf.mul(4, alpha), rho)));
    const viaProduct = tf.div(tf.mul(tf.mul(2, alpha), rho), tf.add(B, q));
    const viaSum = tf.mul(0.5, tf.sub(q, B));
    const r = tf.where(tf.greaterEqual(B, 0), viaProduct, viaSum) as tf.Tensor1D;
    const shrink = tf.div(tf.add(alpha, r), tf.add(s, r));
    const output = tf.add(this.z0, tf.mul(diff, tf.expandDims(shrink, 1))) as tf.Tensor2D;
    return { output, logDet: tf.neg(this.logDetAt(r, alpha, s)) as tf.Tensor1D };
  }
}
