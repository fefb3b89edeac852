/**
 * The plain MLP conditioner's pass with its backward, with the context concatenated to the input as
 * `MLP.apply` does (`[x, context]`): the context is data, so its adjoint is dropped and only the
 * input's columns of the first layer's input adjoint are returned.
 */
import { tf } from '../../backend.js';
import type { MLP } from '../../nn/mlp.js';
import type { SavedForward } from '../contract.js';

/** `net.apply(x, context)` with its backward; `net` plain (no dropout, no normalisation). Call inside `tf.tidy`, no tape. */
export function mlpWithBackward(net: MLP, x: tf.Tensor2D, context: tf.Tensor2D | null): SavedForward {
  if (net.contextDim === 0 || !context) return net.applyWithBackward(x);
  const input = net.inputs > 0 ? (tf.concat([x, context], 1) as tf.Tensor2D) : context;
  const layers = net.denseLayers();
  const passes: SavedForward[] = [];
  let h = input;
  layers.forEach((layer, i) => {
    const pass = layer.applyWithBackward(h, i < layers.length - 1 ? net.activation : 'linear');
    passes.push(pass);
    h = pass.output;
  });
  return {
    output: h,
    backward: (dOutput, sink, needInput) => {
      let d: tf.Tensor2D | null = dOutput;
      for (let i = passes.length - 1; i >= 0; i--) d = passes[i].backward(d!, sink, i > 0 || (needInput && net.inputs > 0));
      if (!needInput) return null;
      return net.inputs > 0 ? (tf.slice(d!, [0, 0], [d!.shape[0], net.inputs]) as tf.Tensor2D) : (tf.zeros([dOutput.shape[0], 0]) as tf.Tensor2D);
    },
  };
}
