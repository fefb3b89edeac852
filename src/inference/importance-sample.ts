import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { Flow } from '../flow.js';
import { type Rng, type Seed, toRng } from '../random.js';
import { checkInt, checkOptions } from '../validate.js';
import { checkLogTarget, checkTargetValues, evaluateLogTarget, type LogTarget } from './log-target.js';
import { samplesWithSummary, type WeightSummary } from './weights.js';

export interface ImportanceSampleOptions {
  /** Seed for the flow's samples (number, string or an `Rng`). */
  seed?: Seed;
  /** Samples drawn per pass through the flow (default 4096); bounds memory, not the result. */
  batchSize?: number;
}

/**
 * What `importanceSample` returns: the weights' summary (`logWeights` are log p̃(xᵢ) − log q(xᵢ), in
 * float64 from the float32 log-densities) and the samples. Only `samples` is a tensor: the caller disposes it.
 */
export interface ImportanceSampleResult extends WeightSummary {
  /** x₁ … xₙ ~ q (the flow), `[n, dim]`. */
  samples: tf.Tensor2D;
}

/**
 * Self-normalised importance sampling with a flow as proposal: draws `xᵢ ~ q` with
 * `flow.sampleAndLogProb`, weights `wᵢ = p̃(xᵢ)/q(xᵢ)`, and estimates `Z = ∫ p̃ = E_q[w]` by
 * `Ẑ = (1/n) Σ wᵢ`, with `SE(log Ẑ) ≈ sd(w)/(√n mean(w))` and `ESS = (Σ wᵢ)²/Σ wᵢ²`. All sums run in
 * float64 on `exp(log wᵢ − max log w)`, so nothing overflows. The estimate of Z is unbiased; the
 * standard error is itself estimated from the weights and is optimistic when q misses part of p̃'s mass
 * (a low `essFraction` is the warning sign).
 *
 * `logTarget(x)` must return `[n]`; −∞ is allowed (weight 0), NaN, +∞ or a wrong shape throw a
 * `ValidationError` naming `logTarget`.
 *
 * @param flow the proposal q (unconditional).
 * @param logTarget log p̃, a function of a `[n, dim]` tensor returning `[n]`.
 * @param n number of samples, at least 2.
 * @example
 * ```ts
 * const r = await importanceSample(flow, energies.u1.logDensity, 10000, { seed: 1 });
 * console.log(r.logZ, '±', r.logZStdErr, 'ESS', r.essFraction);
 * r.samples.dispose();
 * ```
 */
export function importanceSample(flow: Flow, logTarget: LogTarget, n: number, options: ImportanceSampleOptions = {}): Promise<ImportanceSampleResult> {
  const fn = 'importanceSample';
  assertReady(fn);
  if (!(flow instanceof Flow)) throw new ValidationError(fn, 'flow', 'a Flow', describe(flow));
  if (flow.contextDim > 0) throw new ValidationError(fn, 'flow', 'an unconditional flow', `a flow with context dimension ${flow.contextDim}`);
  checkLogTarget(fn, logTarget);
  checkInt(fn, 'n', n, 2);
  checkOptions(fn, options, ['seed', 'batchSize']);
  const batchSize = checkInt(fn, 'options.batchSize', options.batchSize ?? 4096);
  const rng = toRng(options.seed, fn, 'options.seed');
  return drawWeighted(fn, flow, logTarget, n, batchSize, rng);
}

/** The draws and weights of {@link importanceSample}, its arguments checked: one asynchronous read per batch. */
async function drawWeighted(fn: string, flow: Flow, logTarget: LogTarget, n: number, batchSize: number, rng: Rng): Promise<ImportanceSampleResult> {
  const parts: tf.Tensor2D[] = [];
  const logWeights = new Float64Array(n);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const m = Math.min(batchSize, n - start);
      const { samples, logProb: logQ } = flow.sampleAndLogProb(m, { seed: rng });
      parts.push(samples);
      let logQValues: Float32Array;
      let logPValues: Float32Array;
      try {
        const logP = tf.tidy(() => evaluateLogTarget(fn, logTarget, samples));
        const both = tf.tidy(() => tf.stack([logQ, logP]));
        logP.dispose();
        const values = (await both.data()) as Float32Array;
        both.dispose();
        [logQValues, logPValues] = [values.subarray(0, m), values.subarray(m)];
      } finally {
        logQ.dispose();
      }
      // The sample of a bad row is read only to name it in the error.
      const dim = samples.shape[1];
      const rows = logPValues.every((v) => !Number.isNaN(v) && v !== Infinity) ? null : await samples.data();
      checkTargetValues(fn, logPValues, (i) => rows!.slice(i * dim, (i + 1) * dim), { allowNegativeInfinity: true });
      for (let i = 0; i < m; i++) {
        if (!Number.isFinite(logQValues[i])) {
          throw new ValidationError(fn, 'flow', 'a flow whose log-density is finite at its own samples', `${describe(logQValues[i])} at sample ${start + i}`);
        }
        logWeights[start + i] = logPValues[i] - logQValues[i];
      }
    }
  } catch (e) {
    tf.dispose(parts);
    throw e;
  }
  return samplesWithSummary(parts, logWeights, fn);
}
