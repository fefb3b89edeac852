/**
 * Reverse-KL training (Rezende & Mohamed 2015): fit a flow q to a target known only through its
 * unnormalised log-density log p̃, from the flow's own reparameterised samples. The loop (clipping,
 * schedules, callbacks, abort, progress, history) is `loop.ts`'s; this file checks the target and
 * the options and says where each step's loss comes from (`reverse-kl.ts`).
 */
import { assertReady, tf } from '../backend.js';
import { TrainingError, ValidationError, describe } from '../errors.js';
import { Flow } from '../flow.js';
import { type Seed, toRng } from '../random.js';
import { checkInt, checkNumber, checkOptions } from '../validate.js';
import { type BetaFunction, resolveBeta } from './anneal.js';
import type { StepInfo } from './callbacks.js';
import type { FitHistory } from './history.js';
import { checkTargetAtStart, type LogTarget, nonFiniteTarget } from '../inference/log-target.js';
import { runTraining } from './loop.js';
import { adam } from './optimizer.js';
import { createProgress } from './progress.js';
import { reverseKlTerms } from './reverse-kl.js';
import { checkEstimator, fastPathReverseKlTerms, GRADIENT_ESTIMATORS, type GradientEstimator } from './path-gradient.js';
import { type LearningRate, resolveSchedule } from './schedule.js';

export interface FitToTargetOptions {
  /** Number of optimisation steps (default 1000). */
  steps?: number;
  /** Samples drawn from the flow at each step (default 256). */
  samplesPerStep?: number;
  /** A rate (default 1e-3), a schedule (`cosineDecay(…)`, `{ type: 'constant', warmupSteps }`) or a function of the step. */
  learningRate?: LearningRate;
  /** Clip gradients to this global norm (default: no clipping). */
  clipNorm?: number;
  /**
   * Anneal the target linearly: `β_t = min(1, β₀ + (1 − β₀) · t / annealSteps)`, reaching 1 at step
   * `annealSteps` (see `linearAnneal`). Default: no annealing (β = 1).
   */
  annealSteps?: number;
  /** β₀ of the linear annealing, in [0, 1); default 0.01. Only with `annealSteps`. */
  annealStart?: number;
  /** Instead of `annealSteps`: a constant β ≥ 0, or β as a function `(step, totalSteps) → β ≥ 0`. */
  beta?: number | BetaFunction;
  /**
   * Use the path-gradient ("sticking the landing") estimator of Roeder et al. (2017): the gradient of
   * log q(x) is taken with the weights held constant and only x = f_θ(z) varying. Unbiased, and of lower
   * variance as q approaches p (zero variance at q = p). Costs one inverse pass per step, so the
   * flow's inverse must be analytic. Default false. Same as `gradientEstimator: 'stl'`.
   */
  pathGradient?: boolean;
  /**
   * How the gradient is estimated (default `'reparam'`, or `'stl'` with `pathGradient: true`):
   * - `'reparam'`: ∇θ of the loss through the reparameterised samples;
   * - `'stl'`: the path gradient of `pathGradient` (two passes: forward, then inverse);
   * - `'fastPath'`: the same path gradient with ∂log q/∂x carried through the sampling pass
   *   (Vaitl et al. 2024), so no inverse pass: it works for planar and other flows whose inverse is
   *   numerical. Bijectors without a closed-form score rule carry it by autodiff through their
   *   inverse (`history.notes` names them); a flow with neither falls back to `'reparam'`, with a note.
   */
  gradientEstimator?: GradientEstimator;
  /** Seed (number, string or `Rng`): the same seed gives the same run. Each step draws from its own stream forked from it. */
  seed?: Seed;
  /** Called after every step; may be async (training waits for it) and may stop training. `epoch` is always 1. */
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Stops training when aborted (resolves with `stopReason: 'aborted'`). */
  signal?: AbortSignal;
  /** Draw a progress bar on an interactive terminal (default true; never drawn when not a TTY). */
  progress?: boolean;
}

/**
 * The history of a reverse-KL run. `loss[i]` is the Monte Carlo estimate of E_q[log q(x) − log p̃(x)]
 * = KL(q‖p) − log Z at step `steps[i]` (before its update), whatever β was: it reaches −log Z when
 * q = p. `epochs` is 0 (there is no data to pass over); there is no validation.
 */
