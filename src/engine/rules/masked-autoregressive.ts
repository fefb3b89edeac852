/**
 * Tape-free rule of the masked autoregressive layers (MAF, NSF-AR): the density direction
 * `z = T⁻¹(y; θ)`, `θ = MADE(y)` in one pass, with its backward
 * `dy = ∂T⁻¹/∂y · dz + MADEᵀ(dθ)`, `dθ` from the transformer's backward (`dz`, and `dLogDet` on
 * every dimension). The MADE runs its masked dense layers through the tape-free dense pass (masked
 * SIMD GEMMs on wasm).
 */
import { tf } from '../../backend.js';
import type { MaskedAutoregressive } from '../../bijectors/masked-autoregressive.js';
import { MADE } from '../../nn/made.js';
import { type SavedInverse, hasTapeFreeTransformer } from '../../train/fast-step/contract.js';

/** Whether `layer` has the tape-free rule: unconditional, a plain MADE, and a transformer with one. */
export function maskedAutoregressiveSupportsTapeFree(layer: MaskedAutoregressive): boolean {
  const made = layer.made;
  return layer.contextDim === 0 && made instanceof MADE && made.plain && hasTapeFreeTransformer(layer.transformer);
}

/** The density direction of `layer` with its backward (see the module comment). Call inside `tf.tidy`, no tape. */
export function maskedAutoregressiveInverseWithBackward(layer: MaskedAutoregressive, y: tf.Tensor2D): SavedInverse {
  const transformer = layer.transformer;
  if (!maskedAutoregressiveSupportsTapeFree(layer) || !hasTapeFreeTransformer(transformer)) {
    throw new Error(`${layer.className}.inverseWithBackward: internal: this layer takes the tape path`);
  }
  const made = layer.made as MADE;
  const [batch, dim] = y.shape;
  const P = transformer.paramsPerDim;
  const net = made.applyWithBackward(y);
  const params = tf.reshape(net.output, [batch, dim, P]) as tf.Tensor3D;
  const t = transformer.inverseWithBackward(y, params);
  const logDet = (dim === 1 ? tf.reshape(t.logDet, [batch]) : tf.sum(t.logDet, 1)) as tf.Tensor1D;
  return {
    output: t.output,
    logDet,
    backward: (dOutput, dLogDet, sink, needInput) => {
      const column = tf.reshape(dLogDet, [batch, 1]) as tf.Tensor2D;
      const dl = dim === 1 ? column : (tf.tile(column, [1, dim]) as tf.Tensor2D);
      const { dInput, dParams } = t.backward(dOutput, dl);
      const dy = net.backward(tf.reshape(dParams, [batch, dim * P]) as tf.Tensor2D, sink, needInput);
      return dy ? (tf.add(dInput, dy) as tf.Tensor2D) : null;
    },
  };
}
