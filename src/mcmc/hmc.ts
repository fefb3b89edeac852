/**
 * Hamiltonian Monte Carlo (Duane et al. 1987; Neal 2011) over several chains at once, with the step
 * size tuned by dual averaging during warm-up. Per iteration and chain: p ~ N(0, I), L leapfrog steps
 * of size ε on H(x, p) = −log p̃(x) + ½‖p‖², accepted with probability min(1, e^{H₀ − H₁}) (a
 * non-finite H₁, a divergence, is rejected).
 */
import { assertReady, tf } from '../backend.js';
import { ValidationError, describe } from '../errors.js';
import { checkLogTarget, type LogTarget } from '../inference/log-target.js';
import { type Rng, type Seed, toRng } from '../random.js';
import { checkInt, checkNumber, checkOptions, matrix, type MatrixLike } from '../validate.js';
import type { McmcResult } from './chains.js';
import { DualAveraging } from './dual-averaging.js';

export interface HMCOptions {
  /** Draws kept per chain after warm-up (default 1000). */
  samples?: number;
  /** Warm-up iterations per chain, during which ε adapts (default 500; 0: ε fixed). */
  warmup?: number;
  /** Parallel chains (default 4). */
  chains?: number;
  /** Leapfrog steps per iteration (default 10). */
  leapfrogSteps?: number;
  /** Initial step size ε (> 0; default 0.1). */
  stepSize?: number;
  /** Target mean acceptance probability of the adaptation (default 0.8). */
  targetAcceptance?: number;
  /** Starting points `[chains, dim]` (default: standard normal draws from the seed). */
  init?: MatrixLike;
  seed?: Seed;
}

/** HMC's result: the chains and its tuned step size. */
export interface HMCResult extends McmcResult {
  /** The step size after warm-up (used for every kept draw). */
  stepSize: number;
}

export const HMC_KEYS = ['samples', 'warmup', 'chains', 'leapfrogSteps', 'stepSize', 'targetAcceptance', 'init', 'seed'] as const;

/** Checked HMC settings. */
export interface HMCSettings {
  samples: number;
  warmup: number;
  chains: number;
  leapfrogSteps: number;
  stepSize: number;
  targetAcceptance: number;
}

export function hmcSettings(fn: string, o: HMCOptions): HMCSettings {
  return {
    samples: checkInt(fn, 'options.samples', o.samples ?? 1000),
    warmup: checkInt(fn, 'options.warmup', o.warmup ?? 500, 0),
    chains: checkInt(fn, 'options.chains', o.chains ?? 4),
    leapfrogSteps: checkInt(fn, 'options.leapfrogSteps', o.leapfrogSteps ?? 10),
    stepSize: checkNumber(fn, 'options.stepSize', o.stepSize ?? 0.1, { min: 0, open: true }),
    targetAcceptance: checkNumber(fn, 'options.targetAcceptance', o.targetAcceptance ?? 0.8, { min: 0, max: 1, open: true }),
  };
}

/**
 * HMC on log p̃ (`[n, dim]` → `[n]`, TF.js ops) in `dim` dimensions.
 *
 * @example
 * ```ts
 * const r = hmc((x) => tf.mul(-0.5, tf.sum(tf.square(x), 1)), 2, { samples: 500, seed: 1 });
 * summarizeChains(r).forEach((s) => console.log(s.mean, s.essBulk, s.rhat));
 * ```
 */
export function hmc(logTarget: LogTarget, dim: number, options: HMCOptions = {}): HMCResult {
  const fn = 'hmc';
  assertReady(fn);
  checkLogTarget(fn, logTarget);
  checkInt(fn, 'dim', dim);
  checkOptions(fn, options, HMC_KEYS);
  const s = hmcSettings(fn, options);
  const rng = toRng(options.seed, fn, 'options.seed');
  const init = options.init === undefined ? tf.tensor2d(rng.normals(s.chains * dim), [s.chains, dim]) : matrix(options.init, { fn, arg: 'options.init', cols: dim });
  if (init.shape[0] !== s.chains) throw new ValidationError(fn, 'options.init', `a matrix [${s.chains}, ${dim}] (one row per chain)`, `shape [${init.shape.join(', ')}]`);
  try {
    const r = runHMC(fn, logTarget, init, s, rng);
    return { ...r, chains: r.latent };
  } finally {
    if (init !== options.init) init.dispose();
  }
}

/**
 * log p and ∇ log p of each row, in one pass: `{ logP [n], grad [n, dim] }`. `logP` is kept
 * (`tf.keep`: no enclosing tidy frees it): the caller disposes it.
 */
