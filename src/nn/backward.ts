/**
 * The two types a layer's hand-written backward pass needs (`Dense.applyWithBackward`,
 * `MLP.applyWithBackward`): where weight gradients go, and a forward pass with its backward. They sit
 * here, beside the layers, so that `nn/` imports nothing from the engine (`src/engine/`), which builds
 * its per-layer rules on them (see docs/engine.md).
 */
import { tf } from '../backend.js';

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
