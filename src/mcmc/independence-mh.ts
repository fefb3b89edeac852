/**
 * Independence Metropolis–Hastings with a flow q as the proposal, optionally alternated with local
 * moves (the supercooled-liquid sampler of Jung, Biroli & Berthier 2024): per iteration and chain,
 * propose y ~ q and accept with probability
 *
 *     min(1, [p̃(y) q(x)] / [p̃(x) q(y)]),
 *
 * then run `localSteps` local moves (random-walk Metropolis or MALA on p̃, the stochastic blocks of
 * `stochastic/`). Both kernels keep p̃, so their alternation does too; the flow's global jumps cross
 * barriers that local moves cannot, and local moves refine where q is poor.
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { Flow } from '../flow.js';
import { checkLogTarget, type LogTarget } from '../inference/log-target.js';
import { toRng, type Seed } from '../random.js';
import { LangevinBlock } from '../stochastic/langevin.js';
import { MetropolisBlock } from '../stochastic/metropolis.js';
import { checkInt, checkNumber, checkOptions } from '../validate.js';
import type { McmcResult } from './chains.js';

export interface IndependenceMHOptions {
  /** Draws kept per chain (default 1000). */
  samples?: number;
  /** Iterations discarded first (default 100). */
  warmup?: number;
  /** Parallel chains (default 4). */
  chains?: number;
  /** Local moves after each flow proposal (default 0: flow proposals only). */
  localSteps?: number;
  /** Kind of local move: `'mala'` (default) or `'randomWalk'`. */
  local?: 'mala' | 'randomWalk';
  /** Step size of the local moves (> 0; default 0.01 for MALA, 0.1 for the random walk). */
  localStepSize?: number;
  seed?: Seed;
}

/** Independence MH's result: `acceptanceRate` is the flow proposals'. */
export interface IndependenceMHResult extends McmcResult {
  /** Mean acceptance of the local moves (NaN without them). */
  localAcceptanceRate: number;
}

const KEYS = ['samples', 'warmup', 'chains', 'localSteps', 'local', 'localStepSize', 'seed'] as const;

/**
 * Independence MH with the flow as proposal (plus optional local moves), several chains.
 *
 * @example
 * ```ts
 * const r = flowIndependenceMH(flow, energies.doubleWell.logDensity, { samples: 2000, localSteps: 5, local: 'mala', seed: 1 });
 * console.log(r.acceptanceRate, summarizeChains(r)[0].essBulk);
 * ```
 */
export function flowIndependenceMH(flow: Flow, logTarget: LogTarget, options: IndependenceMHOptions = {}): IndependenceMHResult {
  const fn = 'flowIndependenceMH';
  assertReady(fn);
  if (!(flow instanceof Flow)) throw new ValidationError(fn, 'flow', 'a Flow', describe(flow));
  if (flow.contextDim > 0) throw new ValidationError(fn, 'flow', 'an unconditional flow', `context dimension ${flow.contextDim}`);
  checkLogTarget(fn, logTarget);
  checkOptions(fn, options, KEYS);
  const samples = checkInt(fn, 'options.samples', options.samples ?? 1000);
  const warmup = checkInt(fn, 'options.warmup', options.warmup ?? 100, 0);
  const c = checkInt(fn, 'options.chains', options.chains ?? 4);
  const localSteps = checkInt(fn, 'options.localSteps', options.localSteps ?? 0, 0);
  const local = options.local ?? 'mala';
  if (local !== 'mala' && local !== 'randomWalk') throw new ValidationError(fn, 'options.local', "'mala' or 'randomWalk'", describe(local));
  const localStepSize = checkNumber(fn, 'options.localStepSize', options.localStepSize ?? (local === 'mala' ? 0.01 : 0.1), { min: 0, open: true });
  const rng = toRng(options.seed, fn, 'options.seed');
  const dim = flow.dim;
  const block = localSteps === 0 ? null : local === 'mala' ? new LangevinBlock({ steps: localSteps, stepSize: localStepSize }) : new MetropolisBlock({ steps: localSteps, stepSize: localStepSize });
  const ctx = { logBase: (x: tf.Tensor2D) => flow.base.logProb(x), logTarget, rng };
  // log w(x) = log p̃(x) − log q(x) of each chain's current state.
  const logW = new Float64Array(c).fill(-Infinity);
  let x = tf.zeros([c, dim]) as tf.Tensor2D;
  const chains = Array.from({ length: c }, () => new Float32Array(samples * dim));
  let accept = 0;
  let localAccept = 0;
  try {
    for (let it = 0; it < warmup + samples; it++) {
      const { samples: y, logProb } = flow.sampleAndLogProb(c, { seed: rng });
      const logP = tf.tidy(() => logTarget(y));
      const lq = logProb.dataSync();
      const lp = logP.dataSync();
      tf.dispose([logProb, logP]);
      const mask = new Uint8Array(c);
      let alphaSum = 0;
      for (let i = 0; i < c; i++) {
        const w = lp[i] - lq[i];
        const a = Number.isNaN(w) ? -Infinity : logW[i] === -Infinity ? Infinity : w - logW[i];
        alphaSum += Math.min(1, Math.exp(a));
        if (Math.log(rng.uniform()) < a) {
          mask[i] = 1;
          logW[i] = w;
        }
      }
      const next = tf.tidy(() => tf.where(tf.tile(tf.reshape(tf.tensor1d(mask, 'bool'), [c, 1]), [1, dim]), y, x)) as tf.Tensor2D;
      tf.dispose([x, y]);
      x = next;
      if (it >= warmup) accept += alphaSum / c;
      if (block) {
        const { output, logWeight } = block.apply(x, ctx);
        logWeight.dispose();
        x.dispose();
        x = output;
        if (it >= warmup) localAccept += block.lastAcceptance;
        // The local moves changed x: its log w needs log q(x) again (one density pass).
        const lw = tf.tidy(() => tf.sub(logTarget(x), flow.logProbUnchecked(x)));
        lw.dataSync().forEach((v, i) => (logW[i] = v));
        lw.dispose();
      }
      if (it >= warmup) {
        const v = x.dataSync();
        for (let i = 0; i < c; i++) chains[i].set(v.subarray(i * dim, (i + 1) * dim), (it - warmup) * dim);
      }
    }
  } finally {
    x.dispose();
    block?.dispose();
  }
  return {
    chains, dim, samplesPerChain: samples, acceptanceRate: accept / samples,
    localAcceptanceRate: block ? localAccept / samples : NaN,
    gradientEvaluations: block && local === 'mala' ? (warmup + samples) * c * (localSteps + 1) : 0,
  };
}
