/**
 * HMC in a flow's latent space (Foreman et al. 2021, "HMC with normalizing flows"): with x = f(z),
 * sample z from the pull-back of the target,
 *
 *     log π(z) = log p̃(f(z)) + log |det ∂f/∂z|,
 *
 * by HMC (dual-averaged step size, several chains), and return x = f(z). Where the flow has learnt the
 * target, π is close to the base (a standard normal) and HMC mixes as on a Gaussian.
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { Flow } from '../flow.js';
import { checkLogTarget, type LogTarget } from '../inference/log-target.js';
import { toRng } from '../random.js';
import { checkOptions, matrix } from '../validate.js';
import { HMC_KEYS, type HMCOptions, type HMCResult, hmcSettings, runHMC } from './hmc.js';

/** Flow HMC's result: the data-space chains, and the latent ones. */
export interface FlowHMCResult extends HMCResult {
  /** The latent chains z, `[samplesPerChain, dim]` each (x = f(z) is `chains`). */
  latentChains: Float32Array[];
}

/** log π(z) = log p̃(f(z)) + log |det ∂f/∂z| as a log-density of z. */
export function pullBack(flow: Flow, logTarget: LogTarget): LogTarget {
  return (z) =>
    tf.tidy(() => {
      const { output, logDet } = flow.forwardUnchecked(z);
      return tf.add(logTarget(output), logDet) as tf.Tensor1D;
    });
}

/**
 * HMC on the latent z of a trained flow, options as {@link hmc} (`init`, if given, is in latent
 * space; by default the chains start at base draws). With an identity flow it is `hmc` exactly.
 *
 * @example
 * ```ts
 * await fitToTarget(flow, logTarget, { steps: 2000, seed: 0 });
 * const r = flowHMC(flow, logTarget, { samples: 1000, warmup: 500, chains: 4, seed: 1 });
 * console.log(summarizeChains(r)[0].essBulk / r.gradientEvaluations);
 * ```
 */
export function flowHMC(flow: Flow, logTarget: LogTarget, options: HMCOptions = {}): FlowHMCResult {
  const fn = 'flowHMC';
  assertReady(fn);
  if (!(flow instanceof Flow)) throw new ValidationError(fn, 'flow', 'a Flow', describe(flow));
  if (flow.contextDim > 0) throw new ValidationError(fn, 'flow', 'an unconditional flow', `context dimension ${flow.contextDim}`);
  if (!flow.bijector.hasForward) throw new ValidationError(fn, 'flow', 'a flow that can sample (its bijector implements forward)', 'a bijector without a forward direction');
  checkLogTarget(fn, logTarget);
  checkOptions(fn, options, HMC_KEYS);
  const s = hmcSettings(fn, options);
  const rng = toRng(options.seed, fn, 'options.seed');
  const init = options.init === undefined ? flow.base.sample(s.chains, rng) : matrix(options.init, { fn, arg: 'options.init', cols: flow.dim });
  if (init.shape[0] !== s.chains) {
    if (init !== options.init) init.dispose();
    throw new ValidationError(fn, 'options.init', `a matrix [${s.chains}, ${flow.dim}] (one row per chain, latent space)`, `shape [${init.shape.join(', ')}]`);
  }
  let r: ReturnType<typeof runHMC>;
  try {
    r = runHMC(fn, pullBack(flow, logTarget), init, s, rng);
  } finally {
    if (init !== options.init) init.dispose();
  }
  const chains = r.latent.map((z) => {
    const x = tf.tidy(() => flow.forwardUnchecked(tf.tensor2d(z, [s.samples, flow.dim])).output);
    const values = x.dataSync().slice() as Float32Array;
    x.dispose();
    return values;
  });
  return { ...r, chains, latentChains: r.latent };
}