export function valueAndGrad(logP: LogTarget, x: tf.Tensor2D): { logP: tf.Tensor1D; grad: tf.Tensor2D } {
  let value: tf.Tensor1D | null = null;
  const grad = tf.grad((v: tf.Tensor) => {
    const lp = logP(v as tf.Tensor2D);
    value = tf.keep(tf.clone(lp));
    return tf.sum(lp);
  })(x) as tf.Tensor2D;
  return { logP: value!, grad };
}

/**
 * The HMC loop on any log-density (the latent one for flow HMC). Returns the kept states
 * `latent[c]` `[samples, dim]` and the statistics. `init` is not disposed.
 */
export function runHMC(fn: string, logP: LogTarget, init: tf.Tensor2D, s: HMCSettings, rng: Rng): Omit<HMCResult, 'chains'> & { latent: Float32Array[] } {
  const [c, dim] = init.shape;
  const adapt = new DualAveraging(s.stepSize, s.targetAcceptance);
  let x = tf.clone(init);
  let { logP: lp, grad } = tf.tidy(() => {
    const r = valueAndGrad(logP, x);
    return { logP: r.logP, grad: r.grad };
  });
  const first = lp.dataSync();
  for (let i = 0; i < c; i++) {
    if (!Number.isFinite(first[i])) {
      tf.dispose([x, lp, grad]);
      throw new ValidationError(fn, 'logTarget', 'finite at the starting points', `${describe(first[i])} at chain ${i}`);
    }
  }
  const latent = Array.from({ length: c }, () => new Float32Array(s.samples * dim));
  let acceptSum = 0;
  let gradients = c;
  let eps = s.warmup > 0 ? adapt.stepSize : s.stepSize;
  try {
    for (let it = 0; it < s.warmup + s.samples; it++) {
      const p0 = tf.tensor2d(rng.normals(c * dim), [c, dim]);
      const proposal = tf.tidy(() => {
        let q = x;
        let p = tf.add(p0, tf.mul(0.5 * eps, grad));
        let last = { logP: lp, grad };
        for (let l = 0; l < s.leapfrogSteps; l++) {
          q = tf.add(q, tf.mul(eps, p)) as tf.Tensor2D;
          const next = valueAndGrad(logP, q);
          // valueAndGrad's log p escapes tidies (tf.keep): free the ones replaced here.
          if (l > 0) last.logP.dispose();
          last = next;
          p = tf.add(p, tf.mul(l === s.leapfrogSteps - 1 ? 0.5 * eps : eps, last.grad));
        }
        const kinetic = (m: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(m), 1));
        const logAlpha = tf.sub(tf.sub(last.logP, kinetic(p)), tf.sub(lp, kinetic(p0)));
        return { q, logP: last.logP, grad: last.grad, logAlpha };
      });
      p0.dispose();
      gradients += c * s.leapfrogSteps;
      const la = proposal.logAlpha.dataSync();
      const mask = new Uint8Array(c);
      let alphaSum = 0;
      for (let i = 0; i < c; i++) {
        const a = Number.isNaN(la[i]) ? -Infinity : la[i];
        alphaSum += Math.min(1, Math.exp(a));
        if (Math.log(rng.uniform()) < a) mask[i] = 1;
      }
      const next = tf.tidy(() => {
        const rows = tf.tensor1d(mask, 'bool');
        const m2 = tf.tile(tf.reshape(rows, [c, 1]), [1, dim]);
        return { x: tf.where(m2, proposal.q, x), logP: tf.where(rows, proposal.logP, lp), grad: tf.where(m2, proposal.grad, grad) };
      });
      tf.dispose([proposal.q, proposal.logP, proposal.grad, proposal.logAlpha, x, lp, grad]);
      x = next.x as tf.Tensor2D;
      lp = next.logP as tf.Tensor1D;
      grad = next.grad as tf.Tensor2D;
      if (it < s.warmup) {
        adapt.update(alphaSum / c);
        eps = it === s.warmup - 1 ? adapt.finalStepSize : adapt.stepSize;
      } else {
        acceptSum += alphaSum / c;
        const v = x.dataSync();
        const k = it - s.warmup;
        for (let i = 0; i < c; i++) latent[i].set(v.subarray(i * dim, (i + 1) * dim), k * dim);
      }
    }
  } finally {
    tf.dispose([x, lp, grad]);
  }
  return { latent, dim, samplesPerChain: s.samples, acceptanceRate: acceptSum / s.samples, gradientEvaluations: gradients, stepSize: eps };
}