export interface FitToTargetHistory extends FitHistory {
  /** β of each step, when annealing (`annealSteps` or `beta`) was asked for. */
  beta?: number[];
  /** The estimator used (see `gradientEstimator`). */
  gradientEstimator: GradientEstimator;
  /** Fallbacks taken (e.g. a score carried by autodiff, or `'fastPath'` replaced by `'reparam'`). */
  notes?: string[];
}

const KNOWN = [
  'steps', 'samplesPerStep', 'learningRate', 'clipNorm', 'annealSteps', 'annealStart', 'beta', 'pathGradient', 'gradientEstimator', 'seed', 'onStep', 'signal', 'progress',
] as const;

/**
 * Fit `flow` to an unnormalised target by minimising the reverse KL divergence
 * `E_q[log q(x) − β log p̃(x)]` over reparameterised samples x = f(z), z ~ base, with Adam; β anneals
 * from small to 1 when asked. Resolves to a {@link FitToTargetHistory}.
 *
 * - `flow`: an unconditional flow that can sample (its `sampleAndLogProb` is differentiable in its weights).
 * - `logTarget`: log p̃ as TF.js ops, `[n, dim]` → `[n]` (see {@link LogTarget}). Before training it is
 *   checked on samples of the flow (a float32 `[n]` tensor, finite, differentiable); during training a
 *   non-finite value for a finite sample stops training with a `ValidationError` naming the step and
 *   the sample (that step's update is not applied); the flow producing a non-finite loss otherwise
 *   stops it with a `TrainingError`.
 *
 * Training runs through the sampling direction (`forward`): build spline flows for it with
 * `invert: false`, which puts the spline itself, rather than its inverse, on that path.
 *
 * @example
 * ```ts
 * import { ready, tf, fitToTarget, Flow, StandardNormal, Affine } from 'tfjs-flows';
 * await ready();
 * // log p̃(x) = −½ Σ ((x − 2) / 0.5)²: a Gaussian known up to its normalising constant.
 * const logTarget = (x: tf.Tensor2D) => tf.mul(-0.5, tf.sum(tf.square(tf.div(tf.sub(x, 2), 0.5)), 1)) as tf.Tensor1D;
 * const flow = new Flow(new StandardNormal(2), new Affine(2));
 * const history = await fitToTarget(flow, logTarget, { steps: 500, learningRate: 0.05, annealSteps: 100, seed: 1 });
 * console.log(history.loss.at(-1)); // ≈ −log Z = −2 (log 0.5 + ½ log 2π) ≈ −0.45
 * ```
 */
