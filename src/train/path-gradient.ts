/**
 * Path-gradient estimators with the score carried through the pass (Vaitl et al., "Fast and Unified
 * Path Gradient Estimators for Normalizing Flows", ICLR 2024). Both drop the score term
 * E[∂θ log q_θ] (expectation zero) and keep only the gradient through the samples' path:
 *
 *     reverse KL  ∇θ ≈ (1/n) Σᵢ (∂ₓ log q(xᵢ) − β ∂ₓ log p̃(xᵢ)) · ∂xᵢ/∂θ,   xᵢ = f_θ(zᵢ), zᵢ ~ q₀
 *     forward KL  ∇θ ≈ (1/n) Σᵢ (∂_z log p_θ⁻¹(zᵢ) − ∂_z log q₀(zᵢ)) · ∂zᵢ/∂θ,  zᵢ = f_θ⁻¹(xᵢ), xᵢ ~ p
 *
 * where ∂ₓ log q is carried alongside sampling (`Bijector.forwardWithScore`) and ∂_z log p_θ⁻¹, the
 * score of the data distribution pulled back to the latent side, alongside the density pass
 * (`inverseWithScore`) from ∂ₓ log p (the data's known energy). Each is written as a surrogate
 * `Σ sg(v) · x(θ)` whose value is replaced by the objective's: the score vectors are detached
 * (`score-ops.ts`), so the backward pass is one pass through x(θ) only.
 */
import { tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import type { Flow } from '../flow.js';
import { checkTargetOutput, type LogTarget } from '../inference/log-target.js';
import { StandardNormal } from '../distributions/standard-normal.js';
import { detach, untaped, vjp, withTape } from '../ops/score-ops.js';
import type { ReverseKlStep, ReverseKlTerms } from './reverse-kl.js';

/**
 * How a training step's gradient is estimated: `'reparam'` (the plain reparameterised / likelihood
 * gradient), `'stl'` (sticking the landing, Roeder et al. 2017: the score term removed by a second,
 * inverse pass), `'fastPath'` (the same path gradient with the score carried through one pass).
 */
export type GradientEstimator = 'reparam' | 'stl' | 'fastPath';

export const GRADIENT_ESTIMATORS: readonly GradientEstimator[] = ['reparam', 'stl', 'fastPath'];

/** `value` in value, the gradient of `surrogate` in gradient. */
function withValue(surrogate: tf.Scalar, value: tf.Scalar): tf.Scalar {
  return tf.add(tf.sub(surrogate, detach(surrogate)), detach(value)) as tf.Scalar;
}

/** ∂ log p(x)/∂x of a density given as ops (`[n]` from `[n, dim]`), at `x` (detached first). */
function scoreOf(logDensity: (x: tf.Tensor2D) => tf.Tensor1D, x: tf.Tensor2D): { value: tf.Tensor1D; score: tf.Tensor2D } {
  const xd = detach(x);
  const value = logDensity(xd);
  return { value, score: vjp(value, [xd])[0] as tf.Tensor2D };
}

/**
 * The base's log-density and score at `z`: the standard normal's score is −z in closed form (no
 * gradient pass, a few percent of a spline flow's step), any other base's by autodiff.
 */
function baseScoreOf(flow: Flow, z: tf.Tensor2D): { value: tf.Tensor1D; score: tf.Tensor2D } {
  if (!(flow.base instanceof StandardNormal)) return scoreOf((v) => flow.base.logProb(v), z);
  const zd = detach(z);
  return { value: flow.base.logProb(zd), score: untaped(() => tf.neg(zd)) as tf.Tensor2D };
}

/**
 * One reverse-KL step's loss with the fast path gradient (to be called inside `tf.variableGrads`): the
 * value is (1/n) Σ [log q(xᵢ) − log p̃(xᵢ)] as for the other estimators, the gradient the path gradient
 * above. Same samples as `reverseKlTerms` for the same step stream.
 */
export function fastPathReverseKlTerms(flow: Flow, logTarget: LogTarget, s: ReverseKlStep): ReverseKlTerms {
  return withTape(() => {
    const z = flow.base.sample(s.n, s.rng);
    const base = baseScoreOf(flow, z);
    const { output: x, logDet, score } = flow.forwardWithScoreUnchecked(z, base.score, null);
    const xd = detach(x);
    const logP: unknown = logTarget(xd);
    const logQ = tf.sub(base.value, logDet);
    try {
      checkTargetOutput(s.fn, logP, s.n, s.step);
    } catch (e) {
      return { loss: tf.mul(tf.mean(logQ), NaN) as tf.Scalar, samples: x, logTarget: null, error: e as ValidationError };
    }
    const targetScore = vjp(logP, [xd])[0];
    const v = tf.sub(score, s.beta === 1 ? targetScore : tf.mul(targetScore, s.beta));
    const surrogate = tf.mean(tf.sum(tf.mul(x, detach(v)), 1)) as tf.Scalar;
    const value = tf.mean(tf.sub(logQ, logP)) as tf.Scalar;
    return { loss: withValue(surrogate, value), samples: x, logTarget: logP };
  });
}

/**
 * One maximum-likelihood step's loss with the fast path gradient, for data whose log-density log p̃
 * (up to a constant) is known: value (1/n) Σ −log q(xᵢ) (the NLL, as plain `fit`), gradient the
 * forward-KL path gradient above. `x` `[n, dim]` in data units.
 */
export function fastPathNll(flow: Flow, logTarget: LogTarget, x: tf.Tensor2D, context: tf.Tensor2D | null, fn = 'fit'): tf.Scalar {
  return withTape(() => {
    const data = scoreOf((v) => {
      const out: unknown = logTarget(v);
      checkTargetOutput(fn, out, x.shape[0], '');
      return out;
    }, x);
    const { output: z, logDet, score } = flow.inverseWithScoreUnchecked(x, data.score, context);
    const base = baseScoreOf(flow, z);
    const surrogate = tf.mean(tf.sum(tf.mul(z, detach(tf.sub(score, base.score))), 1)) as tf.Scalar;
    const value = tf.neg(tf.mean(tf.add(base.value, logDet))) as tf.Scalar;
    return { loss: withValue(surrogate, value) };
  }).loss;
}

/** The checked `gradientEstimator` option, or `fallback` when absent. */
export function checkEstimator(fn: string, value: unknown, allowed: readonly GradientEstimator[], fallback: GradientEstimator): GradientEstimator {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as GradientEstimator)) throw new ValidationError(fn, 'options.gradientEstimator', allowed.map((a) => `'${a}'`).join(', ').replace(/, ([^,]*)$/, ' or $1'), describe(value));
  return value as GradientEstimator;
}

