/**
 * The tape-free training contract: a layer runs its density-direction pass, keeps what its backward
 * pass needs, and hands back a `backward` closure that maps output adjoints to input adjoints while
 * adding its weights' gradients to a {@link GradientSink}. Chained by hand, these give the loss and
 * the gradient of every trainable variable without TF.js's autodiff tape, whose bookkeeping
 * (saved-tensor copies, accumulation adds) dominates a small flow's training step on wasm.
 *
 * The passes are written by rules kept apart from the layers (`rules/`, registered by class in
 * `registry.ts`), as TF.js registers a gradient per kernel: the layers hold their mathematics once,
 * in ops, and know nothing of this engine.
 *
 * Everything here runs inside the caller's `tf.tidy`: saved tensors live in closures until the step's
 * tidy ends, so no rule disposes by hand.
 */
import type { tf } from '../backend.js';

export { GradientSink, type SavedForward } from '../nn/backward.js';
import type { GradientSink } from '../nn/backward.js';

/**
 * A transformer's density-direction pass with elementwise log-derivative `logDet` `[batch, dim]`;
 * `backward(dOutput, dLogDet)` returns the adjoints of the input `[batch, dim]` and of the parameters
 * `[batch, dim, paramsPerDim]`.
 */
export interface SavedTransform {
  output: tf.Tensor2D;
  logDet: tf.Tensor2D;
  backward(dOutput: tf.Tensor2D, dLogDet: tf.Tensor2D): { dInput: tf.Tensor2D; dParams: tf.Tensor3D };
}

/**
 * A bijector's `inverse` (data → latent) with its backward. `logDet` is `[batch]`, or `null` when it
 * is zero (a permutation). `backward(dOutput, dLogDet, sink, needInput)` returns the adjoint of the
 * input `y`, or `null` when `needInput` is false. The context, when there is one, is data: it gets
 * no adjoint.
 */
export interface SavedInverse {
  output: tf.Tensor2D;
  logDet: tf.Tensor1D | null;
  backward(dOutput: tf.Tensor2D, dLogDet: tf.Tensor1D, sink: GradientSink, needInput: boolean): tf.Tensor2D | null;
}
