/**
 * The reverse-KL surrogate loss of one step, whose value and gradient are chosen separately:
 *
 *     value     (1/n) Σᵢ [log q(xᵢ) − log p̃(xᵢ)]                 (the estimate of KL(q‖p) − log Z)
 *     gradient  ∇θ (1/n) Σᵢ [log q(xᵢ) − β log p̃(xᵢ)]              (annealed by β)
 *
 * with xᵢ = f_θ(zᵢ) reparameterised samples of the flow. With `pathGradient` the score term
 * E[∂θ log q_θ(x)|ₓ fixed] is removed from the gradient ("sticking the landing", Roeder et al. 2017):
 * it has expectation zero, so the estimator stays unbiased, and near q = p it is most of the noise.
 */
import { tf } from '../backend.js';
import type { ValidationError } from '../errors.js';
import type { Flow } from '../flow.js';
import { scaleGradient, stopGradient } from '../ops/gradient.js';
import type { Rng } from '../random.js';
import { checkTargetOutput, type LogTarget } from '../inference/log-target.js';

export interface ReverseKlStep {
  /** Samples per step. */
  n: number;
  /** The step's own random stream. */
  rng: Rng;
  /** Weight of the target in the gradient (1 = plain reverse KL). */
  beta: number;
  /** Drop the score term (needs an exact, differentiable inverse). */
  pathGradient: boolean;
  /** For error messages: the function and the step. */
  fn: string;
  step: number | null;
}

/** The loss tensors of one step: the scalar loss, and the samples and target values behind it. */
export interface ReverseKlTerms {
  loss: tf.Scalar;
  samples: tf.Tensor2D;
  /** The target's values, or `null` when it returned something other than a float32 `[n]` tensor. */
  logTarget: tf.Tensor1D | null;
  /** Why the target's output was rejected (the loss is then NaN). */
  error?: ValidationError;
}

/**
 * Build one step's loss (to be called inside `tf.variableGrads`). The samples and target values are
 * returned as well, so that a caller may keep them to explain a non-finite loss; a target output of
 * the wrong kind is returned as `error` with a NaN loss rather than thrown.
 *
 * Why the path gradient is written as total − score rather than by freezing weights: the bijectors
 * read their variables directly, so "log q with the weights held constant" is obtained by subtracting
 * log q_θ(stopGradient(x)), whose gradient is exactly the score term, and adding its value back
 * through a stop-gradient so the loss value is unchanged. This costs one inverse pass per step.
 */
export function reverseKlTerms(flow: Flow, logTarget: LogTarget, s: ReverseKlStep): ReverseKlTerms {
  const { samples, logProb } = flow.sampleAndLogProb(s.n, { seed: s.rng });
  const logP: unknown = logTarget(samples);
  try {
    checkTargetOutput(s.fn, logP, s.n, s.step);
  } catch (e) {
    // Throwing inside the gradient tape would leak the tensors TF.js saved for the backward pass (only
    // the backward pass frees them), so hand back a NaN loss, which the loop rejects before any update.
    return { loss: tf.mul(tf.mean(logProb), NaN) as tf.Scalar, samples, logTarget: null, error: e as ValidationError };
  }
  let logQ: tf.Tensor1D = logProb;
  if (s.pathGradient) {
    const score = flow.logProbUnchecked(stopGradient(samples));
    // sg(score) − score is exactly 0 in value, so the loss value does not move by a rounding error.
    logQ = tf.add(logProb, tf.sub(stopGradient(score), score)) as tf.Tensor1D;
  }
  const target = s.beta === 1 ? logP : scaleGradient(logP, s.beta);
  const loss = tf.mean(tf.sub(logQ, target)) as tf.Scalar;
  return { loss, samples, logTarget: logP as tf.Tensor1D };
}