/**
 * For `fit`: the loss of a step under `options.gradientEstimator` (`'reparam'`, the default: plain
 * maximum likelihood, returns `null`; `'fastPath'`: {@link fastPathNll}, which needs
 * `options.logTarget`). Throws a `ValidationError` for a bad combination.
 */
export function fitEstimatorLoss(
  fn: string,
  flow: Flow,
  options: { gradientEstimator?: unknown; logTarget?: unknown; threads?: unknown },
): ((x: tf.Tensor2D, context: tf.Tensor2D | null) => tf.Scalar) | null {
  const estimator = checkEstimator(fn, options.gradientEstimator, ['reparam', 'fastPath'], 'reparam');
  if (estimator === 'reparam') {
    if (options.logTarget !== undefined) throw new ValidationError(fn, 'options.logTarget', "absent unless gradientEstimator is 'fastPath'", describe(options.logTarget));
    return null;
  }
  const logTarget = options.logTarget;
  if (typeof logTarget !== 'function') throw new ValidationError(fn, 'options.logTarget', "the data's log-density (a function of a [n, dim] tensor returning [n]) with gradientEstimator 'fastPath'", describe(logTarget));
  if (options.threads === 2) throw new ValidationError(fn, 'options.threads', "1 with gradientEstimator 'fastPath'", '2');
  if (flow.bijector.inverseKind === 'none' || !flow.bijector.hasForward) {
    // The pulled-back score is carried by autodiff through each member's forward pass.
    throw new ValidationError(fn, 'flow', "a flow with both directions for gradientEstimator 'fastPath'", `a bijector without ${flow.bijector.hasForward ? 'an inverse' : 'a forward direction'}`);
  }
  return (x, context) => fastPathNll(flow, logTarget as LogTarget, x, context, fn);
}
