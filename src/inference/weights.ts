/**
 * Statistics of importance weights given as log wᵢ: the one place that turns log weights into ESS,
 * log Ẑ and its standard error, shared by `importanceSample` and stochastic flows' `sampleWithWeights`.
 */
import { tf } from '../backend.js';
import { ValidationError } from '../errors.js';

/** What importance weights say, without the samples. */
export interface WeightSummary {
  /** log wᵢ as given (float64). */
  logWeights: Float64Array;
  /** Normalised weights wᵢ / Σⱼ wⱼ (sum to 1). */
  weights: Float64Array;
  /** Effective sample size (Σ wᵢ)² / Σ wᵢ², between 1 and n. */
  ess: number;
  /** `ess / n`. */
  essFraction: number;
  /** log Ẑ = log((1/n) Σ wᵢ), computed with log-sum-exp. */
  logZ: number;
  /** Standard error of log Ẑ by the delta method: sd(w) / (√n · mean(w)). */
  logZStdErr: number;
}

/**
 * `ESS = (Σ wᵢ)²/Σ wᵢ²`, `log Ẑ = log((1/n) Σ wᵢ)` and `SE(log Ẑ) ≈ sd(w)/(√n mean(w))`, all summed in
 * float64 on `exp(log wᵢ − max log w)` so nothing overflows. −∞ entries are weight 0; all −∞ throws a
 * `ValidationError` naming `fn` and `arg`.
 *
 * @example
 * ```ts
 * summarizeLogWeights(Float64Array.from([0, 0, Math.log(2)])).ess; // 16/6 ≈ 2.67
 * ```
 */
export function summarizeLogWeights(logWeights: Float64Array, fn = 'summarizeLogWeights', arg = 'logWeights'): WeightSummary {
  const n = logWeights.length;
  let max = -Infinity;
  for (const v of logWeights) max = Math.max(max, v);
  if (max === -Infinity) throw new ValidationError(fn, arg, 'a log-density that is finite at some of the samples', `−∞ at all ${n} samples`);
  const scaled = logWeights.map((v) => Math.exp(v - max));
  let sum = 0;
  for (const v of scaled) sum += v;
  const mean = sum / n;
  let squares = 0;
  let deviations = 0;
  for (const v of scaled) {
    squares += v * v;
    deviations += (v - mean) ** 2;
  }
  const ess = (sum * sum) / squares;
  return {
    logWeights,
    weights: scaled.map((v) => v / sum),
    ess,
    essFraction: ess / n,
    logZ: max + Math.log(mean),
    logZStdErr: n > 1 ? Math.sqrt(deviations / (n - 1) / n) / mean : NaN,
  };
}

/**
 * The chunks of samples joined (and freed) with the summary of their log weights; the samples are
 * freed too if the weights cannot be summarised (all −∞).
 */
export function samplesWithSummary(parts: tf.Tensor2D[], logWeights: Float64Array, fn: string): WeightSummary & { samples: tf.Tensor2D } {
  const samples = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
  if (parts.length > 1) tf.dispose(parts);
  try {
    return { samples, ...summarizeLogWeights(logWeights, fn, 'logTarget') };
  } catch (e) {
    samples.dispose();
    throw e;
  }
}
