/**
 * Whether the whole tape-free step of a 2-D flow runs in the one wasm kernel of
 * kernels/coupling-chain-loss.ts (a `Chain` of fused couplings, or one, over a standard normal base),
 * and the step through it: the loss `−mean log p` and its gradients by variable name.
 *
 * Why: through the per-layer fused kernels, each coupling still cost two dispatches and a dozen
 * tensors with their bookkeeping, and the loss another dozen small ops: about a sixth of a RealNVP-8
 * step. The kernel's loss and gradients are bit-identical to the per-layer path (tested), which stays
 * the path for every other flow.
 */
import type { tf } from '../backend.js';
import type { Bijector } from '../bijectors/bijector.js';
import { Chain } from '../bijectors/chain.js';
import { Coupling } from '../bijectors/coupling.js';
import { type ChainStandardization, couplingChainLoss } from '../kernels/coupling-chain-loss.js';
import type { CouplingPlan } from './fused-coupling.js';
import { couplingRule } from './rules/coupling.js';

let enabled = true;

/** Turn the whole-chain kernel off or on (for tests and benchmarks that compare it with the per-layer kernels). */
export function setFusedChainEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Each coupling's fused plan when the whole-chain kernel takes `bijector` at a batch of `batch` rows
 * (2-D, every member a coupling the fused kernels take, each variable once), else `null`. The plans
 * carry one pass's state: make them per call.
 */
export function fusedChainPlans(bijector: Bijector, batch: number): CouplingPlan[] | null {
  if (!enabled || bijector.dim !== 2) return null;
  const couplings = bijector instanceof Chain ? bijector.bijectors : [bijector];
  if (couplings.length === 0 || !couplings.every((c) => c instanceof Coupling)) return null;
  const plans: CouplingPlan[] = [];
  for (const c of couplings as Coupling[]) {
    const plan = couplingRule.fusedPlan(c, batch);
    if (!plan) return null;
    plans.push(plan);
  }
  // Each variable once: one used twice would need its gradients summed (the per-layer path does that).
  const vars = plans.flatMap((p) => p.layers.flatMap((l) => [l.kernel, l.bias]));
  return new Set(vars.map((v) => v.name)).size === vars.length ? plans : null;
}

/**
 * The loss `−mean log p(x)` of a batch `x` `[B, 2]` (data units) and its gradients by variable name,
 * for a flow whose bijector is a chain of (or one) coupling(s) that the fused 2-D kernels take, over
 * a standard normal base, after the flow's frozen `standardization` if it has one. `null` where the
 * kernel does not apply (any other bijector, a coupling the fused kernels do not take, a batch not a
 * multiple of 4, a variable used twice). Call inside `tf.tidy`, no tape active.
 */
export function fusedChainLoss(bijector: Bijector, x: tf.Tensor2D, standardization: ChainStandardization | null): { value: tf.Scalar; grads: tf.NamedTensorMap } | null {
  const plans = fusedChainPlans(bijector, x.shape[0]);
  if (!plans) return null;
  const vars = plans.flatMap((p) => p.layers.flatMap((l) => [l.kernel, l.bias]));
  const [value, grads] = couplingChainLoss(plans.map((p) => p.attrs), x, vars, standardization);
  const named: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    if (v.trainable) named[v.name] = grads[i];
    else grads[i].dispose();
  });
  return { value, grads: named };
}
