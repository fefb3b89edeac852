/**
 * The one place that decides how a flow's training step runs, for its objective and the current
 * backend (the only module outside `src/kernels/` that reads backend names to choose a path):
 *
 * - `'fused-2d'`: the whole step in one WebAssembly kernel (`fused-chain.ts`): a 2-D unconditional
 *   flow of couplings the fused kernels take, on wasm with SIMD.
 * - `'tape-free'`: each layer's rule (`rules/`, registered by class) run by hand (`tape-free-step.ts`):
 *   maximum likelihood, a `StandardNormal` base, every layer with a rule, on a backend with the
 *   engine's JavaScript kernels (cpu, wasm).
 * - `'tape'`: TF.js's autodiff (`tf.variableGrads`), for everything else: always correct, the reference
 *   the other two are tested against.
 */
import { tf } from '../backend.js';
import { ActNorm } from '../bijectors/act-norm.js';
import { StandardNormal } from '../distributions/standard-normal.js';
import type { Flow } from '../flow.js';
import { JS_KERNEL_BACKENDS } from '../kernels/js-kernel.js';
import { fusedChainPlans } from './fused-chain.js';
import { layerWithoutRule } from './registry.js';
import './rules/index.js';

/** How a training step computes its gradients (see the module comment). */
export type EnginePath = 'fused-2d' | 'tape-free' | 'tape';

/** What a training step optimises: `fit`'s likelihood, `fit`'s path-gradient estimator, or `fitToTarget`'s reverse KL. */
export type Objective = 'maximum-likelihood' | 'path-gradient' | 'reverse-kl';

/** The path chosen for a flow, and why. */
export interface PathChoice {
  path: EnginePath;
  /** Why this path (and not a faster one), in words. */
  reason: string;
  /** With `'tape'` because of a layer: the class name of the first layer (density order) without an exact rule; else `null`. */
  layer: string | null;
}

export interface SelectOptions {
  /** The objective (default `'maximum-likelihood'`; only that one has tape-free rules). */
  objective?: Objective;
  /** `'tape'` forces the tape (tests, benchmarks); default `'auto'`. */
  gradientPath?: 'auto' | 'tape';
  /** Backend name (default the active one, `tf.getBackend()`). */
  backend?: string;
  /** Rows per batch (default 256); the fused kernel takes multiples of 4, other batches its per-layer path. */
  batchSize?: number;
}

/** The path `flow`'s training step takes (see the module comment). */
export function selectPath(flow: Flow, options: SelectOptions = {}): PathChoice {
  const tape = (reason: string, layer: string | null = null): PathChoice => ({ path: 'tape', reason, layer });
  if (options.gradientPath === 'tape') return tape("gradientPath 'tape' was asked for");
  const objective = options.objective ?? 'maximum-likelihood';
  if (objective !== 'maximum-likelihood') return tape(`the ${objective} objective has no tape-free rules`);
  const backend = options.backend ?? tf.getBackend();
  if (!(JS_KERNEL_BACKENDS as readonly string[]).includes(backend)) return tape(`the ${backend} backend has no tape-free kernels (cpu and wasm have)`);
  if (!(flow.base instanceof StandardNormal)) return tape(`the base ${flow.base.className} has no tape-free rule (StandardNormal has)`, flow.base.className);
  const missing = layerWithoutRule(flow.bijector);
  if (missing) return tape(missing.reason, missing.layer.className);
  const batch = options.batchSize ?? 256;
  if (backend === 'wasm' && flow.contextDim === 0 && fusedChainPlans(flow.bijector, batch - (batch % 4) || 4)) {
    return { path: 'fused-2d', reason: 'a 2-D unconditional flow of couplings the fused wasm kernels take', layer: null };
  }
  return { path: 'tape-free', reason: 'every layer has a tape-free rule', layer: null };
}

/**
 * Which engine path training `flow` by maximum likelihood takes on the active backend: `'fused-2d'`
 * (one WebAssembly kernel per step), `'tape-free'` (each layer's hand-written backward, registered by
 * class) or `'tape'` (TF.js autodiff), with the reason and, for `'tape'`, the first layer without a
 * rule. All three give the same gradients within float32 rounding; the first two are faster.
 *
 * @param flow the flow to train.
 * @param options `objective` (default maximum likelihood), `batchSize` (default 256).
 * @example
 * ```ts
 * const flow = realNVP({ dim: 5, layers: 4, seed: 1 });
 * enginePath(flow); // { path: 'tape-free', reason: 'every layer has a tape-free rule', layer: null }
 * ```
 */
export function enginePath(flow: Flow, options: Pick<SelectOptions, 'objective' | 'batchSize'> = {}): PathChoice {
  return selectPath(flow, options);
}

/**
 * Why `flow`'s training step cannot be split across two threads (`fit({ threads: 2 })`), or `null`
 * when it can: the split runs the tape-free step on each half of the batch, which equals the whole
 * batch's step only when no layer looks at the batch as a whole and the flow is unconditional.
 */
export function batchSplitUnsupported(flow: Flow): string | null {
  const choice = selectPath(flow);
  if (choice.path === 'tape') return choice.reason;
  if (flow.contextDim > 0) return 'a conditional flow';
  const modules = flow.bijector.modules();
  if (modules.some((m) => m.hasTrainingMode)) return 'a layer with batch statistics (BatchNorm)';
  if (modules.some((m) => m instanceof ActNorm && !m.isInitialized)) return 'an ActNorm not yet initialised (it initialises from the first batch)';
  return null;
}
