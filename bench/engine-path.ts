/**
 * Which training path the engine takes for a flow, for the benchmarks (issue 16: "the bench says
 * which path each flow took"). Kept in one place so that when the engine gains its own API for this,
 * only this file changes.
 *
 * - `fusedChain`: the whole step as one wasm kernel (2-D flows of fused couplings today);
 * - `tapeFree`: the per-layer hand-written backward passes (`tapeFreeStep(flow)` returned a step);
 * - `tape`: TF.js autodiff (`tapeFreeStep(flow)` returned `null`: some layer has no rule).
 */
import type { Flow } from '../src/flow.js';
import { tf } from '../src/index.js';
import { fusedChainLoss } from '../src/train/fast-step/fused-chain.js';
import { tapeFreeStep } from '../src/train/fast-step/training-step.js';

export type EnginePath = 'fusedChain' | 'tapeFree' | 'tape';

/** The path `fit` takes for `flow` on the current backend, probed with one batch `x` `[B, dim]` (nothing is trained). */
export function enginePath(flow: Flow, x: tf.Tensor2D): EnginePath {
  if (tapeFreeStep(flow) === null) return 'tape';
  const fused = tf.tidy(() => {
    const r = fusedChainLoss(flow.bijector, x, null);
    return r !== null;
  });
  return fused ? 'fusedChain' : 'tapeFree';
}
