/**
 * The plain MLP conditioner's pass with its backward, with the context concatenated to the input as
 * `MLP.apply` does (`[x, context]`): the context is data, so its adjoint is dropped and only the
 * input's columns of the first layer's input adjoint are returned.
 */
import { tf } from '../../backend.js';
import { type MLP, denseStackWithBackward } from '../../nn/mlp.js';
import type { SavedForward } from '../contract.js';

/** `net.apply(x, context)` with its backward; `net` plain (no dropout, no normalisation). Call inside `tf.tidy`, no tape. */
export function mlpWithBackward(net: MLP, x: tf.Tensor2D, context: tf.Tensor2D | null): SavedForward {
  if (net.contextDim === 0 || !context) return net.applyWithBackward(x);
  const input = net.inputs > 0 ? (tf.concat([x, context], 1) as tf.Tensor2D) : context;
  const pass = denseStackWithBackward(net.denseLayers(), net.activation, input);
  return {
    output: pass.output,
    backward: (dOutput, sink, needInput) => {
      const d = pass.backward(dOutput, sink, needInput && net.inputs > 0);
      if (!needInput) return null;
      return net.inputs > 0 ? (tf.slice(d!, [0, 0], [d!.shape[0], net.inputs]) as tf.Tensor2D) : (tf.zeros([dOutput.shape[0], 0]) as tf.Tensor2D);
    },
  };
}
