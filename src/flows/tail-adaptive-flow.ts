import type { Bijector } from '../bijectors/bijector.js';
import { Chain } from '../bijectors/chain.js';
import { MaskedAutoregressiveSpline } from '../bijectors/masked-autoregressive-spline.js';
import { Permute } from '../bijectors/permute.js';
import { TailAdaptiveBase } from '../distributions/tail-adaptive-base.js';
import { ValidationError, describe } from '../errors.js';
import { Flow } from '../flow.js';
import { toRng } from '../random.js';
import { SPLINE_TRANSFORMER_KEYS, type SplineTransformerOptions, pickSplineOptions } from '../transformers/rq-spline-transformer.js';
import { checkBoolean, checkInt, checkOptions } from '../validate.js';
import { checkChoice, checkOptionsObject, type FlowBuilderOptions } from './options.js';

export interface TailAdaptiveFlowOptions extends Omit<FlowBuilderOptions, 'normalization'>, SplineTransformerOptions {
  /** Indices of the heavy-tailed data columns (e.g. `estimateTails(x).heavyColumns`). */
  heavy: number[];
  /** Initial degrees of freedom of the heavy columns (one number, or one per heavy column, e.g. `estimateTails(x).heavyDf`); default 5. */
  df?: number | number[];
  /**
   * Initial Student-t scale of the heavy columns, in the units the flow sees (after its standardisation:
   * divide data-unit scales such as `estimateTails(x).heavyScale` by the column's std); one number or one
   * per heavy column; default 1.
   */
  scale?: number | number[];
  /** Whether the degrees of freedom and scales train (default true). */
  trainableDf?: boolean;
  /** Autoregressive spline layers (default 5). */
  layers?: number;
  /** Between layers, within each group: `reverse` its order (default) or a seeded `random` permutation. */
  permutation?: 'reverse' | 'random';
}

/** Positions 0 … n−1 reversed or shuffled, shifted by `offset`. */
function groupPermutation(n: number, offset: number, kind: 'reverse' | 'random', rng: ReturnType<typeof toRng>): number[] {
  const p = kind === 'reverse' ? Array.from({ length: n }, (_, i) => n - 1 - i) : rng.permutation(n);
  return p.map((i) => i + offset);
}

/**
 * Marginal tail-adaptive flow (mTAF; Laszkiewicz, Lederer & Fischer, ICML 2022). With the columns
 * reordered light first, heavy last (`u = x[:, order]`), the flow is
 *
 *     x = restore( T_1 ∘ P_1 ∘ T_2 ∘ … ∘ T_L (z) ),   z ~ TailAdaptiveBase (Gaussian light, Student-t heavy)
 *
 * with `T_l` autoregressive rational-quadratic splines (NSF-AR; identity outside [−tailBound, tailBound])
 * in the natural order, `P_l` permutations *within* the light and the heavy group, and `restore` the
 * permutation back to the data's column order. Light outputs then depend on light latents only, and a
 * spline that is linear in its tails keeps each heavy latent's tail index: each light marginal stays
 * light-tailed and each heavy one inherits its Student-t tail (the paper's Theorem: an autoregressive
 * flow's marginal tails are its base's). Layers start as the identity.
 *
 * @example
 * ```ts
 * const tails = estimateTails(x);
 * const flow = tailAdaptiveFlow({ dim: 8, heavy: tails.heavyColumns, df: tails.heavyDf, layers: 5, tailBound: 2, seed: 0 });
 * await fit(flow, x, { steps: 5000 });
 * ```
 */
export function tailAdaptiveFlow(options: TailAdaptiveFlowOptions): Flow {
  const fn = 'tailAdaptiveFlow';
  checkOptionsObject(fn, options);
  checkOptions(fn, options, ['dim', 'heavy', 'df', 'scale', 'trainableDf', 'layers', 'hidden', 'activation', 'contextDim', 'seed', 'permutation', ...SPLINE_TRANSFORMER_KEYS]);
  const dim = checkInt(fn, 'options.dim', options.dim);
  const layers = checkInt(fn, 'options.layers', options.layers ?? 5);
  const contextDim = checkInt(fn, 'options.contextDim', options.contextDim ?? 0, 0);
  const permutation = checkChoice(fn, 'options.permutation', options.permutation, ['reverse', 'random'] as const, 'reverse');
  const trainable = checkBoolean(fn, 'options.trainableDf', options.trainableDf, true);
  const heavySet = new Set(Array.isArray(options.heavy) ? options.heavy : []);
  if (!Array.isArray(options.heavy) || heavySet.size !== options.heavy.length || !options.heavy.every((h) => Number.isInteger(h) && h >= 0 && h < dim)) {
    throw new ValidationError(fn, 'options.heavy', `distinct column indices in 0 … ${dim - 1}`, describe(options.heavy));
  }
  const heavy = [...options.heavy].sort((a, b) => a - b);
  const light = Array.from({ length: dim }, (_, j) => j).filter((j) => !heavySet.has(j));
  const order = [...light, ...heavy];
  for (const key of ['df', 'scale'] as const) {
    const v = options[key];
    if (Array.isArray(v) && v.length !== heavy.length) throw new ValidationError(fn, `options.${key}`, `one number, or ${heavy.length} (one per heavy column)`, `${v.length} values`);
  }
  const rng = toRng(options.seed, fn, 'options.seed');
  const spline = pickSplineOptions(options);
  const restore = new Array<number>(dim);
  order.forEach((col, k) => (restore[col] = k));
  const chain: Bijector[] = [];
  if (order.some((col, k) => col !== k)) chain.push(new Permute(restore));
  // The data column each position holds, from the data side towards the latent (for the base's df).
  let columnAt = [...order];
  for (let l = 0; l < layers; l++) {
    if (l > 0 && dim > 1) {
      const p = [...groupPermutation(light.length, 0, permutation, rng), ...groupPermutation(heavy.length, light.length, permutation, rng)];
      if (p.some((v, i) => v !== i)) {
        chain.push(new Permute(p));
        // Forward y[:, i] = x[:, p[i]]: data-side position i is latent-side position p[i].
        const next = new Array<number>(dim);
        p.forEach((from, i) => (next[from] = columnAt[i]));
        columnAt = next;
      }
    }
    chain.push(new MaskedAutoregressiveSpline(dim, { hidden: options.hidden, activation: options.activation, contextDim, seed: rng.fork(), ...spline }));
  }
  const heavyPositions = heavy.map((_, i) => light.length + i);
  // Per-column values given in the caller's `heavy` order, placed at the latent position holding the column.
  const place = (v: number | number[] | undefined): number | number[] | undefined =>
    Array.isArray(v) ? heavyPositions.map((pos) => v[options.heavy.indexOf(columnAt[pos])]) : v;
  const base = new TailAdaptiveBase(dim, { heavy: heavyPositions, df: place(options.df), scale: place(options.scale), trainable });
  return new Flow(base, chain.length === 1 ? chain[0] : new Chain(chain));
}
