/**
 * Decoupled weight decay (Loshchilov & Hutter 2019, "AdamW"): before each update every trainable
 * weight shrinks as `θ ← θ · (1 − lr · λ)`, apart from the gradient, so the decay is the same for every
 * weight whatever Adam's per-weight scaling (unlike an L2 term in the loss). PyTorch's `AdamW` applies
 * the same shrink before its Adam step, so with the same λ the two agree.
 */
import { tf } from '../backend.js';
import type { Optimizer } from './optimizer.js';

/** `inner` with decoupled weight decay `lambda` (≥ 0; 0 returns `inner` itself). */
export function withWeightDecay(inner: Optimizer, lambda: number): Optimizer {
  if (lambda === 0) return inner;
  return {
    name: inner.name,
    applyGradients(variables, grads, learningRate) {
      const keep = 1 - learningRate * lambda;
      tf.tidy(() => {
        for (const v of variables) v.assign(tf.mul(v, keep));
      });
      inner.applyGradients(variables, grads, learningRate);
    },
    getState: () => inner.getState(),
    setState: (state) => inner.setState(state),
    dispose: () => inner.dispose(),
  };
}