export async function fitToTarget(flow: Flow, logTarget: LogTarget, options: FitToTargetOptions = {}): Promise<FitToTargetHistory> {
  const fn = 'fitToTarget';
  assertReady(fn);
  if (!(flow instanceof Flow)) throw new ValidationError(fn, 'flow', 'a Flow', describe(flow));
  if (typeof logTarget !== 'function') throw new ValidationError(fn, 'logTarget', 'a function of a [n, dim] tensor returning [n] log-densities', describe(logTarget));
  checkOptions(fn, options, KNOWN);
  const o = options;
  const steps = checkInt(fn, 'options.steps', o.steps ?? 1000);
  const n = checkInt(fn, 'options.samplesPerStep', o.samplesPerStep ?? 256);
  const clipNorm = o.clipNorm === undefined ? null : checkNumber(fn, 'options.clipNorm', o.clipNorm, { min: 0, open: true });
  for (const flag of ['pathGradient', 'progress'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') throw new ValidationError(fn, `options.${flag}`, 'a boolean', describe(o[flag]));
  }
  if (o.onStep !== undefined && typeof o.onStep !== 'function') throw new ValidationError(fn, 'options.onStep', 'a function', describe(o.onStep));
  if (o.signal !== undefined && typeof (o.signal as AbortSignal)?.aborted !== 'boolean') throw new ValidationError(fn, 'options.signal', 'an AbortSignal', describe(o.signal));
  const notes: string[] = [];
  let estimator = checkEstimator(fn, o.gradientEstimator, GRADIENT_ESTIMATORS, o.pathGradient ? 'stl' : 'reparam');
  if (o.pathGradient !== undefined && o.gradientEstimator !== undefined && o.pathGradient !== (estimator === 'stl')) {
    throw new ValidationError(fn, 'options.pathGradient', `absent or ${estimator === 'stl'} with gradientEstimator '${estimator}'`, String(o.pathGradient));
  }
  if (estimator === 'fastPath') {
    const rule = flow.bijector.scoreRule;
    if (rule === 'none') {
      estimator = 'reparam';
      notes.push("gradientEstimator 'fastPath' fell back to 'reparam': the flow has a bijector with neither a score rule nor an analytic inverse");
    } else if (rule === 'autodiff') {
      notes.push(`gradientEstimator 'fastPath': the score of ${[...new Set(flow.bijector.scoreFallbacks())].join(', ')} is carried by autodiff through its inverse (no closed-form rule)`);
    }
  }
  const pathGradient = estimator === 'stl';
  const beta = resolveBeta(fn, o, steps);
  const learningRate = resolveSchedule(fn, o.learningRate ?? 1e-3, steps);
  if (flow.contextDim > 0) throw new ValidationError(fn, 'flow', 'an unconditional flow', `a conditional flow (context dimension ${flow.contextDim})`);
  if (!flow.bijector.hasForward) throw new ValidationError(fn, 'flow', 'a flow that can sample (its bijector implements forward)', 'a bijector without a forward direction');
  if (pathGradient && flow.bijector.inverseKind !== 'analytic') {
    // The score term is subtracted through log q_θ(x) evaluated by the inverse; a root-finding inverse is not differentiable in θ exactly.
    throw new ValidationError(fn, o.gradientEstimator === undefined ? 'options.pathGradient' : 'options.gradientEstimator', 'false unless the flow has an analytic inverse (the path gradient evaluates log q through it)', `true with a flow whose inverse is ${flow.bijector.inverseKind === 'none' ? 'missing' : 'numerical'}`);
  }
  const trainable = flow.trainableVariables;
  if (trainable.length === 0) throw new ValidationError(fn, 'flow', 'a flow with trainable weights', 'none');

  const rng = toRng(o.seed, fn, 'options.seed');
  const first = flow.sample(n, { seed: rng.fork() });
  try {
    await checkTargetAtStart(fn, logTarget, first);
  } finally {
    first.dispose();
  }

  const betas: number[] = [];
  // The latest step's samples and target values, kept to explain a non-finite loss.
  let kept: tf.Tensor[] = [];
  let rejected: ValidationError | null = null;
  let step = 0;
  const optimizer = adam();
  try {
    const history = (await runTraining({
      fn,
      trainable,
      weights: flow,
      totalSteps: steps,
      nextStep: async () => {
        const s = ++step;
        const b = beta ? beta(s) : 1;
        if (beta) betas.push(b);
        const stepRng = rng.fork();
        return {
          loss: () => {
            tf.dispose(kept);
            kept = [];
            const args = { n, rng: stepRng, beta: b, pathGradient, fn, step: s };
            const t = estimator === 'fastPath' ? fastPathReverseKlTerms(flow, logTarget, args) : reverseKlTerms(flow, logTarget, args);
            if (t.error) rejected = t.error;
            else kept = [tf.keep(t.samples), tf.keep(t.logTarget!)];
            return t.loss;
          },
          epoch: 1,
          endOfEpoch: false,
          dispose() {},
        };
      },
      learningRate,
      optimizer,
      clipNorm,
      validateEvery: null,
      patience: null,
      restoreBest: false,
      signal: o.signal,
      progress: await createProgress(o.progress, steps),
      onStep: o.onStep,
    })) as FitToTargetHistory;
    history.gradientEstimator = estimator;
    if (notes.length > 0) history.notes = notes;
    if (beta) history.beta = betas.slice(0, history.steps.length);
    return history;
  } catch (e) {
    if (e instanceof TrainingError && rejected) throw rejected;
    if (e instanceof TrainingError && kept.length === 2) {
      const note = "; training stopped there and that step's update was not applied";
      const bad = await nonFiniteTarget(fn, kept[0] as tf.Tensor2D, kept[1] as tf.Tensor1D, e.step, note);
      if (bad) throw bad;
    }
    throw e;
  } finally {
    optimizer.dispose();
    tf.dispose(kept);
  }
}
