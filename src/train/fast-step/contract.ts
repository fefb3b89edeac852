/**
 * The tape-free training contract: a layer runs its density-direction pass, keeps what its backward
 * pass needs, and hands back a `backward` closure that maps output adjoints to input adjoints while
 * adding its weights' gradients to a {@link GradientSink}. Chained by hand, these give the loss and
 * the gradient of every trainable variable without TF.js's autodiff tape, whose bookkeeping
 * (saved-tensor copies, accumulation adds) dominates a small flow's training step on wasm.
 *
 * Everything here runs inside the caller's `tf.tidy`: saved tensors live in closures until the step's
 * tidy ends, so no layer disposes by hand.
 */
import { tf } from '../../backend.js';

/** Gradients by variable, summed when a variable receives more than one contribution. */
export class GradientSink {
  private readonly grads = new Map<string, tf.Tensor>();

  /** Add `grad` (the variable's shape) to the gradient of `variable`; frozen variables are skipped. */
  add(variable: tf.Variable, grad: tf.Tensor): void {
    if (!variable.trainable) return;
    const prev = this.grads.get(variable.name);
    this.grads.set(variable.name, prev ? tf.add(prev, grad) : grad);
  }

  /** The gradients as `tf.variableGrads` names them (by variable name). */
  toMap(): tf.NamedTensorMap {
    return Object.fromEntries(this.grads);
  }
}

/**
 * A dense/MLP forward pass with its backward: `backward(dOutput, sink, needInput)` adds the weight
 * gradients to `sink` and returns the input adjoint, or `null` when `needInput` is false (the input is
 * data, so the last matMul of the chain rule is skipped).
 */
export interface SavedForward {
  output: tf.Tensor2D;
  backward(dOutput: tf.Tensor2D, sink: GradientSink, needInput: boolean): tf.Tensor2D | null;
}

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
 * input `y`, or `null` when `needInput` is false.
 */
export interface SavedInverse {
  output: tf.Tensor2D;
  logDet: tf.Tensor1D | null;
  backward(dOutput: tf.Tensor2D, dLogDet: tf.Tensor1D, sink: GradientSink, needInput: boolean): tf.Tensor2D | null;
}

/** What a bijector implements to join the tape-free path. */
export interface TapeFreeInverse {
  /** Whether `inverseWithBackward` is exact for this object's configuration (else the tape is used). */
  supportsTapeFree(): boolean;
  /** The density-direction pass with saved state; call inside `tf.tidy`, with no context. */
  inverseWithBackward(y: tf.Tensor2D): SavedInverse;
}

/** Whether `b` implements {@link TapeFreeInverse} and supports it in its configuration. */
export function hasTapeFreeInverse(b: unknown): b is TapeFreeInverse {
  const t = b as Partial<TapeFreeInverse> | null;
  return typeof t?.inverseWithBackward === 'function' && typeof t.supportsTapeFree === 'function' && t.supportsTapeFree();
}

/** What a transformer implements to join the tape-free path (the density direction, `inverse`). */
export interface TapeFreeTransformer {
  supportsTapeFree(): boolean;
  inverseWithBackward(y: tf.Tensor2D, params: tf.Tensor3D): SavedTransform;
}

/** Whether transformer `t` implements {@link TapeFreeTransformer} and supports it. */
export function hasTapeFreeTransformer(t: unknown): t is TapeFreeTransformer {
  const x = t as Partial<TapeFreeTransformer> | null;
  return typeof x?.inverseWithBackward === 'function' && typeof x.supportsTapeFree === 'function' && x.supportsTapeFree();
}
