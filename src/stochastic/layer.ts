/**
 * A flow layer that may be stochastic (architecture review, point 4): applied to `x` `[batch, dim]` in
 * either direction it returns its output and a per-example log weight
 *
 *     logWeight = log [ P_back(output → x) / P_this(x → output) ]
 *
 * the log ratio of the probabilities of the reverse path and of the path taken. For a bijector this
 * is its log |det J| in the direction applied (the path densities are delta functions), so a bijector
 * is the deterministic case; an MCMC block in detailed balance with μ ∝ exp(log p) has
 * `logWeight = log p(x) − log p(output)` (Wu, Köhler & Noé 2020, eq. 9).
 */
import type { tf } from '../backend.js';
import { Bijector } from '../bijectors/bijector.js';
import type { Rng } from '../random.js';
import type { StochasticBlock } from './block.js';

/** What a layer's output and its log path-probability ratio are: `{ output [batch, dim], logWeight [batch] }`. */
export interface LayerResult {
  output: tf.Tensor2D;
  logWeight: tf.Tensor1D;
}

/** What a stochastic layer is applied with: the base and target log-densities its energy interpolates, and randomness. */
export interface LayerContext {
  /** log p_base(x), the base distribution's log-density, `[n, dim]` → `[n]`. */
  logBase: (x: tf.Tensor2D) => tf.Tensor1D;
  /** log p̃(x), the unnormalised target. */
  logTarget: (x: tf.Tensor2D) => tf.Tensor1D;
  /** The random stream for this pass. */
  rng: Rng;
}

/** A layer of a stochastic flow: a bijector (deterministic) or a stochastic block. */
export type FlowLayer = Bijector | StochasticBlock;

/**
 * Apply one layer in the sampling (`'forward'`, latent → data) or density (`'inverse'`) direction.
 * Bijectors return their log-det as the log weight; stochastic blocks their log path ratio.
 */
export function applyLayer(layer: FlowLayer, x: tf.Tensor2D, direction: 'forward' | 'inverse', ctx: LayerContext): LayerResult {
  if (layer instanceof Bijector) {
    const { output, logDet } = direction === 'forward' ? layer.forward(x) : layer.inverse(x);
    return { output, logWeight: logDet };
  }
  return layer.apply(x, ctx);
}
